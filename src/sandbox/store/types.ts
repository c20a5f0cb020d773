// The sandbox store's records, as the domain keeps them and the state file holds them, and the
// well-known keys. Shared by the domain (domain.ts) and its persistence (persistence.ts).
import { sha256, type SaltedDigest } from './digest.js';
import type { ApiKey, ApiKeyCreated, ChangedBy, Company, MaskedSecret, Provider, ProviderStatus } from '../../generated/api.js';

export type { SaltedDigest };

export const SANDBOX_RW_KEY = 'psk_sandbox_rw_0000000000000000';
export const SANDBOX_RO_KEY = 'psk_sandbox_ro_0000000000000000';

export type Permission = Company['permission'];
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

/**
 * The well-known keys of a hosted company: Dummy Company's are SANDBOX_RW_KEY and SANDBOX_RO_KEY;
 * client-NNN's are psk_sandbox_rw_client-NNN_<16 hex> (and _ro_), the hex being the start of the
 * SHA-256 of "paystrator-sandbox <rw|ro> <company id>", so they are the same in every sandbox.
 */
export function clientKeys(companyId: string): { rw: string; ro: string } {
  if (companyId === 'dummy-company') return { rw: SANDBOX_RW_KEY, ro: SANDBOX_RO_KEY };
  const key = (kind: 'rw' | 'ro'): string => `psk_sandbox_${kind}_${companyId}_${sha256(`paystrator-sandbox ${kind} ${companyId}`).slice(0, 16)}`;
  return { rw: key('rw'), ro: key('ro') };
}

/** The dashboard's prefix of a key value: up to its last underscore and four characters more (psk_sandbox_rw_0000, psk_3f9a). */
export function keyPrefixOf(value: string): string {
  return value.slice(0, value.lastIndexOf('_') + 5);
}

/** Told of every provider change, with the status and services it had before (none for a create). */
export type ProviderObserver = (p: StoredProvider, before: { status: ProviderStatus; services: string[] } | undefined, at: string, by: ChangedBy) => void;

/**
 * One company as a state file held it, validated and upgraded (persistence.ts reads it, the domain
 * restores it): no knowledge of the file's format is needed to take it in.
 */
export interface CompanyState {
  company: Omit<Company, 'permission' | 'apiKey'>;
  counter: number;
  /** Key values not yet made records (a v1 file, or a never seeded store). */
  legacyKeys: [string, Permission][] | undefined;
  keyCounter: number;
  apiKeys: StoredApiKey[];
  apiKeyIdempotency: ApiKeyIdempotencyRecord[];
  products: string[] | undefined;
  webhooks: StoredWebhooks | undefined;
  ipWhitelist: StoredIpWhitelist | undefined;
  deliveries: WebhookDelivery[];
  providers: StoredProvider[];
  idempotency: IdempotencyRecord[];
  /** Absent in state files from before sequences existed. */
  sequences: StoredSequence[] | undefined;
  sections: Record<string, unknown>;
  /** Migrated on load (v1 keys, unsalted digests): to be written back at the next flush. */
  upgraded: boolean;
}

/** The account records of one company, in the order the state file lists them. */
export interface AccountRecords {
  apiKeys: StoredApiKey[];
  legacyApiKeys?: Record<string, Permission>;
  keyCounter: number;
  products?: string[];
  apiKeyIdempotency: ApiKeyIdempotencyRecord[];
  webhooks: StoredWebhooks | null;
  ipWhitelist: StoredIpWhitelist | null;
  deliveries: WebhookDelivery[];
}
