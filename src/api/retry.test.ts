// The retry layer against the real sandbox app served over loopback HTTP with injected faults:
// real dropped sockets, real 5xx and 429 answers, real Idempotency-Key replays and If-Match.
import { afterEach, describe, expect, it } from 'vitest';
import { forEachLimit } from '../apply/apply.js';
import { DROP_AFTER_COMMIT, NO_FAULT, faultySandbox, scripted, type FaultySandbox } from '../../test/helpers/inproc.js';
import { canaries } from '../../test/helpers/cli.js';
import { SANDBOX_RW_KEY } from '../sandbox/store/types.js';
import { ApiError, ApiUnavailableError } from './errors.js';
import { PaystratorClient } from './client.js';
import { parseRateLimitPolicy, parseRateLimitRemaining, parseRetryAfter, RetryBudget, RetryingTransport } from './retry.js';
import { HttpTransport } from './transport.js';
import { Sensitive } from '../secrets/sensitive.js';

const create = (name: string) => ({
  name,
  type: 'AGGREGATOR' as const,
  integration: 'xendit',
  services: ['EWALLET'],
  credentials: { clientKey: 'xnd_development_abc123', clientSecret: new Sensitive(canaries()[0]!) },
  fee: { type: 'PERCENTAGE' as const, percent: '1.5' },
  tax: { vatPercent: '11', applyVat: true },
});

