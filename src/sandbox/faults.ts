// Fault injection for the sandbox served over HTTP: the failures a real payment API shows under
// load (latency, 5xx, dropped connections, 429s, a request-rate limit, monitoring flipping
// providers to MAINTENANCE), each by flag, drawn from one seeded generator so a failing run can be
// replayed with the same --seed.
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { ProblemError } from './problem.js';
import type { SandboxStore } from './store/domain.js';

export interface FaultOptions {
  seed?: number;
  /** Added before every request is handled: a fixed delay, or a uniform [min, max] range. */
  latencyMs?: number | [number, number];
  /** Share of requests answered 500/502/503/504 without being handled. */
  errorRate?: number;
  /** Share of requests whose connection is destroyed without an answer; half of the dropped writes are dropped after they were committed. */
  dropRate?: number;
  /** Share of requests answered 429 with Retry-After. */
  rate429?: number;
  /** Retry-After of injected 429s and 503s, in seconds. */
  retryAfterSeconds?: number;
  /** Requests per second the API accepts (a token bucket holding one second of requests); more get 429. */
  rpsLimit?: number;
  /** Per monitoring tick, the chance that an ACTIVE provider is put in MAINTENANCE by MONITOR, and that one it put there recovers. */
  maintenanceFlipRate?: number;
  maintenanceFlipIntervalMs?: number;
}

export const DEFAULT_FLIP_INTERVAL_MS = 1000;

/** What was injected so far. */
export interface FaultStats {
  errors: number;
  dropped: number;
  /** Dropped after the write was committed. */
  droppedAfterCommit: number;
  tooManyRequests: number;
  /** 429s from the request-rate limit. */
  rateLimited: number;
  maintenanceFlips: number;
}

export const newFaultStats = (): FaultStats => ({ errors: 0, dropped: 0, droppedAfterCommit: 0, tooManyRequests: 0, rateLimited: 0, maintenanceFlips: 0 });

export function describeFaultStats(s: FaultStats): string {
  return `${s.errors} 5xx, ${s.dropped} dropped connections (${s.droppedAfterCommit} after the commit), ${s.tooManyRequests} random 429s, ${s.rateLimited} rate-limited 429s, ${s.maintenanceFlips} MAINTENANCE flips`;
}

