// A fee or VAT change in a plan, shown as what it does to a sample payment: reviewers judge
// "Rp16.650 -> Rp22.200" faster than "1.5 -> 2" plus a VAT flag on another line.
import type { FieldChange } from '../diff/diff.js';
import type { FeeState, ProviderState, TaxState } from '../model/state.js';
import { formatRupiah, quote } from './quote.js';

export interface Pricing {
  fee: FeeState;
  tax: TaxState;
}

export interface PricingChange {
  before: Pricing;
  after: Pricing;
}

export const DEFAULT_QUOTE_AMOUNT = 1_000_000n;

/** Both prices when the fields change the fee or the VAT; undefined otherwise. */
export function pricingChange(fields: readonly FieldChange[], desired: ProviderState, live: ProviderState): PricingChange | undefined {
  if (!fields.some((f) => f.field.startsWith('spec.fee') || f.field.startsWith('spec.tax'))) return undefined;
  return { before: { fee: { ...live.fee }, tax: { ...live.tax } }, after: { fee: { ...desired.fee }, tax: { ...desired.tax } } };
}

/** "on Rp1.000.000: Rp16.650 -> Rp22.200 incl. VAT" (VAT wording per side when only one applies it). */
export function feeEffectLine(change: PricingChange, amount: bigint): string {
  const b = quote(amount, change.before.fee, change.before.tax);
  const a = quote(amount, change.after.fee, change.after.tax);
  const vatB = change.before.tax.applyVat;
  const vatA = change.after.tax.applyVat;
  const suffix = (vat: boolean) => (vat ? 'incl. VAT' : 'no VAT');
  const body =
    vatB === vatA
      ? `${formatRupiah(b.total)} -> ${formatRupiah(a.total)} ${vatA ? 'incl. VAT' : '(no VAT)'}`
      : `${formatRupiah(b.total)} ${suffix(vatB)} -> ${formatRupiah(a.total)} ${suffix(vatA)}`;
  return `on ${formatRupiah(amount)}: ${body}`;
}
