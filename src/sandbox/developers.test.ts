// Settings -> Developers in the sandbox: webhooks and their test deliveries, the IP whitelist, API keys.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { canaries, capture, tempDir } from '../../test/helpers/cli.js';
import { Catalog, bundledCatalog, entryFromSchema } from '../catalog/catalog.js';
import { createSandboxApp, type SandboxAppOptions } from './app.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './store/types.js';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const bodies: string[] = [];
const PRODUCTS = ['CREDIT_CARD', 'EWALLET', 'QR_CODE', 'SEND_MONEY', 'VIRTUAL_ACCOUNT'];

async function sandbox(opts: Partial<SandboxAppOptions> & { file?: string } = {}) {
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const store = opts.file ? await openSandboxStore(opts.file) : await openSandboxStore();
  if (opts.file) onTestFinished(() => store.close());
  const app = createSandboxApp({ store, now: () => new Date((clock += 1000)), ...opts });
  const page = opts.dashboard ? await (await app.request('/')).text() : '';
  const session = /<meta name="paystrator-session" content="([^"]+)">/.exec(page)?.[1];
  const call = async (method: string, url: string, o: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const key = o.key === undefined ? SANDBOX_RW_KEY : o.key;
    const res = await app.request(url, {
      method,
      headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), 'Content-Type': 'application/json', ...o.headers },
      ...(o.body === undefined ? {} : { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) }),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
  };
  return { store, app, call, session };
}

