// Money and percentages are exact decimals (SPEC 3): they are kept as canonical strings and
// computed with scaled BigInts, never as binary floats.

export const MAX_SCALE = 4;

export type DecimalResult = { ok: true; value: string } | { ok: false; reason: string };

const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;

/**
 * Parses a decimal from its source text (a YAML number's text as written, or a string) and returns
 * its canonical form: no leading zeros, no trailing fractional zeros ("1.50" -> "1.5", "007" -> "7").
 */
export function parseDecimal(text: string): DecimalResult {
  const m = DECIMAL.exec(text.trim());
  if (!m) return { ok: false, reason: `"${text}" is not a decimal number (digits with an optional fraction, e.g. 1.5)` };
  const int = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > MAX_SCALE) {
    return { ok: false, reason: `${text} has ${frac.length} decimal places; at most ${MAX_SCALE} are allowed (write the exact value, e.g. "0.3")` };
  }
  return { ok: true, value: frac ? `${int}.${frac}` : int };
}

/** The value times 10^MAX_SCALE, as an exact integer. */
export function toScaled(canonical: string): bigint {
  const [int, frac = ''] = canonical.split('.');
  return BigInt(int! + frac.padEnd(MAX_SCALE, '0'));
}

export function fromScaled(scaled: bigint): string {
  const s = scaled.toString().padStart(MAX_SCALE + 1, '0');
  const int = s.slice(0, -MAX_SCALE);
  const frac = s.slice(-MAX_SCALE).replace(/0+$/, '');
  return frac ? `${int}.${frac}` : int;
}

/** Orders two canonical decimals without BigInt (validation compares one per file). */
export function compareDecimal(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  // Canonical integer parts have no leading zeros: the longer is the larger.
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  const x = ai + af.padEnd(MAX_SCALE, '0');
  const y = bi + bf.padEnd(MAX_SCALE, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}
