// The error a sandbox route throws to answer with application/problem+json. Apart from app.ts so
// that the route modules app.ts installs (sequences.ts) do not import app.ts back.
import type { FieldError } from '../generated/api.js';

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
  }
}
