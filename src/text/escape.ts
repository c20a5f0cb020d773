// The one escape for text from outside (live names and labels, API problem text, GitHub and
// secret-store errors) before a human-readable renderer puts it in front of a reader. A control
// character could clear the screen, retitle the terminal, start a forged line in a CI log, or
// reorder what a reviewer reads (bidi overrides); each is shown as an inert escape instead.

// C0 except tab, DEL and C1, line and paragraph separators, and the bidi controls: marks (LRM,
// RLM, ALM), embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069).
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\x1b': '\\e', '\n': '\\n', '\r': '\\r', '\x07': '\\a' };

function escapeChar(ch: string): string {
  return SHORT[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Outside text as one inert line: every unsafe character shown escaped (`\e`, `\n`, `\u202e`). */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Whether the text holds a character `escapeText` would escape. */
export function hasUnsafeText(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}

// What the CLI itself writes to a terminal besides text: SGR colours, and the cursor-up, erase-line
// and erase-below sequences the progress display redraws with. Nothing else survives the sink.
// eslint-disable-next-line no-control-regex
const OWN_SEQUENCE = /\x1b\[[0-9;]*m|\x1b\[[0-9]*A|\x1b\[2?K|\x1b\[J/y;
// eslint-disable-next-line no-control-regex
const UNSAFE_AT_SINK = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The last line of defence at the terminal: whatever a renderer forgot to escape is escaped here,
 * keeping only newlines, tabs and the CLI's own colour and redraw sequences. Every escape it
 * writes outside C0 is a `\uXXXX` form, which is also a valid JSON string escape of the same
 * character, so `--format json` output parses to exactly the same value. (JSON.stringify already
 * escapes C0 itself, so raw C0 never reaches here from JSON.)
 */
export function sanitizeTerminalOutput(text: string): string {
  UNSAFE_AT_SINK.lastIndex = 0;
  if (!UNSAFE_AT_SINK.test(text)) return text;
  UNSAFE_AT_SINK.lastIndex = 0;
  return text.replace(UNSAFE_AT_SINK, (ch, offset: number) => {
    if (ch === '\x1b') {
      OWN_SEQUENCE.lastIndex = offset;
      if (OWN_SEQUENCE.test(text)) return ch;
    }
    return escapeChar(ch);
  });
}
