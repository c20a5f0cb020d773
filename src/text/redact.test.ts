import { describe, expect, it } from 'vitest';
import { Sensitive } from '../secrets/sensitive.js';
import { redact, Redactor, REDACTED } from './redact.js';

describe('Redactor', () => {
  it('masks a registered value in every form outside text quotes it in', () => {
    const r = new Redactor();
    const secret = 'se"cr\\et/ü+1=';
    r.register(secret);
    expect(r.redact(`detail: ${secret}.`)).toBe(`detail: ${REDACTED}.`);
    expect(r.redact(JSON.stringify({ clientSecret: secret }))).toBe(`{"clientSecret":"${REDACTED}"}`);
    expect(r.redact(`?q=${encodeURIComponent(secret)}`)).toBe(`?q=${REDACTED}`);
    expect(r.redact(`Basic ${Buffer.from(secret).toString('base64')}`)).toBe(`Basic ${REDACTED}`);
    expect(r.redact(`b64url ${Buffer.from(secret).toString('base64url')}`)).toBe(`b64url ${REDACTED}`);
  });

  it('masks the longer of two overlapping values whole', () => {
    const r = new Redactor();
    r.register('token-abc');
    r.register('token-abcdef');
    expect(r.redact('x token-abcdef y token-abc')).toBe(`x ${REDACTED} y ${REDACTED}`);
  });

  it('leaves text alone when nothing is registered, and ignores values too short to mask', () => {
    const r = new Redactor();
    expect(r.redact('Bearer abc')).toBe('Bearer abc');
    r.register('');
    r.register('abc');
    expect(r.redact('Bearer abc')).toBe('Bearer abc');
  });

  it('treats regular-expression characters in a value literally', () => {
    const r = new Redactor();
    r.register('a.b*c(d)');
    expect(r.redact('a.b*c(d) axbbc(d)')).toBe(`${REDACTED} axbbc(d)`);
  });
});

describe('the run-wide redactor', () => {
  it('knows every value wrapped in Sensitive, as soon as it is wrapped', () => {
    const value = `psk_live_${Math.random().toString(36).slice(2)}`;
    expect(redact(`401: invalid key ${value}`)).toContain(value);
    new Sensitive(value);
    expect(redact(`401: invalid key ${value}`)).toBe(`401: invalid key ${REDACTED}`);
    expect(redact(`{"detail":"Bearer ${JSON.stringify(value).slice(1, -1)}"}`)).toBe(`{"detail":"Bearer ${REDACTED}"}`);
  });
});
