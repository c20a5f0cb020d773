// The sandbox's account in memory and the rules the API enforces on it: companies, providers,
// sequences, API keys, webhooks, the IP whitelist. Secret credential values are never kept, only a
// salted digest per field, which is just enough to tell whether a write changed the value; the
// salt is random per value, so the state file cannot be searched for a guessed secret by one hash,
// nor two providers' equal secrets be told apart from different ones.
//
// Pure of the file system: durability is a `Durability` that persistence.ts attaches, and the state
// file's format is known only there (this module hands out its parts and takes a CompanyState in).
import { randomBytes } from 'node:crypto';
import { JsonBlocks } from './blocks.js';
import { digestMatches, digestOf } from './digest.js';
import {
  clientKeys,
  KEY_IDEMPOTENCY_MS,
  keyPrefixOf,
  MAX_DELIVERIES,
  SANDBOX_RO_KEY,
  SANDBOX_RW_KEY,
  type AccountRecords,
  type ApiKeyIdempotencyRecord,
  type CompanyState,
  type IdempotencyRecord,
  type ListQuery,
  type Permission,
  type ProviderObserver,
  type SaltedDigest,
  type StoredApiKey,
  type StoredCredential,
  type StoredIpWhitelist,
  type StoredProvider,
  type StoredSequence,
  type StoredWebhooks,
  type WebhookDelivery,
} from './types.js';
import type { ApiKey, ApiKeyCreated, Capability, ChangedBy, Provider, ProviderCreate, ProviderPatch, ProviderStatus } from '../../generated/api.js';

const routingKey = (product: string, destination: string | null): string => `${product}/${destination ?? ''}`;

/** Where a store's changes go to last (persistence.ts: the state file, under its lock). */
export interface Durability {
  /** Saves the whole state as it is now; takes its snapshot before its first await. */
  save(): Promise<void>;
  /** Lets the next run have the file; a second call does nothing. */
  release(): Promise<void>;
}

