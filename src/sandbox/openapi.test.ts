// The sandbox speaks the documented shapes: every answer below is checked against the response
// the OpenAPI document declares for its path, method and status, and every documented operation
// is exercised at least once with a 2xx.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { schemasDir } from '../catalog/catalog.js';
import { canaries } from '../../test/helpers/cli.js';
import type { Hono } from 'hono';
import { createSandboxApp } from './app.js';
import { faultMiddleware } from './faults.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './store/types.js';
import { TrafficEngine } from './traffic.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  parameters?: unknown[];
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, Operation['responses'][string]> };
}

const doc = YAML.parse(readFileSync(path.join(schemasDir, 'paystrator-api.openapi.yaml'), 'utf8')) as OpenApi;
const rewrite = (schema: unknown): object => JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', 'api#/$defs/')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// RFC 3339, as toISOString writes it and as the document's `format: date-time` means.
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
ajv.addSchema({ $id: 'api', $defs: rewrite(doc.components.schemas) });
const compiled = new Map<unknown, ValidateFunction>();
const validator = (schema: unknown): ValidateFunction => {
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(rewrite(schema))));
  return v;
};

/** Path template of a concrete path, e.g. /v1/providers/prv_1/status -> /v1/providers/{id}/status. */
function template(url: string): string {
  const pathname = new URL(url, 'http://x').pathname;
  const found = Object.keys(doc.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname));
  if (!found) throw new Error(`${pathname} is not a documented path`);
  return found;
}

