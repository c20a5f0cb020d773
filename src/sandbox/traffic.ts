// Simulated payment traffic (SPEC 7): transactions per service, routed through that service's
// sequence the way Paystrator routes them: ACTIVE providers in order, MAINTENANCE skipped, failover
// to the next on a failure, and the transaction fails when every provider failed it. Each
// provider's integration fails a small seeded share of what it is offered, and fails everything
// when its stored credentials hold a value the sandbox was told is wrong (--reject-credential), as
// a real provider refuses bad credentials. What it serves sets its lastActivityAt and feeds the
// metrics (metrics.ts), with the fee it charged computed by the project's exact fee code.
//
// The engine is deterministic for a seed and a store: step(now, n) draws from one seeded
// generator. Only the served sandbox runs a timer (startTraffic); the embedded one never does.
import { ExitError } from '../diagnostics.js';
import { quote } from '../fees/quote.js';
import { digestMatches } from './store/digest.js';
import type { SandboxStore } from './store/domain.js';
import type { StoredProvider, StoredSequence } from './store/types.js';
import { seededRandom } from './faults.js';
import { emptyAggregate, latencyBin, metricsOf, type Aggregate, type Metrics } from './metrics.js';

/** The services traffic is drawn for, with their share of transactions (percent). */
export const SERVICE_MIX: readonly (readonly [string, number])[] = [
  ['VIRTUAL_ACCOUNT', 35],
  ['QR_CODE', 25],
  ['EWALLET', 20],
  ['CREDIT_CARD', 10],
  ['SEND_MONEY', 10],
];

/** Amounts per service, whole rupiah: log-uniform from min to max, rounded to `step`. */
const AMOUNTS: Record<string, { min: number; max: number; step: number }> = {
  VIRTUAL_ACCOUNT: { min: 10_000, max: 5_000_000, step: 1000 },
  QR_CODE: { min: 1_000, max: 500_000, step: 100 },
  EWALLET: { min: 5_000, max: 1_000_000, step: 500 },
  CREDIT_CARD: { min: 50_000, max: 10_000_000, step: 1000 },
  SEND_MONEY: { min: 10_000, max: 25_000_000, step: 1000 },
};

/** Share of a product's transactions sent to its custom (per-destination) sequences, when it has some. */
export const DEFAULT_CUSTOM_SHARE = 0.3;

export interface TrafficOptions {
  seed: number;
  /** Credential values the simulated integrations refuse; secrets: never printed or kept. */
  rejectCredentials?: readonly string[];
  customShare?: number;
}

export interface TrafficStats {
  transactions: number;
  served: number;
  /** Every provider of the sequence failed it, or the sequence had no ACTIVE provider. */
  failed: number;
  /** Served, but not by the first provider it was offered to. */
  failovers: number;
}

interface Traits {
  /** Share of the transactions it is offered that its integration fails. */
  failureRate: number;
  /** Typical latency of an attempt, ms. */
  latencyMs: number;
}

