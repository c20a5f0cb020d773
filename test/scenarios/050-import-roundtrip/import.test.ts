// Adoption: an account clicked together without git (seeded here through the sandbox's API over
// HTTP, as the dashboard would), imported into provider files, planned (nothing but the pending
// secret fingerprints and the adoption label), applied, and then in step with git.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';

interface LiveProvider {
  id: string;
  name: string;
  version: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  credentials: Record<string, { version: number } | string>;
}

describe('import, then plan: no change but the secrets', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const [xenditSecret, xenditToken, bcaSecret, danaKey] = canaries() as [string, string, string, string];
  const answers: string[] = [];

  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push(text);
    expect(res.status, text).toBeLessThan(300);
    return JSON.parse(text) as LiveProvider;
  };
  const liveByName = async (name: string) => (await api('GET', `/v1/providers?q=${encodeURIComponent(name)}`) as unknown as { data: LiveProvider[] }).data.find((p) => p.name === name)!;

  beforeAll(async () => {
    sandbox = await serveSandbox();
    await api('POST', '/v1/providers', {
      name: 'Xendit Main', type: 'AGGREGATOR', integration: 'xendit', services: ['QR_CODE', 'VIRTUAL_ACCOUNT', 'EWALLET'],
      credentials: { clientKey: 'xnd_development_P4k7', clientSecret: xenditSecret, webhookVerificationToken: xenditToken },
      fee: { type: 'PERCENTAGE', percent: '1.50' }, tax: { vatPercent: '11', applyVat: true }, labels: { team: 'payments' },
    });
    await api('POST', '/v1/providers', {
      name: 'BCA Direct', type: 'DIRECT', integration: 'bca', services: ['VIRTUAL_ACCOUNT', 'SEND_MONEY'],
      credentials: { clientKey: 'bca-client-7f3a', clientSecret: bcaSecret, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: bcaSecret },
      fee: { type: 'FLAT', amount: '4000', currency: 'IDR' }, tax: { vatPercent: '11', applyVat: true },
    });
    const dana = await api('POST', '/v1/providers', {
      name: 'DANA QRIS', type: 'DIRECT', integration: 'dana', services: ['EWALLET', 'QR_CODE'],
      credentials: { clientKey: 'dana-client-0042', clientSecret: danaKey, merchantId: '216620000012345', privateKey: danaKey },
      fee: { type: 'PERCENTAGE', percent: '0.7' }, tax: { vatPercent: '11', applyVat: false },
    });
    await api('POST', `/v1/providers/${dana.id}/status`, { status: 'MAINTENANCE', reason: 'bank downtime' }, { 'if-match': `"${dana.version}"` });
    dir = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }) });
  });
  afterAll(async () => {
    await capture('050 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  const env = (extra: Record<string, string> = {}) => ({ PAYSTRATOR_API_KEY: RW, ...extra });
  /** The secrets, under the names import asked for. */
  const secrets = () =>
    env({
      XENDIT_MAIN_CLIENT_SECRET: xenditSecret,
      XENDIT_MAIN_WEBHOOK_VERIFICATION_TOKEN: xenditToken,
      BCA_DIRECT_CLIENT_SECRET: bcaSecret,
      BCA_DIRECT_API_SECRET: bcaSecret,
      DANA_QRIS_CLIENT_SECRET: danaKey,
      DANA_QRIS_PRIVATE_KEY: danaKey,
    });

  it('writes one file per live provider, with secretRef placeholders and what to fill in', async () => {
    const r = await runCli(['import', '--env', 'http'], { cwd: dir, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Imported 3 of 3 live providers from environment "http" (company dummy-company):');
    expect(r.stdout).toMatch(/\+ providers\/xendit-main\.yaml +Xendit Main\n/);
    expect(r.stdout).toMatch(/\+ providers\/bca-direct\.yaml +BCA Direct\n/);
    expect(r.stdout).toMatch(/\+ providers\/dana-qris\.yaml +DANA QRIS\n/);
    expect(r.stdout).toContain('Fill in 6 secrets before you plan (secret store "env"):');
    expect(r.stdout).toMatch(/XENDIT_MAIN_WEBHOOK_VERIFICATION_TOKEN +Xendit Main: webhookVerificationToken/);
    expect(r.stdout).toContain('Nothing changed live.');
    expect((await readdir(path.join(dir, 'providers'))).sort()).toEqual(['bca-direct.yaml', 'dana-qris.yaml', 'xendit-main.yaml']);

    const xendit = await readFile(path.join(dir, 'providers/xendit-main.yaml'), 'utf8');
    expect(xendit).toMatch(/^# yaml-language-server: \$schema=\S+\/schemas\/provider\.schema\.json\n/);
    expect(xendit).toContain('    # fill in: put this provider\'s clientSecret (Client secret issued with the client key) in secret store "env" as XENDIT_MAIN_CLIENT_SECRET\n');
    expect(xendit).toContain('    clientSecret: { secretRef: { store: env, name: XENDIT_MAIN_CLIENT_SECRET } }\n');
    expect(xendit).toContain('  services: [VIRTUAL_ACCOUNT, QR_CODE, EWALLET]\n');
    expect(xendit).toContain('  fee: { type: PERCENTAGE, percent: "1.5" }\n');
    const bca = await readFile(path.join(dir, 'providers/bca-direct.yaml'), 'utf8');
    expect(bca).toContain('    companyCode: "10234"\n');
    expect(bca).toContain('  fee: { type: FLAT, amount: 4000, currency: IDR }\n');
    const dana = await readFile(path.join(dir, 'providers/dana-qris.yaml'), 'utf8');
    expect(dana).toContain('  status: MAINTENANCE # set by API: bank downtime\n');

    // The files are valid as written; and nothing was labelled live.
    expect((await runCli(['validate', '--env', 'http'], { cwd: dir, env: env() })).stdout).toContain('Valid: 3 providers (environment http).');
    expect((await liveByName('Xendit Main')).labels).toEqual({ team: 'payments' });
  });

  it('plans nothing but the pending secret fingerprints and the managed-by label, and says so', async () => {
    const r = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: secrets() });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Plan: 0 to create, 3 to update, 0 to deactivate, 0 unchanged.');
    expect(r.stdout).toContain(
      'Sensitive changes only: 6 secrets without a fingerprint live are written once to record their fingerprints, and 3 providers get the managed-by label that adopts them. No other field changes.',
    );
    const fieldLines = r.stdout.split('\n').filter((l) => /^ {6}(spec|metadata)\./.test(l));
    expect(fieldLines).toHaveLength(9);
    for (const l of fieldLines) {
      expect(l).toMatch(/^ {6}(spec\.credentials\.\w+: +\(sensitive: no fingerprint live yet; written once to record it\)|metadata\.labels\.managed-by: +\(none\) -> "paystrator-gitops")$/);
    }
    const json = JSON.parse((await runCli(['plan', '--env', 'http', '--format', 'json'], { cwd: dir, env: secrets() })).stdout) as {
      changes: { fields: { field: string; sensitive?: boolean; pending?: boolean }[] }[];
    };
    const fields = json.changes.flatMap((c) => c.fields);
    expect(fields.every((f) => (f.sensitive && f.pending) || f.field === 'metadata.labels.managed-by')).toBe(true);
  });

  it('applies the adoption without rotating any secret, and then git and live agree', async () => {
    const before = await liveByName('BCA Direct');
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env: secrets() });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('0 created, 3 updated, 0 status changes, 0 failed');
    const after = await liveByName('BCA Direct');
    expect(after.labels['managed-by']).toBe('paystrator-gitops');
    // The same values were written: the sandbox saw no new secret, so no version moved.
    expect(after.credentials).toEqual(before.credentials);
    // ...and the versions recorded are the live ones, so a later rotation outside git is noticed.
    for (const [field, v] of Object.entries(after.credentials)) {
      if (typeof v !== 'string') expect(after.annotations[`paystrator-gitops/credential-version.${field}`]).toBe(String(v.version));
    }

    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: secrets() });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes. Live matches git (3 providers).');
    await api('PATCH', `/v1/providers/${after.id}`, { credentials: { apiSecret: `${bcaSecret}-rotated` } }, { 'if-match': `"${after.version}"` });
    const drift = await runCli(['drift', '--env', 'http', '--detailed-exitcode', '--no-resolve-secrets'], { cwd: dir, env: env() });
    expect(drift.code).toBe(2);
    expect(drift.stdout).toMatch(/BCA Direct[\s\S]*apiSecret/);
    const again = await runCli(['import', '--env', 'http'], { cwd: dir, env: env() });
    expect(again.stdout).toContain('Imported 0 of 3 live providers');
    expect(again.stdout).toMatch(/= providers\/xendit-main\.yaml:\d+ +Xendit Main: skipped, already in git \(--overwrite replaces it\)/);
    expect(again.stdout).toContain('Nothing to import: every live provider is already in git.');
  });

  it('replaces a file only with --overwrite, keeping the secretRefs it had', async () => {
    const file = path.join(dir, 'providers/xendit-main.yaml');
    const mine = (await readFile(file, 'utf8')).replace('name: XENDIT_MAIN_CLIENT_SECRET', 'name: XENDIT_MAIN_CLIENT_SECRET, key: value').replace('team: payments', 'team: edited');
    await writeFile(file, mine);
    const skipped = await runCli(['import', '--env', 'http'], { cwd: dir, env: env() });
    expect(skipped.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(mine);

    const r = await runCli(['import', '--env', 'http', '--overwrite'], { cwd: dir, env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/~ providers\/xendit-main\.yaml +Xendit Main \(overwritten\)/);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('labels: { team: payments }');
    expect(text).toContain('clientSecret: { secretRef: { store: env, name: XENDIT_MAIN_CLIENT_SECRET, key: value } }');
    expect(text).not.toContain('fill in: put this provider\'s clientSecret');
  });

  it('writes where --out-dir says, and warns when plan would not see the files', async () => {
    const other = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }) });
    const r = await runCli(['import', '--env', 'http', '--out-dir', 'elsewhere'], { cwd: other, env: env() });
    expect(r.code).toBe(0);
    expect((await readdir(path.join(other, 'elsewhere'))).sort()).toEqual(['bca-direct.yaml', 'dana-qris.yaml', 'xendit-main.yaml']);
    expect(r.stderr).toContain('elsewhere/xendit-main.yaml');
    expect(r.stderr).toContain('not matched by environments.http.providers (providers/**/*.yaml): plan will not see them');
  });
});
