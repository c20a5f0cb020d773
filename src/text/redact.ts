// The one redactor for output. Every value resolved in the run (secret values, the Paystrator API
// key, the GitHub token, secret-store tokens) is registered here when it is wrapped in Sensitive,
// and every writer of output (the CLI's stdout and stderr, plan files, GitHub bodies, step
// summaries, reports) passes its text through `redact()`. So text from outside that quotes a value
// back at us (an API or gateway echoing the request, a 401 quoting the key) cannot carry it out,
// whichever call site it came through.

export const REDACTED = '(sensitive)';

/**
 * Shorter values are not masked: replacing every "1" or "ab" in the output would make it
 * unreadable and hide nothing a reader could not guess. Real secrets and tokens are far longer.
 */
export const MIN_REDACTED_LENGTH = 4;

/** The forms a value takes in text that quotes it: as is, inside a JSON string, URL-encoded, base64. */
function formsOf(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  const bytes = Buffer.from(value, 'utf8');
  forms.add(bytes.toString('base64'));
  forms.add(bytes.toString('base64').replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  return [...forms].filter((f) => f.length >= MIN_REDACTED_LENGTH);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;
  #dirty = false;

  register(value: string): void {
    if (value.length < MIN_REDACTED_LENGTH || this.#values.has(value)) return;
    this.#values.add(value);
    this.#dirty = true;
  }

  /** Every registered value, in any of its forms, becomes "(sensitive)". */
  redact(text: string): string {
    if (this.#dirty) {
      this.#dirty = false;
      // Longest first, so a value that contains another is replaced whole.
      const forms = [...new Set([...this.#values].flatMap(formsOf))].sort((a, b) => b.length - a.length);
      this.#pattern = forms.length ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : undefined;
    }
    return this.#pattern ? text.replace(this.#pattern, REDACTED) : text;
  }
}

/** The run's redactor: one per process, as a CLI run is one process. */
const runRedactor = new Redactor();

export function registerSensitiveValue(value: string): void {
  runRedactor.register(value);
}

export function redact(text: string): string {
  return runRedactor.redact(text);
}
