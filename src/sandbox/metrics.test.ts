import { describe, expect, it } from 'vitest';
import { createSandboxApp } from './app.js';
import { LATENCY_EDGES, latencyBin, Metrics, metricsOf, p95, successRate } from './metrics.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './store/types.js';

const T = Date.parse('2026-12-01T10:30:00Z');
const MIN = 60_000;

describe('metric aggregates', () => {
  it('sums counts and rupiah exactly, per provider and service, within each window', () => {
    const m = new Metrics();
    const ok = (amount: bigint, fee: bigint, latencyMs = 100) => ({ ok: true, latencyMs, amount, fee });
    const failed = { ok: false, latencyMs: 30, amount: 0n, fee: 0n };
    m.record('p1', 'EWALLET', T, ok(1_000_001n, 16_650n));
    m.record('p1', 'EWALLET', T - 4 * MIN, ok(2n, 1n));
    m.record('p1', 'EWALLET', T - 4 * MIN, failed);
    m.record('p1', 'EWALLET', T - 5 * MIN, ok(10n ** 15n, 3n)); // outside 5m, inside 1h
    m.record('p1', 'QR_CODE', T - 61 * MIN, ok(7n, 0n)); // outside 1h, inside 30d
    m.record('p2', 'EWALLET', T - 29 * 24 * 60 * MIN, ok(5n, 5n));
    m.record('p2', 'EWALLET', T - 31 * 24 * 60 * MIN, ok(5n, 5n)); // outside every window

    const now = new Date(T + 59_999);
    const pick = (w: '5m' | '1h' | '30d', q: { provider?: string; service?: string } = {}) =>
      m.query({ window: w, ...q }, now).rows.map((r) => [r.provider, r.service, r.total.transactions, r.total.successes, r.total.volume, r.total.fees]);
    expect(pick('5m')).toEqual([['p1', 'EWALLET', 3, 2, 1_000_003n, 16_651n]]);
    expect(pick('1h')).toEqual([['p1', 'EWALLET', 4, 3, 10n ** 15n + 1_000_003n, 16_654n]]);
    expect(pick('30d').sort()).toEqual([
      ['p1', 'EWALLET', 4, 3, 10n ** 15n + 1_000_003n, 16_654n],
      ['p1', 'QR_CODE', 1, 1, 7n, 0n],
      ['p2', 'EWALLET', 1, 1, 5n, 5n],
    ]);
    expect(pick('30d', { provider: 'p1', service: 'QR_CODE' })).toEqual([['p1', 'QR_CODE', 1, 1, 7n, 0n]]);
    expect(pick('30d', { service: 'CREDIT_CARD' })).toEqual([]);
    // Windows start at bucket boundaries and end now.
    expect(m.query({ window: '5m' }, now).from.toISOString()).toBe('2026-12-01T10:26:00.000Z');
    expect(m.query({ window: '1h' }, now).from.toISOString()).toBe('2026-12-01T09:31:00.000Z');
    expect(m.query({ window: '30d' }, now).from.toISOString()).toBe('2026-11-01T11:00:00.000Z');
    expect(m.query({ window: '5m' }, now).to).toEqual(now);

    // What no window reaches any more is dropped; the rest survives a round trip through JSON.
    m.prune(now.getTime());
    const back = Metrics.fromJSON(JSON.parse(JSON.stringify(m)));
    expect(back.query({ window: '30d' }, now)).toEqual(m.query({ window: '30d' }, now));
    expect(back.query({ window: '1h' }, now)).toEqual(m.query({ window: '1h' }, now));
    expect(JSON.stringify(m)).not.toContain(`[${Math.floor((T - 31 * 24 * 60 * MIN) / 3_600_000)},`);
  });

  it('gives success rates with 4 places, rounded half up', () => {
    expect(successRate(2, 3)).toBe('0.6667');
    expect(successRate(1, 3)).toBe('0.3333');
    expect(successRate(3, 3)).toBe('1.0000');
    expect(successRate(0, 7)).toBe('0.0000');
    expect(successRate(19_999, 20_000)).toBe('1.0000');
    expect(successRate(19_997, 20_000)).toBe('0.9999');
    expect(successRate(1, 20_000)).toBe('0.0001');
  });

  it('reports p95 as the upper edge of its histogram bin: never below the true value, at most 10% above', () => {
    for (const ms of [1, 2, 57, 100, 999, 12_345, 60_000]) {
      const edge = LATENCY_EDGES[latencyBin(ms)]!;
      expect(edge).toBeGreaterThanOrEqual(ms);
      expect(edge).toBeLessThanOrEqual(Math.max(ms + 1, ms * 1.1));
    }
    // 100 attempts: 95 at 100 ms, 5 at 5000 ms: p95 is in the 100 ms bin; 94 fast ones put it in the slow bin.
    const h = (fast: number, slow: number) =>
      new Map([
        [latencyBin(100), fast],
        [latencyBin(5000), slow],
      ]);
    expect(p95(h(95, 5))).toBe(LATENCY_EDGES[latencyBin(100)]);
    expect(p95(h(94, 6))).toBe(LATENCY_EDGES[latencyBin(5000)]);
    expect(p95(new Map())).toBe(0);
  });

  it('refuses a malformed metrics section of a state file', () => {
    expect(() => Metrics.fromJSON({})).toThrow('metrics is not a list');
    expect(() => Metrics.fromJSON([{ provider: 'p', service: 'S', minutes: [[1, 1, 0, '0', '0']], hours: [] }])).not.toThrow();
    expect(() => Metrics.fromJSON([{ provider: 'p', service: 'S', minutes: [[1, 1, 2, '0', '0']], hours: [] }])).toThrow('metrics[0].minutes[0] is malformed');
    expect(() => Metrics.fromJSON([{ provider: 'p', service: 'S', minutes: [], hours: [[1, 1, 1, '0', '0', 9999, 1]] }])).toThrow('metrics[0].hours[0] has a malformed latency histogram');
    expect(() => Metrics.fromJSON([{ provider: 'p', service: 'S', minutes: {}, hours: [] }])).toThrow('metrics[0].minutes is not a list');
  });
});

