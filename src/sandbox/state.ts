// The sandbox's data and its durability. Secret credential values are never kept, only a salted
// digest per field, which is just enough to tell whether a write changed the value; the salt is
// random per value, so the state file cannot be searched for a guessed secret by one hash, nor
// two providers' equal secrets be told apart from different ones.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ExitError } from '../diagnostics.js';
import { lockStateFile, type LockOptions, type StateLock } from './lock.js';
import type {
  ApiKey,
  ApiKeyCreated,
  Capability,
  ChangedBy,
  Company,
  MaskedSecret,
  Provider,
  ProviderCreate,
  ProviderPatch,
  ProviderStatus,
} from '../generated/api.js';

export const SANDBOX_RW_KEY = 'psk_sandbox_rw_0000000000000000';
export const SANDBOX_RO_KEY = 'psk_sandbox_ro_0000000000000000';

const FORMAT = 'paystrator-sandbox/v2';
/** Before webhooks, the IP whitelist and API key records: apiKeys was a map of value to permission. */
const FORMAT_V1 = 'paystrator-sandbox/v1';

export type Permission = Company['permission'];
/** HMAC-SHA256 keyed by a random per-value salt, of the SHA-256 of the value (see digestOf). */
export interface SaltedDigest {
  salt: string;
  hmac: string;
}
export type StoredCredential =
  | { secret: false; value: string }
  | ({ secret: true } & SaltedDigest & Omit<MaskedSecret, 'masked'>);
export interface StoredProvider extends Omit<Provider, 'credentials'> {
  credentials: Record<string, StoredCredential>;
}
/** A create answered under an Idempotency-Key; `fingerprint` is a salted digest of the request body (which holds secrets). */
export interface IdempotencyRecord {
  key: string;
  fingerprint: SaltedDigest;
  status: number;
  etag: string;
  body: Provider;
}
export interface ListQuery {
  limit: number;
  cursor?: string;
  q?: string;
  service?: string;
  status?: ProviderStatus;
}

/** A routing sequence: provider ids in routing order (src/sandbox/sequences.ts keeps Paystrator's rules). */
export interface StoredSequence {
  product: string;
  destination: string | null;
  providerIds: string[];
  version: number;
  updatedAt: string | null;
  /** Absent in state files from before it was recorded. */
  updatedBy?: ChangedBy | null;
}

/** The Webhooks page. The token signs deliveries; it never leaves the sandbox (not in any answer). */
export interface StoredWebhooks {
  urls: Record<string, string>;
  token: { value: string; version: number; updatedAt: string; updatedBy: ChangedBy };
  annotations: Record<string, string>;
  version: number;
  updatedAt: string | null;
  updatedBy: ChangedBy | null;
}
export interface StoredIpWhitelist {
  addresses: string[];
  annotations: Record<string, string>;
  version: number;
  updatedAt: string | null;
  updatedBy: ChangedBy | null;
}
/** An API key: only a salted digest of its value is kept; `prefix` narrows the keys a value is checked against. */
export interface StoredApiKey extends ApiKey {
  digest: SaltedDigest;
  revokedReason: string | null;
}
/** A key create answered under an Idempotency-Key, replayed (value included) for 24 hours. */
export interface ApiKeyIdempotencyRecord {
  key: string;
  fingerprint: SaltedDigest;
  at: string;
  etag: string;
  body: ApiKeyCreated;
}
/** One test delivery of POST /v1/webhooks/test, as the sandbox recorded it (the last 100 are kept). */
export interface WebhookDelivery {
  id: string;
  at: string;
  service: string;
  url: string;
  status: number;
  durationMs: number;
  error?: string;
  tokenVersion: number;
}
export const MAX_DELIVERIES = 100;
export const KEY_IDEMPOTENCY_MS = 24 * 60 * 60 * 1000;
/** The sandbox's default view of where API calls come from (SPEC 3b `requestAddress`): a documentation address. */
export const DEFAULT_REQUEST_ADDRESS = '203.0.113.1';

/** The dashboard's prefix of a key value: up to its last underscore and four characters more (psk_sandbox_rw_0000, psk_3f9a). */
export function keyPrefixOf(value: string): string {
  return value.slice(0, value.lastIndexOf('_') + 5);
}

/** Told of every provider change, with the status and services it had before (none for a create). */
export type ProviderObserver = (p: StoredProvider, before: { status: ProviderStatus; services: string[] } | undefined, at: string, by: ChangedBy) => void;
const routingKey = (product: string, destination: string | null): string => `${product}/${destination ?? ''}`;

