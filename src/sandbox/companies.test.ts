// sandbox --clients N: several companies in one sandbox, each request scoped to its key's company.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaries, tempDir } from '../../test/helpers/cli.js';
import { createCompaniesApp } from './companies.js';
import { openSandboxStore } from './store/persistence.js';
import { clientKeys, SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './store/types.js';

const SECRET = canaries()[0]!;
const provider = (name: string) => ({
  name,
  type: 'AGGREGATOR',
  integration: 'xendit',
  services: ['EWALLET'],
  credentials: { clientKey: 'xnd_development_abc123', clientSecret: SECRET },
  fee: { type: 'PERCENTAGE', percent: '1' },
  tax: { vatPercent: '11', applyVat: true },
});

async function hosted(file: string, clients: number) {
  const store = await openSandboxStore(file);
  store.ensureClients(clients);
  const app = createCompaniesApp({ store, dashboard: true });
  const page = await (await app.request('/')).text();
  const session = /<meta name="paystrator-session" content="([^"]+)">/.exec(page)?.[1];
  const call = async (key: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(url, {
      method,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  return { store, call, session: session! };
}

describe('a sandbox hosting several companies', () => {
  it('has deterministic, documented keys per client', () => {
    expect(clientKeys('dummy-company')).toEqual({ rw: SANDBOX_RW_KEY, ro: SANDBOX_RO_KEY });
    const keys = clientKeys('client-002');
    expect(keys.rw).toMatch(/^psk_sandbox_rw_client-002_[0-9a-f]{16}$/);
    expect(keys.ro).toMatch(/^psk_sandbox_ro_client-002_[0-9a-f]{16}$/);
    expect(clientKeys('client-002')).toEqual(keys);
    expect(clientKeys('client-003').rw).not.toBe(keys.rw);
  });

  it('scopes every request to the company of its key: providers, keys, whitelist; and keeps them all in one state file', async () => {
    const file = path.join(await tempDir('sandbox-clients-'), 'sandbox.json');
    const { store, call, session } = await hosted(file, 3);
    expect(store.companies.map((c) => c.companyInfo)).toEqual([
      { id: 'dummy-company', name: 'Dummy Company' },
      { id: 'client-002', name: 'Client 002' },
      { id: 'client-003', name: 'Client 003' },
    ]);
    const two = clientKeys('client-002');
    const three = clientKeys('client-003');
    expect((await call(two.rw, 'GET', '/v1/company')).json).toMatchObject({ id: 'client-002', permission: 'read-write', apiKey: { name: 'Default' } });
    expect((await call(three.ro, 'GET', '/v1/company')).json).toMatchObject({ id: 'client-003', permission: 'read', apiKey: { name: 'Read only' } });
    expect((await call(SANDBOX_RW_KEY, 'GET', '/v1/company')).json).toMatchObject({ id: 'dummy-company' });
    expect((await call(session, 'GET', '/v1/company')).json).toMatchObject({ id: 'dummy-company' });
    expect((await call('psk_sandbox_rw_client-002_0000000000000000', 'GET', '/v1/company')).status).toBe(401);
    expect((await call(three.ro, 'POST', '/v1/providers', provider('Nope'))).status).toBe(403);

    // The same name in two companies: two providers, each seen only by its company.
    expect((await call(two.rw, 'POST', '/v1/providers', provider('Xendit'))).status).toBe(201);
    expect((await call(SANDBOX_RW_KEY, 'POST', '/v1/providers', provider('Xendit'))).status).toBe(201);
    expect((await call(two.rw, 'GET', '/v1/providers')).json.data).toHaveLength(1);
    expect((await call(three.rw, 'GET', '/v1/providers')).json.data).toEqual([]);
    expect((await call(two.rw, 'GET', '/v1/sequences/EWALLET')).json.providers).toHaveLength(1);
    // A key created in client-003 works there only.
    const created = (await call(three.rw, 'POST', '/v1/api-keys', { name: 'CI', permissions: { EWALLET: 'READ' } })).json;
    expect((await call(created.value as string, 'GET', '/v1/company')).json).toMatchObject({ id: 'client-003', apiKey: { name: 'CI' } });
    expect((await call(two.rw, 'GET', '/v1/api-keys')).json.data.map((k: { name: string }) => k.name)).toEqual(['Default', 'Read only']);
    // client-002 locks itself out; the others are unaffected.
    await call(two.rw, 'PUT', '/v1/ip-whitelist', { addresses: ['198.51.100.1'] }, { 'If-Match': '"1"' });
    expect((await call(two.ro, 'GET', '/v1/providers')).status).toBe(403);
    expect((await call(three.ro, 'GET', '/v1/providers')).status).toBe(200);
    await store.close();

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(two.rw);
    expect(JSON.parse(text).clients.map((c: { company: { id: string } }) => c.company.id)).toEqual(['client-002', 'client-003']);
    // Reopened with fewer clients asked for: what the file holds stays, data included.
    const again = await hosted(file, 1);
    expect(again.store.companies).toHaveLength(3);
    expect((await again.call(two.rw, 'GET', '/v1/providers')).status).toBe(403);
    expect((await again.call(created.value as string, 'GET', '/v1/providers')).json.data).toEqual([]);
    expect((await again.call(SANDBOX_RW_KEY, 'GET', '/v1/providers')).json.data).toHaveLength(1);
    await again.store.close();
  });

  it('hosts 1000 companies', async () => {
    const file = path.join(await tempDir('sandbox-clients-'), 'sandbox.json');
    const { store, call } = await hosted(file, 1000);
    expect((await call(clientKeys('client-1000').rw, 'GET', '/v1/company')).json).toMatchObject({ id: 'client-1000' });
    expect((await call(clientKeys('client-500').ro, 'GET', '/v1/webhooks')).status).toBe(200);
    await store.close();
    expect(JSON.parse(await readFile(file, 'utf8')).clients).toHaveLength(999);
  });
});
