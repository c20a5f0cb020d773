// The HTTP side shared by the Vault and GCP stores: bounded time, bounded retries, bounded
// concurrency, and failures mapped to store failures that never quote what the server said.
import { setTimeout as sleep } from 'node:timers/promises';
import { SecretStoreError } from './store.js';

export const DEFAULT_TIMEOUT_MS = 10_000;
const ATTEMPTS = 3;
const RETRY_STATUS = new Set([429, 502, 503, 504]);

export interface StoreHttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface StoreHttpResponse {
  status: number;
  /** The parsed JSON body, or undefined when it was not JSON. */
  json: unknown;
}

/** At most `size` calls at once: a plan with hundreds of distinct secrets must not open hundreds of sockets. */
export class Limiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active += 1;
    try {
      return await fn();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }
}

/**
 * One JSON call to a store's API. `service` names the store in messages ("Vault at http://...").
 * Retries 429 and 502-504 (with Retry-After, capped) up to 3 attempts; each attempt has `timeoutMs`.
 */
export async function storeRequest(service: string, req: StoreHttpRequest, timeoutMs: number): Promise<StoreHttpResponse> {
  // Loaded here, not at start: only Vault and GCP stores need it (see api/transport.ts for the cost).
  const { request } = await import('undici');
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let text: string;
    let retryAfter: string | string[] | undefined;
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: { accept: 'application/json', ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}), ...req.headers },
        body: req.body ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.statusCode;
      retryAfter = res.headers['retry-after'];
      text = await res.body.text();
    } catch (e) {
      throw new SecretStoreError('unreachable', `cannot reach ${service}: ${networkReason(e, timeoutMs)}`);
    }
    if (RETRY_STATUS.has(status) && attempt < ATTEMPTS) {
      await sleep(retryDelay(retryAfter, attempt));
      continue;
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status, json };
  }
}

function retryDelay(retryAfter: string | string[] | undefined, attempt: number): number {
  const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  const asked = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 200 * 2 ** attempt;
  return Math.min(asked, 2_000);
}

function networkReason(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return `no answer within ${timeoutMs / 1000}s`;
  }
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection closed by the server';
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  return 'network error';
}

/** A status every store maps the same way; undefined when the store must decide. */
export function commonFailure(status: number): 'auth' | 'not-found' | 'unreachable' | undefined {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  if (status === 429 || status >= 500) return 'unreachable';
  return undefined;
}

/** A path segment of a secret name: encoded, and never `.` or `..`, which would change the route. */
export function segment(part: string, what: string): string {
  if (part === '' || part === '.' || part === '..') throw new SecretStoreError('invalid', `${what} has an empty, "." or ".." path segment`);
  return encodeURIComponent(part);
}
