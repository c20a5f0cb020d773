import type { FieldError, Problem } from '../generated/api.js';
import { escapeText } from '../text/escape.js';

/** An answer from the API that is not a success, as a typed value the CLI can render. */
export class ApiError extends Error {
  /**
   * An earlier attempt of this write broke off unanswered and may have been carried out: a 412 on
   * the retry may be our own write, not someone else's (apply/ checks which).
   */
  mayHaveLanded = false;

  constructor(
    readonly operation: string,
    readonly status: number,
    readonly problem: Problem | undefined,
    readonly retryAfterSeconds?: number,
  ) {
    super(ApiError.describe(operation, status, problem));
    this.name = 'ApiError';
  }

  get fieldErrors(): FieldError[] {
    return this.problem?.errors ?? [];
  }

  /** The problem type's last segment, e.g. name-taken, precondition-failed. */
  get kind(): string {
    return this.problem?.type?.split('/').pop() ?? `http-${this.status}`;
  }

  /** The problem's text is the server's: each piece is escaped, and only our own newlines remain. */
  static describe(operation: string, status: number, problem: Problem | undefined): string {
    const head = `${escapeText(operation)} failed: ${status} ${escapeText(problem?.title ?? '')}`.trimEnd();
    const detail = problem?.detail ? `: ${escapeText(problem.detail)}` : '';
    const fields = (problem?.errors ?? []).map((e) => `\n  ${escapeText(String(e.path))}: ${escapeText(String(e.message))}`).join('');
    return head + detail + fields;
  }
}

/** A network failure or an answer that breaks the API contract. */
export class ApiUnavailableError extends Error {
  constructor(
    readonly operation: string,
    reason: string,
  ) {
    super(`${escapeText(operation)} failed: ${escapeText(reason)}`);
    this.name = 'ApiUnavailableError';
  }
}
