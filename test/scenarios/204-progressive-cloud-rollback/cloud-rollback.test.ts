// apply --progressive rolls a rejected credential back to the secret version that was live, for
// the cloud stores that keep versions: AWS Secrets Manager (ListSecretVersionIds, then the earlier
// VersionId) and GCP Secret Manager (versions.list, then the earlier version number), each against
// a local server speaking its wire format, and a sandbox over HTTP simulating traffic (seeded).
// Counts and texts only, never timings: the analysis window is one second.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { providerYaml } from '../../helpers/fixtures.js';
import { FakeSecretsManager, serveSecretsManager } from '../../servers/aws-secrets-manager.js';
import { FakeSecretManager, serveSecretManager } from '../../servers/gcp-secret-manager.js';
import type { LocalServer } from '../../servers/harness.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const REGION = 'ap-southeast-3';

interface Row {
  providerName: string;
  service: string;
  successes: number;
}

async function successes(url: string, name: string): Promise<number> {
  const res = await fetch(`${url}/v1/metrics?window=1h`, { headers: { authorization: `Bearer ${RW}` } });
  const rows = ((await res.json()) as { data: Row[] }).data;
  return rows.filter((r) => r.providerName === name && r.service === 'EWALLET').reduce((n, r) => n + r.successes, 0);
}

/** Waits (bounded) until the provider has carried `n` more successful payments than `from`. */
async function carries(url: string, name: string, from: number, n = 20): Promise<number> {
  let now = from;
  for (let i = 0; i < 100 && now < from + n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 150));
    now = await successes(url, name);
  }
  return now;
}

interface CloudCase {
  label: string;
  /** The store entry of paystrator.yaml for a server at `url`. */
  store: (url: string) => string;
  /** The secretRef of the main provider's clientSecret. */
  ref: string;
  start: (values: { good: string; token: string }) => Promise<{ server: LocalServer; put: (bad: string) => void; env: Record<string, string> }>;
  /** The log line the rollback's version lookup leaves on the store's server. */
  listed: RegExp;
}

