// Realistic workspaces for the bench: N provider files with 2-4 services, a fee, VAT, and
// secretRefs to about N/50 distinct secrets in the env store.
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

interface Kind {
  integration: string;
  type: 'DIRECT' | 'AGGREGATOR';
  services: string[];
  credentials: (i: number, secret: string) => string[];
}

const secretRef = (name: string) => `{ secretRef: { store: env, name: ${name} } }`;

const kinds: Kind[] = [
  { integration: 'xendit', type: 'AGGREGATOR', services: ['VIRTUAL_ACCOUNT', 'QR_CODE', 'EWALLET', 'CREDIT_CARD', 'SEND_MONEY'],
    credentials: (i, s) => [`clientKey: xnd_development_k${i}`, `clientSecret: ${secretRef(s)}`] },
  { integration: 'midtrans', type: 'AGGREGATOR', services: ['VIRTUAL_ACCOUNT', 'QR_CODE', 'EWALLET', 'CREDIT_CARD'],
    credentials: (i, s) => [`clientKey: SB-Mid-client-${i}`, `clientSecret: ${secretRef(s)}`, `merchantId: G${String(100000000 + i).slice(-9)}`] },
  { integration: 'doku', type: 'AGGREGATOR', services: ['VIRTUAL_ACCOUNT', 'QR_CODE', 'EWALLET', 'CREDIT_CARD'],
    credentials: (i, s) => [`clientKey: BRN-0001-${i}`, `clientSecret: ${secretRef(s)}`, `privateKey: ${secretRef(s)}`] },
  { integration: 'bca', type: 'DIRECT', services: ['VIRTUAL_ACCOUNT', 'SEND_MONEY'],
    credentials: (i, s) => [`clientKey: bca-${i}`, `clientSecret: ${secretRef(s)}`, 'corporateId: KBBCAID001', `companyCode: "${String(10000 + (i % 90000))}"`, `apiSecret: ${secretRef(s)}`] },
];

/** Deterministic, so every run measures the same files. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const FINGERPRINT_KEY = 'BENCH_FINGERPRINT_KEY';

export interface Generated {
  dir: string;
  files: number;
  secretNames: string[];
}

export async function writeConfig(dir: string, opts: { httpUrl?: string; dataFile?: string }): Promise<void> {
  await writeFile(
    path.join(dir, 'paystrator.yaml'),
    `environments:
  sandbox:
    endpoint: embedded
    providers: providers/**/*.yaml
${opts.dataFile ? `    data: ${opts.dataFile}\n` : ''}${opts.httpUrl ? `  http:\n    endpoint: ${opts.httpUrl}\n    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }\n    providers: providers/**/*.yaml\n` : ''}secretStores:
  env: { type: env }
policy:
  # Without a key, each of the ~20,000 secret fingerprints would cost one scrypt derivation.
  fingerprintKey: { secretRef: { store: env, name: ${FINGERPRINT_KEY} } }
`,
  );
}

export async function generateWorkspace(dir: string, n: number, opts: { httpUrl?: string; dataFile?: string } = {}): Promise<Generated> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'providers'), { recursive: true });
  const rand = rng(n);
  const distinct = Math.max(1, Math.round(n / 50));
  // The fingerprint key is one more secret the runs read (see writeConfig).
  const secretNames = [...Array.from({ length: distinct }, (_, i) => `BENCH_SECRET_${i}`), FINGERPRINT_KEY];
  const writes: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 10 < 6 ? kinds[0]! : kinds[1 + (i % 3)]!;
    const count = Math.min(kind.services.length, 2 + Math.floor(rand() * 3));
    const services = kind.services.slice(0, count);
    const fee = rand() < 0.7 ? `{ type: PERCENTAGE, percent: "${(Math.floor(rand() * 3000) / 1000).toString()}" }` : `{ type: FLAT, amount: ${1000 + Math.floor(rand() * 5) * 500}, currency: IDR }`;
    const name = `Provider ${String(i).padStart(5, '0')} ${kind.integration}`;
    const text = [
      '# yaml-language-server: $schema=../schemas/provider.schema.json',
      'apiVersion: paystrator-gitops/v1',
      'kind: Provider',
      'metadata:',
      `  name: ${name}`,
      `  labels: { team: team-${i % 7} }`,
      'spec:',
      `  type: ${kind.type}`,
      `  integration: ${kind.integration}`,
      `  services: [${services.join(', ')}]`,
      '  credentials:',
      ...kind.credentials(i, secretNames[i % distinct]!).map((l) => `    ${l}`),
      `  fee: ${fee}`,
      `  tax: { vatPercent: "11", applyVat: ${rand() < 0.8} }`,
      '  status: ACTIVE',
      '',
    ].join('\n');
    writes.push(writeFile(path.join(dir, 'providers', `p${String(i).padStart(5, '0')}.yaml`), text));
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  await writeConfig(dir, opts);
  return { dir, files: n, secretNames };
}

/** Where one environment of a multi-environment workspace lives, and which variable holds its key. */
export interface EnvEndpoint {
  url: string;
  keyVar: string;
  client?: string;
}

export const envName = (i: number) => `client-${String(i + 1).padStart(3, '0')}`;

export async function writeMultiEnvConfig(dir: string, endpoints: EnvEndpoint[]): Promise<void> {
  const envs = endpoints.map((e, i) =>
    `  ${envName(i)}:\n    endpoint: ${e.url}\n${e.client ? `    client: ${e.client}\n` : ''}    apiKey: { secretRef: { store: env, name: ${e.keyVar} } }\n    providers: clients/${envName(i)}/*.yaml\n`,
  );
  await writeFile(
    path.join(dir, 'paystrator.yaml'),
    `environments:\n${envs.join('')}secretStores:\n  env: { type: env }\npolicy:\n  fingerprintKey: { secretRef: { store: env, name: ${FINGERPRINT_KEY} } }\n`,
  );
}

/**
 * A holding group: `envs` environments of `perEnv` provider files each, in clients/<env>/, the
 * same realistic files as generateWorkspace (names are unique per environment only, as live).
 */
export async function generateMultiEnvWorkspace(dir: string, envs: number, perEnv: number): Promise<Generated> {
  const one = `${dir}-template`;
  const gen = await generateWorkspace(one, perEnv);
  await rm(dir, { recursive: true, force: true });
  for (let e = 0; e < envs; e++) await cp(path.join(one, 'providers'), path.join(dir, 'clients', envName(e)), { recursive: true });
  await rm(one, { recursive: true, force: true });
  return { dir, files: envs * perEnv, secretNames: gen.secretNames };
}
