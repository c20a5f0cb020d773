import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { canaries, tempDir } from '../../test/helpers/cli.js';
import { createSandboxApp } from './app.js';
import type { Aggregate } from './metrics.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RW_KEY } from './store/types.js';
import { describeTraffic, startTraffic, TrafficEngine, trafficOptions } from './traffic.js';

const [SECRET_A, SECRET_B] = canaries() as [string, string];
const NOW = new Date('2026-12-01T10:00:30Z');

/** A sandbox with two e-wallet providers (Alpha before Beta in the default sequence) and a flat-fee bank. */
async function world(file?: string) {
  const store = await openSandboxStore(file);
  const app = createSandboxApp({ store });
  const send = async (method: string, url: string, body: unknown) => {
    const res = await app.request(url, { method, headers: { Authorization: `Bearer ${SANDBOX_RW_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, `${method} ${url}`).toBeLessThan(300);
    return (await res.json()) as { id: string; version: number };
  };
  const ewallet = (name: string, secret: string) =>
    send('POST', '/v1/providers', {
      name,
      type: 'AGGREGATOR',
      integration: 'xendit',
      services: ['EWALLET'],
      credentials: { clientKey: `xnd_development_${name.toLowerCase()}`, clientSecret: secret },
      fee: { type: 'PERCENTAGE', percent: '1.5' },
      tax: { vatPercent: '11', applyVat: true },
    });
  const alpha = await ewallet('Alpha', SECRET_A);
  const beta = await ewallet('Beta', SECRET_B);
  const bank = await send('POST', '/v1/providers', {
    name: 'Bank',
    type: 'DIRECT',
    integration: 'bca',
    services: ['VIRTUAL_ACCOUNT'],
    credentials: { clientKey: 'bca-client', clientSecret: SECRET_A, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: SECRET_B },
    fee: { type: 'FLAT', amount: '4000', currency: 'IDR' },
    tax: { vatPercent: '11', applyVat: true },
  });
  return { store, send, alpha, beta, bank };
}

type World = Awaited<ReturnType<typeof world>>;

function rows(engine: TrafficEngine, w: World, window: '5m' | '1h' | '30d' = '5m'): Record<string, Aggregate> {
  const names = new Map([
    [w.alpha.id, 'Alpha'],
    [w.beta.id, 'Beta'],
    [w.bank.id, 'Bank'],
  ]);
  return Object.fromEntries(engine.metrics.query({ window }, NOW).rows.map((r) => [`${names.get(r.provider)} ${r.service}`, r.total]));
}

const failures = (a: Aggregate | undefined) => (a ? a.transactions - a.successes : 0);

describe('the traffic engine', () => {
  it('routes through the sequence in order and fails over to the next provider on each failure', async () => {
    const w = await world();
    const engine = new TrafficEngine(w.store, { seed: 7 });
    engine.step(NOW, 20_000);
    const r = rows(engine, w);
    const alpha = r['Alpha EWALLET']!;
    const beta = r['Beta EWALLET']!;
    // Every e-wallet transaction is offered to Alpha first; exactly those Alpha failed reach Beta.
    expect(failures(alpha)).toBeGreaterThan(0);
    expect(beta.transactions).toBe(failures(alpha));
    expect(Object.keys(r).sort()).toEqual(['Alpha EWALLET', 'Bank VIRTUAL_ACCOUNT', 'Beta EWALLET']);
    const served = Object.values(r).reduce((n, a) => n + a.successes, 0);
    expect(engine.stats.served).toBe(served);
    expect(engine.stats.transactions).toBe(20_000);
    expect(engine.stats.served + engine.stats.failed).toBe(20_000);
    // A failover is a transaction Beta served.
    expect(engine.stats.failovers).toBe(beta.successes);
    // The services no provider offers (QR code, cards, send money) fail unrouted.
    const unrouted = 20_000 - alpha.transactions - r['Bank VIRTUAL_ACCOUNT']!.transactions;
    expect(engine.stats.failed).toBe(unrouted + failures(beta) + failures(r['Bank VIRTUAL_ACCOUNT']));
  });

  it('charges the fee the provider that served it charges, exactly', async () => {
    const w = await world();
    const engine = new TrafficEngine(w.store, { seed: 3 });
    engine.step(NOW, 5000);
    const bank = rows(engine, w)['Bank VIRTUAL_ACCOUNT']!;
    expect(bank.successes).toBeGreaterThan(1000);
    // Rp4.000 flat plus 11% VAT on it: Rp4.440 a transaction.
    expect(bank.fees).toBe(BigInt(bank.successes) * 4440n);
    expect(bank.volume).toBeGreaterThanOrEqual(BigInt(bank.successes) * 10_000n);
    const alpha = rows(engine, w)['Alpha EWALLET']!;
    // 1.5% + 11% VAT of each amount, rounded per transaction: within a rupiah a transaction of the exact share.
    const exact = (alpha.volume * 16_650n) / 1_000_000n;
    expect(alpha.fees - exact).toBeLessThanOrEqual(BigInt(alpha.successes));
    expect(exact - alpha.fees).toBeLessThanOrEqual(BigInt(alpha.successes));
  });

  it('skips a provider in MAINTENANCE', async () => {
    const w = await world();
    await w.store.setStatusAs(w.alpha.id, 'MAINTENANCE', 'MONITOR', 'monitoring');
    const engine = new TrafficEngine(w.store, { seed: 7 });
    engine.step(NOW, 2000);
    const r = rows(engine, w);
    expect(r['Alpha EWALLET']).toBeUndefined();
    expect(r['Beta EWALLET']!.transactions).toBeGreaterThan(0);
  });

  it('sends a share of a product to its custom sequences', async () => {
    const w = await world();
    await w.send('PUT', '/v1/sequences/EWALLET/OVO', { providerIds: [w.beta.id] });
    const engine = new TrafficEngine(w.store, { seed: 7 });
    engine.step(NOW, 4000);
    const r = rows(engine, w);
    const all = r['Alpha EWALLET']!.transactions + r['Beta EWALLET']!.transactions - failures(r['Alpha EWALLET']);
    // 30% go to the OVO sequence, which starts with Beta.
    expect(r['Beta EWALLET']!.transactions).toBeGreaterThan(failures(r['Alpha EWALLET']) + all / 5);
    expect(r['Beta EWALLET']!.transactions).toBeLessThan(failures(r['Alpha EWALLET']) + (all * 2) / 5);
  });

  it('fails every transaction at a provider whose stored credentials hold a rejected value, secret or not, so routing fails over', async () => {
    const w = await world();
    const engine = new TrafficEngine(w.store, { seed: 7, rejectCredentials: [SECRET_A, 'KBBCAID001'] });
    engine.step(NOW, 2000);
    await engine.commit();
    const r = rows(engine, w);
    expect(r['Alpha EWALLET']!.transactions).toBeGreaterThan(0);
    expect(r['Alpha EWALLET']!.successes).toBe(0);
    expect(r['Beta EWALLET']!.transactions).toBe(r['Alpha EWALLET']!.transactions);
    expect(r['Bank VIRTUAL_ACCOUNT']!.successes).toBe(0);
    expect(w.store.get(w.alpha.id)!.lastActivityAt).toBeNull();
    expect(w.store.get(w.bank.id)!.lastActivityAt).toBeNull();
    expect(w.store.get(w.beta.id)!.lastActivityAt).toBe(NOW.toISOString());
    // A credential changed away from the rejected value is accepted from then on.
    w.store.update(w.store.get(w.alpha.id)!, { credentials: { clientSecret: 'a-good-one' } }, new Set(['clientSecret']), NOW.toISOString());
    engine.step(new Date(NOW.getTime() + 1000), 2000);
    expect(rows(engine, w)['Alpha EWALLET']!.successes).toBeGreaterThan(0);
    expect(engine.rejectedCredentials).toBe(2);
  });

  it('is deterministic for a seed, whatever the providers\' random ids', async () => {
    const run = async (seed: number) => {
      const w = await world();
      const engine = new TrafficEngine(w.store, { seed });
      engine.step(NOW, 3000);
      return { stats: { ...engine.stats }, rows: rows(engine, w) };
    };
    const a = await run(11);
    const b = await run(11);
    expect(b).toEqual(a);
    const c = await run(12);
    expect(c.rows['Alpha EWALLET']!.volume).not.toBe(a.rows['Alpha EWALLET']!.volume);
  });

  it('writes activity in one store write per commit, without changing versions (no ETag moves)', async () => {
    const dir = await tempDir('traffic-');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'sandbox.json');
    const w = await world(file);
    const engine = new TrafficEngine(w.store, { seed: 5 });
    const before = w.store.writes;
    for (let i = 0; i < 10; i++) engine.step(new Date(NOW.getTime() + i * 100), 50);
    await engine.commit();
    expect(w.store.writes).toBe(before + 1);
    expect(w.store.get(w.beta.id)!.version).toBe(w.beta.version);
    const served = rows(engine, w);
    await w.store.close();

    // A restart keeps the activity and the metrics.
    const again = await openSandboxStore(file);
    expect(again.get(w.alpha.id)!.lastActivityAt).toBe(new Date(NOW.getTime() + 900).toISOString());
    const reread = new TrafficEngine(again, { seed: 5 });
    expect(rows(reread, w)).toEqual(served);
    await again.close();
  });

  it('synthesises days of history into the buckets, at the rate, without one step per transaction', async () => {
    const w = await world();
    const engine = new TrafficEngine(w.store, { seed: 9 });
    engine.synthesizeHistory(30, 50, NOW);
    const month = rows(engine, w, '30d');
    const total = month['Alpha EWALLET']!.transactions + month['Bank VIRTUAL_ACCOUNT']!.transactions;
    // Alpha and Bank see their services' share of 50/s for 30 days (20% and 35%), within the ±10% jitter.
    const expected = 50 * 30 * 86_400 * 0.55;
    expect(total).toBeGreaterThan(expected * 0.9);
    expect(total).toBeLessThan(expected * 1.1);
    expect(month['Bank VIRTUAL_ACCOUNT']!.fees).toBe(BigInt(month['Bank VIRTUAL_ACCOUNT']!.successes) * 4440n);
    expect(month['Beta EWALLET']!.transactions).toBe(failures(month['Alpha EWALLET']));
    const hour = rows(engine, w, '1h');
    expect(hour['Alpha EWALLET']!.transactions).toBeGreaterThan(50 * 3600 * 0.2 * 0.85);
    expect(hour['Alpha EWALLET']!.transactions).toBeLessThan(month['Alpha EWALLET']!.transactions);
    // Not again on top of what is there (a restart on the same state file).
    engine.synthesizeHistory(30, 50, NOW);
    expect(rows(engine, w, '30d')).toEqual(month);
  });
});

describe('the served sandbox\'s traffic timer', () => {
  afterEach(() => vi.useRealTimers());

  it('runs at the rate, slow rates included, and writes to the store at most once a second', async () => {
    const w = await world();
    vi.useFakeTimers({ now: NOW });
    const writes = vi.spyOn(w.store, 'recordActivity');
    const fast = startTraffic(w.store, { rate: 200, seed: 1 });
    const slow = startTraffic(w.store, { rate: 0.5, seed: 2 });
    await vi.advanceTimersByTimeAsync(4050);
    expect(fast.engine.stats.transactions).toBe(800);
    expect(slow.engine.stats.transactions).toBe(2);
    // One write a second for each runner, and none per transaction.
    expect(writes.mock.calls.length).toBeLessThanOrEqual(8);
    await fast.stop();
    await slow.stop();
    expect(w.store.get(w.beta.id)!.lastActivityAt ?? w.store.get(w.alpha.id)!.lastActivityAt).not.toBeNull();
  });
});

describe('the traffic flags', () => {
  it('counts rejected credentials without showing them, and needs a rate for history', () => {
    const o = trafficOptions({ trafficRate: 200, rejectCredential: [SECRET_A, SECRET_B, SECRET_A] }, 7)!;
    const line = describeTraffic(o);
    expect(line).toBe('200 transactions per second through the sequences, 2 rejected credentials, seed 7');
    expect(line).not.toContain(SECRET_A);
    expect(trafficOptions({}, 7)).toBeUndefined();
    expect(() => trafficOptions({ trafficHistory: 3 }, 7)).toThrow('--traffic-history synthesises past traffic at the --traffic-rate: give --traffic-rate N');
  });
});