/** One company as the state file lists it (persistence.ts lays out the document). */
export interface CompanyParts {
  head: { company: CompanyState['company']; counter: number };
  providers: Buffer[];
  idempotency: Buffer[];
  sequences: StoredSequence[];
  account: AccountRecords;
  sections: Record<string, unknown>;
}

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
  private company: CompanyState['company'] = { id: 'dummy-company', name: 'Dummy Company' };
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
  /** Parts of the state file other modules own (metrics.ts), as loaded or as they serialise (toJSON). */
  readonly sections = new Map<string, unknown>();

  // Group commit: every mutation bumps `generation`; flush() returns once a write that started
  // at or after the caller's mutation has landed, and concurrent callers share that write.
  private generation = 0;
  private flushed = 0;
  private writing: Promise<void> | undefined;
  private written = 0;

  private durability: Durability | undefined;

  private constructor(
    readonly file: string | undefined,
    /** Set for a client company of a multi-company sandbox (--clients): its data lives in the root's file. */
    private readonly root?: SandboxStore,
  ) {}

  /** The other companies hosted with this one (SPEC 5 `--clients`), in order: client-002, client-003, ... */
  private readonly tenants: SandboxStore[] = [];

  private bump(): void {
    (this.root ?? this).generation += 1;
  }

  /** This company and the clients hosted with it; the first is Dummy Company. */
  get companies(): readonly SandboxStore[] {
    return [this, ...this.tenants];
  }

  /**
   * Hosts at least `n` companies (1 to 1000): client-002 onwards are made as fresh sandboxes with
   * their own deterministic keys (clientKeys). Companies the state file already holds stay.
   */
  ensureClients(n: number): void {
    if (this.root) throw new Error('only the first company hosts clients');
    for (let i = this.tenants.length + 2; i <= n; i++) {
      const id = `client-${String(i).padStart(3, '0')}`;
      const t = new SandboxStore(undefined, this);
      t.company = { id, name: `Client ${String(i).padStart(3, '0')}` };
      const keys = clientKeys(id);
      t.legacyKeys = [
        [keys.rw, 'read-write'],
        [keys.ro, 'read'],
      ];
      this.tenants.push(t);
      this.bump();
    }
  }

  /** The company a presented key value belongs to, if any (its prefix narrows the search to a map look-up per company). */
  companyOfKey(value: string): SandboxStore | undefined {
    const prefix = keyPrefixOf(value);
    return this.companies.find((c) => c.keysByPrefix.has(prefix) || c.legacyKeys?.some(([v]) => v === value));
  }

  /** A store in memory; `file` names where persistence.ts keeps it, for messages (metrics.ts). */
  static create(file?: string): SandboxStore {
    return new SandboxStore(file);
  }

  /** Made durable from now on: every flush saves through it (persistence.ts). */
  attach(durability: Durability): void {
    this.durability = durability;
  }

  /** Writes what is pending and lets the next run have the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.durability?.release();
    }
  }

  /** Takes in the companies a state file held: this one first, then its clients. */
  restore([own, ...clients]: CompanyState[]): void {
    if (own) this.restoreCompany(own);
    for (const c of clients) {
      const t = new SandboxStore(undefined, this);
      t.restoreCompany(c);
      this.tenants.push(t);
    }
  }

  private restoreCompany(s: CompanyState): void {
    this.company = { ...s.company };
    this.counter = s.counter;
    this.legacyKeys = s.legacyKeys;
    this.keyCounter = s.keyCounter;
    for (const k of s.apiKeys) this.indexKey(k);
    for (const r of s.apiKeyIdempotency) this.keyReplies.set(r.key, r);
    this.seededProducts = s.products;
    this.hooks = s.webhooks;
    this.whitelist = s.ipWhitelist;
    this.recent = s.deliveries;
    for (const p of s.providers) {
      this.byId.set(p.id, this.providers.push(p));
      this.byName.set(p.name, p);
    }
    for (const r of s.idempotency) {
      this.idempotency.set(r.key, r);
      this.replies.push(r);
    }
    if (s.sequences) {
      for (const q of s.sequences) this.routing.set(routingKey(q.product, q.destination), q);
      this.hasSequences = true;
    }
    for (const [k, v] of Object.entries(s.sections)) this.sections.set(k, v);
    // Written at the next flush (at the latest when the run closes the store).
    if (s.upgraded) this.bump();
  }


  get companyInfo(): CompanyState['company'] {
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
    // A catalog with a product the keys were not made for (a newer bundled catalog, a custom
    // integration): a key with full access keeps it, as the preloaded Default key must.
    const added = this.seededProducts ? products.filter((p) => !this.seededProducts!.includes(p)) : [];
    if (added.length) {
      for (const k of this.keys) {
        if (k.status === 'ACTIVE' && this.seededProducts!.every((p) => k.permissions[p] === 'READ_WRITE')) {
          for (const p of added) k.permissions[p] = 'READ_WRITE';
        }
      }
      this.bump();
    }
    this.seededProducts = [...new Set([...(this.seededProducts ?? []), ...products])].sort();
    if (this.legacyKeys) {
      for (const [value, permission] of this.legacyKeys) {
        const capability: Capability = permission === 'read-write' ? 'READ_WRITE' : 'READ';
        const known = clientKeys(this.company.id);
        const name = value === known.rw ? 'Default' : value === known.ro ? 'Read only' : `Key ${keyPrefixOf(value)}`;
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
  /** Every product keys were seeded for so far (kept in the state file). */
  private seededProducts: string[] | undefined;

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
    this.bump();
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
    this.bump();
    return k;
  }

  revokeApiKey(k: StoredApiKey, reason: string | null, annotations: Record<string, string | null> | undefined, at: string): StoredApiKey {
    if (annotations) k.annotations = mergeMap(k.annotations, annotations);
    k.status = 'REVOKED';
    k.revokedAt = at;
    k.revokedReason = reason;
    k.version += 1;
    k.updatedAt = at;
    this.bump();
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
    this.bump();
    return w;
  }

  /** A new token; the webhooks' own version stays (a rotation is not a change of the URLs). */
  rotateWebhookToken(by: ChangedBy, at: string): StoredWebhooks {
    const w = this.webhooks;
    w.token = { value: newToken(), version: w.token.version + 1, updatedAt: at, updatedBy: by };
    this.bump();
    return w;
  }

  recordDelivery(d: WebhookDelivery): void {
    this.recent.push(d);
    if (this.recent.length > MAX_DELIVERIES) this.recent.splice(0, this.recent.length - MAX_DELIVERIES);
    this.bump();
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
    this.bump();
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
    this.bump();
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
    this.bump();
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

  /**
   * Served transactions (traffic.ts): each provider's lastActivityAt, and whatever sections changed,
   * in one durable write. Not a change of the provider's configuration, so its version and ETag stay.
   */
  async recordActivity(activity: ReadonlyMap<string, string>): Promise<void> {
    for (const [id, at] of activity) {
      const i = this.byId.get(id);
      const p = i === undefined ? undefined : this.providers.items[i];
      if (!p || (p.lastActivityAt !== null && p.lastActivityAt >= at)) continue;
      p.lastActivityAt = at;
      this.providers.changed(i!);
    }
    this.generation += 1;
    await this.flush();
  }

  private touch(p: StoredProvider, at: string): StoredProvider {
    p.version += 1;
    p.updatedAt = at;
    this.providers.changed(this.byId.get(p.id)!);
    this.bump();
    return p;
  }

  /** This company's records for the state file; the providers and idempotency replies as cached JSON blocks. */
  parts(): CompanyParts {
    return {
      head: { company: this.company, counter: this.counter },
      providers: this.providers.encode(),
      idempotency: this.replies.encode(),
      sequences: this.sequences(),
      account: this.accountRecords(),
      sections: Object.fromEntries(this.sections),
    };
  }

  private accountRecords(): AccountRecords {
    // Replays older than 24 hours are of no use, and hold key values: they go at the next write.
    const cutoff = Date.now() - KEY_IDEMPOTENCY_MS;
    for (const [k, r] of this.keyReplies) if (Date.parse(r.at) < cutoff) this.keyReplies.delete(k);
    return {
      apiKeys: this.keys,
      // Not yet seeded (no app ran on this store): kept as they were, made records at the next seeding.
      ...(this.legacyKeys ? { legacyApiKeys: Object.fromEntries(this.legacyKeys) } : {}),
      keyCounter: this.keyCounter,
      ...(this.seededProducts ? { products: this.seededProducts } : {}),
      apiKeyIdempotency: [...this.keyReplies.values()],
      webhooks: this.hooks ?? null,
      ipWhitelist: this.whitelist ?? null,
      deliveries: this.recent,
    };
  }

  /** Resolves once every change made before the call is durable (at once for a memory-only store). */
  async flush(): Promise<void> {
    if (this.root) return this.root.flush();
    if (this.durability === undefined) return;
    const target = this.generation;
    while (this.flushed < target) {
      this.writing ??= this.write().finally(() => {
        this.writing = undefined;
      });
      await this.writing;
    }
  }

  private async write(): Promise<void> {
    const generation = this.generation;
    await this.durability!.save();
    this.written += 1;
    this.flushed = Math.max(this.flushed, generation);
  }
}