/** FNV-1a: a stable number from a provider's name, so its traits do not depend on its random id. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class TrafficEngine {
  readonly stats: TrafficStats = {
    transactions: 0,
    served: 0,
    failed: 0,
    failovers: 0,
  };
  readonly metrics: Metrics;
  private readonly random: () => number;
  private readonly traits = new Map<string, Traits>();
  private readonly rejectedAt = new Map<string, { version: number; rejected: boolean }>();
  private readonly reject: readonly string[];
  private readonly customShare: number;
  /** Provider id -> when it last served, not yet written to the store. */
  private activity = new Map<string, string>();

  constructor(
    private readonly store: SandboxStore,
    private readonly opts: TrafficOptions,
  ) {
    this.random = seededRandom(opts.seed ^ 0x7aff1c);
    this.reject = [...new Set(opts.rejectCredentials ?? [])].filter((v) => v !== '');
    this.customShare = opts.customShare ?? DEFAULT_CUSTOM_SHARE;
    this.metrics = metricsOf(store);
  }

  /** How many credential values are refused (the values themselves are never shown). */
  get rejectedCredentials(): number {
    return this.reject.length;
  }

  private traitsOf(p: StoredProvider): Traits {
    let t = this.traits.get(p.name);
    if (!t) {
      const r = seededRandom(this.opts.seed ^ hash(p.name));
      t = {
        failureRate: 0.002 + r() * 0.018,
        latencyMs: Math.round(60 + r() * 340),
      };
      this.traits.set(p.name, t);
    }
    return t;
  }

  /** Whether any stored credential equals a refused value; re-checked only when the provider changed. */
  rejects(p: StoredProvider): boolean {
    if (this.reject.length === 0) return false;
    const known = this.rejectedAt.get(p.id);
    if (known?.version === p.version) return known.rejected;
    const rejected = Object.values(p.credentials).some((c) => (c.secret ? this.reject.some((v) => digestMatches(c, v)) : this.reject.includes(c.value)));
    this.rejectedAt.set(p.id, { version: p.version, rejected });
    return rejected;
  }

  private pickService(): string {
    let r = this.random() * 100;
    for (const [service, weight] of SERVICE_MIX) {
      if (r < weight) return service;
      r -= weight;
    }
    return SERVICE_MIX[SERVICE_MIX.length - 1]![0];
  }

  private amount(service: string): bigint {
    const a = AMOUNTS[service]!;
    const x = Math.exp(Math.log(a.min) + this.random() * (Math.log(a.max) - Math.log(a.min)));
    return BigInt(Math.max(a.step, Math.round(x / a.step) * a.step));
  }

  private latency(t: Traits, rejected: boolean): number {
    const spread = 0.6 + this.random() * 0.8;
    // A slow tail, as real integrations have: 5% of attempts take three times as long.
    const tail = this.random() < 0.05 ? 3 : 1;
    return Math.max(1, Math.round(t.latencyMs * spread * tail * (rejected ? 0.3 : 1)));
  }

  /** The ACTIVE providers of a sequence, in routing order. */
  private route(q: StoredSequence | undefined): StoredProvider[] {
    const out: StoredProvider[] = [];
    for (const id of q?.providerIds ?? []) {
      const p = this.store.get(id);
      if (p?.status === 'ACTIVE') out.push(p);
    }
    return out;
  }

  /** Simulates n transactions at `now`. */
  step(now: Date, n: number): void {
    const at = now.toISOString();
    const atMs = now.getTime();
    const routes = new Map<string, { primary: StoredProvider[]; custom: StoredProvider[][] }>();
    for (const q of this.store.sequences()) {
      const r = routes.get(q.product) ?? { primary: [], custom: [] };
      if (q.destination === null) r.primary = this.route(q);
      else r.custom.push(this.route(q));
      routes.set(q.product, r);
    }
    for (let i = 0; i < n; i++) {
      const service = this.pickService();
      const amount = this.amount(service);
      const r = routes.get(service);
      const toCustom = this.random() < this.customShare;
      const pick = this.random();
      const providers = r === undefined ? [] : toCustom && r.custom.length > 0 ? r.custom[Math.floor(pick * r.custom.length)]! : r.primary;
      this.stats.transactions += 1;
      const servedBy = this.attempt(providers, service, amount, at, atMs);
      if (servedBy < 0) this.stats.failed += 1;
      else {
        this.stats.served += 1;
        if (servedBy > 0) this.stats.failovers += 1;
      }
    }
  }

  /** Offers one transaction to each provider in turn; the index of the one that served it, or -1. */
  private attempt(providers: readonly StoredProvider[], service: string, amount: bigint, at: string, atMs: number): number {
    for (const [i, p] of providers.entries()) {
      const traits = this.traitsOf(p);
      const rejected = this.rejects(p);
      const fails = this.random() < traits.failureRate;
      const latencyMs = this.latency(traits, rejected);
      if (rejected || fails) {
        this.metrics.record(p.id, service, atMs, {
          ok: false,
          latencyMs,
          amount: 0n,
          fee: 0n,
        });
        continue;
      }
      this.metrics.record(p.id, service, atMs, {
        ok: true,
        latencyMs,
        amount,
        fee: quote(amount, p.fee, p.tax).total,
      });
      this.activity.set(p.id, at);
      return i;
    }
    return -1;
  }

  /** Writes the activity and metrics since the last commit to the store, in one durable write. */
  async commit(): Promise<void> {
    const activity = this.activity;
    this.activity = new Map();
    await this.store.recordActivity(activity);
  }

  /**
   * `days` of past traffic at `rate` transactions per second, ending at `now`, aggregated straight
   * into metric buckets: per minute for the last hour, per hour before it. Routing is the default
   * sequences' as they are now. Each bucket costs a fixed number of draws (a sample of amounts and
   * latencies scaled to its counts), not one per transaction, so 30 days take milliseconds.
   * Does nothing when the metrics already hold data (a restart on the same state file).
   */
  synthesizeHistory(days: number, rate: number, now: Date): void {
    if (days <= 0 || rate <= 0 || !this.metrics.empty) return;
    const end = now.getTime();
    const minuteStart = Math.floor(end / 60_000) * 60_000 - 60 * 60_000;
    const start = end - days * 86_400_000;
    const routes = new Map(SERVICE_MIX.map(([s]) => [s, this.route(this.store.sequence(s, null))]));
    const span = (from: number, to: number, minute: boolean): void => {
      if (to <= from) return;
      // ±10% from bucket to bucket, so a history does not look like a flat line.
      const total = Math.round(((rate * (to - from)) / 1000) * (0.9 + this.random() * 0.2));
      for (const [service, weight] of SERVICE_MIX) {
        let offered = Math.round((total * weight) / 100);
        for (const p of routes.get(service)!) {
          if (offered === 0) break;
          const rejected = this.rejects(p);
          const traits = this.traitsOf(p);
          const failures = rejected ? offered : Math.min(offered, Math.round(offered * traits.failureRate * (0.5 + this.random())));
          const agg = this.sample(service, p, traits, rejected, offered, offered - failures);
          this.metrics.add(p.id, service, from, agg, { minute });
          offered = failures;
        }
      }
    };
    const HOUR = 3_600_000;
    for (let t = start; t < Math.min(minuteStart, end);) {
      const next = Math.min((Math.floor(t / HOUR) + 1) * HOUR, minuteStart);
      span(t, next, false);
      t = next;
    }
    for (let t = Math.max(start, minuteStart); t < end; t = Math.floor(t / 60_000) * 60_000 + 60_000)
      span(t, Math.min(Math.floor(t / 60_000) * 60_000 + 60_000, end), true);
    this.metrics.prune(end);
  }

  /** An aggregate of `offered` attempts with `successes` served, from a bounded sample. */
  private sample(service: string, p: StoredProvider, traits: Traits, rejected: boolean, offered: number, successes: number): Aggregate {
    const agg = emptyAggregate();
    agg.transactions = offered;
    agg.successes = successes;
    const k = Math.min(successes, 32);
    if (k > 0) {
      let volume = 0n;
      let fees = 0n;
      for (let i = 0; i < k; i++) {
        const amount = this.amount(service);
        volume += amount;
        fees += quote(amount, p.fee, p.tax).total;
      }
      // Scaled to the successes; whole rupiah, rounded down.
      agg.volume = (volume * BigInt(successes)) / BigInt(k);
      agg.fees = (fees * BigInt(successes)) / BigInt(k);
    }
    const l = Math.min(offered, 8);
    for (let i = 0; i < l; i++) {
      const n = Math.floor(offered / l) + (i < offered % l ? 1 : 0);
      const bin = latencyBin(this.latency(traits, rejected));
      agg.latency.set(bin, (agg.latency.get(bin) ?? 0) + n);
    }
    return agg;
  }
}

