// `fees quote`: every provider's price for one amount, cheapest first, as a pure table model and
// its renderings. The CLI gathers the providers (live or from git) and prints the result.
import type { FeeState, ProviderStatus, ProviderType, TaxState } from '../model/state.js';
import { escapeText as t } from '../text/escape.js';
import { describeFee, describeTax, formatRupiah, quote, type Quote } from '../fees/quote.js';
import { compareText } from '../text/order.js';

export interface PricedProvider {
  name: string;
  type: ProviderType;
  services: string[];
  status: ProviderStatus;
  fee: FeeState;
  tax: TaxState;
}

export interface QuoteRow extends Quote {
  name: string;
  type: ProviderType;
  status: ProviderStatus;
  services: string[];
  feeRule: FeeState;
  tax: TaxState;
}

export interface QuoteFilter {
  service?: string;
  provider?: string;
}

export function quoteTable(providers: readonly PricedProvider[], amount: bigint, filter: QuoteFilter = {}): QuoteRow[] {
  return providers
    .filter((p) => (filter.service === undefined || p.services.includes(filter.service)) && (filter.provider === undefined || p.name === filter.provider))
    .map((p) => ({ name: p.name, type: p.type, status: p.status, services: [...p.services], feeRule: p.fee, tax: p.tax, ...quote(amount, p.fee, p.tax) }))
    .sort((a, b) => (a.total < b.total ? -1 : a.total > b.total ? 1 : compareText(a.name, b.name)));
}

export const ROUNDING_RULE =
  'fee = amount × percent (or the flat fee), VAT = fee × VAT percent when VAT applies; each rounded half up to whole rupiah, total = fee + VAT';

/** Columns padded to the widest cell; columns in `right` (amounts) aligned right. */
export function alignColumns(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

export function renderQuoteText(rows: readonly QuoteRow[], amount: bigint, source: string): string {
  const out = [`Fees on ${formatRupiah(amount)} (${t(source)}), cheapest first:`, ''];
  if (rows.length === 0) {
    out.push('  No provider matches.');
  } else {
    const table = [
      ['Provider Name', 'Status', 'Fee rule', 'Fee', 'VAT', 'Total'],
      ...rows.map((r) => [t(r.name), t(r.status), `${describeFee(r.feeRule)}, ${describeTax(r.tax)}`, formatRupiah(r.fee), formatRupiah(r.vat), formatRupiah(r.total)]),
    ];
    out.push(...alignColumns(table, new Set([3, 4, 5])).map((l) => `  ${l}`));
  }
  out.push('', `Rounding: ${ROUNDING_RULE}.`);
  return out.join('\n') + '\n';
}

export function renderQuoteJson(rows: readonly QuoteRow[], amount: bigint, source: string): string {
  return (
    JSON.stringify(
      {
        amount: amount.toString(),
        currency: 'IDR',
        source,
        rounding: 'half-up per component (fee, then VAT on the rounded fee) to whole rupiah',
        quotes: rows.map((r) => ({
          name: r.name,
          type: r.type,
          status: r.status,
          services: r.services,
          fee: r.feeRule,
          tax: r.tax,
          quote: { fee: r.fee.toString(), vat: r.vat.toString(), total: r.total.toString() },
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
