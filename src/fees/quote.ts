// What a provider charges on an amount, computed exactly: amounts are whole rupiah as BigInt,
// percentages are canonical decimals (model/decimal.ts) scaled to integers. No float is involved.
//
// Rounding rule, per component, half-up to whole rupiah:
//   fee   = round(amount × percent / 100)               a FLAT fee is already whole rupiah
//   vat   = round(fee × vatPercent / 100) if applyVat   VAT is levied on the fee as charged,
//           else 0                                      i.e. on the rounded fee line
//   total = fee + vat
// round() goes half up: x.5 becomes x+1, anything below x.5 becomes x. Amounts are never negative,
// so half-up and half-away-from-zero agree. Rounding each component (rather than only the total)
// keeps the invoice consistent: the fee line and the VAT line are whole rupiah and add up to the
// total that is shown.
import { MAX_SCALE, toScaled } from '../model/decimal.js';
import type { FeeState, TaxState } from '../model/state.js';

export interface Quote {
  /** The provider's fee, whole rupiah. */
  fee: bigint;
  /** VAT on the fee, whole rupiah; 0 when VAT is not applied. */
  vat: bigint;
  total: bigint;
}

/** 100 % expressed in scaled units: a percentage p is toScaled(p) / PERCENT_DENOMINATOR. */
const PERCENT_DENOMINATOR = 100n * 10n ** BigInt(MAX_SCALE);

/** numerator / denominator rounded half up; both must be non-negative, the denominator positive. */
export function roundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) throw new RangeError('roundHalfUp takes a non-negative numerator and a positive denominator');
  const q = numerator / denominator;
  const r = numerator % denominator;
  return 2n * r >= denominator ? q + 1n : q;
}

/** percent (canonical decimal string) of a whole amount, rounded half up. */
export function percentOf(amount: bigint, percent: string): bigint {
  return roundHalfUp(amount * toScaled(percent), PERCENT_DENOMINATOR);
}

export function quote(amount: bigint, fee: FeeState, tax: TaxState): Quote {
  if (amount < 0n) throw new RangeError('an amount is never negative');
  // A flat IDR fee is validated as whole rupiah; toScaled keeps this exact if that ever loosens.
  const charged = fee.type === 'FLAT' ? roundHalfUp(toScaled(fee.amount), 10n ** BigInt(MAX_SCALE)) : percentOf(amount, fee.percent);
  const vat = tax.applyVat ? percentOf(charged, tax.vatPercent) : 0n;
  return { fee: charged, vat, total: charged + vat };
}

export type AmountResult = { ok: true; value: bigint } | { ok: false; reason: string };

/** Longest amount accepted: a quadrillion rupiah is far beyond any single payment. */
const MAX_DIGITS = 16;

/**
 * A whole-rupiah amount as typed on a command line: digits, optionally grouped with `_`
 * (1_500_000). Dots and commas are refused rather than guessed at: in Indonesia "1.500" is fifteen
 * hundred, elsewhere it is one and a half.
 */
export function parseAmount(text: string): AmountResult {
  const t = text.trim();
  if (!/^[0-9]+(_[0-9]+)*$/.test(t)) {
    return { ok: false, reason: `"${text}" is not a whole rupiah amount: write digits only, e.g. 1500000 (or 1_500_000)` };
  }
  const digits = t.replaceAll('_', '').replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_DIGITS) return { ok: false, reason: `"${text}" is too large: at most ${MAX_DIGITS} digits` };
  return { ok: true, value: BigInt(digits) };
}

/** Rp1.500.000: the rupiah as the dashboard writes it, dots between thousands. */
export function formatRupiah(v: bigint): string {
  const digits = (v < 0n ? -v : v).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${v < 0n ? '-' : ''}Rp${grouped}`;
}

/** The fee as configured: "1.5%" or "Rp4.000 flat". */
export function describeFee(fee: FeeState): string {
  return fee.type === 'PERCENTAGE' ? `${fee.percent}%` : `${formatRupiah(toScaled(fee.amount) / 10n ** BigInt(MAX_SCALE))} flat`;
}

/** "11% VAT" or "no VAT". */
export function describeTax(tax: TaxState): string {
  return tax.applyVat ? `${tax.vatPercent}% VAT` : 'no VAT';
}
