// Retries around any transport: network errors, 5xx, 408 and 429 are retried with exponential
// backoff and full jitter, Retry-After is honoured, and one budget per run bounds the total, so a
// failing API stops an apply instead of hammering it. Writes are retried only when the API makes a
// repeat harmless: a create carries an Idempotency-Key (a repeat replays the first answer), an
// update or status change carries If-Match (a repeat after a landed write fails 412, never applies
// twice). Such a 412 is flagged `mayHaveLanded` so the caller can tell it from a real conflict.
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

// A monotonic clock in ms, as performance.now() is; the `performance` global loads perf_hooks
// (~2 ms of a cold run) on first use, and the pacer needs only differences.
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface RetryOptions {
  /** Attempts per request, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the request fails with the 429/503. */
  maxRetryAfterMs?: number;
  budget?: RetryBudget;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5_000, maxRetryAfterMs: 60_000 } as const;

/** The answer, and whether an earlier attempt of this write may have been carried out. */
export interface RetriedResponse extends HttpResponse {
  mayHaveLanded?: boolean;
}

/**
 * The retry quota of the AWS SDKs' standard mode: 500 tokens; a retry costs 5 (10 after a
 * network error), a success refunds what its retry cost (1 when it needed none). Sporadic faults
 * never drain it; a failing API does within ~50-100 retries, and then retries stop for the run.
 */
export class RetryBudget {
  retries = 0;
  #tokens: number;
  constructor(readonly capacity = 500) {
    this.#tokens = capacity;
  }
  get exhausted(): boolean {
    return this.#tokens < 5;
  }
  take(cost: number): boolean {
    if (this.#tokens < cost) {
      this.#tokens = 0;
      return false;
    }
    this.#tokens -= cost;
    this.retries += 1;
    return true;
  }
  refund(amount: number): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + amount);
  }
}

/** A transport error annotated with how many attempts were made. */
export interface RetriedError extends Error {
  attempts?: number;
  budgetExhausted?: boolean;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
// Failures before a connection existed: nothing reached the API.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const CONNECT_ATTEMPTS = 3;

/** Retry-After as milliseconds: delay-seconds or an HTTP-date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RatePolicy {
  /** Requests per second. */
  rate: number;
  /** Requests the window allows at once (q). */
  quota: number;
}

/**
 * The strictest policy of a RateLimit-Policy header (draft-ietf-httpapi-ratelimit-headers, both
 * `"name";q=100;w=10` and the older `100;w=10`).
 */
export function parseRateLimitPolicy(value: string | undefined): RatePolicy | undefined {
  if (!value) return undefined;
  let best: RatePolicy | undefined;
  for (const item of value.split(',')) {
    const q = /(?:^|;)\s*q=(\d+(?:\.\d+)?)/.exec(item)?.[1] ?? /^\s*(\d+(?:\.\d+)?)\s*(?:;|$)/.exec(item)?.[1];
    const w = /;\s*w=(\d+(?:\.\d+)?)/.exec(item)?.[1] ?? '1';
    const rate = Number(q) / Number(w);
    if (q !== undefined && rate > 0 && Number.isFinite(rate) && rate < (best?.rate ?? Infinity)) best = { rate, quota: Number(q) };
  }
  return best;
}

/** Requests left in the current window: the smallest `r` of a RateLimit header, or RateLimit-Remaining. */
export function parseRateLimitRemaining(headers: Record<string, string | undefined>): number | undefined {
  const field = headers['ratelimit'];
  if (field) {
    const rs = field.split(',').map((item) => /(?:^|;)\s*r=(\d+)/.exec(item)?.[1]).filter((r): r is string => r !== undefined);
    if (rs.length) return Math.min(...rs.map(Number));
  }
  const old = headers['ratelimit-remaining'];
  return old !== undefined && /^\s*\d+\s*$/.test(old) ? Number(old) : undefined;
}

/**
 * A token bucket that mirrors the API's announced limit, so a bulk apply runs at the limit
 * instead of discovering it by 429s: it spends what the API says is left in the window at once,
 * then takes slots at the announced rate. Slots are handed out in order and never bunch up, and
 * the API's own count only ever lowers the estimate, so the limit is not exceeded.
 */
class Pacer {
  #perMs = 0;
  #capacity = 0;
  #tokens = 0;
  #told = false;
  #at = 0;