describe('GET /v1/metrics', () => {
  async function sandbox() {
    const store = await openSandboxStore();
    const app = createSandboxApp({ store, now: () => new Date(T) });
    const call = async (url: string, key = SANDBOX_RW_KEY) => {
      const res = await app.request(url, { headers: { Authorization: `Bearer ${key}` } });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const created = await app.request('/v1/providers', {
      method: 'POST',
      headers: { Authorization: `Bearer ${SANDBOX_RW_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'Wallet',
        type: 'AGGREGATOR',
        integration: 'xendit',
        services: ['EWALLET', 'QR_CODE'],
        credentials: { clientKey: 'xnd_development_abc123', clientSecret: 'not-a-real-one' },
        fee: { type: 'PERCENTAGE', percent: '1.5' },
        tax: { vatPercent: '11', applyVat: true },
      }),
    });
    const { id } = (await created.json()) as { id: string };
    return { store, call, id };
  }

  it('answers per provider and service, filtered, with exact decimals', async () => {
    const { store, call, id } = await sandbox();
    const m = metricsOf(store);
    for (let i = 0; i < 3; i++) m.record(id, 'EWALLET', T - i * MIN, { ok: i < 2, latencyMs: 120, amount: 150_000n, fee: 2498n });
    m.record(id, 'QR_CODE', T - 2 * 3_600_000, { ok: true, latencyMs: 80, amount: 20_000n, fee: 333n });

    const five = await call('/v1/metrics?window=5m');
    expect(five.status).toBe(200);
    expect(five.json).toEqual({
      window: '5m',
      from: '2026-12-01T10:26:00.000Z',
      to: '2026-12-01T10:30:00.000Z',
      data: [
        {
          providerId: id,
          providerName: 'Wallet',
          service: 'EWALLET',
          transactions: 3,
          successes: 2,
          successRate: '0.6667',
          p95LatencyMs: LATENCY_EDGES[latencyBin(120)],
          volume: '300000',
          feesCharged: '4996',
        },
      ],
    });
    const month = await call(`/v1/metrics?window=30d&provider=${id}`, SANDBOX_RO_KEY);
    expect((month.json.data as { service: string }[]).map((r) => r.service)).toEqual(['EWALLET', 'QR_CODE']);
    const qr = await call(`/v1/metrics?window=30d&service=QR_CODE`);
    expect(qr.json.data).toEqual([expect.objectContaining({ service: 'QR_CODE', transactions: 1, successes: 1, successRate: '1.0000', volume: '20000', feesCharged: '333' })]);
    expect((await call('/v1/metrics?window=1h&service=CREDIT_CARD')).json.data).toEqual([]);
  });

  it('refuses a bad query with a 400 naming the parameter', async () => {
    const { call } = await sandbox();
    const detail = async (url: string) => {
      const r = await call(url);
      expect(r.status, url).toBe(400);
      return r.json.detail;
    };
    expect(await detail('/v1/metrics')).toBe('window must be one of 5m, 1h, 30d');
    expect(await detail('/v1/metrics?window=7d')).toBe('window must be one of 5m, 1h, 30d');
    expect(await detail('/v1/metrics?window=5m&provider=prv_nope')).toBe('provider "prv_nope" is not a provider of this company');
    expect(await detail('/v1/metrics?window=5m&service=EWALET')).toMatch(/^service must be one of CREDIT_CARD, EWALLET, QR_CODE, /);
    expect((await call('/v1/metrics?window=5m', 'nope')).status).toBe(401);
  });
});
