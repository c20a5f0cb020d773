// The GitHub REST client: @octokit/rest with retries (5xx and network errors, with backoff) and
// throttling (GitHub's primary and secondary rate limits, and its advice to space out writes).
import { randomBytes } from 'node:crypto';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { ExitError } from '../diagnostics.js';
import type { Sensitive } from '../secrets/sensitive.js';
import { escapeText } from '../text/escape.js';
import { redact } from '../text/redact.js';
import { TOOL_VERSION } from '../version.js';

const GitHubOctokit = Octokit.plugin(retry, throttling);
export type GitHub = InstanceType<typeof GitHubOctokit>;

export interface GitHubClientOptions {
  token: Sensitive;
  apiUrl: string;
  /**
   * Warnings worth telling the user (rate limits hit, retries), and Octokit's own warnings: the
   * CLI prints them, so they pass its redaction and escaping and never reach the console.
   */
  onWarning?: (message: string) => void;
  /** Milliseconds per unit of retry backoff (1000 by default: 1 s, 4 s, 9 s). Tests shorten it. */
  retryBaseMs?: number;
}

/** At most this many retries after a rate limit, and never a wait longer than this. */
const RATE_LIMIT_RETRIES = 2;
const MAX_RATE_LIMIT_WAIT_S = 120;

export function createGitHub(opts: GitHubClientOptions): GitHub {
  // Octokit's log lines may quote GitHub's answers: outside text, so one escaped, redacted line.
  const report = opts.onWarning ?? (() => undefined);
  const warn = (m: unknown) => report(escapeText(redact(String(m))));
  const onLimit = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _o: unknown, retryCount: number) => {
    const again = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_S;
    warn(`GitHub ${kind} rate limit on ${options.method} ${options.url}${again ? `: retrying in ${retryAfter} s` : ': giving up'}`);
    return again;
  };
  const client = new GitHubOctokit({
    auth: opts.token.reveal(),
    baseUrl: opts.apiUrl,
    userAgent: `paystrator-gitops/${TOOL_VERSION}`,
    // Octokit logs each failed request as an error; gh() reports every failure once, with what
    // to do, so that line would only repeat it. Its warnings (deprecations, limits) are shown.
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => warn(m), error: () => undefined },
    retry: { retries: 3, ...(opts.retryBaseMs !== undefined ? { retryAfterBaseValue: opts.retryBaseMs } : {}) },
    throttle: {
      // The write limiter is per id and per process: one client per command run shares it.
      id: `paystrator-gitops-${randomBytes(4).toString('hex')}`,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });
  // Everything sent to GitHub (comment and issue bodies, titles) is output too: a live value that
  // quotes a resolved secret is masked here, once for every call.
  client.hook.before('request', (options) => {
    const o = options as unknown as Record<string, unknown>;
    for (const key of ['body', 'title', 'content', 'message'] as const) if (typeof o[key] === 'string') o[key] = redact(o[key]);
  });
  return client;
}

interface HttpErrorLike {
  status: number;
  message: string;
}

function isHttpError(e: unknown): e is HttpErrorLike {
  return e instanceof Error && typeof (e as { status?: unknown }).status === 'number';
}

const PERMISSION_HINT: Record<string, string> = {
  comment: 'The token needs `pull-requests: write` (a workflow sets it under permissions:). A pull request from a fork gets a read-only token: comment from a trusted workflow instead.',
  issue: 'The token needs `issues: write` (a workflow sets it under permissions:).',
  pull: 'The token needs `contents: write` and `pull-requests: write` (a workflow sets them under permissions:).',
};

/**
 * Runs one GitHub operation and turns its failure into an ExitError that says what failed and
 * what to do. Octokit has already retried what is worth retrying.
 */
export async function gh<T>(operation: string, kind: keyof typeof PERMISSION_HINT, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isHttpError(e)) {
      // Octokit's messages are GitHub's (or a proxy's), plus a docs link: outside text, which may
      // quote the token back; the CLI's output redacts it, and this keeps it to one inert line.
      const first = escapeText(e.message.split('\n')[0]!.replace(/ - https:\/\/docs\.github\.com\S*/, ''));
      const hint = e.status === 401 ? 'The GitHub token is invalid or expired.' : e.status === 403 || e.status === 404 ? PERMISSION_HINT[kind] : undefined;
      throw new ExitError(`GitHub: ${operation} failed: ${e.status} ${first}`, hint);
    }
    const code = (e as { cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
    throw new ExitError(`GitHub: ${operation} failed: ${escapeText(String(code ?? (e as Error).message))}`);
  }
}