const cases: CloudCase[] = [
  {
    label: 'AWS Secrets Manager',
    store: (url) => `aws: { type: aws-secrets-manager, region: ${REGION}, endpoint: ${url} }`,
    ref: '{ secretRef: { store: aws, name: payments/wallet-main, key: clientSecret } }',
    listed: /^POST \/ -> 200 target=secretsmanager\.ListSecretVersionIds id=payments\/wallet-main versions=2$/m,
    start: async ({ good, token }) => {
      const env = {
        AWS_ACCESS_KEY_ID: 'AKIATESTPAYSTRATOR04',
        AWS_SECRET_ACCESS_KEY: `${token}-aws`,
        AWS_REGION: REGION,
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const sm = new FakeSecretsManager({ region: REGION, accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY });
      sm.put('payments/wallet-main', JSON.stringify({ clientSecret: good }));
      return { server: await serveSecretsManager(sm), put: (bad) => void sm.put('payments/wallet-main', JSON.stringify({ clientSecret: bad })), env };
    },
  },
  {
    label: 'GCP Secret Manager',
    store: (url) => `gcp: { type: gcp-secret-manager, project: paystrator-prod, endpoint: ${url}, accessToken: { secretRef: { store: env, name: GCP_ACCESS_TOKEN } } }`,
    ref: '{ secretRef: { store: gcp, name: wallet-main-client-secret } }',
    listed: /^GET \/v1\/projects\/paystrator-prod\/secrets\/wallet-main-client-secret\/versions\?filter=state%3AENABLED&pageSize=100 -> 200 auth=ok list=2$/m,
    start: async ({ good, token }) => {
      const sm = new FakeSecretManager({ projectId: 'paystrator-prod', projectNumber: '123456789012' });
      sm.tokens.set(`ya29.${token}`, 'ok');
      sm.add('wallet-main-client-secret', good);
      return { server: await serveSecretManager(sm), put: (bad) => void sm.add('wallet-main-client-secret', bad), env: { GCP_ACCESS_TOKEN: `ya29.${token}` } };
    },
  },
];

describe.each(cases)('apply --progressive rolls a rejected credential back to the earlier $label version', (c) => {
  const [good, bad, token] = canaries() as [string, string, string];
  let store: Awaited<ReturnType<CloudCase['start']>>;
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const main = (secret: string) => providerYaml({ name: 'Wallet Main', services: ['EWALLET'], percent: '1.5' }).replace('{ secretRef: { store: env, name: XENDIT_SECRET } }', secret);

  beforeAll(async () => {
    store = await c.start({ good, token });
    sandbox = await serveSandbox(['--traffic-rate', '400', '--seed', '11'], { env: { PAYSTRATOR_SANDBOX_REJECT_CREDENTIALS: bad } });
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: `${good}-spare`, ...store.env };
    dir = await workspace({
      'paystrator.yaml': `environments:
  http:
    endpoint: ${sandbox.url}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: providers/**/*.yaml
secretStores:
  env: { type: env }
  ${c.store(store.server.url)}
policy:
  rollout: { interval: 1s, minSuccessRate: 0.9, minTransactions: 5 }
`,
      'providers/main.yaml': main(c.ref),
      'providers/spare.yaml': providerYaml({ name: 'Wallet Spare', services: ['EWALLET'], percent: '2' }),
      'providers/sequence.yaml': 'apiVersion: paystrator-gitops/v1\nkind: Sequence\nspec:\n  product: EWALLET\n  providers: [Wallet Main, Wallet Spare]\n',
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    await store?.server.stop();
  });

  it('fails the step, puts the earlier version back live, and routing returns to the first provider', async () => {
    // Wallet Main is first in the sequence: it carries the payments before the change.
    expect(await carries(sandbox.url, 'Wallet Main', await successes(sandbox.url, 'Wallet Main'))).toBeGreaterThanOrEqual(20);
    store.put(bad);
    const r = await runCli(['apply', '--env', 'http', '--auto-approve', '--progressive'], { cwd: dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('[1/1] provider Wallet Main (watching EWALLET)\n  applied\n');
    // Failover to the spare hides part of the harm; the failed payments before it show in the rate.
    expect(r.stdout).toMatch(/ {2}FAIL: (success rate [\d.]+% \(\d+ of \d+\) is below 90\.0%|.*Wallet Main served payments before the step and serves none after it)/);
    expect(r.stdout).toContain('  rolled back: Wallet Main: clientSecret back to the store version that was live\n');
    expect(r.stdout).toContain('Live now holds:\n  - Wallet Main: clientSecret back to the store version that was live\n');
    expect(r.stdout).not.toContain('MAINTENANCE');
    expect(r.stderr).toContain('Progressive apply stopped at step 1 (provider Wallet Main): rolled back.');
    // The rollback looked the earlier version up in the store itself.
    expect(store.server.log.join('\n')).toMatch(c.listed);
    const record = JSON.parse(await readFile(path.join(dir, '.paystrator/rollback-http.json'), 'utf8')) as { actions: { ok: boolean; description?: string }[] };
    expect(record.actions.length).toBeGreaterThan(0);
    expect(record.actions.every((a) => a.ok)).toBe(true);
    // Live holds the earlier (accepted) secret again: Wallet Main serves payments once more.
    const before = await successes(sandbox.url, 'Wallet Main');
    expect(await carries(sandbox.url, 'Wallet Main', before, 10)).toBeGreaterThanOrEqual(before + 10);
    // Git (through the store's current version) still says the rejected value: the next plan wants it again.
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toContain('~ update Wallet Main');
    expect(plan.stdout).toContain('(sensitive value changed)');
    // Put the store's current version back to an accepted value: the plan applies it and is clean.
    store.put(good);
    await writeFile(path.join(dir, 'providers/main.yaml'), main(c.ref));
    const clean = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
  }, 120_000);
});
