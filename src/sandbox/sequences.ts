// Routing sequences in the sandbox, with Paystrator's rules:
// - every product (a service of the catalog) has a default sequence; a provider created ACTIVE, or
//   that becomes ACTIVE, is appended to the default of each product it offers and is missing from;
//   the QR_CODE default takes QRIS integrations only (x-integration.qris in the catalog);
// - custom sequences per destination (a bank code, an e-wallet id) hold only what a PUT set;
// - a provider that is deactivated, or stops offering a product, leaves that product's sequences;
//   one in MAINTENANCE stays listed (routing skips it) and may stay in a PUT, but cannot join one.
// Sequences keep provider ids; answers also give each provider's name and status for reading.
import type { Context, Hono } from 'hono';
import type { Catalog } from '../catalog/catalog.js';
import type { ChangedBy, FieldError, Sequence, SequenceList } from '../generated/api.js';
import { ProblemError } from './problem.js';
import { etagOf, type SandboxStore } from './store/domain.js';
import type { ProviderObserver, StoredSequence } from './store/types.js';
import { pointer } from './validate.js';

export const QRIS_PRODUCT = 'QR_CODE';
const DESTINATION = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export interface SequenceOptions {
  store: SandboxStore;
  catalog: Catalog;
  now: () => string;
  /** Who a request is (USER for the dashboard session, API for a key), recorded as updatedBy. */
  changedByOf: (c: Context) => ChangedBy;
}