/** A webhook endpoint on loopback that records what it receives and answers as told. */
async function receiver(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_q, res) => void res.writeHead(200).end('ok')) {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

afterAll(async () => {
  await capture('sandbox developers responses', bodies.join('\n'));
  for (const s of canaries()) expect(bodies.join('\n')).not.toContain(s);
});

describe('webhooks', () => {
  it('start empty with a token of version 1, and a PUT needs If-Match, validates per field, merges annotations and bumps the version', async () => {
    const { call, store } = await sandbox();
    const first = await call('GET', '/v1/webhooks');
    expect(first.json).toEqual({ urls: {}, verificationToken: { version: 1, updatedAt: expect.any(String), updatedBy: 'USER' }, annotations: {}, version: 1, updatedAt: null, updatedBy: null });
    expect(first.headers.get('etag')).toBe('"1"');
    const urls = { SEND_MONEY: 'https://api.example.co.id/paystrator/disbursement', VIRTUAL_ACCOUNT: 'http://127.0.0.1:9/va' };
    expect((await call('PUT', '/v1/webhooks', { body: { urls } })).status).toBe(428);
    const stale = await call('PUT', '/v1/webhooks', { body: { urls }, headers: { 'If-Match': '"2"' } });
    expect(stale.status).toBe(412);
    expect(stale.json.detail).toBe('If-Match "2" does not match the current version 1 (ETag "1"): the webhooks changed since it was read');
    const bad = await call('PUT', '/v1/webhooks', {
      body: { urls: { SEND_MONEY: 'http://api.example.co.id/x', BITCOIN: 'https://x.example/', EWALLET: 'https://u:p@x.example/', QR_CODE: 5 }, extra: 1 },
      headers: { 'If-Match': '"1"' },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors).toEqual([
      { path: '/extra', message: 'is not a known field (expected: urls, annotations)' },
      { path: '/urls/SEND_MONEY', message: 'must be https (http only to 127.0.0.1, [::1] or localhost in the sandbox)' },
      { path: '/urls/BITCOIN', message: `is not a product of the catalog (products: ${PRODUCTS.join(', ')})` },
      { path: '/urls/EWALLET', message: 'must not hold a user name or password (user:pass@): authenticate deliveries by their signature' },
      { path: '/urls/QR_CODE', message: 'must be a URL (a string)' },
    ]);
    const put = await call('PUT', '/v1/webhooks', { body: { urls, annotations: { owner: 'ops', ticket: 'T-1' } }, headers: { 'If-Match': '"1"' } });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"2"');
    expect(put.json).toMatchObject({ urls, annotations: { owner: 'ops', ticket: 'T-1' }, version: 2, updatedBy: 'API', updatedAt: expect.any(String) });
    // The same again is no change; annotations merge per key, null removes one.
    expect((await call('PUT', '/v1/webhooks', { body: { urls }, headers: { 'If-Match': '"2"' } })).json.version).toBe(2);
    const merged = await call('PUT', '/v1/webhooks', { body: { urls: { SEND_MONEY: urls.SEND_MONEY }, annotations: { ticket: null } }, headers: { 'If-Match': '*' } });
    expect(merged.json).toMatchObject({ urls: { SEND_MONEY: urls.SEND_MONEY }, annotations: { owner: 'ops' }, version: 3 });
    // The token is never in an answer.
    expect(bodies.join('\n')).not.toContain(store.webhooks.token.value);
  });

  it('rotates the verification token: a new value and version, the webhooks version unchanged; the dashboard does it as USER', async () => {
    const { call, store, session } = await sandbox({ dashboard: true });
    const before = store.webhooks.token.value;
    const rotated = await call('POST', '/v1/webhooks/verification-token/rotate');
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ version: 1, verificationToken: { version: 2, updatedBy: 'API' } });
    expect(store.webhooks.token.value).not.toBe(before);
    expect(store.webhooks.token.value).toMatch(/^[0-9a-f]{64}$/);
    expect((await call('POST', '/v1/webhooks/verification-token/rotate', { key: session! })).json.verificationToken).toMatchObject({ version: 3, updatedBy: 'USER' });
    expect((await call('POST', '/v1/webhooks/verification-token/rotate', { key: SANDBOX_RO_KEY })).status).toBe(403);
    expect(bodies.join('\n')).not.toContain(store.webhooks.token.value);
  });

  it('test-delivers a signed JSON event to a loopback endpoint and reports its status and the start of its answer', async () => {
    const { call, store } = await sandbox();
    const hook = await receiver((_q, res) => void res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`down ${'é'.repeat(3000)}`));
    await call('PUT', '/v1/webhooks', { body: { urls: { SEND_MONEY: hook.url } }, headers: { 'If-Match': '"1"' } });
    const r = await call('POST', '/v1/webhooks/test', { body: { service: 'SEND_MONEY' } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ service: 'SEND_MONEY', url: hook.url, status: 503, body: `down ${'é'.repeat(2043)}`, durationMs: expect.any(Number) });
    expect(hook.got).toHaveLength(1);
    const { headers, body } = hook.got[0]!;
    expect(headers['content-type']).toBe('application/json');
    expect(JSON.parse(body)).toEqual({ id: expect.stringMatching(/^evt_test_/), type: 'webhook.test', service: 'SEND_MONEY', company: 'dummy-company', createdAt: expect.any(String) });
    // The receiver can check it with the token.
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-paystrator-signature']))!;
    expect(v1).toBe(createHmac('sha256', store.webhooks.token.value).update(`${t}.${body}`).digest('hex'));
    expect(store.deliveries()).toEqual([expect.objectContaining({ service: 'SEND_MONEY', url: hook.url, status: 503, tokenVersion: 1 })]);
  });

  it('does not call a target that is not loopback, reports a refused or silent endpoint as status 0, and 404s a service without a URL', async () => {
    const { call, store } = await sandbox({ webhookTimeoutMs: 200 });
    const silent = await receiver(() => undefined);
    // A port that was just free: nothing listens there now.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/hook`;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    const urls = { SEND_MONEY: 'https://api.example.co.id/hook', EWALLET: silent.url, VIRTUAL_ACCOUNT: closedUrl };
    await call('PUT', '/v1/webhooks', { body: { urls }, headers: { 'If-Match': '"1"' } });
    const remote = await call('POST', '/v1/webhooks/test', { body: { service: 'SEND_MONEY' } });
    expect(remote.json).toMatchObject({
      status: 0,
      body: '',
      error: 'the sandbox delivers only to loopback addresses (127.0.0.1, [::1], localhost); api.example.co.id was not called',
    });
    expect((await call('POST', '/v1/webhooks/test', { body: { service: 'EWALLET' } })).json).toMatchObject({ status: 0, error: 'no answer within 0.2 s' });
    expect(silent.got).toHaveLength(1);
    expect((await call('POST', '/v1/webhooks/test', { body: { service: 'VIRTUAL_ACCOUNT' } })).json).toMatchObject({ status: 0, error: 'the request failed (ECONNREFUSED)' });
    const none = await call('POST', '/v1/webhooks/test', { body: { service: 'QR_CODE' } });
    expect(none.status).toBe(404);
    expect(none.json.detail).toBe('"QR_CODE" has no webhook URL: PUT /v1/webhooks to set one');
    expect((await call('POST', '/v1/webhooks/test', { body: { service: 'QR_CODE' }, key: SANDBOX_RO_KEY })).status).toBe(403);
    expect((await call('POST', '/v1/webhooks/test', { body: {} })).json.errors).toEqual([{ path: '/service', message: 'is required' }]);
    expect(store.deliveries().map((d) => d.status)).toEqual([0, 0, 0]);
  });

  it('keeps the last 100 deliveries', async () => {
    const { call, store } = await sandbox();
    const hook = await receiver((_q, res) => void res.writeHead(204).end());
    await call('PUT', '/v1/webhooks', { body: { urls: { EWALLET: hook.url } }, headers: { 'If-Match': '"1"' } });
    for (let i = 0; i < 103; i++) await call('POST', '/v1/webhooks/test', { body: { service: 'EWALLET' } });
    const kept = store.deliveries();
    expect(kept).toHaveLength(100);
    expect(hook.got).toHaveLength(103);
    expect(kept.at(-1)!.id).toBe(JSON.parse(hook.got.at(-1)!.body).id);
    expect(kept[0]!.id).toBe(JSON.parse(hook.got[3]!.body).id);
  });
});

