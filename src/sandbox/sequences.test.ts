// The sandbox's routing-sequence rules, through its HTTP API (in process).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog, bundledCatalog, entryFromSchema } from '../catalog/catalog.js';
import { canaries, capture, tempDir } from '../../test/helpers/cli.js';
import { createSandboxApp } from './app.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RW_KEY } from './store/types.js';

const bodies: string[] = [];
const [SECRET] = canaries() as [string];

/** The bundled catalog plus "qrlocal": a QR_CODE integration that is not QRIS. */
function catalogWithNonQris(): Catalog {
  const base = bundledCatalog();
  const xendit = base.get('xendit')!.schema;
  const local = entryFromSchema({
    ...xendit,
    $id: 'https://paystrator-gitops.dev/schemas/integrations/qrlocal.schema.json',
    'x-integration': { id: 'qrlocal', displayName: 'QR Local', type: 'AGGREGATOR', services: ['QR_CODE', 'EWALLET'] },
  });
  return new Catalog([...base.ids().map((id) => base.get(id)!), local]);
}

async function sandbox(file?: string) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const store = await openSandboxStore(file);
  const app = createSandboxApp({ store, catalog: catalogWithNonQris(), now: () => new Date((clock += 1000)) });
  const call = async (method: string, url: string, opts: { body?: unknown; headers?: Record<string, string> } = {}) => {
    const res = await app.request(url, {
      method,
      headers: { Authorization: `Bearer ${SANDBOX_RW_KEY}`, 'Content-Type': 'application/json', ...opts.headers },
      ...(opts.body === undefined ? {} : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    bodies.push(text);
     
    return { status: res.status, etag: res.headers.get('etag'), json: (text ? JSON.parse(text) : undefined) };
  };
  const create = async (name: string, integration: string, services: string[], status = 'ACTIVE'): Promise<string> => {
    const type = integration === 'dana' || integration === 'bca' ? 'DIRECT' : 'AGGREGATOR';
    const credentials: Record<string, string> =
      integration === 'dana'
        ? { clientKey: 'dana-1', clientSecret: SECRET, merchantId: '216620000012345', privateKey: SECRET }
        : integration === 'bca'
          ? { clientKey: 'bca-1', clientSecret: SECRET, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: SECRET }
          : { clientKey: 'xnd_development_abc123', clientSecret: SECRET };
    const r = await call('POST', '/v1/providers', {
      body: { name, type, integration, services, credentials, fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true }, status },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return r.json.id as string;
  };
  const names = async (url: string): Promise<string[]> => ((await call('GET', url)).json.providers as { name: string }[]).map((p) => p.name);
  return { store, call, create, names };
}

afterAll(async () => {
  await capture('sandbox sequence responses', bodies.join('\n'));
});

describe('sandbox default sequences', () => {
  it('records who last changed a sequence: API for a key, USER for a dashboard change of a provider that moved it', async () => {
    const { create, call, store } = await sandbox();
    const x = await create('Who', 'xendit', ['EWALLET']);
    expect((await call('GET', '/v1/sequences/EWALLET')).json).toMatchObject({ version: 1, updatedBy: 'API', updatedAt: expect.any(String) });
    await store.setStatusAs(x, 'INACTIVE', 'USER', null);
    expect((await call('GET', '/v1/sequences/EWALLET')).json).toMatchObject({ version: 2, updatedBy: 'USER', providers: [] });
    await store.setStatusAs(x, 'ACTIVE', 'USER', null);
    const put = await call('PUT', '/v1/sequences/EWALLET', { body: { providerIds: [x] } });
    expect(put.json).toMatchObject({ version: 3, updatedBy: 'USER' });
    await call('PUT', '/v1/sequences/EWALLET/DANA', { body: { providerIds: [x] } });
    expect((await call('GET', '/v1/sequences/EWALLET/DANA')).json).toMatchObject({ version: 1, updatedBy: 'API' });
  });

  it('appends each new ACTIVE provider to the default of every product it offers, QR_CODE only for QRIS integrations', async () => {
    const { create, names, call } = await sandbox();
    expect((await call('GET', '/v1/sequences/QR_CODE')).json).toEqual({ product: 'QR_CODE', destination: null, providers: [], version: 0, updatedAt: null, updatedBy: null });
    await create('Xendit', 'xendit', ['VIRTUAL_ACCOUNT', 'QR_CODE']);
    await create('Local QR', 'qrlocal', ['QR_CODE', 'EWALLET']);
    await create('DANA', 'dana', ['QR_CODE', 'EWALLET']);
    await create('Parked', 'xendit', ['VIRTUAL_ACCOUNT'], 'INACTIVE');
    expect(await names('/v1/sequences/QR_CODE')).toEqual(['Xendit', 'DANA']);
    expect(await names('/v1/sequences/EWALLET')).toEqual(['Local QR', 'DANA']);
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['Xendit']);
    const list = await call('GET', '/v1/sequences');
    expect(list.json.data.map((s: { product: string }) => s.product)).toEqual(['CREDIT_CARD', 'EWALLET', 'QR_CODE', 'SEND_MONEY', 'VIRTUAL_ACCOUNT']);
  });

  it('drops a deactivated provider from every sequence, keeps one in MAINTENANCE, and re-appends one that becomes ACTIVE', async () => {
    const { create, names, call } = await sandbox();
    const a = await create('A', 'xendit', ['VIRTUAL_ACCOUNT', 'EWALLET']);
    await create('B', 'xendit', ['VIRTUAL_ACCOUNT']);
    expect((await call('PUT', '/v1/sequences/EWALLET/OVO', { body: { providerIds: [a] } })).status).toBe(201);
    const status = async (id: string, s: string) => {
      const cur = await call('GET', `/v1/providers/${id}`);
      expect((await call('POST', `/v1/providers/${id}/status`, { body: { status: s }, headers: { 'If-Match': cur.etag! } })).status).toBe(200);
    };
    await status(a, 'MAINTENANCE');
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['A', 'B']);
    await status(a, 'INACTIVE');
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['B']);
    expect(await names('/v1/sequences/EWALLET/OVO')).toEqual([]);
    await status(a, 'ACTIVE');
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['B', 'A']);
    // A custom sequence holds only what a PUT set: reactivation does not bring A back there.
    expect(await names('/v1/sequences/EWALLET/OVO')).toEqual([]);
  });

  it('follows service changes: a dropped service leaves, an added one joins', async () => {
    const { create, names, call } = await sandbox();
    const a = await create('A', 'xendit', ['VIRTUAL_ACCOUNT', 'EWALLET']);
    const r = await call('PATCH', `/v1/providers/${a}`, { body: { services: ['EWALLET', 'QR_CODE'] }, headers: { 'If-Match': '"1"' } });
    expect(r.status).toBe(200);
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual([]);
    expect(await names('/v1/sequences/QR_CODE')).toEqual(['A']);
    expect(await names('/v1/sequences/EWALLET')).toEqual(['A']);
  });
});

