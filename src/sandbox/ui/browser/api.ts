// The API, with the dashboard session key from the document. Every read and write of the page goes
// through here, so what the page does is what a colleague in the dashboard does.
import type { Problem } from '../../../generated/api.js';

const MAX_ATTEMPTS = 5;

export const session = document.querySelector<HTMLMetaElement>('meta[name="paystrator-session"]')?.content ?? '';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `the sandbox answered ${status}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT';

/**
 * One API call. 429 and 503 mean the request was not processed, so any request is retried after
 * Retry-After; a lost connection is retried only where a repeat is harmless (a read, or a create
 * under its Idempotency-Key). Bounded attempts, bounded waits.
 */
export async function api<T>(
  method: Method,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ json: T; etag: string | null; status: number }> {
  const repeatable = method === 'GET' || opts.headers?.['Idempotency-Key'] !== undefined;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        cache: 'no-store',
        headers: {
          Authorization: `Bearer ${session}`,
          Accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...opts.headers,
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      });
    } catch {
      if (repeatable && attempt < MAX_ATTEMPTS) {
        await sleep(250 * attempt);
        continue;
      }
      throw new ApiFailure(0, { title: 'Sandbox unreachable', detail: 'the sandbox did not answer: is `paystrator-gitops sandbox` still running?' });
    }
    if ((res.status === 429 || res.status === 503) && attempt < MAX_ATTEMPTS) {
      const after = Number(res.headers.get('Retry-After'));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : 250 * attempt);
      continue;
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) throw new ApiFailure(res.status, typeof json === 'object' && json !== null ? json : {});
    return { json: json as T, etag: res.headers.get('ETag'), status: res.status };
  }
}

export const describe = (e: unknown): string =>
  e instanceof ApiFailure ? `${e.problem.title ?? 'Request failed'} (${e.status || 'no answer'}): ${e.message}` : e instanceof Error ? e.message : String(e);

export const providerPath = (id: string): string => `/v1/providers/${encodeURIComponent(id)}`;
