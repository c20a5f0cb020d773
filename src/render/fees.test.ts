import { describe, expect, it } from 'vitest';
import type { FeeState, TaxState } from '../model/state.js';
import { feeEffectLine, pricingChange } from '../fees/effect.js';
import { quoteTable, renderQuoteJson, renderQuoteText, type PricedProvider } from './fees.js';

const pct = (percent: string): FeeState => ({ type: 'PERCENTAGE', percent });
const flat = (amount: string): FeeState => ({ type: 'FLAT', amount, currency: 'IDR' });
const vat = (applyVat: boolean, vatPercent = '11'): TaxState => ({ vatPercent, applyVat });

const PROVIDERS: PricedProvider[] = [
  { name: 'Xendit Main', type: 'AGGREGATOR', services: ['QR_CODE', 'EWALLET'], status: 'ACTIVE', fee: pct('1.5'), tax: vat(true) },
  { name: 'BCA Direct', type: 'DIRECT', services: ['VIRTUAL_ACCOUNT'], status: 'ACTIVE', fee: flat('4000'), tax: vat(true) },
  { name: 'OVO', type: 'DIRECT', services: ['EWALLET'], status: 'MAINTENANCE', fee: pct('1.5'), tax: vat(true) },
  { name: 'Midtrans Cards', type: 'AGGREGATOR', services: ['CREDIT_CARD'], status: 'ACTIVE', fee: pct('2.9'), tax: vat(false) },
];

describe('fees quote', () => {
  it('prices every provider, cheapest first, ties by name', () => {
    const rows = quoteTable(PROVIDERS, 1_500_000n);
    expect(rows.map((r) => [r.name, r.fee, r.vat, r.total])).toEqual([
      ['BCA Direct', 4_000n, 440n, 4_440n],
      ['OVO', 22_500n, 2_475n, 24_975n],
      ['Xendit Main', 22_500n, 2_475n, 24_975n],
      ['Midtrans Cards', 43_500n, 0n, 43_500n],
    ]);
    // A flat fee is the dearest on a small payment.
    expect(quoteTable(PROVIDERS, 100_000n)[3]!.name).toBe('BCA Direct');
  });

  it('filters by service and by provider, together', () => {
    expect(quoteTable(PROVIDERS, 1n, { service: 'EWALLET' }).map((r) => r.name)).toEqual(['OVO', 'Xendit Main']);
    expect(quoteTable(PROVIDERS, 1n, { service: 'EWALLET', provider: 'OVO' }).map((r) => r.name)).toEqual(['OVO']);
    expect(quoteTable(PROVIDERS, 1n, { service: 'CREDIT_CARD', provider: 'OVO' })).toEqual([]);
  });

  it('renders rupiah amounts right-aligned, with the rounding rule', () => {
    const text = renderQuoteText(quoteTable(PROVIDERS, 1_500_000n, { service: 'EWALLET' }), 1_500_000n, 'live, environment sandbox');
    expect(text).toBe(
      [
        'Fees on Rp1.500.000 (live, environment sandbox), cheapest first:',
        '',
        '  Provider Name  Status       Fee rule            Fee      VAT     Total',
        '  OVO            MAINTENANCE  1.5%, 11% VAT  Rp22.500  Rp2.475  Rp24.975',
        '  Xendit Main    ACTIVE       1.5%, 11% VAT  Rp22.500  Rp2.475  Rp24.975',
        '',
        'Rounding: fee = amount × percent (or the flat fee), VAT = fee × VAT percent when VAT applies; each rounded half up to whole rupiah, total = fee + VAT.',
        '',
      ].join('\n'),
    );
    const json = JSON.parse(renderQuoteJson(quoteTable(PROVIDERS, 7n), 7n, 'git')) as { amount: string; quotes: { name: string; quote: unknown }[] };
    expect(json.amount).toBe('7');
    expect(json.quotes[0]).toMatchObject({ name: 'Midtrans Cards', quote: { fee: '0', vat: '0', total: '0' } });
  });
});

describe('fee effect in a plan', () => {
  const state = (fee: FeeState, tax: TaxState) => ({ name: 'X', type: 'AGGREGATOR' as const, integration: 'xendit', services: [], credentials: {}, fee, tax, status: 'ACTIVE' as const, labels: {} });

  it('is there only when the fee or the VAT changes', () => {
    const before = state(pct('1.5'), vat(true));
    expect(pricingChange([{ field: 'spec.status', before: 'ACTIVE', after: 'INACTIVE' }], before, before)).toBeUndefined();
    expect(pricingChange([{ field: 'spec.tax.vatPercent', before: '11', after: '12' }], state(pct('1.5'), vat(true, '12')), before)).toEqual({
      before: { fee: pct('1.5'), tax: vat(true) },
      after: { fee: pct('1.5'), tax: vat(true, '12') },
    });
  });

  it('reads as the total on the sample amount, before and after', () => {
    const line = (b: [FeeState, TaxState], a: [FeeState, TaxState], amount = 1_000_000n) =>
      feeEffectLine({ before: { fee: b[0], tax: b[1] }, after: { fee: a[0], tax: a[1] } }, amount);
    expect(line([pct('1.5'), vat(false)], [pct('2'), vat(false)])).toBe('on Rp1.000.000: Rp15.000 -> Rp20.000 (no VAT)');
    expect(line([pct('1.5'), vat(true)], [pct('2'), vat(true)])).toBe('on Rp1.000.000: Rp16.650 -> Rp22.200 incl. VAT');
    expect(line([pct('1.5'), vat(false)], [pct('1.5'), vat(true)])).toBe('on Rp1.000.000: Rp15.000 no VAT -> Rp16.650 incl. VAT');
    expect(line([flat('4000'), vat(true)], [pct('0.5'), vat(true)], 250_000n)).toBe('on Rp250.000: Rp4.440 -> Rp1.388 incl. VAT');
  });
});
