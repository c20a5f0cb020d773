// GitHub-flavoured Markdown for comments, issues and step summaries. Every string a user controls
// (provider names, values, reasons, file names) goes through `md()`, which makes it inert for both
// Markdown and HTML: it shows as the text it is, never as a link, image, tag, mention or table cell.
import type { Json } from '../diff/diff.js';
import { escapeText } from '../text/escape.js';
import { redact } from '../text/redact.js';

/** GitHub rejects a comment or issue body longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;
/** GitHub shows at most 1 MiB of a step's summary. */
export const STEP_SUMMARY_LIMIT = 1_000_000;
const MAX_VALUE_CHARS = 300;

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for Markdown and HTML at once. HTML-significant characters become entities (so
 * no tag, attribute or entity of the input survives); the other ASCII punctuation Markdown gives
 * meaning to is backslash-escaped (CommonMark allows that for any ASCII punctuation); `@` gets a
 * zero-width space after it so it never mentions anyone; line breaks, control and bidi
 * characters are first shown escaped (`\n`, `\e`, `\u202e`, the one escape of src/text/), so a
 * value cannot end a table row or reorder what a reviewer reads, and the reader sees they were there.
 */
export function md(text: string): string {
  let out = '';
  // Redacted first: after escaping, a value that holds Markdown punctuation is no longer in any
  // form the redactor knows.
  for (const ch of escapeText(redact(text)).replace(/\t/g, ' ')) {
    if (HTML[ch]) out += HTML[ch];
    else if (ch === '@') out += '@&#8203;';
    else if (/[\\`*_{}[\]()#+\-.!|~=^:$]/.test(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** A value as the text renderer shows it (strings quoted), cut to a readable length, escaped. */
export function mdValue(v: Json | undefined): string {
  const text = v === undefined ? '(none)' : typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]` : JSON.stringify(v);
  return md(text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text);
}

/** A value inside <code>: the same escaping, so nothing in it is interpreted either. */
export const mdCode = (text: string) => `<code>${md(text)}</code>`;

/**
 * A rendered report in parts, so it can be cut between blocks when it is too long: the summary
 * line comes first and is always kept; blocks are kept whole or not at all.
 */
export interface MarkdownReport {
  summary: string;
  /** Shown under the summary, before the collapsible details. */
  intro?: string;
  /** Label of the collapsible details. */
  detailsLabel: string;
  blocks: string[];
  footer?: string;
}

export interface AssembleOptions {
  /** A hidden first line (an HTML comment) to find the text again. */
  marker?: string;
  /** Maximum length in characters. */
  limit?: number;
  /** What to say when blocks were left out, given how many. */
  truncatedNote?: (omitted: number, total: number) => string;
  /** Put the blocks in a collapsed <details> (comments); plain sections otherwise. */
  collapsed?: boolean;
}

export interface Assembled {
  text: string;
  /** Blocks left out to fit the limit. */
  omitted: number;
}

export function assemble(r: MarkdownReport, opts: AssembleOptions = {}): Assembled {
  const head = [opts.marker, r.summary, r.intro].filter((x): x is string => !!x).join('\n\n');
  const open = opts.collapsed !== false ? `<details><summary>${r.detailsLabel}</summary>\n\n` : '';
  const close = opts.collapsed !== false ? '\n</details>' : '';
  const foot = r.footer ? `\n\n${r.footer}` : '';
  const build = (blocks: string[], note?: string) =>
    `${head}\n\n${blocks.length ? `${open}${blocks.join('\n\n')}\n${close}` : ''}${note ? `\n\n${note}` : ''}${foot}\n`;
  const full = build(r.blocks);
  const limit = opts.limit ?? Infinity;
  if (full.length <= limit) return { text: full, omitted: 0 };
  const note = (omitted: number) => (opts.truncatedNote ?? defaultNote)(omitted, r.blocks.length);
  // The longest prefix of whole blocks that fits with the note; found by walking, as blocks are few.
  let kept = 0;
  let size = build([], note(r.blocks.length)).length;
  for (const b of r.blocks) {
    const next = size + b.length + 2 + (kept === 0 ? open.length + close.length + 1 : 0);
    if (next > limit) break;
    size = next;
    kept += 1;
  }
  let text = build(r.blocks.slice(0, kept), note(r.blocks.length - kept));
  // The summary and note alone can still be too long (a huge name in the summary): cut hard.
  if (text.length > limit) text = `${text.slice(0, limit - 2).replace(/&[#\w]*$|\\$/, '')}…\n`;
  return { text, omitted: r.blocks.length - kept };
}

const defaultNote = (omitted: number, total: number) =>
  `**${omitted} of ${total} sections are not shown: the text is longer than GitHub allows.**`;

/** A Markdown table; every cell must already be escaped. */
export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