interface Snapshot {
  format: typeof FORMAT | typeof FORMAT_V1;
  company: Omit<Company, 'permission' | 'apiKey'>;
  /** v1: value -> permission; v2: the key records. */
  apiKeys: Record<string, Permission> | StoredApiKey[];
  counter: number;
  providers: StoredProvider[];
  idempotency: IdempotencyRecord[];
  /** Absent in state files from before sequences existed. */
  sequences?: StoredSequence[];
  /** v2 on. */
  keyCounter?: number;
  apiKeyIdempotency?: ApiKeyIdempotencyRecord[];
  webhooks?: StoredWebhooks | null;
  ipWhitelist?: StoredIpWhitelist | null;
  deliveries?: WebhookDelivery[];
  legacyApiKeys?: Record<string, Permission>;
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const hmacOf = (salt: string, hex: string): string => createHmac('sha256', Buffer.from(salt, 'hex')).update(hex).digest('hex');

/**
 * The digest kept for a secret or a request body. Keyed over the SHA-256 rather than the text so
 * that state files from before salting (which kept the bare SHA-256) are upgraded on load to the
 * same scheme, without the values.
 */
export function digestOf(text: string): SaltedDigest {
  const salt = randomBytes(16).toString('hex');
  return { salt, hmac: hmacOf(salt, sha256(text)) };
}

export function digestMatches(d: SaltedDigest, text: string): boolean {
  const want = Buffer.from(d.hmac, 'hex');
  const got = Buffer.from(hmacOf(d.salt, sha256(text)), 'hex');
  return want.length === got.length && timingSafeEqual(want, got);
}

function upgradeLegacy(hex: string): SaltedDigest {
  const salt = randomBytes(16).toString('hex');
  return { salt, hmac: hmacOf(salt, hex) };
}

const isDigest = (v: unknown): v is SaltedDigest =>
  typeof v === 'object' && v !== null && typeof (v as SaltedDigest).salt === 'string' && /^[0-9a-f]{64}$/.test(String((v as SaltedDigest).hmac));

export function etagOf(p: { version: number }): string {
  return `"${p.version}"`;
}

/** The provider as the API shows it: secret fields masked. */
export function toApi(p: StoredProvider): Provider {
  const credentials: Provider['credentials'] = Object.fromEntries(
    Object.entries(p.credentials).map(([k, c]) => [k, c.secret ? { masked: true, version: c.version, updatedAt: c.updatedAt } : c.value]),
  );
  return { ...p, services: [...p.services], credentials, labels: { ...p.labels }, annotations: { ...p.annotations } };
}

function writeCredentials(
  target: Record<string, StoredCredential>,
  given: Record<string, string | undefined>,
  secretFields: ReadonlySet<string>,
  at: string,
): void {
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const prev = target[name];
    if (!secretFields.has(name)) {
      target[name] = { secret: false, value };
      continue;
    }
    if (prev?.secret && digestMatches(prev, value)) continue;
    target[name] = { secret: true, ...digestOf(value), version: prev?.secret ? prev.version + 1 : 1, updatedAt: at };
  }
}

function mergeMap(base: Record<string, string | undefined>, patch: Record<string, string | null | undefined>): Record<string, string> {
  const merged = new Map(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) merged.delete(k);
    else if (v !== undefined) merged.set(k, v);
  }
  // fromEntries, not assignment, so a key such as "__proto__" stays an ordinary key.
  return Object.fromEntries(merged);
}

/**
 * A list encoded as JSON in blocks, re-encoding only blocks whose records changed: a commit with
 * 10,000 providers then costs a few blocks of JSON.stringify, not 10,000 of them plus a join.
 */
class JsonBlocks<T> {
  private readonly cache: (Buffer | undefined)[] = [];
  constructor(
    readonly items: T[] = [],
    private readonly size = 256,
  ) {}

  push(item: T): number {
    this.items.push(item);
    this.changed(this.items.length - 1);
    return this.items.length - 1;
  }

  changed(index: number): void {
    this.cache[Math.floor(index / this.size)] = undefined;
  }

  private block(b: number): Buffer {
    const json = this.items.slice(b * this.size, (b + 1) * this.size).map((x) => JSON.stringify(x));
    return Buffer.from(`${b ? ',\n' : ''}${json.join(',\n')}`);
  }

