// The sandbox's durability: the state file (format v2, read also from v1), read on open and
// rewritten whole, atomically, at each flush, under the lock of lock.ts from open until close.
// The domain (domain.ts) knows none of this; it hands its parts out and takes CompanyStates in.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ExitError } from '../../diagnostics.js';
import { isDigest, upgradeLegacy } from './digest.js';
import { SandboxStore, type Durability } from './domain.js';
import { lockStateFile, type LockOptions, type StateLock } from './lock.js';
import {
  MAX_DELIVERIES,
  type ApiKeyIdempotencyRecord,
  type CompanyState,
  type IdempotencyRecord,
  type Permission,
  type StoredApiKey,
  type StoredCredential,
  type StoredIpWhitelist,
  type StoredProvider,
  type StoredSequence,
  type StoredWebhooks,
  type WebhookDelivery,
} from './types.js';

const FORMAT = 'paystrator-sandbox/v2';
/** Before webhooks, the IP whitelist and API key records: apiKeys was a map of value to permission. */
const FORMAT_V1 = 'paystrator-sandbox/v1';

/** One company as the file holds it, before validation. */
interface Snapshot {
  format: typeof FORMAT | typeof FORMAT_V1;
  company: CompanyState['company'];
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
  products?: unknown[];
  /** Kept for other modules (traffic metrics: metrics.ts), written as they serialise. */
  sections?: Record<string, unknown>;
}

/**
 * No file: memory only. A missing file starts the preloaded state; it is written on the first
 * change. A file is locked from open until close (lock.ts), so two runs never interleave on it.
 */
export async function openSandboxStore(file?: string, opts: { lock?: LockOptions } = {}): Promise<SandboxStore> {
  if (file === undefined) return SandboxStore.create();
  const resolved = path.resolve(file);
  const store = SandboxStore.create(resolved);
  const lock = await lockStateFile(resolved, opts.lock);
  try {
    const companies = await read(resolved);
    if (companies) store.restore(companies);
  } catch (e) {
    await lock.release().catch(() => undefined);
    throw e;
  }
  store.attach(new StateFile(resolved, store, lock));
  return store;
}

async function read(file: string): Promise<CompanyState[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
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
    throw corrupt(file, text.trim() ? 'it is not valid JSON (truncated or damaged?)' : 'it is empty');
  }
  try {
    return deserialize(raw);
  } catch (e) {
    throw corrupt(file, (e as Error).message);
  }
}

function corrupt(file: string, why: string): ExitError {
  return new ExitError(
    `the sandbox state file ${file} is corrupt: ${why}`,
    `Move it aside to start afresh with the preloaded sandbox (mv ${file} ${file}.bad), or restore it from a copy.`,
  );
}

/** The companies of a parsed state file, validated and upgraded: the file's own first, then its clients. */
export function deserialize(raw: unknown): CompanyState[] {
  const s = raw as (Partial<Snapshot> & { clients?: unknown }) | null;
  if (typeof s !== 'object' || s === null || (s.format !== FORMAT && s.format !== FORMAT_V1)) throw new Error(`not a ${FORMAT} document`);
  const companies = [companyOf(s, s.format)];
  if (s.clients !== undefined) {
    if (!Array.isArray(s.clients)) throw new Error('clients is not a list');
    for (const [i, c] of (s.clients as unknown[]).entries()) {
      try {
        companies.push(companyOf(c as Partial<Snapshot>, FORMAT));
      } catch (e) {
        throw new Error(`clients[${i}]: ${(e as Error).message}`);
      }
    }
  }
  return companies;
}

