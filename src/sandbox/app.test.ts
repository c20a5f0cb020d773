import { afterAll, describe, expect, it } from 'vitest';
import { bundledCatalog } from '../catalog/catalog.js';
import type { Provider, ProviderPage } from '../generated/api.js';
import { canaries, capture } from '../../test/helpers/cli.js';
import { createSandboxApp } from './app.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './store/types.js';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const bodies: string[] = [];
const [SECRET, SECRET2, SECRET3] = canaries() as [string, string, string];

async function sandbox() {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const store = await openSandboxStore();
  const app = createSandboxApp({ store, now: () => new Date((clock += 1000)) });
  const call = async (method: string, path: string, opts: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const key = opts.key === undefined ? SANDBOX_RW_KEY : opts.key;
    const res = await app.request(path, {
      method,
      headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), 'Content-Type': 'application/json', ...opts.headers },
      ...(opts.body === undefined ? {} : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  return { store, app, call };
}

const xendit = (name: string, over: Record<string, unknown> = {}) => ({
  name,
  type: 'AGGREGATOR',
  integration: 'xendit',
  services: ['VIRTUAL_ACCOUNT', 'EWALLET'],
  credentials: { clientKey: 'xnd_development_abc123', clientSecret: SECRET },
  fee: { type: 'PERCENTAGE', percent: '1.50' },
  tax: { vatPercent: '11', applyVat: true },
  ...over,
});

const paths = (a: Answer): string[] => (a.json.errors as { path: string }[]).map((e) => e.path).sort();

afterAll(async () => {
  await capture('sandbox app responses', bodies.join('\n'));
  for (const s of canaries()) expect(bodies.join('\n')).not.toContain(s);
});

describe('auth', () => {
  it('answers 401 without a key or with an unknown one, 403 for a write with the read-only key', async () => {
    const { call } = await sandbox();
    const none = await call('GET', '/v1/providers', { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(none.json).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect((await call('GET', '/v1/company', { key: 'psk_nope' })).status).toBe(401);

    expect((await call('GET', '/v1/providers', { key: SANDBOX_RO_KEY })).status).toBe(200);
    expect((await call('GET', '/v1/company', { key: SANDBOX_RO_KEY })).json).toEqual({
      id: 'dummy-company',
      name: 'Dummy Company',
      permission: 'read',
      apiKey: { id: expect.stringMatching(/^key_/), name: 'Read only' },
    });
    const write = await call('POST', '/v1/providers', { key: SANDBOX_RO_KEY, body: xendit('RO') });
    expect(write.status).toBe(403);
    expect(write.json.type).toMatch(/\/forbidden$/);
    expect((await call('PATCH', '/v1/providers/x', { key: SANDBOX_RO_KEY, body: {} })).status).toBe(403);
  });

  it('serves the company and the catalog', async () => {
    const { call } = await sandbox();
    expect((await call('GET', '/v1/company')).json).toEqual({
      id: 'dummy-company',
      name: 'Dummy Company',
      permission: 'read-write',
      apiKey: { id: expect.stringMatching(/^key_/), name: 'Default' },
    });
    expect((await call('GET', '/v1/integrations')).json).toEqual({ data: bundledCatalog().toApi() });
  });
});

describe('create', () => {
  it('creates, masks secrets and reads back the same provider', async () => {
    const { call } = await sandbox();
    const created = await call('POST', '/v1/providers', { body: xendit('Xendit Main', { labels: { team: 'payments' } }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const p = created.json as Provider;
    expect(p.id).toMatch(/^prv_000001[0-9a-z]{4}$/);
    expect(p).toMatchObject({
      name: 'Xendit Main',
      credentials: { clientKey: 'xnd_development_abc123', clientSecret: { masked: true, version: 1, updatedAt: p.createdAt } },
      fee: { type: 'PERCENTAGE', percent: '1.5' },
      tax: { vatPercent: '11', applyVat: true },
      status: 'ACTIVE',
      statusChangedBy: 'API',
      statusReason: null,
      lastActivityAt: null,
      labels: { team: 'payments' },
      annotations: {},
      version: 1,
    });
    expect(created.text).not.toContain(SECRET);

    const read = await call('GET', `/v1/providers/${p.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.json).toEqual(p);
    expect(((await call('GET', '/v1/providers')).json as ProviderPage).data).toEqual([p]);

    const flat = await call('POST', '/v1/providers', {
      body: xendit('Flat', { fee: { type: 'FLAT', amount: '4000.00', currency: 'IDR' }, status: 'MAINTENANCE' }),
    });
    expect(flat.json).toMatchObject({ fee: { type: 'FLAT', amount: '4000', currency: 'IDR' }, status: 'MAINTENANCE' });

    const missing = await call('GET', '/v1/providers/prv_nope');
    expect(missing.status).toBe(404);
    expect(missing.json.type).toMatch(/\/not-found$/);
  });

  it('reports every field error at once as 422 with JSON Pointers', async () => {
    const { call, store } = await sandbox();
    const res = await call('POST', '/v1/providers', {
      body: {
        name: '',
        type: 'DIRECT',
        integration: 'bca',
        services: ['VIRTUAL_ACCOUNT', 'VIRTUAL_ACCOUNT'],
        credentials: { clientKey: 'bca-1', clientSecret: { secretRef: { store: 'env', name: 'X' } }, corporateId: 'lower', companyCode: '1234', extra: 'x' },
        fee: { type: 'PERCENTAGE', percent: 1.5 },
        tax: { vatPercent: '100.5', applyVat: 'yes' },
        status: 'DELETED',
        labels: { team: 7 },
        id: 'prv_mine',
      },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json.type).toMatch(/\/validation-failed$/);
    expect(paths(res)).toEqual([
      '/credentials/apiSecret',
      '/credentials/clientSecret',
      '/credentials/companyCode',
      '/credentials/corporateId',
      '/credentials/extra',
      '/fee/percent',
      '/id',
      '/labels/team',
      '/name',
      '/services/1',
      '/status',
      '/tax/applyVat',
      '/tax/vatPercent',
    ]);
    expect(store.size).toBe(0);

    const fees = await call('POST', '/v1/providers', {
      body: xendit('Fees', { fee: { type: 'FLAT', amount: '1000.5', currency: 'USD' }, tax: { vatPercent: '1.12345', applyVat: true } }),
    });
    expect(fees.json.errors).toEqual([
      { path: '/fee/amount', message: 'IDR amounts are whole rupiah (got 1000.5)' },
      { path: '/fee/currency', message: 'must be one of IDR' },
      { path: '/tax/vatPercent', message: expect.stringContaining('at most 4 decimal places') },
    ]);
    const shape = await call('POST', '/v1/providers', { body: [] });
    expect(shape.json.errors).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('checks type and services against the catalog', async () => {
    const { call } = await sandbox();
    const type = await call('POST', '/v1/providers', { body: xendit('T', { type: 'DIRECT' }) });
    expect(type.status).toBe(422);
    expect(type.json.errors).toEqual([{ path: '/type', message: 'must be AGGREGATOR, the type of Xendit in the catalog' }]);
    const unknown = await call('POST', '/v1/providers', { body: xendit('U', { integration: 'paypal' }) });
    expect(paths(unknown)).toEqual(['/integration']);
    const bca = await call('POST', '/v1/providers', {
      body: {
        ...xendit('B', { type: 'DIRECT', integration: 'bca', services: ['VIRTUAL_ACCOUNT', 'QR_CODE'] }),
        credentials: { clientKey: 'bca-1', clientSecret: SECRET, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: SECRET2 },
      },
    });
    expect(bca.json.errors).toEqual([{ path: '/services/1', message: expect.stringContaining('does not support QR_CODE') }]);
  });

  it('refuses a second provider with the same name (409 name-taken)', async () => {
    const { call } = await sandbox();
    expect((await call('POST', '/v1/providers', { body: xendit('Same') })).status).toBe(201);
    const again = await call('POST', '/v1/providers', { body: xendit('Same') });
    expect(again.status).toBe(409);
    expect(again.json.type).toMatch(/\/name-taken$/);
  });

  it('replays a create under the same Idempotency-Key and refuses the key for another body', async () => {
    const { call, store } = await sandbox();
    const headers = { 'Idempotency-Key': 'create-xendit-1' };
    const first = await call('POST', '/v1/providers', { headers, body: xendit('Idem') });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(xendit('Idem')).reverse());
    const replay = await call('POST', '/v1/providers', { headers, body: reordered });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('etag')).toBe('"1"');
    expect(replay.text).toBe(first.text);
    expect(store.size).toBe(1);

    const reused = await call('POST', '/v1/providers', { headers, body: xendit('Other') });
    expect(reused.status).toBe(422);
    expect(reused.json.type).toMatch(/idempotency-key-reused$/);
    expect((await call('POST', '/v1/providers', { headers: { 'Idempotency-Key': 'x'.repeat(256) }, body: xendit('Long') })).status).toBe(400);
  });
});

describe('list', () => {
  it('pages in creation order with filters combined, across 3 pages', async () => {
    const { call } = await sandbox();
    const ids: { id: string; name: string; services: string[]; status: string }[] = [];
    for (let i = 0; i < 30; i++) {
      const body = xendit(`${i % 2 ? 'Alpha' : 'beta'} ${i}`, {
        services: i % 3 ? ['EWALLET'] : ['QR_CODE', 'EWALLET'],
        status: i % 5 === 4 ? 'INACTIVE' : 'ACTIVE',
      });
      const p = (await call('POST', '/v1/providers', { body })).json as Provider;
      ids.push({ id: p.id, name: p.name, services: p.services, status: p.status });
    }
    const expected = ids.filter((p) => p.name.toLowerCase().includes('alp') && p.services.includes('EWALLET') && p.status === 'ACTIVE').map((p) => p.id);
    expect(expected).toHaveLength(12);

    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await call('GET', `/v1/providers?limit=5&q=ALP&service=EWALLET&status=ACTIVE${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...(page.json as ProviderPage).data.map((p) => p.id));
      pages.push(page.json.data.length);
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(pages).toEqual([5, 5, 2]);
    expect(seen).toEqual(expected);

    const all = (await call('GET', '/v1/providers')).json as ProviderPage;
    expect(all.data.map((p) => p.id)).toEqual(ids.map((p) => p.id));
    expect(all.nextCursor).toBeNull();
    expect((await call('GET', '/v1/providers?status=MAINTENANCE')).json).toEqual({ data: [], nextCursor: null });
  });

  it('answers 400 for a bad limit, cursor or status', async () => {
    const { call } = await sandbox();
    for (const q of ['limit=1001', 'limit=0', 'limit=abc', 'limit=1.5', 'cursor=bm9wZQ', 'cursor=%%%', 'status=DELETED']) {
      const res = await call('GET', `/v1/providers?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await call('GET', '/v1/providers?limit=1000')).status).toBe(200);
  });
});

describe('update', () => {
  it('needs If-Match (428), refuses a stale one (412) and merges a patch', async () => {
    const { call } = await sandbox();
    const p = (await call('POST', '/v1/providers', { body: xendit('Patch me', { labels: { team: 'payments', tier: 'gold' } }) })).json as Provider;
    const url = `/v1/providers/${p.id}`;
    const patch = { services: ['QR_CODE'], fee: { type: 'FLAT', amount: '2500', currency: 'IDR' }, labels: { tier: null, owner: 'ops' }, annotations: { note: 'x' } };

    const none = await call('PATCH', url, { body: patch });
    expect(none.status).toBe(428);
    expect(none.json.type).toMatch(/\/precondition-required$/);
    const stale = await call('PATCH', url, { body: patch, headers: { 'If-Match': '"7"' } });
    expect(stale.status).toBe(412);
    expect(stale.json.detail).toContain('current version 1');
    expect(stale.headers.get('etag')).toBe('"1"');

    const ok = await call('PATCH', url, { body: patch, headers: { 'If-Match': '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    expect(ok.json).toMatchObject({
      services: ['QR_CODE'],
      fee: { type: 'FLAT', amount: '2500', currency: 'IDR' },
      tax: { vatPercent: '11', applyVat: true },
      labels: { team: 'payments', owner: 'ops' },
      annotations: { note: 'x' },
      version: 2,
      createdAt: p.createdAt,
    });
    expect(ok.json.labels).not.toHaveProperty('tier');
    expect(ok.json.updatedAt > p.updatedAt).toBe(true);
    expect((await call('PATCH', url, { body: patch, headers: { 'If-Match': '"1"' } })).status).toBe(412);
  });

  it('lets only one of two concurrent writes with the same If-Match or name through', async () => {
    const { call } = await sandbox();
    const p = (await call('POST', '/v1/providers', { body: xendit('Race') })).json as Provider;
    const both = await Promise.all(
      ['a', 'b'].map((v) => call('PATCH', `/v1/providers/${p.id}`, { body: { labels: { v } }, headers: { 'If-Match': '"1"' } })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 412]);
    const creates = await Promise.all([call('POST', '/v1/providers', { body: xendit('Twin') }), call('POST', '/v1/providers', { body: xendit('Twin') })]);
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('validates a patch like a create', async () => {
    const { call } = await sandbox();
    const p = (await call('POST', '/v1/providers', { body: xendit('V') })).json as Provider;
    const url = `/v1/providers/${p.id}`;
    const headers = { 'If-Match': '"1"' };
    expect((await call('PATCH', url, { body: {}, headers })).json.errors).toEqual([{ path: '', message: 'must change at least one field' }]);
    const bad = await call('PATCH', url, {
      headers,
      body: { name: 'Renamed', services: ['BITCOIN'], credentials: { clientKey: 'nope', other: 'x' }, tax: { vatPercent: '11' }, labels: { a: 1 } },
    });
    expect(bad.status).toBe(422);
    expect(paths(bad)).toEqual(['/credentials/clientKey', '/credentials/other', '/labels/a', '/name', '/services/0', '/tax/applyVat']);
    expect((await call('PATCH', url, { body: '{"fee":', headers })).status).toBe(400);
    expect((await call('GET', url)).json).toEqual(p);
  });

  it('bumps a secret credential version only when its value changes', async () => {
    const { call } = await sandbox();
    const p = (await call('POST', '/v1/providers', { body: xendit('Creds') })).json as Provider;
    const url = `/v1/providers/${p.id}`;
    const same = await call('PATCH', url, { headers: { 'If-Match': '"1"' }, body: { credentials: { clientSecret: SECRET } } });
    expect(same.json.version).toBe(2);
    expect(same.json.credentials.clientSecret).toEqual(p.credentials.clientSecret);

    const changed = await call('PATCH', url, {
      headers: { 'If-Match': '"2"' },
      body: { credentials: { clientSecret: SECRET2, webhookVerificationToken: SECRET3, clientKey: 'xnd_production_K1' } },
    });
    expect(changed.json.version).toBe(3);
    expect(changed.json.credentials).toEqual({
      clientKey: 'xnd_production_K1',
      clientSecret: { masked: true, version: 2, updatedAt: changed.json.updatedAt },
      webhookVerificationToken: { masked: true, version: 1, updatedAt: changed.json.updatedAt },
    });
    expect(changed.json.updatedAt > p.updatedAt).toBe(true);
  });
});

describe('status', () => {
  it('changes status under If-Match, by API, and through the internal hook by USER or MONITOR', async () => {
    const { call, store } = await sandbox();
    const p = (await call('POST', '/v1/providers', { body: xendit('Status') })).json as Provider;
    const url = `/v1/providers/${p.id}/status`;
    expect((await call('POST', url, { body: { status: 'INACTIVE' } })).status).toBe(428);
    expect((await call('POST', url, { body: { status: 'INACTIVE' }, headers: { 'If-Match': '"9"' } })).status).toBe(412);
    expect((await call('POST', url, { body: { status: 'OFF' }, headers: { 'If-Match': '"1"' } })).json.errors).toEqual([
      { path: '/status', message: 'must be one of ACTIVE, INACTIVE, MAINTENANCE' },
    ]);
    const ok = await call('POST', url, { body: { status: 'INACTIVE', reason: 'contract ended' }, headers: { 'If-Match': 'W/"0", "1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    expect(ok.json).toMatchObject({ status: 'INACTIVE', statusChangedBy: 'API', statusReason: 'contract ended', version: 2 });

    await store.setStatusAs(p.id, 'MAINTENANCE', 'MONITOR', 'error rate above 5%');
    const read = await call('GET', `/v1/providers/${p.id}`);
    expect(read.json).toMatchObject({ status: 'MAINTENANCE', statusChangedBy: 'MONITOR', statusReason: 'error rate above 5%', version: 3 });
    expect((await call('GET', '/v1/providers?status=MAINTENANCE')).json.data).toHaveLength(1);
    await expect(store.setStatusAs('prv_nope', 'ACTIVE', 'USER', null)).rejects.toThrow(/prv_nope/);
  });
});

describe('errors', () => {
  it('answers problems for malformed JSON, unknown routes and unsupported methods, never echoing the body', async () => {
    const { call } = await sandbox();
    const malformed = await call('POST', '/v1/providers', { body: `{"credentials": {"clientSecret": "${SECRET}"` });
    expect(malformed.status).toBe(400);
    expect(malformed.json.type).toMatch(/\/malformed-json$/);
    expect((await call('POST', '/v1/providers', { body: '' })).status).toBe(400);
    const route = await call('GET', '/v1/nothing');
    expect(route.status).toBe(404);
    expect(route.headers.get('content-type')).toBe('application/problem+json');
    const del = await call('DELETE', '/v1/providers/prv_1');
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, PATCH');
  });
});
