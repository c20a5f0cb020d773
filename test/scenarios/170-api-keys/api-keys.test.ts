// kind: ApiKey end to end, against `paystrator-gitops sandbox` over HTTP: two keys declared and
// applied, each value found only in its sink (a file store and a Vault KV, the local Vault
// server), a clean plan after, a permission changed live found by drift, and the lockout guard on
// the key the run itself uses. The values are random: read from the sinks and the sandbox state,
// they become canaries the suite-wide scan looks for in everything the CLI printed.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxStateCanaries } from '../../helpers/canary-scan.js';
import { registerCanaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { CREATE_ANNOTATIONS, createIdempotencyKey } from '../../../src/model/api-key.js';
import type { LocalServer } from '../../servers/harness.js';
import { FakeVault, serveVault } from '../../servers/vault.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const VAULT_TOKEN = 'hvs.scenario170-api-keys-token';

const key = (name: string, permissions: string, sink: string, status = 'ACTIVE') => `---
apiVersion: paystrator-gitops/v1
kind: ApiKey
metadata: { name: ${name} }
spec:
  permissions: ${permissions}
  status: ${status}
  valueSink: ${sink}
`;

describe('API keys as code', () => {
  let sandbox: ServedSandbox;
  let vaultServer: LocalServer;
  const vault = new FakeVault();
  let dir: string;
  let all: string;
  let env: Record<string, string>;
  const values: { backend?: string; ci?: string } = {};

  const call = async (method: string, p: string, o: { key?: string; body?: unknown; ifMatch?: string } = {}) => {
    const res = await fetch(`${sandbox.url}${p}`, {
      method,
      headers: { Authorization: `Bearer ${o.key ?? RW}`, 'Content-Type': 'application/json', ...(o.ifMatch ? { 'If-Match': o.ifMatch } : {}) },
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const keys = async () => (await call('GET', '/v1/api-keys')).json.data as Array<{ id: string; name: string; status: string; version: number; permissions: Record<string, string>; annotations: Record<string, string> }>;
  const files = (ci: string, backend = '{ SEND_MONEY: READ_WRITE, VIRTUAL_ACCOUNT: READ }') => ({
    'config/api-keys.yaml':
      key('Backend Integration', backend, '{ store: files, name: backend.secret }') +
      key('CI', ci, '{ store: vault, name: keys/ci, key: apiKey }'),
  });
  const cli = (args: string[], apiKey = RW) => runCli(args, { cwd: dir, env: { ...env, PAYSTRATOR_API_KEY: apiKey } });

  beforeAll(async () => {
    vault.tokens.add(VAULT_TOKEN);
    [sandbox, vaultServer] = await Promise.all([serveSandbox([], { dataName: 'state.secret.json' }), serveVault(vault)]);
    // The CI key gets what the run needs to manage the account: READ_WRITE on every product.
    const products = new Set(((await call('GET', '/v1/integrations')).json.data as Array<{ services: string[] }>).flatMap((i) => i.services));
    all = `{ ${[...products].sort().map((p) => `${p}: READ_WRITE`).join(', ')} }`;
    dir = await workspace({
      'paystrator.yaml': `environments:
  sandbox:
    endpoint: ${sandbox.url}
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: config/**/*.yaml
secretStores:
  env: { type: env }
  files: { type: file, dir: sinks }
  vault: { type: vault, address: ${vaultServer.url}, token: { secretRef: { store: env, name: VAULT_TOKEN } } }
`,
      ...files(all),
    });
    env = { VAULT_TOKEN };
  });
  afterAll(async () => {
    await Promise.all([sandbox?.stop(), vaultServer?.stop()]);
  });

  it('validate says where a sink cannot take a value', async () => {
    await writeFile(path.join(dir, 'config/bad.yaml'), key('Bad', '{ EWALLET: READ }', '{ store: env, name: X }'));
    try {
      const r = await cli(['validate']);
      expect(r.code).toBe(1);
      expect(r.stdout + r.stderr).toContain('config/bad.yaml:8:23: spec.valueSink.store: secret store env is of type env, which cannot be written');
    } finally {
      await rm(path.join(dir, 'config/bad.yaml'));
    }
  });

  it('apply creates both keys; each value is only in its sink, and works', async () => {
    const plan = await cli(['plan', '--detailed-exitcode']);
    expect(plan.stdout).toContain('+ create ApiKey "Backend Integration"');
    expect(plan.stdout).toContain('its value is written to files/backend.secret, and nowhere else');
    expect(plan.code).toBe(2);

    const apply = await cli(['apply', '--auto-approve']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/ApiKey "Backend Integration": created \(psk_[a-z0-9_]+\.\.\.\); its value is in files\/backend.secret/);

    values.backend = await readFile(path.join(dir, 'sinks/backend.secret'), 'utf8');
    values.ci = String(vault.kv.get('secret')?.get('keys/ci')?.at(-1)?.data.apiKey);
    // The sandbox writes its state before it answers.
    const state = await readFile(sandbox.dataFile, 'utf8');
    await registerCanaries([values.backend, values.ci, ...sandboxStateCanaries(state)]);
    for (const out of [plan.stdout, plan.stderr, apply.stdout, apply.stderr]) {
      expect(out).not.toContain(values.backend);
      expect(out).not.toContain(values.ci);
    }
    expect(sandboxStateCanaries(state)).toEqual(expect.arrayContaining([values.backend, values.ci]));
  });

  it('the values are real keys, recorded as written to their sinks; the next plan is clean', async () => {
    expect((await call('GET', '/v1/company', { key: values.backend })).json).toMatchObject({ permission: 'read', apiKey: { name: 'Backend Integration' } });
    expect((await call('GET', '/v1/company', { key: values.ci })).json).toMatchObject({ permission: 'read-write', apiKey: { name: 'CI' } });
    const backend = (await keys()).find((k) => k.name === 'Backend Integration')!;
    expect(backend.annotations).toMatchObject({ 'paystrator-gitops/managed-by': 'paystrator-gitops', 'paystrator-gitops/value-sink': 'files/backend.secret' });
    const plan = await cli(['plan', '--detailed-exitcode']);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('a permission changed live is drift (exit 2), named by product; drift --write keeps it in git', async () => {
    const backend = (await keys()).find((k) => k.name === 'Backend Integration')!;
    const patched = await call('PATCH', `/v1/api-keys/${backend.id}`, { body: { permissions: { SEND_MONEY: 'READ' } }, ifMatch: `"${backend.version}"` });
    expect(patched.status).toBe(200);
    const drift = await cli(['drift', '--detailed-exitcode']);
    expect(drift.code, drift.stdout + drift.stderr).toBe(2);
    expect(drift.stdout).toContain('spec.permissions.SEND_MONEY');
    const write = await cli(['drift', '--write']);
    expect(write.code, write.stdout + write.stderr).toBe(0);
    expect(write.stdout).toContain('-  permissions: { SEND_MONEY: READ_WRITE, VIRTUAL_ACCOUNT: READ }');
    expect(write.stdout).toContain('+  permissions: { SEND_MONEY: READ, VIRTUAL_ACCOUNT: READ }');
    expect(await readFile(path.join(dir, 'config/api-keys.yaml'), 'utf8')).toContain('permissions: { SEND_MONEY: READ, VIRTUAL_ACCOUNT: READ }');
    // What is left is the sandbox's own keys, live and never in git: reported, as unmanaged providers are.
    const after = await cli(['drift']);
    expect(after.stdout).not.toContain('spec.permissions');
    expect(after.stdout).toContain('ApiKey "Default"');
    expect((await cli(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('a run that died between the create and the sink: the next apply replays the create and writes the value', async () => {
    // What the dead run sent: the create, with the Idempotency-Key and body a plan gives it.
    const body = { name: 'Mobile App', permissions: { EWALLET: 'READ' }, annotations: { ...CREATE_ANNOTATIONS } };
    const res = await fetch(`${sandbox.url}/v1/api-keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${RW}`, 'Content-Type': 'application/json', 'Idempotency-Key': createIdempotencyKey('dummy-company', 'sandbox', 'Mobile App') },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(201);
    const value = ((await res.json()) as { value: string }).value;
    await registerCanaries([value]);
    const text = await readFile(path.join(dir, 'config/api-keys.yaml'), 'utf8');
    await writeFile(path.join(dir, 'config/api-keys.yaml'), text + key('Mobile App', '{ EWALLET: READ }', '{ store: files, name: mobile.secret }'));
    const plan = await cli(['plan']);
    expect(plan.stdout).toContain('the create is replayed with the same Idempotency-Key to get the value again, which is written to files/mobile.secret');
    const apply = await cli(['apply', '--auto-approve']);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(await readFile(path.join(dir, 'sinks/mobile.secret'), 'utf8')).toBe(value);
    const mobile = (await keys()).filter((k) => k.name === 'Mobile App');
    expect(mobile).toHaveLength(1);
    expect(mobile[0]!.annotations['paystrator-gitops/value-sink']).toBe('files/mobile.secret');
    expect((await cli(['plan', '--detailed-exitcode'])).code).toBe(0);
  });

  it('the lockout guard refuses to reduce or revoke the key the run uses, and passes with --allow-lockout', async () => {
    const reduced = all.replace('SEND_MONEY: READ_WRITE', 'SEND_MONEY: READ');
    await writeFile(path.join(dir, 'config/api-keys.yaml'), files(reduced)['config/api-keys.yaml']);
    const plan = await cli(['plan'], values.ci);
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toContain('this plan reduces (SEND_MONEY READ_WRITE -> READ) the API key this run itself uses ("CI")');
    expect(plan.stdout + plan.stderr).toContain('--allow-lockout');
    // The same change run with another key is no lockout.
    expect((await cli(['plan', '--detailed-exitcode'], RW)).code).toBe(2);

    await writeFile(path.join(dir, 'config/api-keys.yaml'), files(all)['config/api-keys.yaml'].replace(/status: ACTIVE\n {2}valueSink: \{ store: vault/, 'status: REVOKED\n  valueSink: { store: vault'));
    const refused = await cli(['apply', '--auto-approve'], values.ci);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('this plan revokes the API key this run itself uses ("CI")');
    expect((await keys()).find((k) => k.name === 'CI')!.status).toBe('ACTIVE');

    const allowed = await cli(['apply', '--auto-approve', '--allow-lockout'], values.ci);
    expect(allowed.code, allowed.stdout + allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('ApiKey "CI": revoked');
    expect((await keys()).find((k) => k.name === 'CI')!.status).toBe('REVOKED');
    expect((await call('GET', '/v1/company', { key: values.ci })).status).toBe(401);
  });
});
