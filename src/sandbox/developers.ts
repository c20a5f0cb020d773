// Settings -> Developers in the sandbox (SPEC 3b, 7): webhooks with their test delivery and
// verification token, the IP whitelist, and API keys. Same conventions as providers: ETag and
// If-Match (428 without one where a write replaces state), Idempotency-Key on create, per-field
// 422s, annotations merged per key, every 2xx to a write sent once the change is durable.
import { createHmac, randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type {
  ApiKeyPage,
  Capability,
  ChangedBy,
  FieldError,
  IpWhitelist,
  NullableStringMap,
  StringMap,
  WebhookTestResult,
  Webhooks,
} from '../generated/api.js';
import { publicIPv4Problem } from '../model/ipv4.js';
import { isLoopbackHost, webhookUrlProblem } from '../model/webhook-url.js';
import { ProblemError } from './problem.js';
import { digestMatches, digestOf } from './store/digest.js';
import { apiKeyToApi, etagOf, type SandboxStore } from './store/domain.js';
import type { StoredApiKey, StoredIpWhitelist, StoredWebhooks } from './store/types.js';
import { Errors, isObject, LIMITS, pointer } from './validate.js';
import { canonicalJson, parseJson } from './json.js';

export const CAPABILITIES: readonly Capability[] = ['NONE', 'READ', 'WRITE', 'READ_WRITE'];
export const MAX_WHITELIST = 100;
/** How long a test delivery waits for the endpoint (SPEC 3b: as the dashboard's Test & Save). */
export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_ANSWER_CHARS = 2048;

export interface DevelopersOptions {
  store: SandboxStore;
  products: readonly string[];
  now: () => Date;
  requestAddress: string;
  webhookTimeoutMs: number;
  changedByOf: (c: Context) => ChangedBy;
}

const invalid = (errors: FieldError[]): ProblemError =>
  new ProblemError(422, 'validation-failed', 'Validation failed', `${errors.length} field${errors.length === 1 ? '' : 's'} failed validation`, errors);



/** RFC 9110 If-Match against the current version; `required` answers 428 without one. */
function precondition(c: Context, current: { version: number }, what: string, required: boolean): void {
  const header = c.req.header('If-Match')?.trim();
  if (!header) {
    if (!required) return;
    throw new ProblemError(428, 'precondition-required', 'Precondition required', `send If-Match with the ETag of the ${what} as last read, so a concurrent change is not overwritten`);
  }
  const tags = header.split(',').map((t) => t.trim());
  if (!tags.includes('*') && !tags.includes(etagOf(current))) {
    throw new ProblemError(
      412,
      'precondition-failed',
      'Precondition failed',
      `If-Match ${header} does not match the current version ${current.version} (ETag ${etagOf(current)}): the ${what} changed since it was read`,
      undefined,
      { ETag: etagOf(current) },
    );
  }
}

const sameMap = (a: Record<string, string>, b: Record<string, string>): boolean => canonicalJson(a) === canonicalJson(b);

function annotationsChange(current: Record<string, string>, patch: NullableStringMap | undefined): boolean {
  if (!patch) return false;
  return Object.entries(patch).some(([k, v]) => (v === null ? Object.hasOwn(current, k) : current[k] !== v));
}

export function webhooksToApi(w: StoredWebhooks): Webhooks {
  return {
    urls: { ...w.urls },
    verificationToken: { version: w.token.version, updatedAt: w.token.updatedAt, updatedBy: w.token.updatedBy },
    annotations: { ...w.annotations },
    version: w.version,
    updatedAt: w.updatedAt,
    updatedBy: w.updatedBy,
  };
}

export function ipWhitelistToApi(l: StoredIpWhitelist, requestAddress: string): IpWhitelist {
  return { addresses: [...l.addresses], requestAddress, annotations: { ...l.annotations }, version: l.version, updatedAt: l.updatedAt, updatedBy: l.updatedBy };
}

/** `X-Paystrator-Signature` of a delivery: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">. */
export function webhookSignature(token: string, unixSeconds: number, body: string): string {
  return `t=${unixSeconds},v1=${createHmac('sha256', token).update(`${unixSeconds}.${body}`).digest('hex')}`;
}

async function deliver(url: string, body: string, signature: string, timeoutMs: number): Promise<{ status: number; body: string; error?: string }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { status: 0, body: '', error: 'the URL cannot be parsed' };
  }
  if (!isLoopbackHost(target.hostname)) {
    return { status: 0, body: '', error: `the sandbox delivers only to loopback addresses (127.0.0.1, [::1], localhost); ${target.hostname} was not called` };
  }
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'Paystrator-Sandbox-Webhooks/1', 'X-Paystrator-Signature': signature },
      body,
      // A redirect could lead anywhere: the endpoint's own answer is what is reported.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await readStart(res) };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return { status: 0, body: '', error: `no answer within ${timeoutMs / 1000} s` };
    return { status: 0, body: '', error: `the request failed (${err.cause?.code ?? err.cause?.message ?? err.message})` };
  }
}