describe('IP whitelist', () => {
  it('starts with the request address, validates a PUT per field, and refuses API keys from an address not on it, but not the dashboard', async () => {
    const { call, session } = await sandbox({ dashboard: true, requestAddress: '198.51.100.20' });
    const first = await call('GET', '/v1/ip-whitelist');
    expect(first.json).toEqual({ addresses: ['198.51.100.20'], requestAddress: '198.51.100.20', annotations: {}, version: 1, updatedAt: null, updatedBy: null });
    expect((await call('PUT', '/v1/ip-whitelist', { body: { addresses: [] } })).status).toBe(428);
    const bad = await call('PUT', '/v1/ip-whitelist', { body: { addresses: ['203.0.113.10', '10.0.0.1', '203.0.113.10', '1.2.3', 7] }, headers: { 'If-Match': '"1"' } });
    expect(bad.json.errors).toEqual([
      { path: '/addresses/1', message: 'is private (10.0.0.0/8), not a public address' },
      { path: '/addresses/2', message: 'repeats 203.0.113.10' },
      { path: '/addresses/3', message: 'must be an IPv4 address as four decimal numbers 0-255 without leading zeros, such as 203.0.113.10' },
      { path: '/addresses/4', message: 'must be an IPv4 address (a string)' },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `203.0.113.${i}`);
    expect((await call('PUT', '/v1/ip-whitelist', { body: { addresses: many }, headers: { 'If-Match': '"1"' } })).json.errors).toEqual([
      { path: '/addresses', message: 'must hold at most 100 addresses (got 101)' },
    ]);
    // Allowed, though it locks the caller out (the client's lockout guard is what prevents that).
    const locked = await call('PUT', '/v1/ip-whitelist', { body: { addresses: ['203.0.113.10'], annotations: { why: 'office' } }, headers: { 'If-Match': '"1"' } });
    expect(locked.json).toMatchObject({ addresses: ['203.0.113.10'], version: 2, updatedBy: 'API', annotations: { why: 'office' } });
    const refused = await call('GET', '/v1/providers');
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      type: 'https://paystrator-gitops.dev/problems/ip-not-whitelisted',
      detail: "requests from 198.51.100.20 are refused: the address is not on this company's IP whitelist; add it in the dashboard (Settings -> Developers -> IP Whitelist)",
    });
    expect((await call('GET', '/v1/ip-whitelist', { key: SANDBOX_RO_KEY })).status).toBe(403);
    // The page's session repairs it.
    expect((await call('GET', '/v1/providers', { key: session! })).status).toBe(200);
    const empty = await call('PUT', '/v1/ip-whitelist', { key: session!, body: { addresses: [] }, headers: { 'If-Match': '"2"' } });
    expect(empty.json).toMatchObject({ addresses: [], updatedBy: 'USER' });
    expect((await call('GET', '/v1/company')).json.detail).toBe(
      "requests from 198.51.100.20 are refused: this company's IP whitelist is empty, which refuses every API key; add it in the dashboard (Settings -> Developers -> IP Whitelist)",
    );
    await call('PUT', '/v1/ip-whitelist', { key: session!, body: { addresses: ['198.51.100.20'] }, headers: { 'If-Match': '"3"' } });
    expect((await call('GET', '/v1/company')).status).toBe(200);
  });
});