describe('PUT /v1/sequences', () => {
  it('replaces a default in the given order, bumps the version once, and a repeat changes nothing', async () => {
    const { create, call } = await sandbox();
    const a = await create('A', 'xendit', ['VIRTUAL_ACCOUNT']);
    const b = await create('B', 'bca', ['VIRTUAL_ACCOUNT']);
    const before = await call('GET', '/v1/sequences/VIRTUAL_ACCOUNT');
    expect(before.etag).toBe('"2"');
    const put = await call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { body: { providerIds: [b, a] }, headers: { 'If-Match': '"2"' } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ version: 3, providers: [{ id: b, name: 'B', status: 'ACTIVE' }, { id: a, name: 'A' }] });
    expect((await call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { body: { providerIds: [b, a] } })).json.version).toBe(3);
    const stale = await call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { body: { providerIds: [a] }, headers: { 'If-Match': '"2"' } });
    expect(stale.status).toBe(412);
    expect(stale.etag).toBe('"3"');
  });

  it('refuses, per field, unknown ids, providers that do not offer the product, INACTIVE ones, new MAINTENANCE ones and non-QRIS in the QR_CODE default', async () => {
    const { create, call } = await sandbox();
    const x = await create('X', 'xendit', ['QR_CODE', 'EWALLET']);
    const local = await create('L', 'qrlocal', ['QR_CODE']);
    const off = await create('Off', 'xendit', ['QR_CODE'], 'INACTIVE');
    const maint = await create('M', 'xendit', ['QR_CODE'], 'MAINTENANCE');
    const va = await create('VA', 'bca', ['VIRTUAL_ACCOUNT']);
    const r = await call('PUT', '/v1/sequences/QR_CODE', { body: { providerIds: [x, 'prv_nope', va, off, maint, local, x] } });
    expect(r.status).toBe(422);
    expect(r.json.errors).toEqual([
      { path: '/providerIds/1', message: 'no provider with id "prv_nope"' },
      { path: '/providerIds/2', message: '"VA" does not offer QR_CODE (its services: VIRTUAL_ACCOUNT)' },
      { path: '/providerIds/3', message: '"Off" is INACTIVE: only ACTIVE providers can be in a routing sequence' },
      { path: '/providerIds/4', message: '"M" is in MAINTENANCE: only ACTIVE providers can join a sequence (one already listed may stay)' },
      { path: '/providerIds/5', message: 'the QR_CODE default sequence takes QRIS integrations only; "L" (qrlocal) does not do QRIS' },
      { path: '/providerIds/6', message: `repeats ${x}` },
    ]);
    // A custom QR_CODE sequence may hold a non-QRIS integration.
    expect((await call('PUT', '/v1/sequences/QR_CODE/DANA', { body: { providerIds: [local, x] } })).status).toBe(201);
    expect((await call('PUT', '/v1/sequences/QR_CODE', { body: { providerIds: [] } })).json.errors).toEqual([{ path: '/providerIds', message: 'must name at least one provider' }]);
    expect((await call('PUT', '/v1/sequences/QR_CODE', { body: { ids: [x] } })).json.errors.map((e: { path: string }) => e.path)).toEqual(['/ids', '/providerIds']);
    expect((await call('PUT', '/v1/sequences/QR_CODE', { body: '{' })).status).toBe(400);
    expect((await call('PUT', '/v1/sequences/NOPE', { body: { providerIds: [x] } })).status).toBe(404);
    expect((await call('PUT', '/v1/sequences/QR_CODE/not%20ok', { body: { providerIds: [x] } })).status).toBe(400);
    expect((await call('DELETE', '/v1/sequences/QR_CODE')).status).toBe(405);
  });

  it('lets a MAINTENANCE provider stay in a sequence it is already in', async () => {
    const { create, call } = await sandbox();
    const a = await create('A', 'xendit', ['EWALLET']);
    const b = await create('B', 'xendit', ['EWALLET']);
    const cur = await call('GET', `/v1/providers/${a}`);
    await call('POST', `/v1/providers/${a}/status`, { body: { status: 'MAINTENANCE' }, headers: { 'If-Match': cur.etag! } });
    const r = await call('PUT', '/v1/sequences/EWALLET', { body: { providerIds: [b, a] } });
    expect(r.status).toBe(200);
    expect(r.json.providers).toEqual([{ id: b, name: 'B', status: 'ACTIVE' }, { id: a, name: 'A', status: 'MAINTENANCE' }]);
  });

  it('creates a custom sequence once: 404 before, 201 on create, If-None-Match * refuses a second create', async () => {
    const { create, call } = await sandbox();
    const a = await create('A', 'bca', ['VIRTUAL_ACCOUNT']);
    expect((await call('GET', '/v1/sequences/VIRTUAL_ACCOUNT/BCA')).status).toBe(404);
    expect((await call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT/BCA', { body: { providerIds: [a] }, headers: { 'If-Match': '"0"' } })).status).toBe(412);
    const made = await call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT/BCA', { body: { providerIds: [a] }, headers: { 'If-None-Match': '*' } });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ product: 'VIRTUAL_ACCOUNT', destination: 'BCA', version: 1 });
    expect((await call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT/BCA', { body: { providerIds: [a] }, headers: { 'If-None-Match': '*' } })).status).toBe(412);
    const list = await call('GET', '/v1/sequences');
    expect(list.json.data.at(-1)).toMatchObject({ product: 'VIRTUAL_ACCOUNT', destination: 'BCA' });
  });
});

describe('sandbox sequence persistence', () => {
  it('keeps sequences across restarts, and builds the defaults for a state file from before sequences', async () => {
    const dir = await mkdtemp(path.join(await tempDir('seq-'), 'state-'));
    const file = path.join(dir, 'sandbox.json');
    const first = await sandbox(file);
    const a = await first.create('A', 'xendit', ['VIRTUAL_ACCOUNT']);
    const b = await first.create('B', 'bca', ['VIRTUAL_ACCOUNT']);
    await first.call('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { body: { providerIds: [b, a] } });
    await first.store.close();
    const second = await sandbox(file);
    expect(await second.names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['B', 'A']);
    await second.store.close();

    const old = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    delete old.sequences;
    await writeFile(file, JSON.stringify(old));
    const third = await sandbox(file);
    expect(await third.names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['A', 'B']);
    await third.store.close();
  });
});
