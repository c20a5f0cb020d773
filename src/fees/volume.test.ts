import { describe, expect, test } from 'vitest';
import { chargedOn, formatCount, formatRupiahShort, moneyLine, volumeEffect } from './volume.js';
import type { Pricing } from './effect.js';

const pct = (percent: string, vat = '11', applyVat = true): Pricing => ({ fee: { type: 'PERCENTAGE', percent }, tax: { vatPercent: vat, applyVat } });
const flat = (amount: string, vat = '11', applyVat = true): Pricing => ({ fee: { type: 'FLAT', amount, currency: 'IDR' }, tax: { vatPercent: vat, applyVat } });

describe('money at volume', () => {
  test('a percentage fee on the aggregate, VAT on the rounded fee, exactly', () => {
    // 8,200,000,000 x 1.5% = 123,000,000; VAT 11% = 13,530,000.
    expect(chargedOn({ transactions: 41_230n, amount: 8_200_000_000n }, pct('1.5'))).toBe(136_530_000n);
    // Rounded half up, per component: 333 x 1.5% = 4.995 -> 5; VAT 11% of 5 = 0.55 -> 1.
    expect(chargedOn({ transactions: 1n, amount: 333n }, pct('1.5'))).toBe(6n);
  });

  test('a flat fee counts per transaction', () => {
    expect(chargedOn({ transactions: 41_230n, amount: 8_200_000_000n }, flat('4000', '11', false))).toBe(164_920_000n);
  });

  test('the effect of a change is the difference, signed, against an integer reference', () => {
    const v = { transactions: 41_230n, amount: 8_234_567_891n };
    const e = volumeEffect(v, pct('1.5'), pct('1.65'));
    // Integer reference: fee = round(amount * bp / 10000), vat = round(fee * 11 / 100).
    const ref = (bp: bigint) => {
      const fee = (v.amount * bp * 2n + 10_000n) / 20_000n;
      return fee + (fee * 11n * 2n + 100n) / 200n;
    };
    expect(e.delta).toBe(ref(165n) - ref(150n));
    expect(volumeEffect(v, pct('1.65'), pct('1.5')).delta).toBe(-e.delta);
  });

  test('short rupiah: one decimal of the largest unit, rounded on the integer', () => {
    expect(formatRupiahShort(8_200_000_000n)).toBe('Rp8.2B');
    expect(formatRupiahShort(12_345_678n, { sign: true })).toBe('+Rp12.3M');
    expect(formatRupiahShort(-12_350_000n)).toBe('-Rp12.4M');
    expect(formatRupiahShort(999_950_000n)).toBe('Rp1B');
    expect(formatRupiahShort(950n)).toBe('Rp950');
    expect(formatRupiahShort(2_000_000n)).toBe('Rp2M');
    expect(formatCount(41_230n)).toBe('41,230');
  });

  test('the line the plan prints', () => {
    const v = { transactions: 41_230n, amount: 8_200_000_000n };
    expect(moneyLine(volumeEffect(v, pct('1.5'), pct('1.6')))).toBe("at last 30 days' volume (41,230 tx, Rp8.2B): +Rp9.1M/month");
    expect(moneyLine(volumeEffect({ transactions: 0n, amount: 0n }, pct('1.5'), pct('1.6')))).toBe("at last 30 days' volume (0 tx, Rp0): no traffic, no cost");
  });
});
