// API keys (SPEC 3b, `kind: ApiKey`): what git declares of a key (name, permissions per product,
// status, where a new key's value goes) and what the API reports. A key's value is in neither.
import { createHash } from 'node:crypto';
import type { ApiKey } from '../generated/api.js';
import type { ApiKeyCapability } from '../generated/api-key.js';
import { ANNOTATION_PREFIX, MANAGED_BY_VALUE } from './state.js';

export type Capability = ApiKeyCapability;
export type ApiKeyStatus = 'ACTIVE' | 'REVOKED';
/** Per product; a product absent is NONE, and NONE is never stored (so equal permissions compare equal). */
export type Permissions = Record<string, Exclude<Capability, 'NONE'>>;

export interface ValueSink {
  store: string;
  name: string;
  key?: string;
}

export interface DesiredApiKey {
  name: string;
  permissions: Permissions;
  status: ApiKeyStatus;
  /** Where a new key's value is written; null only for a REVOKED key. */
  valueSink: ValueSink | null;
  file: string;
  line: number;
  col: number;
}

export interface LiveApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: Permissions;
  status: ApiKeyStatus;
  annotations: Record<string, string>;
  version: number;
  createdAt: string;
  updatedAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

/** Set at create, and on adoption: git manages this key. */
export const KEY_MANAGED_ANNOTATION = `${ANNOTATION_PREFIX}managed-by`;
/**
 * Where the key's value was written. The create sets it to PENDING_SINK; apply replaces it with
 * the sink once the value is there. PENDING_SINK live means a run stopped in between.
 */
export const KEY_SINK_ANNOTATION = `${ANNOTATION_PREFIX}value-sink`;
export const PENDING_SINK = 'pending';
/** How long the API replays a create's answer (value included) for the same Idempotency-Key. */
export const REPLAY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The annotations a create sends: constant, so a replay's body is the same as the first one's. */
export const CREATE_ANNOTATIONS: Readonly<Record<string, string>> = Object.freeze({ [KEY_MANAGED_ANNOTATION]: MANAGED_BY_VALUE, [KEY_SINK_ANNOTATION]: PENDING_SINK });

export function isManaged(k: LiveApiKey): boolean {
  return k.annotations[KEY_MANAGED_ANNOTATION] === MANAGED_BY_VALUE;
}

/** "files/BACKEND_API_KEY", "vault/keys/backend#apiKey": what the sink annotation records. */
export function describeSink(s: ValueSink): string {
  return `${s.store}/${s.name}${s.key !== undefined ? `#${s.key}` : ''}`;
}

/**
 * The Idempotency-Key of a key's create: the same for every run that creates that key in that
 * environment of that company, so a rerun after a run died mid-create gets the same answer back
 * (the same key and value) instead of a second key.
 */
export function createIdempotencyKey(company: string, environment: string, name: string): string {
  return `pgo-apikey-${createHash('sha256').update(JSON.stringify(['api-key/v1', company, environment, name])).digest('hex').slice(0, 40)}`;
}

/** Drops NONE and orders by product: the one form permissions are compared and hashed in. */
export function normalizePermissions(p: Record<string, Capability | undefined> | undefined): Permissions {
  const out: Permissions = {};
  for (const product of Object.keys(p ?? {}).sort()) {
    const c = p![product];
    if (c && c !== 'NONE') out[product] = c;
  }
  return out;
}

export function capabilityOf(p: Permissions, product: string): Capability {
  return p[product] ?? 'NONE';
}

const BITS: Record<Capability, number> = { NONE: 0, READ: 1, WRITE: 2, READ_WRITE: 3 };

/** Whether going from `before` to `after` takes any ability away (READ to WRITE loses reading). */
export function lowers(before: Capability, after: Capability): boolean {
  return (BITS[before] & ~BITS[after]) !== 0;
}

/** Products whose capability differs, in order. */
export function permissionDiff(before: Permissions, after: Permissions): Array<{ product: string; before: Capability; after: Capability }> {
  const products = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return products.flatMap((product) => {
    const b = capabilityOf(before, product);
    const a = capabilityOf(after, product);
    return a === b ? [] : [{ product, before: b, after: a }];
  });
}

export function toLiveApiKey(k: ApiKey): LiveApiKey {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    permissions: normalizePermissions(k.permissions),
    status: k.status,
    annotations: { ...k.annotations },
    version: k.version,
    createdAt: k.createdAt,
    updatedAt: k.updatedAt,
    revokedAt: k.revokedAt,
    lastUsedAt: k.lastUsedAt,
  };
}