function caller(app: Hono, exercised: Map<string, Set<string>>, secret: string) {
  return async (method: string, url: string, opts: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) => {
    const key = opts.key === undefined ? SANDBOX_RW_KEY : opts.key;
    const res = await app.request(url, {
      method,
      headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), 'Content-Type': 'application/json', ...opts.headers },
      ...(opts.body === undefined ? {} : { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    expect(text).not.toContain(secret);
    const op = doc.paths[template(url)]![method.toLowerCase()];
    const where = `${method} ${url} -> ${res.status}`;
    expect(op, where).toBeDefined();
    // The request bodies these tests send as valid are valid by the document too.
    const requestSchema = op!.requestBody?.content['application/json']?.schema;
    if (res.status < 300 && requestSchema && typeof opts.body === 'object') expect(validator(requestSchema)(opts.body), where).toBe(true);

    let declared = op!.responses[String(res.status)];
    expect(declared, `${where} is not a documented status`).toBeDefined();
    if (declared!.$ref) declared = doc.components.responses[declared!.$ref.split('/').pop()!];
    const [mediaType, media] = Object.entries(declared!.content ?? {})[0]!;
    expect(res.headers.get('content-type')?.split(';')[0], where).toBe(mediaType);
    const check = validator(media.schema);
    const json = JSON.parse(text) as unknown;
    expect(check(json) ? [] : check.errors, where).toEqual([]);
    for (const [h, spec] of Object.entries(declared!.headers ?? {})) {
      if (h === 'ETag' && res.status < 300) expect(res.headers.get('etag'), where).toMatch(/^"\d+"$/);
      if ((spec as { required?: boolean }).required) expect(res.headers.get(h), `${where}: ${h}`).not.toBeNull();
    }
    // What is sent is declared: no header a client relies on goes undocumented.
    const names = Object.keys(declared!.headers ?? {}).map((h) => h.toLowerCase());
    for (const h of ['etag', 'retry-after', 'ratelimit', 'ratelimit-policy', 'idempotent-replayed']) {
      if (res.headers.has(h)) expect(names, `${where} sends ${h}, which the document does not declare`).toContain(h);
    }
    if (res.status < 300) exercised.set(template(url), (exercised.get(template(url)) ?? new Set()).add(method.toLowerCase()));
    return { status: res.status, json: json as Record<string, unknown> & { id: string } };
  };
}

const schemaOf = (name: string) => validator({ $ref: `#/components/schemas/${name}` });
const operations = Object.entries(doc.paths).flatMap(([t, ops]) =>
  Object.entries(ops)
    .filter(([m]) => m !== 'parameters')
    .map(([m, op]) => ({ where: `${m.toUpperCase()} ${t}`, op })),
);

describe('OpenAPI conformance', () => {
  it('answers every documented operation with documented statuses and shapes', async () => {
    const store = await openSandboxStore();
    const app = createSandboxApp({ store });
    const exercised = new Map<string, Set<string>>();
    const [secret] = canaries() as [string];

    const call = caller(app, exercised, secret);

    const create = {
      name: 'Conformance',
      type: 'DIRECT',
      integration: 'bca',
      services: ['VIRTUAL_ACCOUNT', 'SEND_MONEY'],
      credentials: { clientKey: 'bca-client', clientSecret: secret, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: secret },
      fee: { type: 'FLAT', amount: '4000', currency: 'IDR' },
      tax: { vatPercent: '11', applyVat: true },
      labels: { team: 'treasury' },
    };
    expect((await call('GET', '/v1/company')).status).toBe(200);
    expect((await call('GET', '/v1/company', { key: SANDBOX_RO_KEY })).status).toBe(200);
    expect((await call('GET', '/v1/company', { key: null })).status).toBe(401);
    expect((await call('GET', '/v1/integrations')).status).toBe(200);

    const p = await call('POST', '/v1/providers', { body: create, headers: { 'Idempotency-Key': 'conf-1' } });
    expect(p.status).toBe(201);
    expect((await call('POST', '/v1/providers', { body: create, headers: { 'Idempotency-Key': 'conf-1' } })).status).toBe(201);
    expect((await call('POST', '/v1/providers', { body: { ...create, name: 'Other' }, headers: { 'Idempotency-Key': 'conf-1' } })).status).toBe(422);
    expect((await call('POST', '/v1/providers', { body: create })).status).toBe(409);
    expect((await call('POST', '/v1/providers', { body: { ...create, fee: { type: 'PERCENTAGE', percent: 5 } } })).status).toBe(422);
    expect((await call('POST', '/v1/providers', { body: '{' })).status).toBe(400);
    expect((await call('POST', '/v1/providers', { body: create, key: SANDBOX_RO_KEY })).status).toBe(403);
    await call('POST', '/v1/providers', { body: { ...create, name: 'Second', fee: { type: 'PERCENTAGE', percent: '0.75' } } });

    expect((await call('GET', '/v1/providers?limit=1')).json.nextCursor).toEqual(expect.any(String));
    expect((await call('GET', '/v1/providers?q=conf&service=SEND_MONEY&status=ACTIVE')).status).toBe(200);
    expect((await call('GET', '/v1/providers?limit=5000')).status).toBe(400);
    expect((await call('GET', '/v1/providers', { key: 'wrong' })).status).toBe(401);

    const url = `/v1/providers/${p.json.id}`;
    expect((await call('GET', url)).status).toBe(200);
    expect((await call('GET', '/v1/providers/prv_missing')).status).toBe(404);
    expect((await call('PATCH', url, { body: { labels: { team: null } } })).status).toBe(428);
    expect((await call('PATCH', url, { body: { labels: { team: null } }, headers: { 'If-Match': '"5"' } })).status).toBe(412);
    expect((await call('PATCH', url, { body: { services: [] }, headers: { 'If-Match': '"1"' } })).status).toBe(422);
    expect((await call('PATCH', url, { body: '[', headers: { 'If-Match': '"1"' } })).status).toBe(400);
    expect((await call('PATCH', url, { body: {}, key: SANDBOX_RO_KEY })).status).toBe(403);
    expect((await call('PATCH', '/v1/providers/prv_missing', { body: {}, headers: { 'If-Match': '"1"' } })).status).toBe(404);
    const patched = await call('PATCH', url, {
      body: { labels: { team: null, owner: 'ops' }, credentials: { apiSecret: 'rotated' }, tax: { vatPercent: '12', applyVat: false } },
      headers: { 'If-Match': '"1"' },
    });
    expect(patched.status).toBe(200);

    const status = `${url}/status`;
    expect((await call('POST', status, { body: { status: 'MAINTENANCE' } })).status).toBe(428);
    expect((await call('POST', status, { body: { status: 'MAINTENANCE' }, headers: { 'If-Match': '"1"' } })).status).toBe(412);
    expect((await call('POST', status, { body: { status: 'MAINTENANCE' }, key: SANDBOX_RO_KEY })).status).toBe(403);
    expect((await call('POST', status, { body: '', headers: { 'If-Match': '"2"' } })).status).toBe(400);
    expect((await call('POST', '/v1/providers/prv_missing/status', { body: { status: 'ACTIVE' }, headers: { 'If-Match': '"1"' } })).status).toBe(404);
    expect((await call('POST', status, { body: { status: 'MAINTENANCE', reason: 'bank downtime' }, headers: { 'If-Match': '"2"' } })).status).toBe(200);
    await store.setStatusAs(p.json.id, 'ACTIVE', 'USER', null);
    expect((await call('GET', url)).json).toMatchObject({ statusChangedBy: 'USER', version: 4 });

    // Routing sequences: the providers created above joined the defaults of their products.
    expect((await call('GET', '/v1/sequences')).json.data).toEqual(expect.arrayContaining([expect.objectContaining({ product: 'SEND_MONEY', destination: null })]));
    expect((await call('GET', '/v1/sequences/VIRTUAL_ACCOUNT')).status).toBe(200);
    expect((await call('GET', '/v1/sequences/NOPE')).status).toBe(404);
    const seq = '/v1/sequences/VIRTUAL_ACCOUNT';
    expect((await call('PUT', seq, { body: { providerIds: [p.json.id] }, headers: { 'If-Match': '"99"' } })).status).toBe(412);
    expect((await call('PUT', seq, { body: { providerIds: ['prv_missing'] } })).status).toBe(422);
    expect((await call('PUT', seq, { body: { providerIds: [p.json.id] }, key: SANDBOX_RO_KEY })).status).toBe(403);
    expect((await call('PUT', seq, { body: '[' })).status).toBe(400);
    expect((await call('PUT', seq, { body: { providerIds: [p.json.id] } })).status).toBe(200);
    expect((await call('GET', `${seq}/BCA`)).status).toBe(404);
    expect((await call('PUT', `${seq}/BCA`, { body: { providerIds: [p.json.id] }, headers: { 'If-None-Match': '*' } })).status).toBe(201);
    expect((await call('PUT', `${seq}/BCA`, { body: { providerIds: [p.json.id] }, headers: { 'If-None-Match': '*' } })).status).toBe(412);
    expect((await call('PUT', `${seq}/BCA`, { body: { providerIds: [p.json.id] }, headers: { 'If-Match': '"1"' } })).status).toBe(200);
    expect((await call('GET', `${seq}/BCA`)).status).toBe(200);

    // Settings -> Developers: webhooks (a real delivery to a loopback receiver), the IP whitelist, API keys.
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    expect((await call('GET', '/v1/webhooks')).json).toMatchObject({ urls: {}, version: 1, verificationToken: { version: 1 } });
    expect((await call('PUT', '/v1/webhooks', { body: { urls: { SEND_MONEY: hook } } })).status).toBe(428);
    expect((await call('PUT', '/v1/webhooks', { body: { urls: { SEND_MONEY: hook } }, headers: { 'If-Match': '"7"' } })).status).toBe(412);
    expect((await call('PUT', '/v1/webhooks', { body: { urls: { SEND_MONEY: 'http://example.com/x' } }, headers: { 'If-Match': '"1"' } })).status).toBe(422);
    expect((await call('PUT', '/v1/webhooks', { body: '{', headers: { 'If-Match': '"1"' } })).status).toBe(400);
    expect((await call('PUT', '/v1/webhooks', { body: { urls: {} }, key: SANDBOX_RO_KEY, headers: { 'If-Match': '"1"' } })).status).toBe(403);
    const put = await call('PUT', '/v1/webhooks', { body: { urls: { SEND_MONEY: hook }, annotations: { owner: 'ops' } }, headers: { 'If-Match': '"1"' } });
    expect(put.json).toMatchObject({ urls: { SEND_MONEY: hook }, version: 2, updatedBy: 'API', annotations: { owner: 'ops' } });
    expect((await call('POST', '/v1/webhooks/test', { body: { service: 'SEND_MONEY' } })).json).toMatchObject({ service: 'SEND_MONEY', url: hook, status: 204 });
    expect((await call('POST', '/v1/webhooks/test', { body: { service: 'QR_CODE' } })).status).toBe(404);
    expect((await call('POST', '/v1/webhooks/test', { body: { service: 7 } })).status).toBe(422);
    expect((await call('POST', '/v1/webhooks/verification-token/rotate', { headers: { 'If-Match': '"1"' } })).status).toBe(412);
    expect((await call('POST', '/v1/webhooks/verification-token/rotate')).json).toMatchObject({ version: 2, verificationToken: { version: 2, updatedBy: 'API' } });

    expect((await call('GET', '/v1/ip-whitelist')).json).toMatchObject({ addresses: ['203.0.113.1'], requestAddress: '203.0.113.1', version: 1 });
    expect((await call('PUT', '/v1/ip-whitelist', { body: { addresses: ['203.0.113.1'] } })).status).toBe(428);
    expect((await call('PUT', '/v1/ip-whitelist', { body: { addresses: ['10.0.0.1'] }, headers: { 'If-Match': '"1"' } })).status).toBe(422);
    expect((await call('PUT', '/v1/ip-whitelist', { body: { addresses: [] }, headers: { 'If-Match': '"2"' } })).status).toBe(412);
    expect((await call('PUT', '/v1/ip-whitelist', { body: { addresses: ['203.0.113.1', '198.51.100.7'] }, headers: { 'If-Match': '"1"' } })).json).toMatchObject({ version: 2 });

    expect((await call('GET', '/v1/api-keys?limit=1')).json.nextCursor).toEqual(expect.any(String));
    expect((await call('GET', '/v1/api-keys?limit=0')).status).toBe(400);
    const keyBody = { name: 'Backend Integration', permissions: { SEND_MONEY: 'READ_WRITE', VIRTUAL_ACCOUNT: 'READ' } };
    const created = await call('POST', '/v1/api-keys', { body: keyBody, headers: { 'Idempotency-Key': 'key-1' } });
    expect(created.status).toBe(201);
    expect((await call('POST', '/v1/api-keys', { body: keyBody, headers: { 'Idempotency-Key': 'key-1' } })).json.value).toBe(created.json.value);
    expect((await call('POST', '/v1/api-keys', { body: keyBody })).status).toBe(409);
    expect((await call('POST', '/v1/api-keys', { body: { name: 'X', permissions: { SEND_MONEY: 'ALL' } } })).status).toBe(422);
    const keyUrl = `/v1/api-keys/${created.json.id}`;
    expect((await call('PATCH', keyUrl, { body: { permissions: { EWALLET: 'WRITE' } } })).status).toBe(428);
    expect((await call('PATCH', keyUrl, { body: { permissions: { EWALLET: 'WRITE' } }, headers: { 'If-Match': '"9"' } })).status).toBe(412);
    expect((await call('PATCH', '/v1/api-keys/key_missing', { body: { name: 'Y' }, headers: { 'If-Match': '"1"' } })).status).toBe(404);
    expect((await call('PATCH', keyUrl, { body: { permissions: { EWALLET: 'WRITE' } }, headers: { 'If-Match': '"1"' } })).json).toMatchObject({ version: 2 });
    expect((await call('POST', `${keyUrl}/revoke`, { body: {} })).status).toBe(428);
    expect((await call('POST', `${keyUrl}/revoke`, { body: { reason: 'rotated' }, headers: { 'If-Match': '"2"' } })).json).toMatchObject({ status: 'REVOKED' });
    expect((await call('PATCH', keyUrl, { body: { name: 'Z' }, headers: { 'If-Match': '"3"' } })).status).toBe(409);
    expect((await call('GET', '/v1/company', { key: created.json.value as string })).status).toBe(401);
    // Metrics of simulated traffic through those sequences.
    new TrafficEngine(store, { seed: 1 }).step(new Date(), 500);
    const metrics = await call('GET', '/v1/metrics?window=1h');
    expect(metrics.json.data).toEqual(expect.arrayContaining([expect.objectContaining({ providerId: p.json.id, service: 'VIRTUAL_ACCOUNT' })]));
    expect((await call('GET', `/v1/metrics?window=30d&provider=${p.json.id}&service=SEND_MONEY`, { key: SANDBOX_RO_KEY })).status).toBe(200);
    expect((await call('GET', '/v1/metrics?window=2h')).status).toBe(400);

    const documented = Object.entries(doc.paths).flatMap(([t, ops]) => Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m} ${t}`));
    const done = [...exercised].flatMap(([t, ms]) => [...ms].map((m) => `${m} ${t}`));
    expect(done.sort()).toEqual(documented.sort());
  });
  it('declares for every operation its 4xx, 421, 429 and 5xx answers, 413 where it takes a body, and the RateLimit headers of its 2xx', () => {
    expect(operations).toHaveLength(23);
    for (const { where, op } of operations) {
      const codes = Object.keys(op.responses);
      expect(codes.filter((c) => /^4\d\d$/.test(c) && !['421', '429'].includes(c)).length, where).toBeGreaterThan(0);
      expect(codes, where).toEqual(expect.arrayContaining(['421', '429', '500', '502', '503', '504']));
      if (op.requestBody) expect(codes, where).toContain('413');
      for (const code of codes.filter((c) => /^[45]\d\d$/.test(c))) {
        const ref = op.responses[code]!.$ref;
        expect(Object.keys(doc.components.responses[ref?.split('/').pop() ?? '']?.content ?? {}), `${where} ${code}`).toEqual(['application/problem+json']);
      }
      for (const code of codes.filter((c) => /^2\d\d$/.test(c))) {
        expect(Object.keys(op.responses[code]!.headers ?? {}), `${where} ${code}`).toEqual(expect.arrayContaining(['RateLimit-Policy', 'RateLimit']));
      }
    }
  });

  it('answers over HTTP only for its own Host, refuses foreign-origin writes and bodies over 1 MiB, all as documented', async () => {
    const store = await openSandboxStore();
    const app = createSandboxApp({ store, dashboard: true, serverPort: () => 4010 });
    const [secret] = canaries() as [string];
    const call = caller(app, new Map(), secret);
    const own = { Host: '127.0.0.1:4010' };
    const create = {
      name: 'Hosted',
      type: 'AGGREGATOR',
      integration: 'xendit',
      services: ['EWALLET'],
      credentials: { clientKey: 'xnd_development_abc123', clientSecret: secret },
      fee: { type: 'PERCENTAGE', percent: '1' },
      tax: { vatPercent: '11', applyVat: true },
    };
    for (const host of ['127.0.0.1:4010', 'localhost:4010', '[::1]:4010', 'LOCALHOST:4010']) {
      expect((await call('GET', '/v1/company', { headers: { Host: host } })).status, host).toBe(200);
    }
    // DNS rebinding: a page on evil.example, resolved to 127.0.0.1, sends its own name as Host.
    for (const host of ['evil.example', 'evil.example:4010', '127.0.0.1:4011', '127.0.0.1', 'localhost.evil.example:4010']) {
      const r = await call('GET', '/v1/company', { headers: { Host: host } });
      expect(r.status, host).toBe(421);
      expect(r.json.detail).toBe('this sandbox answers only requests for http://127.0.0.1:4010 (or localhost:4010, [::1]:4010)');
    }
    expect((await call('POST', '/v1/providers', { body: create, headers: { Host: 'evil.example' } })).status).toBe(421);
    // The page and its session key are not handed to another Host either.
    const page = await app.request('/', { headers: { Host: 'evil.example' } });
    expect(page.status).toBe(421);
    expect(await page.text()).not.toContain('psk_dashboard_');
    expect((await app.request('/', { headers: own })).status).toBe(200);

    const foreign = await call('POST', '/v1/providers', { body: create, headers: { ...own, Origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(foreign.json.detail).toBe('writes are accepted only from pages of http://127.0.0.1:4010, not from "http://evil.example"');
    expect((await call('POST', '/v1/providers', { body: create, headers: { ...own, Origin: 'null' } })).status).toBe(403);
    expect((await call('GET', '/v1/providers', { headers: { ...own, Origin: 'http://evil.example' } })).status).toBe(200);
    expect((await call('POST', '/v1/providers', { body: create, headers: { ...own, Origin: 'http://127.0.0.1:4010' } })).status).toBe(201);

    const big = JSON.stringify({ ...create, name: 'Big', labels: { blob: 'x'.repeat(1024 * 1024) } });
    const tooLarge = await call('POST', '/v1/providers', { body: big, headers: own });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.detail).toBe('request bodies are limited to 1048576 bytes (1 MiB)');
    expect((await call('PATCH', '/v1/providers/prv_x', { body: big, headers: { ...own, 'If-Match': '"1"' } })).status).toBe(413);
    expect((await call('PUT', '/v1/sequences/EWALLET', { body: big, headers: own })).status).toBe(413);
    expect(store.getByName('Big')).toBeUndefined();
  });

  it('holds names, labels and annotations to the limits the document declares, each refusal per field', async () => {
    const store = await openSandboxStore();
    const call = caller(createSandboxApp({ store }), new Map(), canaries()[0]!);
    const create = (over: Record<string, unknown>, name = 'Limits') => ({
      name,
      type: 'AGGREGATOR',
      integration: 'xendit',
      services: ['EWALLET'],
      credentials: { clientKey: 'xnd_development_abc123', clientSecret: canaries()[0]! },
      fee: { type: 'PERCENTAGE', percent: '1' },
      tax: { vatPercent: '11', applyVat: true },
      ...over,
    });
    const labels = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    const bad: [string, Record<string, unknown>, string, string][] = [
      ['a 101-character name', { name: 'n'.repeat(101) }, '/name', 'must be at most 100 characters (got 101)'],
      ['ESC in a name', { name: 'Evil\u001b[2J' }, '/name', 'must be printable text: it contains the control character U+001B at position 5'],
      ['a newline in a name', { name: 'Evil\nerror: forged' }, '/name', 'must be printable text: it contains the control character U+000A at position 5'],
      ['U+202E in a name', { name: 'Evil\u202eredoc' }, '/name', 'must be printable text: it contains the control character U+202E at position 5'],
      ['a C1 character in a name', { name: 'Evil\u009b' }, '/name', 'must be printable text: it contains the control character U+009B at position 5'],
      ['U+2028 in a label value', { labels: { team: 'a\u2028b' } }, '/labels/team', 'must be printable text: it contains the control character U+2028 at position 2'],
      ['DEL in a label key', { labels: { 'te\u007fam': 'ok' } }, '/labels/te\u007fam', 'label keys must be printable text: this one contains the control character U+007F'],
      ['a 64-character label key', { labels: { ['k'.repeat(64)]: 'v' } }, `/labels/${'k'.repeat(64)}`, 'label keys must be 1 to 63 characters (got 64)'],
      ['a 257-character label value', { labels: { team: 'v'.repeat(257) } }, '/labels/team', 'must be at most 256 characters (got 257)'],
      ['65 labels', { labels: labels(65) }, '/labels', 'must have at most 64 labels (got 65)'],
      ['a 254-character annotation key', { annotations: { ['a'.repeat(254)]: 'v' } }, `/annotations/${'a'.repeat(254)}`, 'annotation keys must be 1 to 253 characters (got 254)'],
      ['a 4097-character annotation value', { annotations: { note: 'v'.repeat(4097) } }, '/annotations/note', 'must be at most 4096 characters (got 4097)'],
    ];
    const providerCreate = schemaOf('ProviderCreate');
    for (const [what, over, path, message] of bad) {
      const body = create(over);
      const r = await call('POST', '/v1/providers', { body });
      expect(r.status, what).toBe(422);
      expect(r.json.errors, what).toEqual([{ path, message }]);
      expect(providerCreate(body), `${what}: the document refuses it too`).toBe(false);
    }
    // At each limit: accepted, by the sandbox and by the document (the caller checks the request body).
    const edge = create(
      { labels: { ...labels(63), ['k'.repeat(63)]: 'v'.repeat(256) }, annotations: { ['a'.repeat(253)]: 'v'.repeat(4096), multi: 'line one\nline two' } },
      `${'n'.repeat(95)} Café`,
    );
    const created = await call('POST', '/v1/providers', { body: edge });
    expect(created.status).toBe(201);
    const url = `/v1/providers/${created.json.id}`;
    // A patch may not take the provider past 64 labels, but may swap one for another.
    const over = await call('PATCH', url, { body: { labels: { extra: 'one too many' } }, headers: { 'If-Match': '"1"' } });
    expect(over.status).toBe(422);
    expect(over.json.errors).toEqual([{ path: '/labels', message: 'the provider would have 65 labels; at most 64 are allowed' }]);
    expect((await call('PATCH', url, { body: { labels: { k0: null, extra: 'swapped' } }, headers: { 'If-Match': '"1"' } })).status).toBe(200);
    const patch = await call('PATCH', url, { body: { labels: { team: 'bad\u0007' } }, headers: { 'If-Match': '"2"' } });
    expect(patch.json.errors).toEqual([{ path: '/labels/team', message: 'must be printable text: it contains the control character U+0007 at position 4' }]);
    expect(schemaOf('ProviderPatch')({ labels: { team: 'bad\u0007' } })).toBe(false);
  });

  it('declares the 5xx answers it gives, problem+json', async () => {
    const store = await openSandboxStore();
    // Every request draws an injected fault; the fifth draw picks which: 500, 502, 503, 504.
    const kinds = [0, 0.25, 0.5, 0.75];
    let n = 0;
    const random = () => {
      const draw = n++ % 6;
      return draw === 1 ? 0 : draw === 4 ? kinds[Math.floor(n / 6) % 4]! : 0.99;
    };
    const app = createSandboxApp({ store, faults: faultMiddleware({ errorRate: 1 }, random) });
    const call = caller(app, new Map(), canaries()[0]!);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) seen.push((await call('GET', '/v1/providers')).status);
    seen.push((await call('POST', '/v1/providers', { body: {} })).status);
    expect(seen).toEqual([500, 502, 503, 504, 500]);
  });

  it('declares the 429 of a request-rate limit, and the headers that let a client pace itself', async () => {
    const store = await openSandboxStore();
    // A clock that never moves: the bucket of 2 is not refilled, so the third request is refused.
    const app = createSandboxApp({ store, faults: faultMiddleware({ rpsLimit: 2 }, () => 0.5, undefined, () => 0) });
    const call = caller(app, new Map(), canaries()[0]!);
    const seen: (string | null)[][] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/v1/company', { headers: { Authorization: `Bearer ${SANDBOX_RW_KEY}` } });
      seen.push([String(res.status), res.headers.get('ratelimit-policy'), res.headers.get('ratelimit'), res.headers.get('retry-after')]);
    }
    expect(seen).toEqual([
      ['200', '"sandbox";q=2;w=1', '"sandbox";r=1;t=1', null],
      ['200', '"sandbox";q=2;w=1', '"sandbox";r=0;t=1', null],
      ['429', '"sandbox";q=2;w=1', '"sandbox";r=0;t=1', '1'],
    ]);
    // Every operation declares it, with its problem body.
    expect((await call('GET', '/v1/providers')).status).toBe(429);
    // And a 2xx that carries the headers declares them (the caller checks).
    const fresh = createSandboxApp({ store, faults: faultMiddleware({ rpsLimit: 5 }, () => 0.5, undefined, () => 0) });
    const answered = await caller(fresh, new Map(), canaries()[0]!)('GET', '/v1/company');
    expect(answered.status).toBe(200);
    expect((await call('POST', '/v1/providers', { body: {} })).status).toBe(429);
  });
});
