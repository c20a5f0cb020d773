// The Paystrator management API as schemas/paystrator-api.openapi.yaml defines it, served from a
// SandboxStore. Every 2xx to a write is sent only after the change is durable.
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { LinearRouter } from 'hono/router/linear-router';
import { bodyLimit } from 'hono/body-limit';
import { ExitError } from '../diagnostics.js';
import { bundledCatalog, type Catalog, type CatalogEntry } from '../catalog/catalog.js';
import type { ChangedBy, Company, FieldError, Problem, ProviderPage, ProviderStatus } from '../generated/api.js';
import { digestMatches, digestOf } from './store/digest.js';
import { etagOf, type SandboxStore, toApi } from './store/domain.js';
import { DEFAULT_REQUEST_ADDRESS, type Permission, type StoredApiKey, type StoredProvider } from './store/types.js';
import { labelsAfterPatch, PROVIDER_STATUSES, validateCreate, validatePatch, validateStatusChange } from './validate.js';
import { installSequences } from './sequences.js';
import { installDevelopers, WEBHOOK_TIMEOUT_MS } from './developers.js';
import { installMetrics } from './metrics.js';
import { dashboardRoutes, newDashboardKey } from './ui/routes.js';
import { ProblemError } from './problem.js';
import { canonicalJson, parseJson } from './json.js';

export { ProblemError } from './problem.js';

export const PROBLEM_BASE = 'https://paystrator-gitops.dev/problems/';

export interface SandboxAppOptions {
  store: SandboxStore;
  catalog?: Catalog;
  now?: () => Date;
  /**
   * 'few': the app answers one CLI run in-process (a handful of requests). Its routes go into
   * hono's LinearRouter, which prepares nothing; the default router builds its matchers on the
   * first request (~3 ms of a cold `plan`), which pays off only over many.
   */
  requests?: 'few' | 'many';
  /** Serve the Provider Management page at / with a dashboard session key (sandbox-only; see ui/routes.ts). */
  dashboard?: boolean;
  /** Fault injection (faults.ts), run on /v1/* after the checks of the request itself. */
  faults?: MiddlewareHandler;
  /**
   * Served over HTTP on this loopback port (server.ts always sets it): only requests whose Host is
   * the server's own address and port are answered, so a web page cannot reach it by DNS
   * rebinding, and a write from a page of another origin is refused. In-process calls have no Host.
   */
  serverPort?: () => number;
  /**
   * The address the sandbox pretends API calls come from (SPEC 3b `requestAddress`), checked
   * against the IP whitelist; 203.0.113.1 by default, which the preloaded whitelist holds.
   */
  requestAddress?: string;
  /** How long a webhook test delivery waits for the endpoint; 10 s, as Paystrator's. */
  webhookTimeoutMs?: number;
}

/** Request bodies above this get 413, without being read further (SPEC section 7). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown anywhere in a handler; rendered as application/problem+json. */

function problemResponse(p: ProblemError): Response {
  const body: Problem = {
    type: PROBLEM_BASE + p.slug,
    title: p.title,
    status: p.status,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(p.errors?.length ? { errors: p.errors } : {}),
  };
  return new Response(JSON.stringify(body), { status: p.status, headers: { 'Content-Type': 'application/problem+json', ...p.headers } });
}

const invalid = (errors: FieldError[]): ProblemError =>
  new ProblemError(422, 'validation-failed', 'Validation failed', `${errors.length} field${errors.length === 1 ? '' : 's'} failed validation`, errors);

/** Who is calling: an API key records its writes as API, the dashboard session as USER. */
type Principal = { key?: undefined; permission: 'read-write'; changedBy: 'USER' } | { key: StoredApiKey; permission: Permission | undefined; changedBy: 'API' };

function principalOf(c: Context, store: SandboxStore, dashboardKey: string | undefined): Principal | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.req.header('Authorization') ?? '');
  if (!m) return undefined;
  if (dashboardKey !== undefined && m[1] === dashboardKey) return { permission: 'read-write', changedBy: 'USER' };
  const key = store.apiKeyByValue(m[1]!);
  return key && { key, permission: store.permissionOfKey(key), changedBy: 'API' };
}



