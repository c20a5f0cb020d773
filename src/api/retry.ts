// Retries around any transport: network errors, 5xx, 408 and 429 are retried with exponential
// backoff and full jitter, Retry-After is honoured, and one budget per run bounds the total, so a
// failing API stops an apply instead of hammering it. Writes are retried only when the API makes a
// repeat harmless: a create carries an Idempotency-Key (a repeat replays the first answer), an
// update or status change carries If-Match (a repeat after a landed write fails 412, never applies
// twice). Such a 412 is flagged `mayHaveLanded` so the caller can tell it from a real conflict.
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

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

/**
 * Requests per second from a RateLimit-Policy header (draft-ietf-httpapi-ratelimit-headers, both
 * `"name";q=100;w=10` and the older `100;w=10`); the strictest of several policies.
 */
export function parseRateLimitPolicy(value: string | undefined): number | undefined {
  if (!value) return undefined;
  let best: number | undefined;
  for (const item of value.split(',')) {
    const q = /(?:^|;)\s*q=(\d+(?:\.\d+)?)/.exec(item)?.[1] ?? /^\s*(\d+(?:\.\d+)?)\s*(?:;|$)/.exec(item)?.[1];
    const w = /;\s*w=(\d+(?:\.\d+)?)/.exec(item)?.[1] ?? '1';
    const rate = Number(q) / Number(w);
    if (q !== undefined && rate > 0 && Number.isFinite(rate)) best = Math.min(best ?? Infinity, rate);
  }
  return best;
}

/**
 * Spaces requests evenly once the API has announced a rate, so a bulk apply runs at the limit
 * instead of discovering it by 429s. Slots are handed out in order and never bunch up after a
 * pause, so the announced rate is never exceeded.
 */
class Pacer {
  #intervalMs = 0;
  #next = 0;
  setRate(perSecond: number | undefined): void {
    this.#intervalMs = perSecond ? 1000 / perSecond : 0;
  }
  delay(now: number): number {
    if (!this.#intervalMs) return 0;
    const at = Math.max(now, this.#next);
    this.#next = at + this.#intervalMs;
    return at - now;
  }
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RetryingTransport implements Transport {
  readonly budget: RetryBudget;
  readonly #o: Required<Omit<RetryOptions, 'budget'>>;
  readonly #pacer = new Pacer();
  #policy: string | undefined;

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
      const wait = this.#pacer.delay(performance.now());
      if (wait > 0) await this.#o.sleep(wait);
      let res: HttpResponse | undefined;
      let err: RetriedError | undefined;
      try {
        res = await this.inner.send(req);
      } catch (e) {
        err = e instanceof Error ? e : new Error(String(e));
      }
      if (res) this.#observe(res);
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

  #observe(res: HttpResponse): void {
    const policy = res.headers['ratelimit-policy'];
    if (policy === this.#policy) return;
    this.#policy = policy;
    this.#pacer.setRate(parseRateLimitPolicy(policy));
  }
}
