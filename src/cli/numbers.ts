// The one parser of numeric flags. Number() accepts "0x10", " 5", "1e1", "5.0" and "" (as 0): a
// flag value means what its digits say or it is refused, so `--parallelism 0x10` is an error, not 16.
import { ExitError } from '../diagnostics.js';

const DIGITS = /^[0-9]+$/;
// A plain decimal: digits, optionally a point and more digits; no sign, exponent or spaces.
const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/** A whole number from min to max, written in decimal digits only. */
export function parseInteger(v: string, flag: string, min: number, max: number, what = 'a whole number'): number {
  const n = DIGITS.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ExitError(`${flag} must be ${what} from ${min} to ${max} (digits only), not "${v}"`);
  return n;
}

/** A decimal number from min to max ("0.25", "1"), with no sign, exponent or spaces. */
export function parseDecimal(v: string, flag: string, min: number, max: number): number {
  const n = DECIMAL.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw new ExitError(`${flag} must be a decimal number from ${min} to ${max} (e.g. 0.25), not "${v}"`);
  return n;
}

/** Commander argument parsers built on the two above. */
export const integerFlag = (flag: string, min: number, max: number, what?: string) => (v: string) => parseInteger(v, flag, min, max, what);
export const decimalFlag = (flag: string, min: number, max: number) => (v: string) => parseDecimal(v, flag, min, max);

export const parsePositiveInt = (v: string, flag: string): number => parseInteger(v, flag, 1, 1000);
export const parsePort = (v: string): number => parseInteger(v, '--port', 0, 65535, 'a port number');