export interface TrafficRunner {
  engine: TrafficEngine;
  /** Stops the timer and writes what is pending; rethrows a failed write. */
  stop(): Promise<void>;
}

/** Served sandbox only: `rate` transactions per second on a timer, written at most once a second. */
export function startTraffic(store: SandboxStore, o: ServedTrafficOptions, clock: () => number = () => Date.now()): TrafficRunner {
  const engine = new TrafficEngine(store, o);
  engine.synthesizeHistory(o.historyDays ?? 0, o.rate, new Date(clock()));
  let last = clock();
  let committedAt = last;
  let due = 0;
  let writing: Promise<void> | undefined;
  let failure: Error | undefined;
  const commit = (): void => {
    writing ??= engine
      .commit()
      .catch((e: unknown) => {
        failure ??= e instanceof Error ? e : new Error('the traffic simulator could not write the sandbox state');
      })
      .finally(() => (writing = undefined));
  };
  const timer =
    o.rate > 0
      ? setInterval(() => {
          const t = clock();
          // After a stall (a paused process) at most a second of traffic is caught up, not a flood.
          due = Math.min(due + ((t - last) * o.rate) / 1000, Math.max(o.rate, 1));
          last = t;
          const n = Math.floor(due);
          due -= n;
          if (n > 0) engine.step(new Date(t), n);
          if (t - committedAt >= 1000 && failure === undefined) {
            committedAt = t;
            commit();
          }
        }, 100)
      : undefined;
  timer?.unref();
  // History is written at once, so a restart right away keeps it.
  if ((o.historyDays ?? 0) > 0) commit();
  return {
    engine,
    async stop() {
      if (timer) clearInterval(timer);
      await writing;
      if (failure === undefined) {
        commit();
        await writing;
      }
      if (failure !== undefined) throw failure;
    },
  };
}

export type ServedTrafficOptions = TrafficOptions & {
  rate: number;
  historyDays?: number;
};

/** The sandbox command's traffic flags as options; undefined when none is set. */
export function trafficOptions(
  f: {
    trafficRate?: number | undefined;
    trafficHistory?: number | undefined;
    rejectCredential?: readonly string[] | undefined;
  },
  seed: number,
): ServedTrafficOptions | undefined {
  const reject = f.rejectCredential ?? [];
  if (f.trafficRate === undefined && f.trafficHistory === undefined && reject.length === 0) return undefined;
  if ((f.trafficHistory ?? 0) > 0 && !f.trafficRate) {
    throw new ExitError('--traffic-history synthesises past traffic at the --traffic-rate: give --traffic-rate N (transactions per second) too');
  }
  return {
    rate: f.trafficRate ?? 0,
    seed,
    rejectCredentials: reject,
    ...(f.trafficHistory !== undefined ? { historyDays: f.trafficHistory } : {}),
  };
}

/** The start banner's line: counts only, never a rejected value. */
export function describeTraffic(o: ServedTrafficOptions): string {
  const n = new Set(o.rejectCredentials ?? []).size;
  return [
    o.rate > 0 ? `${o.rate} transactions per second through the sequences` : 'no transactions (--traffic-rate 0)',
    ...(o.historyDays ? [`${o.historyDays} day${o.historyDays === 1 ? '' : 's'} of history`] : []),
    ...(n ? [`${n} rejected credential${n === 1 ? '' : 's'}`] : []),
    `seed ${o.seed}`,
  ].join(', ');
}

export function describeTrafficStats(s: TrafficStats): string {
  return `${s.transactions} transactions, ${s.served} served (${s.failovers} after a failover), ${s.failed} failed`;
}