/** The start of an answer: a huge or endless body is not read past what is shown. */
async function readStart(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    // Four bytes per character at most: enough for 2048 characters of UTF-8.
    while (size < MAX_ANSWER_CHARS * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // A body cut off (timeout, reset) still shows what came.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return [...Buffer.concat(chunks).toString('utf8')].slice(0, MAX_ANSWER_CHARS).join('').slice(0, MAX_ANSWER_CHARS);
}

export function installDevelopers(app: Hono, opts: DevelopersOptions): void {
  const { store, products, requestAddress } = opts;
  const at = (): string => opts.now().toISOString();

  const validateAnnotations = (e: Errors, o: Record<string, unknown>, nullable: boolean): NullableStringMap | undefined =>
    Object.hasOwn(o, 'annotations') ? e.stringMap(o.annotations, '/annotations', nullable, 'annotation') : undefined;
  const productKey = (e: Errors, at1: string, k: string): boolean => {
    if (products.includes(k)) return true;
    e.add(at1, `is not a product of the catalog (products: ${products.join(', ')})`);
    return false;
  };

  // ---- Webhooks
  const webhooks = (c: Context, status: 200 = 200): Response => c.json(webhooksToApi(store.webhooks), status, { ETag: etagOf(store.webhooks) });
  app.get('/v1/webhooks', (c) => webhooks(c));
  app.put('/v1/webhooks', async (c) => {
    const text = await c.req.text();
    precondition(c, store.webhooks, 'webhooks', true);
    const e = new Errors();
    const o = e.object(parseJson(text), '', ['urls'], ['annotations']);
    if (!o) throw invalid(e.list);
    const urls: Record<string, string> = {};
    if (Object.hasOwn(o, 'urls')) {
      if (!isObject(o.urls)) e.add('/urls', 'must be an object of service to URL');
      else {
        for (const [service, url] of Object.entries(o.urls)) {
          const at1 = pointer('/urls', service);
          if (!productKey(e, at1, service)) continue;
          if (typeof url !== 'string') {
            e.add(at1, 'must be a URL (a string)');
            continue;
          }
          const problem = webhookUrlProblem(url, { allowLoopbackHttp: true });
          if (problem) e.add(at1, problem);
          else urls[service] = url;
        }
      }
    }
    const annotations = validateAnnotations(e, o, true);
    if (e.list.length) throw invalid(e.list);
    const w = store.webhooks;
    // The same content again changes nothing, so a retried PUT does not bump the version.
    if (sameMap(w.urls, urls) && !annotationsChange(w.annotations, annotations)) return webhooks(c);
    store.putWebhooks(urls, annotations, opts.changedByOf(c), at());
    await store.flush();
    return webhooks(c);
  });
  app.post('/v1/webhooks/verification-token/rotate', async (c) => {
    precondition(c, store.webhooks, 'webhooks', false);
    store.rotateWebhookToken(opts.changedByOf(c), at());
    await store.flush();
    return webhooks(c);
  });
  app.post('/v1/webhooks/test', async (c) => {
    const e = new Errors();
    const o = e.object(parseJson(await c.req.text()), '', ['service'], []);
    const service = o && Object.hasOwn(o, 'service') ? e.string(o.service, '/service', 64) : undefined;
    if (!o || e.list.length) throw invalid(e.list);
    const url = store.webhooks.urls[service!];
    if (url === undefined) throw new ProblemError(404, 'not-found', 'Not found', `${JSON.stringify(service)} has no webhook URL: PUT /v1/webhooks to set one`);
    const sentAt = opts.now();
    const unix = Math.floor(sentAt.getTime() / 1000);
    const id = `evt_test_${randomBytes(8).toString('hex')}`;
    const event = JSON.stringify({ id, type: 'webhook.test', service, company: store.companyInfo.id, createdAt: sentAt.toISOString() });
    const token = store.webhooks.token;
    const started = performance.now();
    const answer = await deliver(url, event, webhookSignature(token.value, unix, event), opts.webhookTimeoutMs);
    const durationMs = Math.max(0, Math.round(performance.now() - started));
    store.recordDelivery({ id, at: sentAt.toISOString(), service: service!, url, status: answer.status, durationMs, tokenVersion: token.version, ...(answer.error ? { error: answer.error } : {}) });
    await store.flush();
    return c.json({ service: service!, url, status: answer.status, body: answer.body, durationMs, ...(answer.error ? { error: answer.error } : {}) } satisfies WebhookTestResult);
  });

  // ---- IP whitelist
  const whitelist = (c: Context): Response => c.json(ipWhitelistToApi(store.ipWhitelist, requestAddress), 200, { ETag: etagOf(store.ipWhitelist) });
  app.get('/v1/ip-whitelist', (c) => whitelist(c));
  app.put('/v1/ip-whitelist', async (c) => {
    const text = await c.req.text();
    precondition(c, store.ipWhitelist, 'IP whitelist', true);
    const e = new Errors();
    const o = e.object(parseJson(text), '', ['addresses'], ['annotations']);
    if (!o) throw invalid(e.list);
    const addresses: string[] = [];
    if (Object.hasOwn(o, 'addresses')) {
      if (!Array.isArray(o.addresses)) e.add('/addresses', 'must be an array of IPv4 addresses');
      else {
        if (o.addresses.length > MAX_WHITELIST) e.add('/addresses', `must hold at most ${MAX_WHITELIST} addresses (got ${o.addresses.length})`);
        o.addresses.forEach((a: unknown, i) => {
          const at1 = pointer('/addresses', i);
          if (typeof a !== 'string') return void e.add(at1, 'must be an IPv4 address (a string)');
          const problem = publicIPv4Problem(a);
          if (problem) return void e.add(at1, problem);
          if (addresses.includes(a)) return void e.add(at1, `repeats ${a}`);
          addresses.push(a);
        });
      }
    }
    const annotations = validateAnnotations(e, o, true);
    if (e.list.length) throw invalid(e.list);
    const l = store.ipWhitelist;
    if (l.addresses.join('\n') === addresses.join('\n') && !annotationsChange(l.annotations, annotations)) return whitelist(c);
    store.putIpWhitelist(addresses, annotations, opts.changedByOf(c), at());
    await store.flush();
    return whitelist(c);
  });

  // ---- API keys
  const found = (c: Context): StoredApiKey => {
    const k = store.apiKey(c.req.param('id') ?? '');
    if (!k) throw new ProblemError(404, 'not-found', 'Not found', `no API key with id ${JSON.stringify(c.req.param('id'))}`);
    return k;
  };
  const key = (c: Context, k: StoredApiKey): Response => c.json(apiKeyToApi(k), 200, { ETag: etagOf(k) });
  const permissions = (e: Errors, v: unknown): Record<string, Capability> | undefined => {
    if (!isObject(v)) return e.add('/permissions', 'must be an object of product to NONE, READ, WRITE or READ_WRITE');
    const before = e.list.length;
    for (const [product, cap] of Object.entries(v)) {
      const at1 = pointer('/permissions', product);
      if (productKey(e, at1, product)) e.oneOf(cap, at1, CAPABILITIES);
    }
    return e.list.length === before ? (v as Record<string, Capability>) : undefined;
  };
  const nameTaken = (name: string, except?: StoredApiKey): void => {
    const taken = store.activeApiKeyNamed(name);
    if (taken && taken !== except) {
      throw new ProblemError(409, 'name-taken', 'Name taken', `an active API key named ${JSON.stringify(name)} already exists (${taken.id}); names of active keys are unique`, [
        { path: '/name', message: 'is already used by another active API key' },
      ]);
    }
  };

  app.get('/v1/api-keys', (c) => {
    const { limit: limitText, cursor } = c.req.query();
    const limit = limitText === undefined ? 100 : /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 1000)) throw new ProblemError(400, 'invalid-query', 'Invalid query', 'limit must be a whole number from 1 to 1000');
    const page = store.listApiKeys(limit, cursor);
    if (!page) throw new ProblemError(400, 'invalid-query', 'Invalid query', 'cursor is not one this API issued; start again without it');
    return c.json({ data: page.data.map(apiKeyToApi), nextCursor: page.nextCursor } satisfies ApiKeyPage);
  });

  app.post('/v1/api-keys', async (c) => {
    const idem = c.req.header('Idempotency-Key');
    if (idem !== undefined && (idem.length < 1 || idem.length > 255)) {
      throw new ProblemError(400, 'invalid-idempotency-key', 'Invalid Idempotency-Key', 'Idempotency-Key must be 1 to 255 characters');
    }
    const body = parseJson(await c.req.text());
    const canonical = idem === undefined ? undefined : canonicalJson(body);
    const prior = idem === undefined ? undefined : store.getApiKeyIdempotency(idem, opts.now());
    if (prior) {
      if (!digestMatches(prior.fingerprint, canonical!)) {
        throw new ProblemError(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'this Idempotency-Key was used with a different request body; use a new key for a different request');
      }
      await store.flush();
      return c.json(prior.body, 201, { ETag: prior.etag, 'Idempotent-Replayed': 'true' });
    }
    const e = new Errors();
    const o = e.object(body, '', ['name', 'permissions'], ['annotations']);
    if (!o) throw invalid(e.list);
    const name = Object.hasOwn(o, 'name') ? e.string(o.name, '/name', LIMITS.name, true) : undefined;
    const perms = Object.hasOwn(o, 'permissions') ? permissions(e, o.permissions) : undefined;
    const annotations = validateAnnotations(e, o, false) as StringMap | undefined;
    if (e.list.length) throw invalid(e.list);
    nameTaken(name!);
    const created = store.createApiKey(
      { name: name!, permissions: perms!, ...(annotations ? { annotations } : {}) },
      at(),
      idem === undefined ? undefined : { key: idem, fingerprint: digestOf(canonical!) },
    );
    await store.flush();
    return c.json(created, 201, { ETag: etagOf(created) });
  });

  app.patch('/v1/api-keys/:id', async (c) => {
    const text = await c.req.text();
    const k = found(c);
    precondition(c, k, 'API key', true);
    if (k.status === 'REVOKED') throw new ProblemError(409, 'api-key-revoked', 'API key revoked', `the API key ${k.id} was revoked at ${k.revokedAt}; a revoked key cannot change`);
    const e = new Errors();
    const o = e.object(parseJson(text), '', [], ['name', 'permissions', 'annotations']);
    if (!o) throw invalid(e.list);
    if (Object.keys(o).length === 0) e.add('', 'must change at least one field');
    const name = Object.hasOwn(o, 'name') ? e.string(o.name, '/name', LIMITS.name, true) : undefined;
    const perms = Object.hasOwn(o, 'permissions') ? permissions(e, o.permissions) : undefined;
    const annotations = validateAnnotations(e, o, true);
    if (e.list.length) throw invalid(e.list);
    if (name !== undefined) nameTaken(name, k);
    store.updateApiKey(k, { ...(name !== undefined ? { name } : {}), ...(perms ? { permissions: perms } : {}), ...(annotations ? { annotations } : {}) }, at());
    await store.flush();
    return key(c, k);
  });

  app.post('/v1/api-keys/:id/revoke', async (c) => {
    const text = await c.req.text();
    const k = found(c);
    precondition(c, k, 'API key', true);
    const e = new Errors();
    const o = e.object(parseJson(text, {}), '', [], ['reason', 'annotations']);
    if (!o) throw invalid(e.list);
    let reason: string | null = null;
    if (typeof o.reason === 'string' && o.reason.length <= 500) reason = o.reason;
    else if (Object.hasOwn(o, 'reason')) e.add('/reason', 'must be a string of at most 500 characters');
    const annotations = validateAnnotations(e, o, true);
    if (e.list.length) throw invalid(e.list);
    // Revoking is final, and again is no change.
    if (k.status === 'REVOKED') return key(c, k);
    store.revokeApiKey(k, reason, annotations, at());
    await store.flush();
    return key(c, k);
  });

  const allow: Record<string, string> = {
    '/v1/webhooks': 'GET, PUT',
    '/v1/webhooks/test': 'POST',
    '/v1/webhooks/verification-token/rotate': 'POST',
    '/v1/ip-whitelist': 'GET, PUT',
    '/v1/api-keys': 'GET, POST',
    '/v1/api-keys/:id': 'PATCH',
    '/v1/api-keys/:id/revoke': 'POST',
  };
  for (const [route, methods] of Object.entries(allow)) {
    app.all(route, (c) => {
      throw new ProblemError(405, 'method-not-allowed', 'Method not allowed', `${c.req.method} is not allowed here; allowed: ${methods}`, undefined, { Allow: methods });
    });
  }
}
