// Request bodies as the sandbox reads them: one parser for every route, whose errors never quote
// the body (it may hold a secret), and one canonical form for comparing bodies (idempotent replays).
import { ProblemError } from './problem.js';

/** The parsed body; `emptyIs` is what an empty body means for a route whose body is optional. */
export function parseJson(text: string, emptyIs?: unknown): unknown {
  if (emptyIs !== undefined && !text.trim()) return emptyIs;
  // The parser's message quotes the input, which may hold a secret: report only that it failed.
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProblemError(400, 'malformed-json', 'Malformed JSON', text.trim() ? 'the request body is not valid JSON' : 'the request needs a JSON body');
  }
}

/** JSON with sorted keys, so the same body in another key order is the same body. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