export function createSandboxApp(opts: SandboxAppOptions): Hono {
  const { store } = opts;
  const catalog = opts.catalog ?? bundledCatalog();
  const now = (): string => (opts.now?.() ?? new Date()).toISOString();
  const app = opts.requests === 'few' ? new Hono({ router: new LinearRouter() }) : new Hono();
  const dashboardKey = opts.dashboard ? newDashboardKey() : undefined;
  const requestAddress = opts.requestAddress ?? DEFAULT_REQUEST_ADDRESS;
  const products = [...new Set(catalog.ids().flatMap((id) => catalog.get(id)!.services))].sort();
  store.seedAccount(products, requestAddress, now());
  // Resolved once per request by the auth check (a key is a salted digest to compare).
  const principals = new WeakMap<Request, Principal>();
  const principal = (c: Context): Principal | undefined => principals.get(c.req.raw);
  const changedByOf = (c: Context): ChangedBy => principal(c)?.changedBy ?? 'API';

  const found = (id: string): StoredProvider => {
    const p = store.get(id);
    if (!p) throw new ProblemError(404, 'not-found', 'Not found', `no provider with id ${JSON.stringify(id)}`);
    return p;
  };
  const entryOf = (p: StoredProvider): CatalogEntry => {
    const entry = catalog.get(p.integration);
    if (!entry) throw new Error(`provider ${p.id} uses integration ${p.integration}, which the catalog no longer has`);
    return entry;
  };
  // RFC 9110 order: preconditions are checked before the request content is looked at.
  const precondition = (c: Context, p: StoredProvider): void => {
    const header = c.req.header('If-Match')?.trim();
    if (!header) {
      throw new ProblemError(428, 'precondition-required', 'Precondition required', 'send If-Match with the ETag of the provider as last read, so a concurrent change is not overwritten');
    }
    const tags = header.split(',').map((t) => t.trim());
    if (!tags.includes('*') && !tags.includes(etagOf(p))) {
      throw new ProblemError(412, 'precondition-failed', 'Precondition failed', `If-Match ${header} does not match the current version ${p.version} (ETag ${etagOf(p)}): the provider changed since it was read`, undefined, { ETag: etagOf(p) });
    }
  };
  const provider = (c: Context, p: StoredProvider, status: 200 | 201 = 200, headers: Record<string, string> = {}): Response =>
    c.json(toApi(p), status, { ETag: etagOf(p), ...headers });

  if (opts.serverPort) {
    const serverPort = opts.serverPort;
    app.use('*', async (c, next) => {
      const port = serverPort();
      const host = c.req.header('Host')?.toLowerCase();
      const own = ['127.0.0.1', 'localhost', '[::1]'].flatMap((name) => (port === 80 ? [name, `${name}:80`] : [`${name}:${port}`]));
      if (!host || !own.includes(host)) {
        throw new ProblemError(421, 'misdirected-request', 'Misdirected request', `this sandbox answers only requests for http://127.0.0.1:${port} (or localhost:${port}, [::1]:${port})`);
      }
      // Browsers send Origin with every write; a page from anywhere else must not write here.
      const origin = c.req.header('Origin');
      if (origin !== undefined && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method) && origin.toLowerCase() !== `http://${host}`) {
        throw new ProblemError(403, 'foreign-origin', 'Forbidden', `writes are accepted only from pages of http://${host}, not from ${JSON.stringify(origin.slice(0, 200))}`);
      }
      await next();
    });
  }
  // hono's limit refuses a declared Content-Length over the limit before reading any of the body,
  // and stops reading a chunked one at the limit. The connection is closed rather than drained.
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ProblemError(413, 'payload-too-large', 'Payload too large', `request bodies are limited to ${MAX_BODY_BYTES} bytes (1 MiB)`, undefined, { Connection: 'close' });
      },
    }),
  );
  if (opts.faults) app.use('/v1/*', opts.faults);
  app.use('/v1/*', async (c, next) => {
    // Hono types a middleware's input as `any`; principalOf reads only headers.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
    const who = principalOf(c, store, dashboardKey);
    if (!who || who.key?.status === 'REVOKED') {
      const detail = who ? 'this API key was revoked; use an active key of this company' : 'send Authorization: Bearer <api key> with a key of this company';
      throw new ProblemError(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'WWW-Authenticate': 'Bearer' });
    }
    // The dashboard session is exempt, so a person locked out by the list can repair it in the page.
    if (who.key && !store.ipWhitelist.addresses.includes(requestAddress)) {
      const detail = store.ipWhitelist.addresses.length
        ? `requests from ${requestAddress} are refused: the address is not on this company's IP whitelist`
        : `requests from ${requestAddress} are refused: this company's IP whitelist is empty, which refuses every API key`;
      throw new ProblemError(403, 'ip-not-whitelisted', 'IP address not whitelisted', `${detail}; add it in the dashboard (Settings -> Developers -> IP Whitelist)`);
    }
    if (!who.permission) throw new ProblemError(403, 'forbidden', 'Forbidden', 'this API key has no access to any product');
    if (who.permission !== 'read-write' && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      throw new ProblemError(403, 'forbidden', 'Forbidden', 'this API key is read-only; writes need a read-write key');
    }
    principals.set(c.req.raw, who);
    if (who.key) store.noteKeyUse(who.key, now());
    await next();
  });

  app.get('/v1/company', (c) => {
    const who = principal(c)!;
    return c.json({ ...store.companyInfo, permission: who.permission!, ...(who.key ? { apiKey: { id: who.key.id, name: who.key.name } } : {}) } satisfies Company);
  });

  app.get('/v1/integrations', (c) => c.json({ data: catalog.toApi() }));

  app.get('/v1/providers', (c) => {
    const bad = (detail: string): ProblemError => new ProblemError(400, 'invalid-query', 'Invalid query', detail);
    const { limit: limitText, cursor, q, service, status } = c.req.query();
    const limit = limitText === undefined ? 100 : /^[0-9]{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= 1000)) throw bad('limit must be a whole number from 1 to 1000');
    if (status !== undefined && !PROVIDER_STATUSES.includes(status as ProviderStatus)) throw bad(`status must be one of ${PROVIDER_STATUSES.join(', ')}`);
    const page = store.list({
      limit,
      ...(cursor !== undefined ? { cursor } : {}),
      ...(q ? { q } : {}),
      ...(service ? { service } : {}),
      ...(status ? { status: status as ProviderStatus } : {}),
    });
    if (!page) throw bad('cursor is not one this API issued; start again without it');
    return c.json({ data: page.data.map(toApi), nextCursor: page.nextCursor } satisfies ProviderPage);
  });

  app.post('/v1/providers', async (c) => {
    const key = c.req.header('Idempotency-Key');
    if (key !== undefined && (key.length < 1 || key.length > 255)) {
      throw new ProblemError(400, 'invalid-idempotency-key', 'Invalid Idempotency-Key', 'Idempotency-Key must be 1 to 255 characters');
    }
    const body = parseJson(await c.req.text());
    const canonical = key === undefined ? undefined : canonicalJson(body);
    const prior = key === undefined ? undefined : store.getIdempotency(key);
    if (prior) {
      if (!digestMatches(prior.fingerprint, canonical!)) {
        throw new ProblemError(422, 'idempotency-key-reused', 'Idempotency-Key reused', 'this Idempotency-Key was used with a different request body; use a new key for a different request');
      }
      // The first request may still be committing; a replay must not be ahead of it.
      await store.flush();
      return c.json(prior.body, prior.status as 201, { ETag: prior.etag, 'Idempotent-Replayed': 'true' });
    }
    const v = validateCreate(body, catalog);
    if (!v.ok) throw invalid(v.errors);
    const taken = store.getByName(v.value.input.name);
    if (taken) {
      throw new ProblemError(409, 'name-taken', 'Name taken', `a provider named ${JSON.stringify(taken.name)} already exists (${taken.id}); names are unique`, [
        { path: '/name', message: 'is already used by another provider' },
      ]);
    }
    const p = store.create(v.value.input, v.value.entry.secretFields, now(), canonical === undefined ? undefined : { key: key!, fingerprint: digestOf(canonical) }, changedByOf(c));
    await store.flush();
    return provider(c, p, 201);
  });

  app.get('/v1/providers/:id', (c) => provider(c, found(c.req.param('id'))));

  // The body is read before anything is checked: from the precondition to the change there must
  // be no await, or a concurrent write could slip in between.
  app.patch('/v1/providers/:id', async (c) => {
    const text = await c.req.text();
    const p = found(c.req.param('id'));
    precondition(c, p);
    const entry = entryOf(p);
    const v = validatePatch(parseJson(text), entry);
    if (!v.ok) throw invalid(v.errors);
    const tooMany = labelsAfterPatch(p.labels, v.value);
    if (tooMany.length) throw invalid(tooMany);
    store.update(p, v.value, entry.secretFields, now(), changedByOf(c));
    await store.flush();
    return provider(c, p);
  });

  app.post('/v1/providers/:id/status', async (c) => {
    const text = await c.req.text();
    const p = found(c.req.param('id'));
    precondition(c, p);
    const v = validateStatusChange(parseJson(text));
    if (!v.ok) throw invalid(v.errors);
    store.setStatus(p, v.value.status, changedByOf(c), v.value.reason ?? null, now(), v.value.annotations);
    await store.flush();
    return provider(c, p);
  });

  if (dashboardKey !== undefined) app.route('/', dashboardRoutes({ sessionKey: dashboardKey }));

  installSequences(app, { store, catalog, now, changedByOf });
  installDevelopers(app, {
    store,
    products,
    now: () => opts.now?.() ?? new Date(),
    requestAddress,
    webhookTimeoutMs: opts.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS,
    changedByOf,
  });
  installMetrics(app, { store, catalog, now: () => opts.now?.() ?? new Date() });

  // A known path with a method it does not serve (there is no DELETE: providers are deactivated).
  const allow: Record<string, string> = {
    '/v1/company': 'GET',
    '/v1/integrations': 'GET',
    '/v1/providers': 'GET, POST',
    '/v1/providers/:id': 'GET, PATCH',
    '/v1/providers/:id/status': 'POST',
  };
  for (const [route, methods] of Object.entries(allow)) {
    app.all(route, (c) => {
      throw new ProblemError(405, 'method-not-allowed', 'Method not allowed', `${c.req.method} is not allowed here; allowed: ${methods}`, undefined, { Allow: methods });
    });
  }

  app.notFound((c) => problemResponse(new ProblemError(404, 'not-found', 'Not found', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err) =>
    problemResponse(
      err instanceof ProblemError
        ? err
        : // The state file could not be written: say which and why (a path and an errno, nothing from the request).
          new ProblemError(500, 'internal', 'Internal error', err instanceof ExitError ? err.message : 'the sandbox failed to handle the request'),
    ),
  );
  return app;
}
