// `paystrator-gitops sandbox --clients 3` over HTTP: each company's well-known keys reach that
// company only, and an environment per client plans against its own company.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';

describe('a sandbox hosting three companies over HTTP', () => {
  let sandbox: ServedSandbox;
  beforeAll(async () => {
    sandbox = await serveSandbox(['--clients', '3']);
  });
  afterAll(() => sandbox.stop());

  const company = async (key: string) => {
    const res = await fetch(`${sandbox.url}/v1/company`, { headers: { Authorization: `Bearer ${key}` } });
    return { status: res.status, json: (await res.json()) as { id?: string; permission?: string } };
  };

  it('scopes each key to its company', async () => {
    // The documented derivation of a client's keys (docs/sandbox.md).
    const { createHash } = await import('node:crypto');
    const key = (kind: string, id: string) => `psk_sandbox_${kind}_${id}_${createHash('sha256').update(`paystrator-sandbox ${kind} ${id}`).digest('hex').slice(0, 16)}`;
    expect((await company(RW)).json).toMatchObject({ id: 'dummy-company', permission: 'read-write' });
    expect((await company(key('rw', 'client-002'))).json).toMatchObject({ id: 'client-002', permission: 'read-write' });
    expect((await company(key('ro', 'client-003'))).json).toMatchObject({ id: 'client-003', permission: 'read' });
    expect((await company(key('rw', 'client-004'))).status).toBe(401);

    // An environment bound to client-002 refuses Dummy Company's key, as for a real account.
    const dir = await workspace({
      'paystrator.yaml': [
        'environments:',
        '  c2:',
        `    endpoint: ${sandbox.url}`,
        '    client: client-002',
        '    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }',
        '    providers: providers/**/*.yaml',
        'secretStores:',
        '  env: { type: env }',
        '',
      ].join('\n'),
      'providers/a.yaml': providerYaml({ name: 'Client Two Xendit' }),
    });
    const secret = { XENDIT_SECRET: canaries()[0]! };
    const wrong = await runCli(['plan', '--env', 'c2'], { cwd: dir, env: { ...secret, PAYSTRATOR_API_KEY: RW } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('is for client client-002, but its API key belongs to dummy-company');
    const env = { ...secret, PAYSTRATOR_API_KEY: key('rw', 'client-002') };
    expect((await runCli(['apply', '--env', 'c2', '--auto-approve'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['plan', '--env', 'c2', '--detailed-exitcode'], { cwd: dir, env })).code).toBe(0);
    // Created in client-002 only.
    const list = async (k: string) =>
      ((await (await fetch(`${sandbox.url}/v1/providers`, { headers: { Authorization: `Bearer ${k}` } })).json()) as { data: { name: string }[] }).data.map((p) => p.name);
    expect(await list(key('ro', 'client-002'))).toEqual(['Client Two Xendit']);
    expect(await list(RW)).toEqual([]);
    expect(await list(key('rw', 'client-003'))).toEqual([]);
  });
});