let sandbox: FaultySandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('retries against the faulty sandbox', () => {
  it('converges on idempotent creates and reads under 5xx, dropped connections and 429s, creating each provider once', async () => {
    sandbox = await faultySandbox({ errorRate: 0.15, dropRate: 0.1, rate429: 0.1, retryAfterSeconds: 0, seed: 7 });
    const client = sandbox.client({ maxAttempts: 12, baseDelayMs: 5 });
    const names = Array.from({ length: 120 }, (_, i) => `Retry ${i}`);
    const created = new Map<string, string>();
    await forEachLimit(names, 8, async (name) => {
      const p = await client.createProvider(create(name), `key-${name}`);
      created.set(name, p.id);
    });
    const live = await client.listProviders();
    expect(live.map((p) => p.name).sort()).toEqual([...names].sort());
    expect(sandbox.server.store.size).toBe(120);
    // Every answer the client took is the provider that exists: a replay returns the first create.
    for (const p of live) expect(created.get(p.name)).toBe(p.id);
    const stats = sandbox.server.faultStats;
    expect(stats.errors).toBeGreaterThan(0);
    expect(stats.tooManyRequests).toBeGreaterThan(0);
    expect(stats.droppedAfterCommit).toBeGreaterThan(0);
    expect(client.retries!.retries).toBeGreaterThanOrEqual(stats.errors + stats.dropped + stats.tooManyRequests);
  });

  it('flags a 412 that follows a write whose answer was lost, and not a plain 412', async () => {
    // Request 1 (create) passes, request 2 (the patch) is committed then dropped, the rest pass.
    sandbox = await faultySandbox({ dropRate: 0.5 }, scripted([...NO_FAULT, ...DROP_AFTER_COMMIT]));
    const client = sandbox.client({ baseDelayMs: 1 });
    const p = await client.createProvider(create('Lost answer'), 'k-lost');
    const err = await client.updateProvider(p.id, p.name, { fee: { type: 'PERCENTAGE', percent: '2' } }, p.version).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(412);
    expect((err as ApiError).mayHaveLanded).toBe(true);
    expect(sandbox.server.store.get(p.id)).toMatchObject({ version: 2, fee: { percent: '2' } });
    const plain = await client.setStatus(p.id, p.name, { status: 'MAINTENANCE' }, p.version).catch((e: unknown) => e);
    expect((plain as ApiError).status).toBe(412);
    expect((plain as ApiError).mayHaveLanded).toBe(false);
  });

  it('honours Retry-After, and gives up after maxAttempts with the 429', async () => {
    sandbox = await faultySandbox({ rate429: 1, retryAfterSeconds: 2 });
    const slept: number[] = [];
    const client = sandbox.client({ maxAttempts: 3, sleep: async (ms) => void slept.push(ms) });
    const err = await client.company().catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(429);
    expect((err as ApiError).retryAfterSeconds).toBe(2);
    expect(slept).toHaveLength(2);
    for (const ms of slept) expect(ms).toBeGreaterThanOrEqual(2000);
  });

  it('does not wait for a Retry-After beyond its limit', async () => {
    sandbox = await faultySandbox({ rate429: 1, retryAfterSeconds: 120 });
    const slept: number[] = [];
    const client = sandbox.client({ sleep: async (ms) => void slept.push(ms) });
    await expect(client.company()).rejects.toMatchObject({ status: 429, retryAfterSeconds: 120 });
    expect(slept).toEqual([]);
  });

  it('spends one budget for the whole run, then stops retrying', async () => {
    sandbox = await faultySandbox({ errorRate: 1 });
    const budget = new RetryBudget(60);
    const client = sandbox.client({ budget, sleep: async () => {} });
    for (let i = 0; i < 10; i++) await expect(client.integrations()).rejects.toBeInstanceOf(ApiError);
    expect(budget.exhausted).toBe(true);
    // 60 tokens at 5 per retry after a 5xx.
    expect(budget.retries).toBe(12);
    expect(sandbox.server.faultStats.errors).toBe(22);
  });

  it('paces itself to a rate the API announces, instead of running into 429s', async () => {
    sandbox = await faultySandbox({ rpsLimit: 40 });
    const client = sandbox.client();
    await forEachLimit(Array.from({ length: 60 }, (_, i) => i), 8, async () => void (await client.company()));
    // 60 requests against a bucket of 40: without pacing the burst would run dry.
    expect(sandbox.server.faultStats.rateLimited).toBe(0);
  });

  it('spends what the API says is left of the window at once, and paces only the rest', async () => {
    sandbox = await faultySandbox({ rpsLimit: 40 });
    const waits: number[] = [];
    const client = sandbox.client({ sleep: (ms) => (waits.push(ms), new Promise((r) => setTimeout(r, ms))) });
    await client.company();
    await forEachLimit(Array.from({ length: 60 }, (_, i) => i), 8, async () => void (await client.company()));
    expect(sandbox.server.faultStats.rateLimited).toBe(0);
    // About 39 requests go at once; evenly spaced, the 60th would wait 60 / 40 = 1.5 s.
    expect(waits.length).toBeGreaterThan(10);
    expect(waits.length).toBeLessThan(35);
    expect(Math.max(...waits)).toBeLessThan(1000);
  });

  it('never repeats a write that has no Idempotency-Key or If-Match', async () => {
    sandbox = await faultySandbox({ errorRate: 1 });
    const transport = new RetryingTransport(new HttpTransport(sandbox.server.url), { sleep: async () => {} });
    try {
      const res = await transport.send({
        method: 'POST', path: '/v1/providers', headers: { authorization: `Bearer ${SANDBOX_RW_KEY}`, 'content-type': 'application/json' }, body: '{}',
      });
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(transport.budget.retries).toBe(0);
      expect(sandbox.server.faultStats.errors).toBe(1);
    } finally {
      await transport.close();
    }
  });

  it('tries a refused connection only a few times, then says it cannot reach the API', async () => {
    const client = new PaystratorClient(new HttpTransport('http://127.0.0.1:9'), new Sensitive(SANDBOX_RW_KEY), { sleep: async () => {} });
    const err = await client.company().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnavailableError);
    expect((err as Error).message).toBe('get company failed: cannot reach http://127.0.0.1:9 (ECONNREFUSED, 3 attempts)');
    await client.transport.close();
  });
});

describe('header parsing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('reads RateLimit-Policy in the current and the older draft syntax, strictest first', () => {
    expect(parseRateLimitPolicy('"sandbox";q=200;w=1')).toEqual({ rate: 200, quota: 200 });
    expect(parseRateLimitPolicy('100;w=10')).toEqual({ rate: 10, quota: 100 });
    expect(parseRateLimitPolicy('"burst";q=100;w=1, "day";q=86400;w=86400')).toEqual({ rate: 1, quota: 86400 });
    expect(parseRateLimitPolicy('garbage')).toBeUndefined();
    expect(parseRateLimitPolicy(undefined)).toBeUndefined();
  });

  it('reads what is left of the window from RateLimit, or the older RateLimit-Remaining', () => {
    expect(parseRateLimitRemaining({ ratelimit: '"sandbox";r=150;t=1' })).toBe(150);
    expect(parseRateLimitRemaining({ ratelimit: '"burst";r=9;t=1, "day";r=500;t=3600' })).toBe(9);
    expect(parseRateLimitRemaining({ 'ratelimit-remaining': '42' })).toBe(42);
    expect(parseRateLimitRemaining({ ratelimit: 'garbage' })).toBeUndefined();
    expect(parseRateLimitRemaining({})).toBeUndefined();
  });
});
