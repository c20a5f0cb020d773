import type { Json } from '../diff/diff.js';
import { escapeText as t } from '../text/escape.js';

/** A value as text; live values are outside text, so whatever it holds comes out escaped. */
export function formatValue(v: Json | undefined): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'string') return t(JSON.stringify(v));
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? t(x) : formatValue(x))).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${t(k)}: ${formatValue(x)}`).join(', ')} }`;
  return String(v);
}