  setPolicy(policy: RatePolicy | undefined, now: number): void {
    this.#perMs = policy ? policy.rate / 1000 : 0;
    this.#capacity = policy ? Math.max(1, policy.quota) : 0;
    // Until the API says how much is left, assume nothing but the next slot.
    this.#tokens = 1;
    this.#told = false;
    this.#at = now;
  }

  /** What the API said was left, less the requests it had not counted yet. */
  remaining(left: number, now: number): void {
    if (!this.#perMs) return;
    this.#refill(now);
    // Only the first count raises the estimate: later answers may be older than requests sent since.
    this.#tokens = this.#told ? Math.min(this.#tokens, left) : Math.min(this.#capacity, left);
    this.#told = true;
  }

  delay(now: number): number {
    if (!this.#perMs) return 0;
    this.#refill(now);
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : -this.#tokens / this.#perMs;
  }

  #refill(now: number): void {
    // Bursts only on the API's word: with a policy alone, requests are spaced evenly, which no
    // window algorithm (fixed, sliding or bucket) refuses.
    const cap = this.#told ? this.#capacity : 1;
    this.#tokens = Math.min(cap, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RetryingTransport implements Transport {
  readonly budget: RetryBudget;
  readonly #o: Required<Omit<RetryOptions, 'budget'>>;
  readonly #pacer = new Pacer();
  #policy: string | undefined;
  #inFlight = 0;

  constructor(
    readonly inner: Transport,
    opts: RetryOptions = {},
  ) {
    this.budget = opts.budget ?? new RetryBudget();
    this.#o = { ...DEFAULT_RETRY, random: Math.random, sleep: realSleep, ...opts };
  }

  get description(): string {
    return this.inner.description;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async send(req: HttpRequest): Promise<RetriedResponse> {
    const write = req.method !== 'GET';
    const repeatable = !write || req.method === 'PUT' || 'idempotency-key' in req.headers || 'if-match' in req.headers;
    let mayHaveLanded = false;
    let lastCost = 1;
    for (let attempt = 1; ; attempt++) {
      const wait = this.#pacer.delay(monotonicMs());
      if (wait > 0) await this.#o.sleep(wait);
      let res: HttpResponse | undefined;
      let err: RetriedError | undefined;
      this.#inFlight++;
      try {
        res = await this.inner.send(req);
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      } finally {
        this.#inFlight--;
      }
      // Requests still in flight were sent before this answer but may not be counted in it yet.
      if (res) this.#observe(res, this.#inFlight);
      if (res && !RETRYABLE_STATUS.has(res.status)) {
        this.budget.refund(lastCost);
        return mayHaveLanded ? { ...res, mayHaveLanded } : res;
      }
      const code = (err as { code?: string } | undefined)?.code;
      const sent = !err || !NOT_SENT.has(code ?? '');
      // A 429 was refused before any work; a 5xx or a broken connection may come after the commit.
      const landedNow = write && sent && !(res && res.status === 429);
      const retryAfter = res ? parseRetryAfter(res.headers['retry-after']) : undefined;
      const maxAttempts = sent ? this.#o.maxAttempts : Math.min(CONNECT_ATTEMPTS, this.#o.maxAttempts);
      lastCost = err ? 10 : 5;
      const giveUp =
        (!repeatable && sent) ||
        attempt >= maxAttempts ||
        (retryAfter !== undefined && retryAfter > this.#o.maxRetryAfterMs) ||
        !this.budget.take(lastCost);
      if (giveUp) {
        if (err) {
          err.attempts = attempt;
          if (this.budget.exhausted) err.budgetExhausted = true;
          throw err;
        }
        return { ...res!, mayHaveLanded: mayHaveLanded || landedNow };
      }
      mayHaveLanded ||= landedNow;
      // Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"), never sooner than Retry-After.
      const backoff = this.#o.random() * Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (attempt - 1));
      await this.#o.sleep(Math.max(backoff, retryAfter ?? 0));
    }
  }

  #observe(res: HttpResponse, inFlight: number): void {
    const now = monotonicMs();
    const policy = res.headers['ratelimit-policy'];
    if (policy !== this.#policy) {
      this.#policy = policy;
      this.#pacer.setPolicy(parseRateLimitPolicy(policy), now);
    }
    const left = parseRateLimitRemaining(res.headers);
    if (left !== undefined) this.#pacer.remaining(res.status === 429 ? 0 : left - inFlight, now);
  }
}