/** mulberry32: a tiny, fast, seedable generator; quality is ample for drawing faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hasFaults(o: FaultOptions): boolean {
  const latency = Array.isArray(o.latencyMs) ? o.latencyMs[1] : (o.latencyMs ?? 0);
  return latency > 0 || !!o.errorRate || !!o.dropRate || !!o.rate429 || !!o.rpsLimit || !!o.maintenanceFlipRate;
}

/** One line per active fault, for the sandbox's start-up banner. */
export function describeFaults(o: FaultOptions): string[] {
  const pct = (r: number) => `${+(r * 100).toFixed(2)}%`;
  const out: string[] = [];
  if (o.latencyMs !== undefined) out.push(`latency ${Array.isArray(o.latencyMs) ? `${o.latencyMs[0]}-${o.latencyMs[1]}` : o.latencyMs} ms`);
  if (o.errorRate) out.push(`5xx on ${pct(o.errorRate)} of requests`);
  if (o.dropRate) out.push(`dropped connections on ${pct(o.dropRate)} of requests (half of dropped writes after the commit)`);
  if (o.rate429) out.push(`429 on ${pct(o.rate429)} of requests (Retry-After: ${o.retryAfterSeconds ?? 1})`);
  if (o.rpsLimit) out.push(`limit of ${o.rpsLimit} requests per second (429 beyond it)`);
  if (o.maintenanceFlipRate) out.push(`monitoring flips ${pct(o.maintenanceFlipRate)} of providers to or from MAINTENANCE every ${o.maintenanceFlipIntervalMs ?? DEFAULT_FLIP_INTERVAL_MS} ms`);
  if (out.length) out.push(`seed ${o.seed ?? 0}`);
  return out;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The node socket under a request served by @hono/node-server, if there is one. */
function socketOf(env: unknown): { destroy(): void } | undefined {
  return (env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket ?? undefined;
}

/**
 * Hono middleware for /v1/*, run before authentication. Draws are made in a fixed order per
 * request, so a seed reproduces the same sequence of faults for the same sequence of requests.
 */
export function faultMiddleware(o: FaultOptions, random: () => number, stats: FaultStats = newFaultStats(), now: () => number = () => performance.now()): MiddlewareHandler {
  const retryAfter = String(o.retryAfterSeconds ?? 1);
  const rps = o.rpsLimit ?? 0;
  // draft-ietf-httpapi-ratelimit-headers: lets a client pace itself instead of discovering the limit by 429s.
  const policy = rps ? `"sandbox";q=${rps};w=1` : undefined;
  let tokens = rps;
  let refilledAt = now();

  return async (c, next) => {
    if (policy) c.header('RateLimit-Policy', policy);
    if (rps) {
      const t = now();
      tokens = Math.min(rps, tokens + ((t - refilledAt) * rps) / 1000);
      refilledAt = t;
      if (tokens < 1) {
        stats.rateLimited += 1;
        const waitS = Math.max(1, Math.ceil((1 - tokens) / rps));
        throw new ProblemError(429, 'rate-limited', 'Too many requests', `at most ${rps} requests per second`, undefined, {
          'Retry-After': String(waitS),
          ...(policy ? { 'RateLimit-Policy': policy, RateLimit: `"sandbox";r=0;t=${waitS}` } : {}),
        });
      }
      tokens -= 1;
      // What is left of the window, and the seconds until it is whole again.
      c.header('RateLimit', `"sandbox";r=${Math.floor(tokens)};t=${Math.ceil((rps - tokens) / rps)}`);
    }
    const [r429, r5xx, rDrop, rWhen, rKind, rLatency] = [random(), random(), random(), random(), random(), random()];
    const latency = Array.isArray(o.latencyMs) ? o.latencyMs[0] + rLatency * (o.latencyMs[1] - o.latencyMs[0]) : (o.latencyMs ?? 0);
    if (latency > 0) await sleep(latency);
    if (r429 < (o.rate429 ?? 0)) {
      stats.tooManyRequests += 1;
      throw new ProblemError(429, 'rate-limited', 'Too many requests', 'injected by the sandbox (--rate-429)', undefined, { 'Retry-After': retryAfter });
    }
    if (r5xx < (o.errorRate ?? 0)) {
      stats.errors += 1;
      const status = [500, 502, 503, 504][Math.floor(rKind * 4)]!;
      throw new ProblemError(status, 'injected-fault', 'Injected fault', 'injected by the sandbox (--error-rate)', undefined, status === 503 ? { 'Retry-After': retryAfter } : {});
    }
    const socket = socketOf(c.env);
    if (socket && rDrop < (o.dropRate ?? 0)) {
      // The hard case for a client: a write that was committed but never acknowledged.
      stats.dropped += 1;
      if (c.req.method !== 'GET' && rWhen < 0.5) {
        await next();
        if (c.res.status < 300) stats.droppedAfterCommit += 1;
      }
      socket.destroy();
      return new Response(null, { status: 500 });
    }
    await next();
  };
}

/**
 * Paystrator's monitoring, simulated: every tick, each ACTIVE provider may be put in MAINTENANCE by
 * MONITOR, and each one MONITOR put there may recover to ACTIVE.
 */
export function startMonitor(store: SandboxStore, o: FaultOptions, random: () => number, stats: FaultStats = newFaultStats()): { stop(): Promise<void> } {
  const rate = o.maintenanceFlipRate ?? 0;
  if (!rate) return { stop: async () => {} };
  let running: Promise<void> | undefined;
  const tick = async () => {
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const got = store.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
      if (!got) return;
      for (const p of got.data) {
        if (random() >= rate) continue;
        if (p.status === 'ACTIVE') await store.setStatusAs(p.id, 'MAINTENANCE', 'MONITOR', 'monitoring: error rate above threshold');
        else if (p.status === 'MAINTENANCE' && p.statusChangedBy === 'MONITOR') await store.setStatusAs(p.id, 'ACTIVE', 'MONITOR', 'monitoring: recovered');
        else continue;
        stats.maintenanceFlips += 1;
      }
      if (!got.nextCursor) return;
      cursor = got.nextCursor;
    }
  };
  const timer = setInterval(() => {
    running ??= tick().finally(() => (running = undefined));
  }, o.maintenanceFlipIntervalMs ?? DEFAULT_FLIP_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