function companyOf(s: Partial<Snapshot>, format: Snapshot['format']): CompanyState {
  if (typeof s !== 'object' || s === null) throw new Error('not a company');
  if (typeof s.company?.id !== 'string' || typeof s.company.name !== 'string') throw new Error('company is missing');
  if (typeof s.apiKeys !== 'object' || s.apiKeys === null) throw new Error('apiKeys is missing');
  if (!Number.isSafeInteger(s.counter) || !Array.isArray(s.providers) || !Array.isArray(s.idempotency)) {
    throw new Error('counter, providers or idempotency is missing');
  }
  const c: CompanyState = {
    company: { id: s.company.id, name: s.company.name },
    counter: s.counter!,
    legacyKeys: undefined,
    keyCounter: 0,
    apiKeys: [],
    apiKeyIdempotency: [],
    products: undefined,
    webhooks: undefined,
    ipWhitelist: undefined,
    deliveries: [],
    providers: [],
    idempotency: [],
    sequences: undefined,
    sections: {},
    upgraded: false,
  };
  if (format === FORMAT_V1) {
    if (Array.isArray(s.apiKeys)) throw new Error('apiKeys is not a map of key to permission');
    c.legacyKeys = Object.entries(s.apiKeys);
    c.upgraded = true;
  } else {
    if (!Array.isArray(s.apiKeys) || !Number.isSafeInteger(s.keyCounter)) throw new Error('apiKeys or keyCounter is missing');
    c.legacyKeys = s.legacyApiKeys ? Object.entries(s.legacyApiKeys) : undefined;
    c.keyCounter = s.keyCounter!;
    for (const [i, k] of s.apiKeys.entries()) {
      if (typeof k?.id !== 'string' || typeof k.name !== 'string' || typeof k.prefix !== 'string' || !isDigest(k.digest) || typeof k.permissions !== 'object') {
        throw new Error(`apiKeys[${i}] is not an API key`);
      }
      c.apiKeys.push(k);
    }
    for (const r of s.apiKeyIdempotency ?? []) {
      if (typeof r?.key !== 'string' || !isDigest(r.fingerprint)) throw new Error('an API key idempotency record is malformed');
      c.apiKeyIdempotency.push(r);
    }
    c.products = Array.isArray(s.products) ? s.products.filter((p): p is string => typeof p === 'string') : undefined;
    c.webhooks = s.webhooks ?? undefined;
    c.ipWhitelist = s.ipWhitelist ?? undefined;
    c.deliveries = Array.isArray(s.deliveries) ? s.deliveries.slice(-MAX_DELIVERIES) : [];
  }
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const [i, p] of s.providers.entries()) {
    if (typeof p?.id !== 'string' || typeof p.name !== 'string' || !Number.isSafeInteger(p.version) || typeof p.credentials !== 'object' || p.credentials === null) {
      throw new Error(`providers[${i}] is not a provider`);
    }
    for (const [field, cred] of Object.entries(p.credentials as Record<string, Record<string, unknown> | null>)) {
      if (cred?.secret !== true || isDigest(cred)) continue;
      // A state file from before salting keeps the bare SHA-256: salt it now.
      const { sha256: legacy, ...rest } = cred;
      if (typeof legacy !== 'string' || !/^[0-9a-f]{64}$/.test(legacy)) throw new Error(`providers[${i}].credentials.${field} has no digest`);
      p.credentials[field] = { ...rest, ...upgradeLegacy(legacy) } as StoredCredential;
      c.upgraded = true;
    }
    if (ids.has(p.id) || names.has(p.name)) throw new Error(`providers[${i}] repeats id ${p.id} or name "${p.name}"`);
    ids.add(p.id);
    names.add(p.name);
    c.providers.push(p);
  }
  for (const r of s.idempotency as (Omit<IdempotencyRecord, 'fingerprint'> & { fingerprint: unknown })[]) {
    if (typeof r?.key !== 'string') throw new Error('an idempotency record is malformed');
    if (typeof r.fingerprint === 'string' && /^[0-9a-f]{64}$/.test(r.fingerprint)) {
      r.fingerprint = upgradeLegacy(r.fingerprint);
      c.upgraded = true;
    } else if (!isDigest(r.fingerprint)) throw new Error(`the idempotency record ${JSON.stringify(r.key)} is malformed`);
    c.idempotency.push(r as IdempotencyRecord);
  }
  if (Array.isArray(s.sequences)) c.sequences = s.sequences;
  if (typeof s.sections === 'object' && s.sections !== null) c.sections = { ...s.sections };
  return c;
}

/** The state file's bytes: the root company's members, then its clients' (each a JSON object). */
export function serialize(store: SandboxStore): Buffer[] {
  const [own, ...tenants] = store.companies;
  const clients = tenants.flatMap((t, i) => [Buffer.from(i ? ',\n{' : '{'), ...companyBytes(t), Buffer.from('}')]);
  return [
    Buffer.from(`{"format":${JSON.stringify(FORMAT)},`),
    ...companyBytes(own!),
    ...(clients.length ? [Buffer.from(',\n"clients":[\n'), ...clients, Buffer.from('\n]')] : []),
    Buffer.from('}\n'),
  ];
}

/** One company's members, without the braces: the root's document holds its own and each client's. */
function companyBytes(store: SandboxStore): Buffer[] {
  const p = store.parts();
  return [
    Buffer.from(`${JSON.stringify(p.head).slice(1, -1)},\n"providers":[\n`),
    ...p.providers,
    Buffer.from('\n],\n"idempotency":[\n'),
    ...p.idempotency,
    Buffer.from(`\n],\n"sequences":${JSON.stringify(p.sequences)},\n${JSON.stringify(p.account).slice(1, -1)},\n"sections":${JSON.stringify(p.sections)}`),
  ];
}

/** A store's file, held under its lock until released. */
class StateFile implements Durability {
  constructor(
    private readonly file: string,
    private readonly store: SandboxStore,
    private lock: StateLock | undefined,
  ) {}

  // Atomic replace: a reader or a crash sees the old file or the new one, never half of one.
  async save(): Promise<void> {
    const file = this.file;
    if (this.lock?.compromised) {
      throw new ExitError(
        `lost the lock on the sandbox state file ${file} (${this.lock.compromised.message}): another run took it over, so this one stopped writing; run again`,
      );
    }
    const dir = path.dirname(file);
    const parts = serialize(this.store);
    const size = parts.reduce((n, b) => n + b.length, 0);
    try {
      await replace(file, dir, parts, size);
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
  }

  async release(): Promise<void> {
    const lock = this.lock;
    this.lock = undefined;
    await lock?.release();
  }
}

async function replace(file: string, dir: string, parts: Buffer[], size: number): Promise<void> {
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
