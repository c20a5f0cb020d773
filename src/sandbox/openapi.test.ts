// The sandbox speaks the documented shapes: every answer below is checked against the response
// the OpenAPI document declares for its path, method and status, and every documented operation
// is exercised at least once with a 2xx.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { schemasDir } from '../catalog/catalog.js';
import { canaries } from '../../test/helpers/cli.js';
import type { Hono } from 'hono';
import { createSandboxApp } from './app.js';
import { faultMiddleware } from './faults.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY, SandboxStore } from './state.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
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
    if (res.status < 300) exercised.set(template(url), (exercised.get(template(url)) ?? new Set()).add(method.toLowerCase()));
    return { status: res.status, json: json as Record<string, unknown> & { id: string } };
  };
}

describe('OpenAPI conformance', () => {
  it('answers every documented operation with documented statuses and shapes', async () => {
    const store = await SandboxStore.open();
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

    const documented = Object.entries(doc.paths).flatMap(([t, ops]) => Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m} ${t}`));
    const done = [...exercised].flatMap(([t, ms]) => [...ms].map((m) => `${m} ${t}`));
    expect(done.sort()).toEqual(documented.sort());
  });
  it('declares the 429 of a request-rate limit, and the headers that let a client pace itself', async () => {
    const store = await SandboxStore.open();
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
    expect((await call('POST', '/v1/providers', { body: {} })).status).toBe(429);
  });
});
