import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFingerprinter, fingerprintSchemeOf, SCRYPT } from './fingerprint.js';
import { Sensitive } from './sensitive.js';

const value = 'xnd_secret_correct-horse';
const secret = (v = value) => new Sensitive(v);
// What version 1 wrote: HMAC keyed only by public data, so anyone could test guesses with it.
const v1 = (scope: string, provider: string, field: string, v: string) =>
  `hmac-sha256:${createHmac('sha256', createHash('sha256').update(`paystrator-gitops/fingerprint/v1\0${scope}\0${provider}\0${field}`).digest()).update(v).digest('base64url')}`;

describe('keyed fingerprints (policy.fingerprintKey)', () => {
  const fp = createFingerprinter('co', secret('the-fingerprint-key-0123456789'));

  it('are stable, bound to company, provider and field, and hold no form of the value', async () => {
    const a = await fp.fingerprint('Xendit', 'clientSecret', secret());
    expect(a).toMatch(/^hmac-sha256-k1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{43}$/);
    expect(await fp.fingerprint('Xendit', 'clientSecret', secret())).toBe(a);
    expect(await fp.fingerprint('Other', 'clientSecret', secret())).not.toBe(a);
    expect(await fp.fingerprint('Xendit', 'apiSecret', secret())).not.toBe(a);
    expect(await fp.fingerprint('Xendit', 'clientSecret', secret(value + 'x'))).not.toBe(a);
    expect(await createFingerprinter('other-co', secret('the-fingerprint-key-0123456789')).fingerprint('Xendit', 'clientSecret', secret())).not.toBe(a);
    expect(a).not.toContain(value);
  });

  it('cannot be recomputed without the key: guesses with public data alone do not match', async () => {
    const a = await fp.fingerprint('Xendit', 'clientSecret', secret());
    expect(a.split(':')[2]).not.toBe(v1('co', 'Xendit', 'clientSecret', value).split(':')[1]);
    const otherKey = createFingerprinter('co', secret('another-key'));
    expect(await otherKey.fingerprint('Xendit', 'clientSecret', secret())).not.toBe(a);
    // Another key, the other scheme and version 1 are told apart from a changed secret.
    expect(fp.recognises(a)).toBe(true);
    expect(otherKey.recognises(a)).toBe(false);
    expect(fp.recognises(v1('co', 'Xendit', 'clientSecret', value))).toBe(false);
    expect(fingerprintSchemeOf(v1('co', 'Xendit', 'clientSecret', value))).toBe('v1');
    expect(fp.derivations).toBe(0);
  });
});

describe('scrypt fingerprints (no fingerprintKey)', () => {
  it('use a random salt per field, kept in the fingerprint, so the same secret fingerprints the same again', async () => {
    const fp = createFingerprinter('co');
    const a = await fp.fingerprint('Xendit', 'clientSecret', secret());
    expect(a).toMatch(new RegExp(`^scrypt-v1:${SCRYPT.log2N}\\.${SCRYPT.r}\\.${SCRYPT.p}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$`));
    // A new salt without a prior: equal secrets on two fields look unrelated.
    expect(await fp.fingerprint('Xendit', 'clientSecret', secret())).not.toBe(a);
    // With the recorded one as prior, from another run too.
    expect(await createFingerprinter('co').fingerprint('Xendit', 'clientSecret', secret(), [a])).toBe(a);
    expect(await createFingerprinter('co').fingerprint('Xendit', 'clientSecret', secret(value + 'x'), [a])).not.toBe(a);
    expect(await createFingerprinter('co').fingerprint('Other', 'clientSecret', secret(), [a])).not.toBe(a);
    expect(fp.recognises(a)).toBe(true);
    expect(a).not.toContain(value);
  });

  it('derive once per distinct secret and salt in a run', async () => {
    const fp = createFingerprinter('co');
    const a = await fp.fingerprint('Xendit', 'clientSecret', secret());
    await Promise.all([fp.fingerprint('Xendit', 'clientSecret', secret(), [a]), fp.fingerprint('Xendit', 'clientSecret', secret(), [a])]);
    expect(fp.derivations).toBe(1);
  });

  it('skip priors they cannot use: version 1, keyed, weaker or unbounded parameters', async () => {
    const fp = createFingerprinter('co');
    const a = await fp.fingerprint('Xendit', 'clientSecret', secret());
    const [, , salt, hash] = a.split(':');
    const weak = `scrypt-v1:10.8.1:${salt}:${hash}`;
    const huge = `scrypt-v1:30.8.1:${salt}:${hash}`;
    for (const bad of [weak, huge, v1('co', 'Xendit', 'clientSecret', value), 'hmac-sha256-k1:abcdefgh:xyz', 'garbage']) {
      expect(fp.recognises(bad), bad).toBe(false);
      expect(await fp.fingerprint('Xendit', 'clientSecret', secret(), [bad]), bad).not.toContain(`:${salt}:`);
    }
    // The first usable prior wins.
    expect(await fp.fingerprint('Xendit', 'clientSecret', secret(), [weak, a])).toBe(a);
  });
});
