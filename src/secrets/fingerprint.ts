import { createHash, createHmac } from 'node:crypto';
import type { Sensitive } from './sensitive.js';

/**
 * A fingerprint lets plan and drift tell that a secret changed without anyone storing a
 * reversible form. It is HMAC-SHA256 over the value, keyed per (scope, provider, field): equal
 * secrets on two providers get unrelated fingerprints and no precomputed table applies. The
 * credentials are long random API secrets, so guessing them from a fingerprint is not practical.
 */
export function fingerprint(scope: string, provider: string, field: string, value: Sensitive): string {
  const key = createHash('sha256').update(`paystrator-gitops/fingerprint/v1\0${scope}\0${provider}\0${field}`).digest();
  return `hmac-sha256:${createHmac('sha256', key).update(value.reveal()).digest('base64url')}`;
}