/** Registers the /v1/sequences routes and makes the store keep sequences in step with providers. */
export function installSequences(app: Hono, opts: SequenceOptions): void {
  const { store, catalog, now } = opts;
  const products = [...new Set(catalog.ids().flatMap((id) => catalog.get(id)!.services))].sort();
  const qris = (integration: string): boolean => catalog.get(integration)?.qris === true;

  const current = (product: string, destination: string | null): StoredSequence =>
    store.sequence(product, destination) ?? { product, destination, providerIds: [], version: 0, updatedAt: null };
  // In place: a default with thousands of providers is not copied for each one that joins.
  const save = (q: StoredSequence, providerIds: string[], at: string, by: ChangedBy | null): StoredSequence => {
    q.providerIds = providerIds;
    q.version += 1;
    q.updatedAt = at;
    q.updatedBy = by;
    store.saveSequence(q);
    return q;
  };
  const joins = (p: { integration: string }, product: string): boolean => product !== QRIS_PRODUCT || qris(p.integration);

  // A sequence that changes because a provider did was changed by whoever changed the provider.
  const observer: ProviderObserver = (p, before, at, by) => {
    if (before) {
      for (const q of store.sequences()) {
        if ((p.status === 'INACTIVE' || !p.services.includes(q.product)) && q.providerIds.includes(p.id)) {
          save(q, q.providerIds.filter((id) => id !== p.id), at, by);
        }
      }
    }
    if (p.status !== 'ACTIVE') return;
    const becameActive = before === undefined || before.status !== 'ACTIVE';
    const joined = becameActive ? p.services : p.services.filter((s) => !before.services.includes(s));
    for (const product of joined) {
      if (!joins(p, product)) continue;
      const q = current(product, null);
      if (!q.providerIds.includes(p.id)) {
        q.providerIds.push(p.id);
        save(q, q.providerIds, at, by);
      }
    }
  };
  store.observer = observer;
  if (!store.hasSequences) {
    // A state file from before sequences: the defaults are what the rules would have built.
    const byProduct = new Map<string, string[]>();
    for (const p of store.list({ limit: Number.MAX_SAFE_INTEGER })?.data ?? []) {
      if (p.status !== 'ACTIVE') continue;
      for (const product of p.services) {
        if (!joins(p, product)) continue;
        const ids = byProduct.get(product);
        if (ids) ids.push(p.id);
        else byProduct.set(product, [p.id]);
      }
    }
    const at = now();
    for (const [product, ids] of byProduct) save(current(product, null), ids, at, null);
  }

  const toApi = (q: StoredSequence): Sequence => ({
    product: q.product,
    destination: q.destination,
    providers: q.providerIds.map((id) => {
      const p = store.get(id)!;
      return { id, name: p.name, status: p.status };
    }),
    version: q.version,
    updatedAt: q.updatedAt,
    updatedBy: q.updatedBy ?? null,
  });
  const answer = (c: Context, q: StoredSequence, status: 200 | 201 = 200): Response => c.json(toApi(q), status, { ETag: etagOf(q) });

  const product = (c: Context): string => {
    const name = c.req.param('product') ?? '';
    if (!products.includes(name)) throw new ProblemError(404, 'not-found', 'Not found', `no product ${JSON.stringify(name)} (products: ${products.join(', ')})`);
    return name;
  };
  const destination = (c: Context): string => {
    const d = c.req.param('destination') ?? '';
    if (!DESTINATION.test(d)) throw new ProblemError(400, 'invalid-destination', 'Invalid destination', 'a destination is 1 to 64 letters, digits, _ or -, starting with a letter or digit');
    return d;
  };

  const put = async (c: Context, dest: string | null): Promise<Response> => {
    // The body is read first: from the precondition to the change there is no await.
    const text = await c.req.text();
    const prod = product(c);
    const existing = store.sequence(prod, dest) ?? (dest === null ? current(prod, null) : undefined);
    const ifMatch = c.req.header('If-Match')?.trim();
    if (ifMatch) {
      const tags = ifMatch.split(',').map((t) => t.trim());
      if (!existing || !(tags.includes('*') || tags.includes(etagOf(existing)))) {
        const detail = existing
          ? `If-Match ${ifMatch} does not match the current version ${existing.version} (ETag ${etagOf(existing)}): the sequence changed since it was read`
          : 'If-Match was sent, but there is no sequence for this destination yet';
        throw new ProblemError(412, 'precondition-failed', 'Precondition failed', detail, undefined, existing ? { ETag: etagOf(existing) } : {});
      }
    }
    if (c.req.header('If-None-Match')?.trim() === '*' && existing) {
      throw new ProblemError(412, 'precondition-failed', 'Precondition failed', 'If-None-Match: * was sent, and the sequence exists', undefined, { ETag: etagOf(existing) });
    }
    const ids = validatePut(parseBody(text), prod, dest, existing);
    // The same list again changes nothing, so a retried PUT does not bump the version.
    if (existing && existing.providerIds.join('\n') === ids.join('\n')) return answer(c, existing);
    const saved = save(existing ?? { product: prod, destination: dest, providerIds: [], version: 0, updatedAt: null }, ids, now(), opts.changedByOf(c));
    await store.flush();
    return answer(c, saved, existing ? 200 : 201);
  };

  const validatePut = (body: unknown, prod: string, dest: string | null, existing: StoredSequence | undefined): string[] => {
    const errors: FieldError[] = [];
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid([{ path: '', message: 'must be an object { providerIds: [...] }' }]);
    for (const k of Object.keys(body)) if (k !== 'providerIds') errors.push({ path: pointer('', k), message: 'is not a known field (expected: providerIds)' });
    const list = (body as { providerIds?: unknown }).providerIds;
    if (!Array.isArray(list)) {
      errors.push({ path: '/providerIds', message: Object.hasOwn(body, 'providerIds') ? 'must be an array of provider ids' : 'is required' });
      throw invalid(errors);
    }
    if (list.length === 0) errors.push({ path: '/providerIds', message: 'must name at least one provider' });
    list.forEach((id: unknown, i) => {
      const at = pointer('/providerIds', i);
      if (typeof id !== 'string') return void errors.push({ path: at, message: 'must be a provider id (a string)' });
      if (list.indexOf(id) !== i) return void errors.push({ path: at, message: `repeats ${id}` });
      const p = store.get(id);
      if (!p) return void errors.push({ path: at, message: `no provider with id ${JSON.stringify(id)}` });
      const who = JSON.stringify(p.name);
      if (!p.services.includes(prod)) return void errors.push({ path: at, message: `${who} does not offer ${prod} (its services: ${p.services.join(', ')})` });
      if (p.status === 'INACTIVE') return void errors.push({ path: at, message: `${who} is INACTIVE: only ACTIVE providers can be in a routing sequence` });
      if (p.status === 'MAINTENANCE' && !existing?.providerIds.includes(id)) {
        return void errors.push({ path: at, message: `${who} is in MAINTENANCE: only ACTIVE providers can join a sequence (one already listed may stay)` });
      }
      if (prod === QRIS_PRODUCT && dest === null && !qris(p.integration)) {
        errors.push({ path: at, message: `the ${QRIS_PRODUCT} default sequence takes QRIS integrations only; ${who} (${p.integration}) does not do QRIS` });
      }
    });
    if (errors.length) throw invalid(errors);
    return list as string[];
  };

  app.get('/v1/sequences', (c) => {
    const custom = store.sequences().filter((q) => q.destination !== null);
    custom.sort((a, b) => (a.product !== b.product ? (a.product < b.product ? -1 : 1) : a.destination! < b.destination! ? -1 : 1));
    const data = [...products.map((p) => current(p, null)), ...custom].map(toApi);
    return c.json({ data } satisfies SequenceList);
  });
  app.get('/v1/sequences/:product', (c) => answer(c, current(product(c), null)));
  app.put('/v1/sequences/:product', (c) => put(c, null));
  app.get('/v1/sequences/:product/:destination', (c) => {
    const prod = product(c);
    const dest = c.req.param('destination');
    const q = DESTINATION.test(dest) ? store.sequence(prod, dest) : undefined;
    if (!q) throw new ProblemError(404, 'not-found', 'Not found', `no ${prod} sequence for destination ${JSON.stringify(dest)}: PUT one to create it`);
    return answer(c, q);
  });
  app.put('/v1/sequences/:product/:destination', (c) => put(c, destination(c)));

  const allow: Record<string, string> = { '/v1/sequences': 'GET', '/v1/sequences/:product': 'GET, PUT', '/v1/sequences/:product/:destination': 'GET, PUT' };
  for (const [route, methods] of Object.entries(allow)) {
    app.all(route, (c) => {
      throw new ProblemError(405, 'method-not-allowed', 'Method not allowed', `${c.req.method} is not allowed here; allowed: ${methods}`, undefined, { Allow: methods });
    });
  }
}

function invalid(errors: FieldError[]): ProblemError {
  return new ProblemError(422, 'validation-failed', 'Validation failed', `${errors.length} field${errors.length === 1 ? '' : 's'} failed validation`, errors);
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProblemError(400, 'malformed-json', 'Malformed JSON', text.trim() ? 'the request body is not valid JSON' : 'the request needs a JSON body');
  }
}