  encode(): Buffer[] {
    const out: Buffer[] = [];
    for (let b = 0; b * this.size < this.items.length; b++) {
      out.push((this.cache[b] ??= this.block(b)));
    }
    return out;
  }
}

const newToken = (): string => randomBytes(32).toString('hex');

/** The key as the API shows it: no digest, no value. */
export function apiKeyToApi(k: StoredApiKey): ApiKey {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    permissions: { ...k.permissions },
    status: k.status,
    annotations: { ...k.annotations },
    version: k.version,
    createdAt: k.createdAt,
    updatedAt: k.updatedAt,
    revokedAt: k.revokedAt,
    lastUsedAt: k.lastUsedAt,
  };
}

function randomSuffix(): string {
  return randomBytes(3).readUIntBE(0, 3).toString(36).padStart(4, '0').slice(-4);
}

export class SandboxStore {
  private company: Snapshot['company'] = { id: 'dummy-company', name: 'Dummy Company' };
  /** Key values of a v1 state file (or the preloaded pair), made records by seedAccount once the products are known. */
  private legacyKeys: [string, Permission][] | undefined = [
    [SANDBOX_RW_KEY, 'read-write'],
    [SANDBOX_RO_KEY, 'read'],
  ];
  private keys: StoredApiKey[] = [];
  private readonly keysById = new Map<string, StoredApiKey>();
  private readonly keysByPrefix = new Map<string, StoredApiKey[]>();
  private keyCounter = 0;
  private readonly keyReplies = new Map<string, ApiKeyIdempotencyRecord>();
  private hooks: StoredWebhooks | undefined;
  private whitelist: StoredIpWhitelist | undefined;
  private recent: WebhookDelivery[] = [];
  private counter = 0;
  // Creation order; the maps index into it.
  private readonly providers = new JsonBlocks<StoredProvider>();
  private readonly byId = new Map<string, number>();
  private readonly byName = new Map<string, StoredProvider>();
  private readonly replies = new JsonBlocks<IdempotencyRecord>();
  private readonly idempotency = new Map<string, IdempotencyRecord>();
  private readonly routing = new Map<string, StoredSequence>();
  /** False until sequences are loaded or written: a state file from before they existed has none. */
  hasSequences = false;
  /** Installed by the app (sequences.ts), so every path that changes a provider keeps sequences in step. */
  observer: ProviderObserver | undefined;

  // Group commit: every mutation bumps `generation`; flush() returns once a write that started
  // at or after the caller's mutation has landed, and concurrent callers share that write.
  private generation = 0;
  private flushed = 0;
  private writing: Promise<void> | undefined;
  private written = 0;

  private lock: StateLock | undefined;

  private constructor(readonly file: string | undefined) {}

  /**
   * No file: memory only. A missing file starts the preloaded state; it is written on the first
   * change. A file is locked from open until close (lock.ts), so two runs never interleave on it.
   */
  static async open(file?: string, opts: { lock?: LockOptions } = {}): Promise<SandboxStore> {
    const store = new SandboxStore(file === undefined ? undefined : path.resolve(file));
    if (store.file === undefined) return store;
    store.lock = await lockStateFile(store.file, opts.lock);
    try {
      await store.read(store.file);
    } catch (e) {
      await store.lock.release().catch(() => undefined);
      throw e;
    }
    return store;
  }

