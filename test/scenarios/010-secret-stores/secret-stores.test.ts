// The built CLI plans and applies providers whose secrets come from every store type: env, file,
// age (a committed file the age CLI encrypted), Vault (token and AppRole), AWS Secrets Manager and GCP
// Secret Manager, the last three served locally in their documented wire formats. Every secret,
// token and key is a canary; the suite-wide scan checks all output, plan files and request logs.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, workspace } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { ageFile, ageKey } from '../../servers/age.js';
import { FakeSecretsManager, serveSecretsManager } from '../../servers/aws-secrets-manager.js';
import { FakeSecretManager, serveSecretManager } from '../../servers/gcp-secret-manager.js';
import type { LocalServer } from '../../servers/harness.js';
import { FakeVault, serveVault } from '../../servers/vault.js';

const REGION = 'ap-southeast-3';

function provider(name: string, clientSecret: string, webhook?: string): string {
  return `# yaml-language-server: $schema=${REPO_ROOT}/schemas/provider.schema.json
apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: ${name}
spec:
  type: AGGREGATOR
  integration: xendit
  services: [VIRTUAL_ACCOUNT, EWALLET]
  credentials:
    clientKey: xnd_development_s10
    clientSecret: ${clientSecret}
${webhook ? `    webhookVerificationToken: ${webhook}\n` : ''}  fee: { type: PERCENTAGE, percent: "1.5" }
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;
}

const ref = (store: string, name: string, extra = '') => `{ secretRef: { store: ${store}, name: ${name}${extra} } }`;

const PROVIDERS: Record<string, string> = {
  'providers/env.yaml': provider('S10 Env', ref('env', 'XENDIT_SECRET')),
  'providers/file.yaml': provider('S10 File', ref('local', 'XENDIT')),
  'providers/age.yaml': provider('S10 Age', ref('sealed', 'xendit', ', key: clientSecret'), ref('sealed', 'xendit', ', key: webhook')),
  'providers/vault.yaml': provider('S10 Vault', ref('vault', 'payments/xendit', ', key: clientSecret'), ref('vault', 'payments/xendit', ', key: webhookToken')),
  'providers/approle.yaml': provider('S10 AppRole', ref('vault-approle', 'payments/approle', ', key: clientSecret')),
  'providers/aws.yaml': provider('S10 AWS', ref('aws', 'payments/xendit', ', key: clientSecret'), ref('aws', 'payments/webhook')),
  'providers/aws-pinned.yaml': provider('S10 AWS Pinned', ref('aws', 'payments/xendit', ', key: clientSecret, version: AWSPREVIOUS')),
  'providers/gcp.yaml': provider('S10 GCP', ref('gcp', 'xendit-client-secret')),
  'providers/gcp-pinned.yaml': provider('S10 GCP Pinned', ref('gcp', 'xendit-client-secret', ', version: 1')),
};

describe('secrets from every store type, through the built CLI', () => {
  const vault = new FakeVault();
  let sm: FakeSecretsManager;
  const gcp = new FakeSecretManager({ projectId: 'paystrator-prod', projectNumber: '123456789012' });
  const servers: LocalServer[] = [];
  let dir: string;
  let env: Record<string, string>;
  let c: string[];

  beforeAll(async () => {
    c = canaries();
    const [a, b, , t] = c as [string, string, string, string];
    env = {
      XENDIT_SECRET: `${a}-env`,
      VAULT_TOKEN: `hvs.${t}`,
      VAULT_SECRET_ID: `${t}-approle`,
      AWS_ACCESS_KEY_ID: 'AKIATESTPAYSTRATOR10',
      AWS_SECRET_ACCESS_KEY: `${t}-aws`,
      GCP_ACCESS_TOKEN: `ya29.${t}`,
      // Hermetic AWS: no profile files, no instance metadata lookups.
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    };

    vault.tokens.add(env.VAULT_TOKEN!);
    vault.appRoles.set('approle', { roleId: 'paystrator-ci', secretId: env.VAULT_SECRET_ID! });
    vault.put('secret', 'payments/xendit', { clientSecret: `${a}-vault`, webhookToken: `${b}-vault` });
    vault.put('secret', 'payments/approle', { clientSecret: `${a}-approle` });

    sm = new FakeSecretsManager({ region: REGION, accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! });
    sm.put('payments/xendit', JSON.stringify({ clientSecret: `${a}-aws-previous` }));
    sm.put('payments/xendit', JSON.stringify({ clientSecret: `${a}-aws` }));
    sm.put('payments/webhook', `${b}-aws`);

    gcp.tokens.set(env.GCP_ACCESS_TOKEN!, 'ok');
    gcp.add('xendit-client-secret', `${a}-gcp-1`);

    const [v, aws, g] = await Promise.all([serveVault(vault), serveSecretsManager(sm), serveSecretManager(gcp)]);
    servers.push(v, aws, g);

    dir = await workspace({
      'paystrator.yaml': `environments:
  sandbox: { endpoint: embedded, providers: providers/**/*.yaml }
secretStores:
  env: { type: env }
  local: { type: file, path: local.secret.yaml }
  sealed: { type: age, path: secrets.age.yaml, identityFile: age-key.secret.txt }
  vault: { type: vault, address: ${v.url}, mount: secret, token: { secretRef: { store: env, name: VAULT_TOKEN } } }
  vault-approle:
    type: vault
    address: ${v.url}
    appRole: { roleId: paystrator-ci, secretId: { secretRef: { store: env, name: VAULT_SECRET_ID } } }
  aws: { type: aws-secrets-manager, region: ${REGION}, endpoint: ${aws.url} }
  gcp: { type: gcp-secret-manager, project: paystrator-prod, endpoint: ${g.url}, accessToken: { secretRef: { store: env, name: GCP_ACCESS_TOKEN } } }
`,
      // The file store's own data holds a canary, so its name carries `.secret` (see global-setup).
      'local.secret.yaml': `XENDIT: ${a}-file\n`,
      ...PROVIDERS,
    });
    // The identity is a canary too, so its copy carries `.secret`; the encrypted file holds no plaintext.
    await copyFile(ageKey().keyFile, path.join(dir, 'age-key.secret.txt'));
    await copyFile(ageFile('store.age'), path.join(dir, 'secrets.age.yaml'));
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  const state = () => readFile(path.join(dir, '.paystrator/sandbox.json'), 'utf8').catch(() => '');

  it('plans and applies a provider from each store, reading each distinct secret once per run', async () => {
    const plan = await runCli(['plan', '--out', 'plan.json'], { cwd: dir, env });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan: 9 to create, 0 to update, 0 to deactivate, 0 unchanged.');
    expect(plan.stdout).toContain('spec.credentials.clientSecret: (sensitive)');
    // One batch for the two unpinned AWS names, one GetSecretValue for the AWSPREVIOUS pin.
    expect([...sm.calls].sort((x, y) => x.op.localeCompare(y.op))).toEqual([
      { op: 'BatchGetSecretValue', ids: ['payments/xendit', 'payments/webhook'] },
      { op: 'GetSecretValue', ids: ['payments/xendit'] },
    ]);
    expect(vault.reads).toBe(2); // payments/xendit serves two fields; payments/approle one
    expect(gcp.reads).toBe(2); // latest and version 1

    const apply = await runCli(['apply', 'plan.json'], { cwd: dir, env });
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 9 created, 0 updated, 0 status changes, 0 failed.');

    const again = await runCli(['plan', '--detailed-exitcode'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git (9 providers).');

    const live = await state();
    expect(live).toContain('paystrator-gitops/fingerprint.clientSecret');
    expect(live).toContain('paystrator-gitops/fingerprint.webhookVerificationToken');
  });

  it('shows (sensitive value changed) only for the providers whose store value changed; a pin holds', async () => {
    vault.put('secret', 'payments/xendit', { clientSecret: `${c[0]}-vault-rotated`, webhookToken: `${c[1]}-vault` });
    gcp.add('xendit-client-secret', `${c[0]}-gcp-2`);
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('Plan: 0 to create, 2 to update, 0 to deactivate, 7 unchanged.');
    expect(plan.stdout).toContain('~ update S10 Vault');
    expect(plan.stdout).toMatch(/~ update S10 GCP {2}providers\/gcp\.yaml/);
    expect(plan.stdout.match(/spec\.credentials\.clientSecret: \(sensitive value changed\)/g)).toHaveLength(2);
    expect(plan.stdout).not.toContain('webhookVerificationToken: (sensitive value changed)');

    const apply = await runCli(['apply', '--auto-approve'], { cwd: dir, env });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('0 created, 2 updated');
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir, env })).code).toBe(0);
  });

  it('a failing store exits 1 naming the reference and its line, and nothing changes live', async () => {
    // A change is pending (GCP rotated again), so an apply would write if resolution let it.
    gcp.add('xendit-client-secret', `${c[0]}-gcp-3`);
    const before = await state();
    const r = await runCli(['apply', '--auto-approve'], { cwd: dir, env: { ...env, VAULT_TOKEN: 'hvs.revoked' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'providers/vault.yaml:12:19: spec.credentials.clientSecret: cannot resolve secret (store vault, name payments/xendit, key clientSecret): permission denied (HTTP 403): the token is invalid, expired, or its policy does not allow reading this path',
    );
    expect(r.stderr).toContain('providers/vault.yaml:13:31: spec.credentials.webhookVerificationToken: cannot resolve secret (store vault, name payments/xendit, key webhookToken)');
    expect(r.stdout).not.toContain('Apply complete');
    expect(await state()).toBe(before);

    const gone = await runCli(['plan'], { cwd: dir, env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' } });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('providers/aws.yaml:12:19: spec.credentials.clientSecret: cannot resolve secret (store aws, name payments/xendit, key clientSecret): AWS refused the credentials (InvalidSignatureException)');
    expect(gone.stderr).toContain('providers/aws-pinned.yaml:12:19: spec.credentials.clientSecret: cannot resolve secret (store aws, name payments/xendit, key clientSecret, version AWSPREVIOUS)');

    // The pending change is still pending: nothing was applied.
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir, env })).code).toBe(2);
  });

  it('an unreachable store fails the same way, and validate needs no store at all', async () => {
    await servers[2]!.stop();
    const before = await state();
    const r = await runCli(['apply', '--auto-approve'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/providers\/gcp\.yaml:12:19: spec\.credentials\.clientSecret: cannot resolve secret \(store gcp, name xendit-client-secret\): cannot reach GCP Secret Manager at http:\/\/127\.0\.0\.1:\d+: connection refused/);
    expect(await state()).toBe(before);

    const v = await runCli(['validate'], { cwd: dir, env: {} });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('Valid: 9 providers');
  });

  it('reports a literal secret where a secretRef belongs, without echoing it', async () => {
    const file = path.join(dir, 'providers/env.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace(ref('env', 'XENDIT_SECRET'), `"${c[2]}-literal"`));
    try {
      const r = await runCli(['validate'], { cwd: dir, env: {} });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/providers\/env\.yaml:12:\d+: .*clientSecret/);
    } finally {
      await writeFile(file, original);
    }
  });
});
