// Salted digests: secret values and request bodies are kept only as these (see types.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 keyed by a random per-value salt, of the SHA-256 of the value (see digestOf). */
export interface SaltedDigest {
  salt: string;
  hmac: string;
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

export function upgradeLegacy(hex: string): SaltedDigest {
  const salt = randomBytes(16).toString('hex');
  return { salt, hmac: hmacOf(salt, hex) };
}

export const isDigest = (v: unknown): v is SaltedDigest =>
  typeof v === 'object' && v !== null && typeof (v as SaltedDigest).salt === 'string' && /^[0-9a-f]{64}$/.test(String((v as SaltedDigest).hmac));
