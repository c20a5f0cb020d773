// Fingerprints that resist guessing, through the built CLI against the sandbox over HTTP: what a
// read-only API key sees in the annotations cannot be recomputed from public data; a fingerprint
// of an older scheme is re-recorded once, said so in the plan, never a crash or a false change;
// policy.fingerprintKey switches to keyed fingerprints the same way.
import { createHash, createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../../src/generated/api.js';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { httpConfig, listProviders, providerFiles, RO, RW } from '../../helpers/apply.js';

const FP = 'paystrator-gitops/fingerprint.clientSecret';
const CV = 'paystrator-gitops/credential-version.clientSecret';
// What version 1 wrote: an HMAC keyed by public data only, so anyone could test guesses offline.
const v1 = (company: string, provider: string, value: string) =>
  `hmac-sha256:${createHmac('sha256', createHash('sha256').update(`paystrator-gitops/fingerprint/v1\0${company}\0${provider}\0clientSecret`).digest()).update(value).digest('base64url')}`;

describe('secret fingerprints', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const secret = canaries()[0]!;
  const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: secret, FP_KEY: canaries()[2]! };
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });
  const read = async (name: string): Promise<Provider> => {
    const all = await listProviders(sandbox.url);
    return all.find((p) => p.name === name)!;
  };

  beforeAll(async () => {
    sandbox = await serveSandbox();
    dir = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), ...providerFiles([{ name: 'Fp A' }, { name: 'Fp B' }]) });
    expect((await cli('apply', '--auto-approve')).stdout).toContain('2 created');
  }, 300_000);
  afterAll(() => sandbox.stop());

  it('are memory-hard with a salt per field when there is no key: public data does not reproduce them', async () => {
    const a = await read('Fp A');
    const b = await read('Fp B');
    expect(a.annotations[FP]).toMatch(/^scrypt-v1:14\.8\.1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$/);
    // The same secret on two providers: unrelated fingerprints (their salts differ).
    expect(a.annotations[FP]!.split(':')[2]).not.toBe(b.annotations[FP]!.split(':')[2]);
    const listed = JSON.stringify(await (await fetch(`${sandbox.url}/v1/providers`, { headers: { authorization: `Bearer ${RO}` } })).json());
    expect(listed).not.toContain(v1('dummy-company', 'Fp A', secret).slice('hmac-sha256:'.length));
    expect(listed).not.toContain(secret);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('re-records a fingerprint of an older scheme once, and says why', async () => {
    const a = await read('Fp A');
    const res = await fetch(`${sandbox.url}/v1/providers/${a.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', 'if-match': `"${a.version}"` },
      body: JSON.stringify({ annotations: { [FP]: v1('dummy-company', 'Fp A', secret), [CV]: a.annotations[CV] } }),
    });
    expect(res.status).toBe(200);
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ update Fp A');
    expect(plan.stdout).toContain('spec.credentials.clientSecret: (sensitive: no fingerprint live yet; written once to record it)');
    expect(plan.stdout).toContain('# the fingerprint recorded live for spec.credentials.clientSecret is of another scheme');
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to update, 0 to deactivate, 1 unchanged.');
    // drift does not call it a changed secret: it cannot compare, so it does not.
    const drift = await cli('drift', '--detailed-exitcode');
    expect(drift.stdout).not.toContain('store-differs');
    expect(drift.stdout).not.toContain('the secret store holds another value');
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(0);
    expect((await read('Fp A')).annotations[FP]).toMatch(/^scrypt-v1:/);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('are keyed by policy.fingerprintKey when set: switching re-records each secret once, then nothing', async () => {
    await writeFile(
      path.join(dir, 'paystrator.yaml'),
      httpConfig(sandbox.url, 'policy:\n  maxChangePercent: 100\n  fingerprintKey: { secretRef: { store: env, name: FP_KEY } }\n'),
    );
    const plan = await cli('plan', '--out', 'plan.json');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan: 0 to create, 2 to update');
    expect(plan.stdout.match(/is of another scheme/g)).toHaveLength(2);
    const apply = await cli('apply', 'plan.json');
    expect(apply.code).toBe(0);
    const a = await read('Fp A');
    const b = await read('Fp B');
    expect(a.annotations[FP]).toMatch(/^hmac-sha256-k1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{43}$/);
    expect(a.annotations[FP]).not.toBe(b.annotations[FP]);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
    // A changed secret is still seen as one.
    const changed = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: { ...env, XENDIT_SECRET: canaries()[1]! } });
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain('spec.credentials.clientSecret: (sensitive value changed)');
    // A missing key is an error at its place in the config, not an internal error.
    const noKey = await runCli(['plan', '--env', 'http'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: secret } });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/paystrator\.yaml.*policy\.fingerprintKey/);
    expect(noKey.stderr).not.toContain('internal error');
  });
});
