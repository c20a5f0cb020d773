// The same API served over HTTP by `paystrator-gitops sandbox`, with secrets from the env store
// set to canary values: the environment over HTTP behaves like the embedded one.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const RO = 'psk_sandbox_ro_0000000000000000';

describe('an environment whose endpoint is the sandbox over HTTP', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await serveSandbox();
    const [secretA, secretB] = canaries();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: secretA!, OTHER_SECRET: secretB! };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/a.yaml': providerYaml({ name: 'Xendit A' }),
      'providers/b.yaml': providerYaml({ name: 'Xendit B', percent: '2', secretVar: 'OTHER_SECRET', services: ['QR_CODE'] }),
    });
  });
  afterAll(() => sandbox.stop());

  it('plans, applies and converges', async () => {
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(`Plan for environment "http" (${sandbox.url}, company dummy-company)`);
    expect(plan.stdout).toContain('Plan: 2 to create');

    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('2 created');

    const again = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('left the live state as declared, read back through the API', async () => {
    const res = await fetch(`${sandbox.url}/v1/providers?q=xendit`, { headers: { authorization: `Bearer ${RO}` } });
    const body = (await res.json()) as { data: Array<Record<string, unknown>> };
    const a = body.data.find((p) => p.name === 'Xendit A')!;
    expect(a).toMatchObject({
      type: 'AGGREGATOR',
      integration: 'xendit',
      services: ['EWALLET', 'VIRTUAL_ACCOUNT'],
      fee: { type: 'PERCENTAGE', percent: '1.5' },
      tax: { vatPercent: '11', applyVat: true },
      status: 'ACTIVE',
      labels: { team: 'payments', 'managed-by': 'paystrator-gitops' },
      credentials: { clientKey: 'xnd_development_abc123', clientSecret: { masked: true, version: 1 } },
    });
    expect(JSON.stringify(body)).not.toContain(canaries()[0]);
    // The sandbox keeps no reversible form of a secret at rest either.
    const state = await readFile(sandbox.dataFile, 'utf8');
    for (const c of canaries()) expect(state).not.toContain(c);
  });

  it('notices a changed secret and shows it as a sensitive change only', async () => {
    const changed = { ...env, XENDIT_SECRET: `${canaries()[2]}` };
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: changed });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ update Xendit A');
    expect(plan.stdout).toContain('spec.credentials.clientSecret: (sensitive value changed)');
    expect(plan.stdout).not.toContain('Xendit B\n');
  });

  it('refuses to write with the read-only key, and says why', async () => {
    const r = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env: { ...env, PAYSTRATOR_API_KEY: RO, XENDIT_SECRET: `${canaries()[2]}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/update provider "Xendit A" failed: 403/);
    expect(r.stdout).toContain('1 failed');
  });

  it('reports an unreachable endpoint clearly', async () => {
    const other = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: 'http://127.0.0.1:9' }),
      'providers/a.yaml': providerYaml({ name: 'Xendit A' }),
    });
    const r = await runCli(['plan', '--env', 'http'], { cwd: other, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
