// Transaction metrics as Paystrator's monitoring surfaces them (SPEC 7, GET /v1/metrics), fed by
// the traffic simulator (traffic.ts). Aggregates per provider x service in time buckets: per
// minute for the last hour (the 5m and 1h windows), per hour for the last 30 days (the 30d
// window). Memory and the state file hold at most 61 minute and 721 hour buckets per pair, however
// long the sandbox runs. Counts and money are exact integers (money as BigInt rupiah); latency goes
// into a bounded histogram whose bins are at most 10% wide, so p95 is reported as the upper edge of
// its bin: never below the true p95, and at most 10% (or 1 ms) above it.
import type { Context, Hono } from 'hono';
import type { Catalog } from '../catalog/catalog.js';
import { ExitError } from '../diagnostics.js';
import type { MetricsReport, MetricsRow, MetricsWindow } from '../generated/api.js';
import { ProblemError } from './problem.js';
import type { SandboxStore } from './store/domain.js';

export const METRICS_WINDOWS: readonly MetricsWindow[] = ['5m', '1h', '30d'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const MINUTES_KEPT = 61;
const HOURS_KEPT = 30 * 24 + 1;
/** The state file's section holding the aggregates (state.ts keeps sections it does not read). */
export const METRICS_SECTION = 'metrics';

/** Upper edges of the latency bins, whole milliseconds: each at most 10% (or 1 ms) above the one before. */
export const LATENCY_EDGES: readonly number[] = (() => {
  const edges = [1];
  while (edges[edges.length - 1]! < 120_000) {
    const last = edges[edges.length - 1]!;
    edges.push(Math.max(last + 1, Math.floor(last * 1.1)));
  }
  return edges;
})();

export function latencyBin(ms: number): number {
  let lo = 0;
  let hi = LATENCY_EDGES.length - 1;
  if (ms >= LATENCY_EDGES[hi]!) return hi;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENCY_EDGES[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** What happened at one provider for one service in one bucket. */
export interface Aggregate {
  /** Transactions offered to the provider (a failover counts at each provider it reached). */
  transactions: number;
  /** Those it served. */
  successes: number;
  /** Sum of the amounts it served, whole rupiah. */
  volume: bigint;
  /** Sum of what it charged for them (fee + VAT, each rounded as `fees quote` does), whole rupiah. */
  fees: bigint;
  /** Latency bin -> attempts (served or failed). */
  latency: Map<number, number>;
}

export const emptyAggregate = (): Aggregate => ({
  transactions: 0,
  successes: 0,
  volume: 0n,
  fees: 0n,
  latency: new Map(),
});

export function addInto(target: Aggregate, a: Aggregate): void {
  target.transactions += a.transactions;
  target.successes += a.successes;
  target.volume += a.volume;
  target.fees += a.fees;
  for (const [bin, n] of a.latency) target.latency.set(bin, (target.latency.get(bin) ?? 0) + n);
}

/** One attempt of a transaction at a provider. */
export interface Attempt {
  ok: boolean;
  latencyMs: number;
  /** The amount and the fee charged: counted only when ok. */
  amount: bigint;
  fee: bigint;
}

/** Latency at the 95th percentile: the upper edge of the bin that holds it. */
export function p95(latency: ReadonlyMap<number, number>): number {
  const total = [...latency.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  // The smallest latency at or below which at least 95% of the attempts fall.
  const rank = Math.ceil((total * 95) / 100);
  let seen = 0;
  for (const bin of [...latency.keys()].sort((a, b) => a - b)) {
    seen += latency.get(bin)!;
    if (seen >= rank) return LATENCY_EDGES[bin]!;
  }
  return LATENCY_EDGES[LATENCY_EDGES.length - 1]!;
}

/** successes / transactions as a decimal with exactly 4 places, rounded half up. */
export function successRate(successes: number, transactions: number): string {
  const scaled = (BigInt(successes) * 20_000n + BigInt(transactions)) / (2n * BigInt(transactions));
  return `${scaled / 10_000n}.${(scaled % 10_000n).toString().padStart(4, '0')}`;
}

/**
 * A bucket in the state file, compact because a month of them is written every second:
 * [index, transactions, successes, volume, fees, bin, count, bin, count, ...].
 */
type Serialized = (number | string)[];
type SerializedPair = { provider: string; service: string; minutes: Serialized[]; hours: Serialized[] };

interface Pair {
  provider: string;
  service: string;
  minutes: Map<number, Aggregate>;
  hours: Map<number, Aggregate>;
}

export interface MetricsQuery {
  window: MetricsWindow;
  provider?: string;
  service?: string;
}

export interface MetricsResult {
  from: Date;
  to: Date;
  rows: { provider: string; service: string; total: Aggregate }[];
}

export class Metrics {
  private readonly pairs = new Map<string, Pair>();
  private prunedAt = -1;

  get empty(): boolean {
    return this.pairs.size === 0;
  }

  private pair(provider: string, service: string): Pair {
    const key = `${provider}\u0000${service}`;
    let p = this.pairs.get(key);
    if (!p) this.pairs.set(key, (p = { provider, service, minutes: new Map(), hours: new Map() }));
    return p;
  }

  private static bucket(map: Map<number, Aggregate>, index: number): Aggregate {
    let a = map.get(index);
    if (!a) map.set(index, (a = emptyAggregate()));
    return a;
  }

  record(provider: string, service: string, atMs: number, attempt: Attempt): void {
    const p = this.pair(provider, service);
    const minute = Math.floor(atMs / MINUTE);
    for (const a of [Metrics.bucket(p.minutes, minute), Metrics.bucket(p.hours, Math.floor(atMs / HOUR))]) {
      a.transactions += 1;
      const bin = latencyBin(attempt.latencyMs);
      a.latency.set(bin, (a.latency.get(bin) ?? 0) + 1);
      if (attempt.ok) {
        a.successes += 1;
        a.volume += attempt.amount;
        a.fees += attempt.fee;
      }
    }
    if (minute !== this.prunedAt) this.prune(atMs);
  }

  /** Adds a whole aggregate at once (synthesised history): into the hour bucket, and the minute bucket too when `minute`. */
  add(provider: string, service: string, atMs: number, agg: Aggregate, opts: { minute: boolean }): void {
    if (agg.transactions === 0) return;
    const p = this.pair(provider, service);
    addInto(Metrics.bucket(p.hours, Math.floor(atMs / HOUR)), agg);
    if (opts.minute) addInto(Metrics.bucket(p.minutes, Math.floor(atMs / MINUTE)), agg);
  }

  /** Drops buckets no window reaches any more. */
  prune(nowMs: number): void {
    const minute = Math.floor(nowMs / MINUTE);
    const hour = Math.floor(nowMs / HOUR);
    this.prunedAt = minute;
    for (const [key, p] of this.pairs) {
      for (const m of p.minutes.keys()) if (m <= minute - MINUTES_KEPT) p.minutes.delete(m);
      for (const h of p.hours.keys()) if (h <= hour - HOURS_KEPT) p.hours.delete(h);
      if (p.minutes.size === 0 && p.hours.size === 0) this.pairs.delete(key);
    }
  }

  /**
   * The window ends now and starts at a bucket boundary: 5m is the current minute and the 4 before
   * it, 1h the current minute and the 59 before, 30d the current hour and the 719 before.
   */
  query(q: MetricsQuery, now: Date): MetricsResult {
    const nowMs = now.getTime();
    const [size, count, pick] = q.window === '30d' ? [HOUR, 720, (p: Pair) => p.hours] : [MINUTE, q.window === '1h' ? 60 : 5, (p: Pair) => p.minutes];
    const last = Math.floor(nowMs / size);
    const first = last - count + 1;
    const rows: MetricsResult['rows'] = [];
    for (const p of this.pairs.values()) {
      if ((q.provider !== undefined && p.provider !== q.provider) || (q.service !== undefined && p.service !== q.service)) continue;
      const total = emptyAggregate();
      for (const [i, a] of pick(p)) if (i >= first && i <= last) addInto(total, a);
      if (total.transactions > 0) rows.push({ provider: p.provider, service: p.service, total });
    }
    return { from: new Date(first * size), to: now, rows };
  }

  toJSON(): SerializedPair[] {
    const enc = (m: Map<number, Aggregate>): Serialized[] =>
      [...m].map(([i, a]) => [i, a.transactions, a.successes, a.volume.toString(), a.fees.toString(), ...[...a.latency].flat()]);
    return [...this.pairs.values()].map((p) => ({ provider: p.provider, service: p.service, minutes: enc(p.minutes), hours: enc(p.hours) }));
  }

  /** Reads what toJSON wrote; throws a plain Error naming what is malformed. */
  static fromJSON(raw: unknown): Metrics {
    if (!Array.isArray(raw)) throw new Error('metrics is not a list');
    const m = new Metrics();
    const count = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
    const money = (v: unknown): v is string => typeof v === 'string' && /^[0-9]{1,30}$/.test(v);
    const dec = (into: Map<number, Aggregate>, buckets: unknown, where: string): void => {
      if (!Array.isArray(buckets)) throw new Error(`${where} is not a list`);
      buckets.forEach((b: unknown, k) => {
        const bad = () => new Error(`${where}[${k}] is malformed`);
        if (!Array.isArray(b) || b.length < 5 || b.length % 2 === 0) throw bad();
        const [i, t, s, v, f, ...h] = b as unknown[];
        if (!count(i) || !count(t) || !count(s) || s > t || !money(v) || !money(f)) throw bad();
        const latency = new Map<number, number>();
        for (let j = 0; j < h.length; j += 2) {
          const [bin, n] = [h[j], h[j + 1]];
          if (!count(bin) || bin >= LATENCY_EDGES.length || !count(n)) throw new Error(`${where}[${k}] has a malformed latency histogram`);
          latency.set(bin, n);
        }
        into.set(i, { transactions: t, successes: s, volume: BigInt(v), fees: BigInt(f), latency });
      });
    };
    raw.forEach((p: Partial<SerializedPair> | null, i) => {
      if (typeof p?.provider !== 'string' || typeof p.service !== 'string') throw new Error(`metrics[${i}] names no provider and service`);
      const pair = m.pair(p.provider, p.service);
      dec(pair.minutes, p.minutes, `metrics[${i}].minutes`);
      dec(pair.hours, p.hours, `metrics[${i}].hours`);
    });
    return m;
  }
}

/** The store's metrics, read from its state file's section on first use and written back with it. */
export function metricsOf(store: SandboxStore): Metrics {
  const held = store.sections.get(METRICS_SECTION);
  if (held instanceof Metrics) return held;
  let m: Metrics;
  try {
    m = held === undefined ? new Metrics() : Metrics.fromJSON(held);
  } catch (e) {
    throw new ExitError(
      `the sandbox state file ${store.file ?? '(memory)'} is corrupt: ${(e as Error).message}`,
      `Move it aside to start afresh (mv ${store.file} ${store.file}.bad), or remove its "sections.${METRICS_SECTION}" to keep everything but the metrics.`,
    );
  }
  store.sections.set(METRICS_SECTION, m);
  return m;
}

/** Registers GET /v1/metrics. */
export function installMetrics(app: Hono, opts: { store: SandboxStore; catalog: Catalog; now: () => Date }): void {
  const { store, now, catalog } = opts;
  const services = [...new Set(catalog.ids().flatMap((id) => catalog.get(id)!.services))].sort();
  const bad = (detail: string): ProblemError => new ProblemError(400, 'invalid-query', 'Invalid query', detail);
  app.get('/v1/metrics', (c: Context) => {
    const { window, provider, service } = c.req.query();
    if (!METRICS_WINDOWS.includes(window as MetricsWindow)) throw bad(`window must be one of ${METRICS_WINDOWS.join(', ')}`);
    if (provider !== undefined && !store.get(provider)) throw bad(`provider ${JSON.stringify(provider.slice(0, 100))} is not a provider of this company`);
    if (service !== undefined && !services.includes(service)) throw bad(`service must be one of ${services.join(', ')}`);
    const at = now();
    const result = metricsOf(store).query(
      {
        window: window as MetricsWindow,
        ...(provider !== undefined ? { provider } : {}),
        ...(service !== undefined ? { service } : {}),
      },
      at,
    );
    const data: MetricsRow[] = result.rows.map(({ provider: id, service: s, total }) => ({
      providerId: id,
      // A provider is never deleted; the fallback covers a state file edited by hand.
      providerName: store.get(id)?.name ?? id,
      service: s,
      transactions: total.transactions,
      successes: total.successes,
      successRate: successRate(total.successes, total.transactions),
      p95LatencyMs: p95(total.latency),
      volume: total.volume.toString(),
      feesCharged: total.fees.toString(),
    }));
    data.sort((a, b) =>
      a.providerName !== b.providerName ? (a.providerName < b.providerName ? -1 : 1) : a.service < b.service ? -1 : a.service > b.service ? 1 : 0,
    );
    return c.json({
      window: window as MetricsWindow,
      from: result.from.toISOString(),
      to: result.to.toISOString(),
      data,
    } satisfies MetricsReport);
  });
  app.all('/v1/metrics', (c) => {
    throw new ProblemError(405, 'method-not-allowed', 'Method not allowed', `${c.req.method} is not allowed here; allowed: GET`, undefined, { Allow: 'GET' });
  });
}
