import { createHash, createHmac, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import type { Sensitive } from './sensitive.js';

/**
 * A fingerprint lets plan and drift tell that a secret changed without anyone storing a
 * reversible form. It sits in the live provider's annotations, which anyone with a read-only API
 * key can read, so it must not let them test guesses of a weak secret offline (SPEC section 6):
 *
 * - with `policy.fingerprintKey` (a secret the API never sees): HMAC-SHA256 keyed by it, over the
 *   (company, provider, field) context and the value: `hmac-sha256-k1:<key id>:<mac>`. Without the
 *   key a guess cannot be checked at all. The key id (a MAC of a constant) tells a changed key from
 *   a changed secret.
 * - without one: scrypt (memory-hard) with a random salt per field, kept in the fingerprint:
 *   `scrypt-v1:<log2 N>.<r>.<p>:<salt>:<hash>`. Each guess costs one derivation (see SCRYPT).
 *
 * Fingerprints of version 1 (`hmac-sha256:`, keyed only by public data) and of the other scheme
 * are not recognised: the secret is written once more to record a fingerprint of the current one.
 */

/**
 * N = 2^14, r = 8, p = 1: the scrypt paper's interactive parameters, 16 MiB per derivation.
 * Measured on a shared 2-core machine: ~55 ms per derivation, ~42 ms each with four running at
 * once (libuv's thread pool). N = 2^15 doubles both; at the cost of 10,000 providers' plans
 * neither is usable, which is what policy.fingerprintKey (one HMAC, microseconds) is for.
 */
export const SCRYPT = { log2N: 14, r: 8, p: 1, saltBytes: 16, hashBytes: 32 } as const;
// Parameters a recorded fingerprint may carry and still be recomputed: never weaker than ours,
// and bounded, so a hostile annotation cannot make a plan allocate gigabytes.
const MAX_LOG2N = 16;

export const LEGACY_PREFIX = 'hmac-sha256:';
const KEYED_PREFIX = 'hmac-sha256-k1:';
const SCRYPT_PREFIX = 'scrypt-v1:';

export type FingerprintScheme = 'keyed' | 'scrypt';

/** The scheme a recorded fingerprint was made with, as far as its form tells. */
export function fingerprintSchemeOf(fp: string): FingerprintScheme | 'v1' | 'unknown' {
  if (fp.startsWith(KEYED_PREFIX)) return 'keyed';
  if (fp.startsWith(SCRYPT_PREFIX)) return 'scrypt';
  if (fp.startsWith(LEGACY_PREFIX)) return 'v1';
  return 'unknown';
}

interface ScryptParts {
  log2N: number;
  r: number;
  p: number;
  salt: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function parseScrypt(fp: string): ScryptParts | undefined {
  const m = /^scrypt-v1:(\d{1,2})\.(\d{1,2})\.(\d{1,2}):([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/.exec(fp);
  if (!m) return undefined;
  const [log2N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (log2N < SCRYPT.log2N || log2N > MAX_LOG2N || r !== SCRYPT.r || p < SCRYPT.p || p > 2) return undefined;
  if (!B64URL.test(m[4]!)) return undefined;
  const salt = Buffer.from(m[4]!, 'base64url');
  if (salt.length !== SCRYPT.saltBytes || Buffer.from(m[5]!, 'base64url').length !== SCRYPT.hashBytes) return undefined;
  return { log2N, r, p, salt };
}

const context = (scope: string, provider: string, field: string) => `\0${scope}\0${provider}\0${field}`;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export interface Fingerprinter {
  readonly scheme: FingerprintScheme;
  /**
   * The fingerprint of a secret field. `priors` are fingerprints recorded for the same
   * (provider, field) before (live, a saved plan): the first one this fingerprinter recognises
   * gives the salt, so an unchanged secret gets the same fingerprint again.
   */
  fingerprint(provider: string, field: string, value: Sensitive, priors?: readonly (string | undefined)[]): Promise<string>;
  /** Whether a recorded fingerprint can be compared with the ones this fingerprinter makes. */
  recognises(fp: string): boolean;
  /** scrypt derivations run so far (the cached ones not counted). */
  readonly derivations: number;
}

/** Fingerprints for one company (the scope); keyed by `key` when given, else scrypt. */
export function createFingerprinter(scope: string, key?: Sensitive): Fingerprinter {
  if (key) {
    const k = key.reveal();
    const keyId = createHmac('sha256', k).update('paystrator-gitops/fingerprint-key-id').digest('base64url').slice(0, 8);
    const prefix = `${KEYED_PREFIX}${keyId}:`;
    return {
      scheme: 'keyed',
      derivations: 0,
      fingerprint: (provider, field, value) =>
        Promise.resolve(prefix + createHmac('sha256', k).update(`paystrator-gitops/fingerprint/v2${context(scope, provider, field)}\0`).update(value.reveal()).digest('base64url')),
      recognises: (fp) => fp.startsWith(prefix),
    };
  }
  // One derivation per distinct (secret, salt, field) in the run, however often it is asked for.
  const cache = new Map<string, Promise<string>>();
  let derivations = 0;
  return {
    scheme: 'scrypt',
    get derivations() {
      return derivations;
    },
    fingerprint(provider, field, value, priors = []) {
      const prior = priors.map((p) => (p ? parseScrypt(p) : undefined)).find((p) => p !== undefined);
      const parts: ScryptParts = prior ?? { log2N: SCRYPT.log2N, r: SCRYPT.r, p: SCRYPT.p, salt: randomBytes(SCRYPT.saltBytes) };
      const params = `${parts.log2N}.${parts.r}.${parts.p}`;
      const salt64 = parts.salt.toString('base64url');
      const ctx = context(scope, provider, field);
      const cacheKey = `${params}:${salt64}${ctx}\0${createHash('sha256').update(value.reveal()).digest('base64url')}`;
      let out = cache.get(cacheKey);
      if (!out) {
        derivations += 1;
        const N = 2 ** parts.log2N;
        out = scrypt(value.reveal(), Buffer.concat([parts.salt, Buffer.from(ctx)]), SCRYPT.hashBytes, { N, r: parts.r, p: parts.p, maxmem: 256 * N * parts.r * parts.p }).then(
          (hash) => `${SCRYPT_PREFIX}${params}:${salt64}:${hash.toString('base64url')}`,
        );
        cache.set(cacheKey, out);
      }
      return out;
    },
    recognises: (fp) => parseScrypt(fp) !== undefined,
  };
}