  private async read(file: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      const where = 'point the environment\'s `data:` in paystrator.yaml (or `sandbox --data`) at a file';
      if (code === 'EISDIR') throw new ExitError(`the sandbox state file ${file} is a directory: ${where}, e.g. ${path.join(file, 'sandbox.json')}`);
      if (code === 'EACCES' || code === 'EPERM') throw new ExitError(`cannot read the sandbox state file ${file}: permission denied; make it readable by this user, or ${where} elsewhere`);
      throw new ExitError(`cannot read the sandbox state file ${file} (${code ?? 'error'}); ${where} that can be read`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text) as unknown;
    } catch {
      // Not the parser's message: it quotes the file.
      throw this.corrupt(file, text.trim() ? 'it is not valid JSON (truncated or damaged?)' : 'it is empty');
    }
    try {
      this.load(raw);
    } catch (e) {
      throw this.corrupt(file, (e as Error).message);
    }
  }

  private corrupt(file: string, why: string): ExitError {
    return new ExitError(
      `the sandbox state file ${file} is corrupt: ${why}`,
      `Move it aside to start afresh with the preloaded sandbox (mv ${file} ${file}.bad), or restore it from a copy.`,
    );
  }

  /** Writes what is pending and lets the next run have the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.lock?.release();
      this.lock = undefined;
    }
  }

  private load(raw: unknown): void {
    const s = raw as Partial<Snapshot> | null;
    if (typeof s !== 'object' || s === null || (s.format !== FORMAT && s.format !== FORMAT_V1)) throw new Error(`not a ${FORMAT} document`);
    if (typeof s.company?.id !== 'string' || typeof s.company.name !== 'string') throw new Error('company is missing');
    if (typeof s.apiKeys !== 'object' || s.apiKeys === null) throw new Error('apiKeys is missing');
    if (!Number.isSafeInteger(s.counter) || !Array.isArray(s.providers) || !Array.isArray(s.idempotency)) {
      throw new Error('counter, providers or idempotency is missing');
    }
    this.company = { id: s.company.id, name: s.company.name };
    this.counter = s.counter!;
    let upgraded = false;
    if (s.format === FORMAT_V1) {
      if (Array.isArray(s.apiKeys)) throw new Error('apiKeys is not a map of key to permission');
      this.legacyKeys = Object.entries(s.apiKeys);
      upgraded = true;
    } else {
      if (!Array.isArray(s.apiKeys) || !Number.isSafeInteger(s.keyCounter)) throw new Error('apiKeys or keyCounter is missing');
      this.legacyKeys = s.legacyApiKeys ? Object.entries(s.legacyApiKeys) : undefined;
      this.keyCounter = s.keyCounter!;
      for (const [i, k] of s.apiKeys.entries()) {
        if (typeof k?.id !== 'string' || typeof k.name !== 'string' || typeof k.prefix !== 'string' || !isDigest(k.digest) || typeof k.permissions !== 'object') {
          throw new Error(`apiKeys[${i}] is not an API key`);
        }
        this.indexKey(k);
      }
      for (const r of s.apiKeyIdempotency ?? []) {
        if (typeof r?.key !== 'string' || !isDigest(r.fingerprint)) throw new Error('an API key idempotency record is malformed');
        this.keyReplies.set(r.key, r);
      }
      this.hooks = s.webhooks ?? undefined;
      this.whitelist = s.ipWhitelist ?? undefined;
      this.recent = Array.isArray(s.deliveries) ? s.deliveries.slice(-MAX_DELIVERIES) : [];
    }
    for (const [i, p] of s.providers.entries()) {
      if (typeof p?.id !== 'string' || typeof p.name !== 'string' || !Number.isSafeInteger(p.version) || typeof p.credentials !== 'object' || p.credentials === null) {
        throw new Error(`providers[${i}] is not a provider`);
      }
      for (const [field, c] of Object.entries(p.credentials as Record<string, Record<string, unknown> | null>)) {
        if (c?.secret !== true || isDigest(c)) continue;
        // A state file from before salting keeps the bare SHA-256: salt it now.
        const { sha256: legacy, ...rest } = c;
        if (typeof legacy !== 'string' || !/^[0-9a-f]{64}$/.test(legacy)) throw new Error(`providers[${i}].credentials.${field} has no digest`);
        p.credentials[field] = { ...rest, ...upgradeLegacy(legacy) } as StoredCredential;
        upgraded = true;
      }
      if (this.byId.has(p.id) || this.byName.has(p.name)) throw new Error(`providers[${i}] repeats id ${p.id} or name "${p.name}"`);
      this.byId.set(p.id, this.providers.push(p));
      this.byName.set(p.name, p);
    }
    for (const r of s.idempotency as (Omit<IdempotencyRecord, 'fingerprint'> & { fingerprint: unknown })[]) {
      if (typeof r?.key !== 'string') throw new Error('an idempotency record is malformed');
      if (typeof r.fingerprint === 'string' && /^[0-9a-f]{64}$/.test(r.fingerprint)) {
        r.fingerprint = upgradeLegacy(r.fingerprint);
        upgraded = true;
      } else if (!isDigest(r.fingerprint)) throw new Error(`the idempotency record ${JSON.stringify(r.key)} is malformed`);
      const record = r as IdempotencyRecord;
      this.idempotency.set(r.key, record);
      this.replies.push(record);
    }
    if (Array.isArray(s.sequences)) {
      for (const q of s.sequences) this.routing.set(routingKey(q.product, q.destination), q);
      this.hasSequences = true;
    }
    // Written at the next flush (at the latest when the run closes the store).
    if (upgraded) this.generation += 1;
  }

  get companyInfo(): Snapshot['company'] {
    return { ...this.company };
  }

  /**
   * Makes what a fresh or v1 state lacks: key records for the legacy key values (READ_WRITE or READ on
   * every product), the webhooks with a new token, the whitelist holding `requestAddress`. The app
   * calls it, as it knows the catalog. A fresh store is not marked changed by it: a run that reads
   * only does not write the file; the first write persists it all.
   */
  seedAccount(products: readonly string[], requestAddress: string, at: string): void {
    this.catalogProducts = [...products];
    if (this.legacyKeys) {
      for (const [value, permission] of this.legacyKeys) {
        const capability: Capability = permission === 'read-write' ? 'READ_WRITE' : 'READ';
        const name = value === SANDBOX_RW_KEY ? 'Default' : value === SANDBOX_RO_KEY ? 'Read only' : `Key ${keyPrefixOf(value)}`;
        this.addKey(value, name, Object.fromEntries(products.map((p) => [p, capability])), {}, at);
      }
      this.legacyKeys = undefined;
    }
    this.hooks ??= {
      urls: {},
      token: { value: newToken(), version: 1, updatedAt: at, updatedBy: 'USER' },
      annotations: {},
      version: 1,
      updatedAt: null,
      updatedBy: null,
    };
    this.whitelist ??= { addresses: [requestAddress], annotations: {}, version: 1, updatedAt: null, updatedBy: null };
  }

  /** The catalog's products, as seedAccount was told them. */
  private catalogProducts: readonly string[] = [];

  /**
   * What a key value may do with the management API (SPEC 7): read-write with READ_WRITE on every
   * product, read with READ on at least one; undefined for an unknown or revoked key, or one that
   * can read nothing.
   */
  permissionOf(value: string): Permission | undefined {
    const k = this.apiKeyByValue(value);
    return k && k.status === 'ACTIVE' ? this.permissionOfKey(k) : undefined;
  }

  permissionOfKey(k: StoredApiKey): Permission | undefined {
    const can = (p: string): Capability => k.permissions[p] ?? 'NONE';
    if (this.catalogProducts.length && this.catalogProducts.every((p) => can(p) === 'READ_WRITE')) return 'read-write';
    return Object.values(k.permissions).some((c) => c === 'READ' || c === 'READ_WRITE') ? 'read' : undefined;
  }

  /** The key record a presented value is, if any (revoked ones included: the caller tells 401 apart). */
  apiKeyByValue(value: string): StoredApiKey | undefined {
    return this.keysByPrefix.get(keyPrefixOf(value))?.find((k) => digestMatches(k.digest, value));
  }

  apiKey(id: string): StoredApiKey | undefined {
    return this.keysById.get(id);
  }

  activeApiKeyNamed(name: string): StoredApiKey | undefined {
    return this.keys.find((k) => k.status === 'ACTIVE' && k.name === name);
  }

  /** A page in creation order; undefined for a cursor this store did not issue. */
  listApiKeys(limit: number, cursor?: string): { data: StoredApiKey[]; nextCursor: string | null } | undefined {
    let start = 0;
    if (cursor !== undefined) {
      const id = Buffer.from(cursor, 'base64url').toString('utf8');
      start = this.keys.findIndex((k) => k.id === id);
      if (start < 0) return undefined;
    }
    const data = this.keys.slice(start, start + limit);
    const next = this.keys[start + limit];
    return { data, nextCursor: next ? Buffer.from(next.id).toString('base64url') : null };
  }

  /** A create under this Idempotency-Key within 24 hours, if any. */
  getApiKeyIdempotency(key: string, now: Date): ApiKeyIdempotencyRecord | undefined {
    const r = this.keyReplies.get(key);
    return r && now.getTime() - Date.parse(r.at) < KEY_IDEMPOTENCY_MS ? r : undefined;
  }

  /** A new key with a random value; the value is in the answer (and its idempotency record) only. */
  createApiKey(
    input: { name: string; permissions: Record<string, Capability>; annotations?: Record<string, string> },
    at: string,
    idempotency?: { key: string; fingerprint: SaltedDigest },
  ): ApiKeyCreated {
    const value = `psk_${randomBytes(24).toString('hex')}`;
    const k = this.addKey(value, input.name, input.permissions, input.annotations ?? {}, at);
    const created: ApiKeyCreated = { ...apiKeyToApi(k), value };
    if (idempotency) this.keyReplies.set(idempotency.key, { ...idempotency, at, etag: etagOf(k), body: created });
    this.generation += 1;
    return created;
  }

  private addKey(value: string, name: string, permissions: Record<string, Capability>, annotations: Record<string, string>, at: string): StoredApiKey {
    this.keyCounter += 1;
    const k: StoredApiKey = {
      id: `key_${String(this.keyCounter).padStart(6, '0')}${randomSuffix()}`,
      name,
      prefix: keyPrefixOf(value),
      digest: digestOf(value),
      permissions: Object.fromEntries(Object.entries(permissions)),
      status: 'ACTIVE',
      annotations: mergeMap({}, annotations),
      version: 1,
      createdAt: at,
      updatedAt: at,
      revokedAt: null,
      revokedReason: null,
      lastUsedAt: null,
    };
    this.indexKey(k);
    return k;
  }

  private indexKey(k: StoredApiKey): void {
    this.keys.push(k);
    this.keysById.set(k.id, k);
    const same = this.keysByPrefix.get(k.prefix);
    if (same) same.push(k);
    else this.keysByPrefix.set(k.prefix, [k]);
  }

  /** Permissions merge per product; NONE is kept, so a reduction shows. */
  updateApiKey(k: StoredApiKey, patch: { name?: string; permissions?: Record<string, Capability>; annotations?: Record<string, string | null> }, at: string): StoredApiKey {
    if (patch.name !== undefined) k.name = patch.name;
    if (patch.permissions) k.permissions = Object.fromEntries([...Object.entries(k.permissions), ...Object.entries(patch.permissions)]);
    if (patch.annotations) k.annotations = mergeMap(k.annotations, patch.annotations);
    k.version += 1;
    k.updatedAt = at;
    this.generation += 1;
    return k;
  }

  revokeApiKey(k: StoredApiKey, reason: string | null, annotations: Record<string, string | null> | undefined, at: string): StoredApiKey {
    if (annotations) k.annotations = mergeMap(k.annotations, annotations);
    k.status = 'REVOKED';
    k.revokedAt = at;
    k.revokedReason = reason;
    k.version += 1;
    k.updatedAt = at;
    this.generation += 1;
    return k;
  }

  /** Recorded in memory only: a read is not a write; the next write (or close) persists it. */
  noteKeyUse(k: StoredApiKey, at: string): void {
    k.lastUsedAt = at;
  }

  get webhooks(): StoredWebhooks {
    if (!this.hooks) throw new Error('seedAccount was not called');
    return this.hooks;
  }

  putWebhooks(urls: Record<string, string>, annotations: Record<string, string | null> | undefined, by: ChangedBy, at: string): StoredWebhooks {
    const w = this.webhooks;
    w.urls = Object.fromEntries(Object.entries(urls).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (annotations) w.annotations = mergeMap(w.annotations, annotations);
    w.version += 1;
    w.updatedAt = at;
    w.updatedBy = by;
    this.generation += 1;
    return w;
  }

  /** A new token; the webhooks' own version stays (a rotation is not a change of the URLs). */
  rotateWebhookToken(by: ChangedBy, at: string): StoredWebhooks {
    const w = this.webhooks;
    w.token = { value: newToken(), version: w.token.version + 1, updatedAt: at, updatedBy: by };
    this.generation += 1;
    return w;
  }

  recordDelivery(d: WebhookDelivery): void {
    this.recent.push(d);
    if (this.recent.length > MAX_DELIVERIES) this.recent.splice(0, this.recent.length - MAX_DELIVERIES);
    this.generation += 1;
  }

  /** The last test deliveries, oldest first (sandbox-only: for tests and the page). */
  deliveries(): WebhookDelivery[] {
    return this.recent.map((d) => ({ ...d }));
  }

  get ipWhitelist(): StoredIpWhitelist {
    if (!this.whitelist) throw new Error('seedAccount was not called');
    return this.whitelist;
  }

  putIpWhitelist(addresses: string[], annotations: Record<string, string | null> | undefined, by: ChangedBy, at: string): StoredIpWhitelist {
    const l = this.ipWhitelist;
    l.addresses = [...addresses];
    if (annotations) l.annotations = mergeMap(l.annotations, annotations);
    l.version += 1;
    l.updatedAt = at;
    l.updatedBy = by;
    this.generation += 1;
    return l;
  }

  /** Files written so far: shows that concurrent changes share a write. */
  get writes(): number {
    return this.written;
  }

  get size(): number {
    return this.providers.items.length;
  }

  get(id: string): StoredProvider | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.providers.items[i];
  }

  getByName(name: string): StoredProvider | undefined {
    return this.byName.get(name);
  }

  /**
   * A page in creation order; undefined when the cursor is not one this store issued. The cursor
   * names the next match: providers are never deleted, so it stays valid across restarts, and the
   * id map finds where to resume in O(1).
   */
  list(query: ListQuery): { data: StoredProvider[]; nextCursor: string | null } | undefined {
    let start = 0;
    if (query.cursor !== undefined) {
      const index = this.byId.get(Buffer.from(query.cursor, 'base64url').toString('utf8'));
      if (index === undefined) return undefined;
      start = index;
    }
    const q = query.q?.toLowerCase();
    const matches = (p: StoredProvider): boolean =>
      (q === undefined || p.name.toLowerCase().includes(q)) &&
      (query.service === undefined || p.services.includes(query.service)) &&
      (query.status === undefined || p.status === query.status);
    const data: StoredProvider[] = [];
    const all = this.providers.items;
    for (let i = start; i < all.length; i++) {
      const p = all[i]!;
      if (!matches(p)) continue;
      if (data.length === query.limit) return { data, nextCursor: Buffer.from(p.id).toString('base64url') };
      data.push(p);
    }
    return { data, nextCursor: null };
  }

  getIdempotency(key: string): IdempotencyRecord | undefined {
    return this.idempotency.get(key);
  }

  /** Creates a provider from a validated body; records the answer under `idempotency` in the same step. */
  create(
    input: ProviderCreate,
    secretFields: ReadonlySet<string>,
    at: string,
    idempotency?: { key: string; fingerprint: SaltedDigest },
    changedBy: ChangedBy = 'API',
  ): StoredProvider {
    if (this.byName.has(input.name)) throw new Error(`a provider named "${input.name}" already exists`);
    this.counter += 1;
    const p: StoredProvider = {
      id: `prv_${String(this.counter).padStart(6, '0')}${randomSuffix()}`,
      name: input.name,
      type: input.type,
      integration: input.integration,
      services: [...input.services],
      credentials: {},
      fee: { ...input.fee },
      tax: { ...input.tax },
      status: input.status ?? 'ACTIVE',
      statusChangedBy: changedBy,
      statusReason: null,
      lastActivityAt: null,
      labels: mergeMap({}, input.labels ?? {}),
      annotations: mergeMap({}, input.annotations ?? {}),
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    writeCredentials(p.credentials, input.credentials, secretFields, at);
    this.byId.set(p.id, this.providers.push(p));
    this.byName.set(p.name, p);
    if (idempotency) {
      const record = { ...idempotency, status: 201, etag: etagOf(p), body: toApi(p) };
      this.idempotency.set(record.key, record);
      this.replies.push(record);
    }
    this.generation += 1;
    this.observer?.(p, undefined, at, changedBy);
    return p;
  }

  sequence(product: string, destination: string | null): StoredSequence | undefined {
    return this.routing.get(routingKey(product, destination));
  }

  sequences(): StoredSequence[] {
    return [...this.routing.values()];
  }

  saveSequence(q: StoredSequence): void {
    this.routing.set(routingKey(q.product, q.destination), q);
    this.hasSequences = true;
    this.generation += 1;
  }

  /** Applies a validated patch: lists replace, credentials merge per field, maps merge per key. */
  update(p: StoredProvider, patch: ProviderPatch, secretFields: ReadonlySet<string>, at: string, changedBy: ChangedBy = 'API'): StoredProvider {
    const before = { status: p.status, services: [...p.services] };
    if (patch.services) p.services = [...patch.services];
    if (patch.fee) p.fee = { ...patch.fee };
    if (patch.tax) p.tax = { ...patch.tax };
    if (patch.credentials) writeCredentials(p.credentials, patch.credentials, secretFields, at);
    if (patch.labels) p.labels = mergeMap(p.labels, patch.labels);
    if (patch.annotations) p.annotations = mergeMap(p.annotations, patch.annotations);
    this.touch(p, at);
    this.observer?.(p, before, at, changedBy);
    return p;
  }

  setStatus(p: StoredProvider, status: ProviderStatus, changedBy: ChangedBy, reason: string | null, at: string, annotations?: Record<string, string | null>): StoredProvider {
    const before = { status: p.status, services: [...p.services] };
    if (annotations) p.annotations = mergeMap(p.annotations, annotations);
    p.status = status;
    p.statusChangedBy = changedBy;
    p.statusReason = reason;
    this.touch(p, at);
    this.observer?.(p, before, at, changedBy);
    return p;
  }

  /** For the dashboard page and the monitoring simulation: a status change not made through the API, made durable. */
  async setStatusAs(
    id: string,
    status: ProviderStatus,
    changedBy: Exclude<ChangedBy, 'API'>,
    reason: string | null,
    at: Date = new Date(),
  ): Promise<Provider> {
    const p = this.get(id);
    if (!p) throw new Error(`no provider with id ${id}`);
    this.setStatus(p, status, changedBy, reason, at.toISOString());
    await this.flush();
    return toApi(p);
  }

  private touch(p: StoredProvider, at: string): StoredProvider {
    p.version += 1;
    p.updatedAt = at;
    this.providers.changed(this.byId.get(p.id)!);
    this.generation += 1;
    return p;
  }

  private serialize(): Buffer[] {
    const head = { format: FORMAT, company: this.company, counter: this.counter };
    return [
      Buffer.from(`${JSON.stringify(head).slice(0, -1)},\n"providers":[\n`),
      ...this.providers.encode(),
      Buffer.from('\n],\n"idempotency":[\n'),
      ...this.replies.encode(),
      Buffer.from(`\n],\n"sequences":${JSON.stringify(this.sequences())},\n${this.accountJson()}}\n`),
    ];
  }

  private accountJson(): string {
    // Replays older than 24 hours are of no use, and hold key values: they go at the next write.
    const cutoff = Date.now() - KEY_IDEMPOTENCY_MS;
    for (const [k, r] of this.keyReplies) if (Date.parse(r.at) < cutoff) this.keyReplies.delete(k);
    const account = {
      apiKeys: this.keys,
      // Not yet seeded (no app ran on this store): kept as they were, made records at the next seeding.
      ...(this.legacyKeys ? { legacyApiKeys: Object.fromEntries(this.legacyKeys) } : {}),
      keyCounter: this.keyCounter,
      apiKeyIdempotency: [...this.keyReplies.values()],
      webhooks: this.hooks ?? null,
      ipWhitelist: this.whitelist ?? null,
      deliveries: this.recent,
    };
    return JSON.stringify(account).slice(1, -1);
  }

  /** Resolves once every change made before the call is on disk (at once for a memory-only store). */
  async flush(): Promise<void> {
    if (this.file === undefined) return;
    const target = this.generation;
    while (this.flushed < target) {
      this.writing ??= this.write().finally(() => {
        this.writing = undefined;
      });
      await this.writing;
    }
  }

  // Atomic replace: a reader or a crash sees the old file or the new one, never half of one.
  private async write(): Promise<void> {
    const file = this.file!;
    if (this.lock?.compromised) {
      throw new ExitError(
        `lost the lock on the sandbox state file ${file} (${this.lock.compromised.message}): another run took it over, so this one stopped writing; run again`,
      );
    }
    const dir = path.dirname(file);
    const generation = this.generation;
    const parts = this.serialize();
    const size = parts.reduce((n, b) => n + b.length, 0);
    try {
      await this.replace(file, dir, parts, size);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const what =
        code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? `permission denied: make ${dir} writable by this user` : code === 'EISDIR' ? 'a directory is in its place' : (code ?? 'error');
      throw new ExitError(`cannot write the sandbox state file ${file}: ${what}`);
    }
    // The rename is durable only once the directory entry is; some platforms cannot fsync a directory.
    await open(dir, 'r')
      .then(async (d) => {
        try {
          await d.sync();
        } finally {
          await d.close();
        }
      })
      .catch(() => undefined);
    this.written += 1;
    this.flushed = Math.max(this.flushed, generation);
  }

  private async replace(file: string, dir: string, parts: Buffer[], size: number): Promise<void> {
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const fh = await open(tmp, 'w', 0o600);
      try {
        // Written from the cached blocks as they are: no 10 MB concatenation per commit.
        const { bytesWritten } = await fh.writev(parts);
        if (bytesWritten !== size) throw new Error(`short write to ${tmp}: ${bytesWritten} of ${size} bytes`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}