describe('API keys', () => {
  it('preloads Default (read-write on every product) and Read only, without their values', async () => {
    const { call } = await sandbox();
    const list = await call('GET', '/v1/api-keys');
    const all = (c: string) => Object.fromEntries(PRODUCTS.map((p) => [p, c]));
    expect(list.json).toEqual({
      data: [
        expect.objectContaining({ name: 'Default', prefix: 'psk_sandbox_rw_0000', permissions: all('READ_WRITE'), status: 'ACTIVE', version: 1, revokedAt: null }),
        expect.objectContaining({ name: 'Read only', prefix: 'psk_sandbox_ro_0000', permissions: all('READ'), status: 'ACTIVE', version: 1 }),
      ],
      nextCursor: null,
    });
    expect(list.text).not.toContain(SANDBOX_RW_KEY);
    expect(list.json.data[0].lastUsedAt).toEqual(expect.any(String));
    const page1 = await call('GET', '/v1/api-keys?limit=1');
    expect(page1.json.data.map((k: { name: string }) => k.name)).toEqual(['Default']);
    expect((await call('GET', `/v1/api-keys?limit=1&cursor=${page1.json.nextCursor}`)).json).toMatchObject({ data: [{ name: 'Read only' }], nextCursor: null });
    expect((await call('GET', '/v1/api-keys?cursor=bm9wZQ')).status).toBe(400);
    expect((await call('GET', '/v1/api-keys?limit=1001')).status).toBe(400);
  });

  it('creates a key whose value is answered once, works with its permissions, and is kept only as a digest', async () => {
    const dir = await tempDir('sandbox-keys-');
    const file = path.join(dir, 'sandbox.json');
    const { call } = await sandbox({ file });
    const created = await call('POST', '/v1/api-keys', { body: { name: 'Backend Integration', permissions: { SEND_MONEY: 'READ_WRITE', VIRTUAL_ACCOUNT: 'READ', EWALLET: 'WRITE' } } });
    expect(created.status).toBe(201);
    const value = created.json.value as string;
    expect(value).toMatch(/^psk_[0-9a-f]{48}$/);
    expect(created.json).toMatchObject({ id: expect.stringMatching(/^key_/), prefix: value.slice(0, 8), status: 'ACTIVE', version: 1, lastUsedAt: null });
    expect(created.headers.get('etag')).toBe('"1"');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(value);
    expect(text).not.toContain(SANDBOX_RW_KEY);
    // READ on some products: a read key of the management API, named in /v1/company.
    expect((await call('GET', '/v1/company', { key: value })).json).toMatchObject({ permission: 'read', apiKey: { id: created.json.id, name: 'Backend Integration' } });
    expect((await call('POST', '/v1/api-keys', { key: value, body: { name: 'X', permissions: {} } })).status).toBe(403);
    expect((await call('GET', '/v1/api-keys')).json.data[2].lastUsedAt).toEqual(expect.any(String));
    const taken = await call('POST', '/v1/api-keys', { body: { name: 'Backend Integration', permissions: {} } });
    expect(taken.status).toBe(409);
    expect(taken.json.errors).toEqual([{ path: '/name', message: 'is already used by another active API key' }]);
    const bad = await call('POST', '/v1/api-keys', { body: { name: 'Bad\u001b', permissions: { SEND_MONEY: 'ADMIN', BITCOIN: 'READ' }, annotations: { a: null } } });
    expect(bad.json.errors).toEqual([
      { path: '/name', message: 'must be printable text: it contains the control character U+001B at position 4' },
      { path: '/permissions/SEND_MONEY', message: 'must be one of NONE, READ, WRITE, READ_WRITE' },
      { path: '/permissions/BITCOIN', message: `is not a product of the catalog (products: ${PRODUCTS.join(', ')})` },
      { path: '/annotations/a', message: 'must be a string' },
    ]);
    // No access to any product: authenticated, but refused.
    const none = await call('POST', '/v1/api-keys', { body: { name: 'Nothing', permissions: { SEND_MONEY: 'WRITE' } } });
    expect((await call('GET', '/v1/company', { key: none.json.value as string })).json.detail).toBe('this API key has no access to any product');
  });

  it('replays a create under the same Idempotency-Key and body, value included, and refuses the key for another body', async () => {
    const { call } = await sandbox();
    const headers = { 'Idempotency-Key': 'create-backend' };
    const body = { name: 'Backend', permissions: { SEND_MONEY: 'READ' } };
    const first = await call('POST', '/v1/api-keys', { body, headers });
    const again = await call('POST', '/v1/api-keys', { body: { permissions: { SEND_MONEY: 'READ' }, name: 'Backend' }, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
    expect((await call('GET', '/v1/api-keys')).json.data).toHaveLength(3);
    expect((await call('POST', '/v1/api-keys', { body: { ...body, name: 'Other' }, headers })).json.type).toMatch(/idempotency-key-reused$/);
  });

  it('patches name, permissions (merged per product) and annotations under If-Match; revoking is final and the key is refused', async () => {
    const { call, session } = await sandbox({ dashboard: true });
    const k = (await call('POST', '/v1/api-keys', { body: { name: 'Ops', permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'READ' }, annotations: { team: 'ops' } } })).json;
    const url = `/v1/api-keys/${k.id}`;
    expect((await call('PATCH', url, { body: { name: 'Ops 2' } })).status).toBe(428);
    expect((await call('PATCH', url, { body: {} , headers: { 'If-Match': '"1"' } })).json.errors).toEqual([{ path: '', message: 'must change at least one field' }]);
    expect((await call('PATCH', url, { body: { name: 'Default' }, headers: { 'If-Match': '"1"' } })).status).toBe(409);
    const patched = await call('PATCH', url, { body: { permissions: { EWALLET: 'NONE', QR_CODE: 'READ' }, annotations: { team: null, by: 'x' } }, headers: { 'If-Match': '"1"' } });
    expect(patched.json).toMatchObject({ version: 2, permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'NONE', QR_CODE: 'READ' }, annotations: { by: 'x' } });
    expect(patched.headers.get('etag')).toBe('"2"');
    expect((await call('GET', '/v1/company', { key: k.value as string })).status).toBe(200);
    expect((await call('POST', `${url}/revoke`, { body: { reason: 'leaked' }, headers: { 'If-Match': '"1"' } })).status).toBe(412);
    const revoked = await call('POST', `${url}/revoke`, { key: session!, body: { reason: 'leaked', annotations: { ticket: 'SEC-1' } }, headers: { 'If-Match': '"2"' } });
    expect(revoked.json).toMatchObject({ status: 'REVOKED', version: 3, revokedAt: expect.any(String), annotations: { by: 'x', ticket: 'SEC-1' } });
    const refused = await call('GET', '/v1/company', { key: k.value as string });
    expect(refused.status).toBe(401);
    expect(refused.json.detail).toBe('this API key was revoked; use an active key of this company');
    expect((await call('PATCH', url, { body: { name: 'Back' }, headers: { 'If-Match': '"3"' } })).json.type).toMatch(/api-key-revoked$/);
    // Again: unchanged. And a revoked key's name is free again.
    expect((await call('POST', `${url}/revoke`, { headers: { 'If-Match': '"3"' } })).json).toMatchObject({ status: 'REVOKED', version: 3 });
    expect((await call('POST', '/v1/api-keys', { body: { name: 'Ops', permissions: {} } })).status).toBe(201);
    expect((await call('PATCH', '/v1/api-keys/key_nope', { body: { name: 'x' }, headers: { 'If-Match': '"1"' } })).status).toBe(404);
  });

  it('keeps full access full when the catalog gains a product: the Default key stays read-write, Read only stays read', async () => {
    const file = path.join(await tempDir('sandbox-keys-'), 'sandbox.json');
    const first = await openSandboxStore(file);
    const bundled = bundledCatalog();
    const app1 = createSandboxApp({ store: first });
    await app1.request('/v1/api-keys', {
      method: 'POST',
      headers: { Authorization: `Bearer ${SANDBOX_RW_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Some', permissions: { EWALLET: 'READ_WRITE' } }),
    });
    await first.close();
    const xendit = bundled.get('xendit')!.schema;
    const payLater = entryFromSchema({
      ...xendit,
      $id: 'https://paystrator-gitops.dev/schemas/integrations/kredivo.schema.json',
      'x-integration': { id: 'kredivo', displayName: 'Kredivo', type: 'AGGREGATOR', services: ['PAY_LATER'] },
    });
    const wider = new Catalog([...bundled.ids().map((id) => bundled.get(id)!), payLater]);
    const { call } = await sandbox({ file, catalog: wider });
    expect((await call('GET', '/v1/company')).json.permission).toBe('read-write');
    expect((await call('GET', '/v1/company', { key: SANDBOX_RO_KEY })).json.permission).toBe('read');
    const keys = (await call('GET', '/v1/api-keys')).json.data as { name: string; permissions: Record<string, string> }[];
    expect(keys.map((k) => [k.name, k.permissions.PAY_LATER ?? 'NONE'])).toEqual([
      ['Default', 'READ_WRITE'],
      ['Read only', 'NONE'],
      ['Some', 'NONE'],
    ]);
  });

  it('the read-only key is refused writes to every Developers page', async () => {
    const { call } = await sandbox();
    for (const [method, url] of [
      ['PUT', '/v1/webhooks'],
      ['PUT', '/v1/ip-whitelist'],
      ['POST', '/v1/api-keys'],
      ['POST', '/v1/webhooks/test'],
    ] as const) {
      expect((await call(method, url, { key: SANDBOX_RO_KEY, body: {}, headers: { 'If-Match': '"1"' } })).status, url).toBe(403);
    }
    expect((await call('DELETE', '/v1/api-keys')).headers.get('allow')).toBe('GET, POST');
  });
});
