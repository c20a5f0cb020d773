import { REPO_ROOT } from './paths.js';

export interface ProviderFixture {
  name: string;
  integration?: string;
  type?: 'DIRECT' | 'AGGREGATOR';
  services?: string[];
  percent?: string;
  status?: string;
  secretVar?: string;
}

/** A valid xendit provider whose client secret comes from the env store. */
export function providerYaml(p: ProviderFixture): string {
  return `# yaml-language-server: $schema=${REPO_ROOT}/schemas/provider.schema.json
apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: ${JSON.stringify(p.name)}
  labels: { team: payments }
spec:
  type: ${p.type ?? 'AGGREGATOR'}
  integration: ${p.integration ?? 'xendit'}
  services: [${(p.services ?? ['VIRTUAL_ACCOUNT', 'EWALLET']).join(', ')}]
  credentials:
    clientKey: xnd_development_abc123
    clientSecret: { secretRef: { store: env, name: ${p.secretVar ?? 'XENDIT_SECRET'} } }
  fee: { type: PERCENTAGE, percent: "${p.percent ?? '1.5'}" }
  tax: { vatPercent: "11", applyVat: true }
  status: ${p.status ?? 'ACTIVE'}
`;
}

export function configYaml(opts: { httpUrl?: string; dataFile?: string } = {}): string {
  return `environments:
  sandbox:
    endpoint: embedded
    providers: providers/**/*.yaml
${opts.dataFile ? `    data: ${opts.dataFile}\n` : ''}${
    opts.httpUrl
      ? `  http:
    endpoint: ${opts.httpUrl}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: providers/**/*.yaml
`
      : ''
  }secretStores:
  env: { type: env }
`;
}
