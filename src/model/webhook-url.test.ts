import { describe, expect, it } from 'vitest';
import { webhookUrlProblem } from './webhook-url.js';

const sandbox = { allowLoopbackHttp: true };
const live = { allowLoopbackHttp: false };

describe('webhookUrlProblem', () => {
  it('accepts https anywhere, and http to loopback only where allowed', () => {
    expect(webhookUrlProblem('https://api.example.co.id/paystrator/va', live)).toBeUndefined();
    expect(webhookUrlProblem('https://api.example.co.id:8443/hook?x=1', live)).toBeUndefined();
    for (const u of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]:9/x', 'http://LOCALHOST:1/']) {
      expect(webhookUrlProblem(u, sandbox), u).toBeUndefined();
      expect(webhookUrlProblem(u, live), u).toBe('must be https');
    }
  });

  it('refuses http elsewhere, other schemes, credentials, junk and length', () => {
    expect(webhookUrlProblem('http://api.example.co.id/hook', sandbox)).toBe('must be https (http only to 127.0.0.1, [::1] or localhost in the sandbox)');
    expect(webhookUrlProblem('http://127.0.0.2/hook', sandbox)).toBe('must be https (http only to 127.0.0.1, [::1] or localhost in the sandbox)');
    expect(webhookUrlProblem('ftp://example.com/x', sandbox)).toBe('must be https (got ftp)');
    expect(webhookUrlProblem('javascript:alert(1)', sandbox)).toBe('must be https (got javascript)');
    expect(webhookUrlProblem('https://user:pw@example.com/x', live)).toBe('must not hold a user name or password (user:pass@): authenticate deliveries by their signature');
    expect(webhookUrlProblem('https://user@example.com/x', live)).toBe('must not hold a user name or password (user:pass@): authenticate deliveries by their signature');
    expect(webhookUrlProblem('/relative', live)).toBe('must be an absolute URL, such as https://api.example.co.id/paystrator/va');
    expect(webhookUrlProblem('https://example.com/a\nb', live)).toBe('must not contain spaces or control characters');
    expect(webhookUrlProblem(' https://example.com/', live)).toBe('must not contain spaces or control characters');
    const long = `https://example.com/${'a'.repeat(2048 - 20)}`;
    expect(long).toHaveLength(2048);
    expect(webhookUrlProblem(long, live)).toBeUndefined();
    expect(webhookUrlProblem(`${long}a`, live)).toBe('must be at most 2048 characters (got 2049)');
  });
});
