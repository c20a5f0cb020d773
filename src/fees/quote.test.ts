// The fee arithmetic against a reference written another way: the decimal text is read as a
// fraction digit by digit (not through toScaled), and half-up is floor((2n + d) / 2d) (not a
// quotient/remainder comparison). Both are integer-only; any disagreement is a bug in one of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromScaled } from '../model/decimal.js';
import type { FeeState, TaxState } from '../model/state.js';
import { describeFee, formatRupiah, parseAmount, percentOf, quote, roundHalfUp } from './quote.js';

/** "12.345" -> [12345n, 1000n]. */
function fraction(decimal: string): [bigint, bigint] {
  const [int, frac = ''] = decimal.split('.');
  return [BigInt(`${int}${frac}`), 10n ** BigInt(frac.length)];
}

const refHalfUp = (n: bigint, d: bigint): bigint => (2n * n + d) / (2n * d);

function reference(amount: bigint, fee: FeeState, tax: TaxState): { fee: bigint; vat: bigint; total: bigint } {
  let charged: bigint;
  if (fee.type === 'FLAT') charged = BigInt(fee.amount);
  else {
    const [num, den] = fraction(fee.percent);
    charged = refHalfUp(amount * num, 100n * den);
  }
  let vat = 0n;
  if (tax.applyVat) {
    const [num, den] = fraction(tax.vatPercent);
    vat = refHalfUp(charged * num, 100n * den);
  }
  return { fee: charged, vat, total: charged + vat };
}

/** A percentage 0..100 with up to 4 decimal places, in canonical form. */
const percentArb = fc.integer({ min: 0, max: 1_000_000 }).map((scaled) => fromScaled(BigInt(scaled)));
/** Exactly 4 decimal places (the last digit is not 0). */
const fourPlacesArb = fc
  .integer({ min: 0, max: 999_999 })
  .filter((s) => s % 10 !== 0)
  .map((scaled) => fromScaled(BigInt(scaled)));
const amountArb = fc.bigInt({ min: 0n, max: 10n ** 13n });
const feeArb: fc.Arbitrary<FeeState> = fc.oneof(
  percentArb.map((percent): FeeState => ({ type: 'PERCENTAGE', percent })),
  fc.bigInt({ min: 0n, max: 10_000_000n }).map((a): FeeState => ({ type: 'FLAT', amount: a.toString(), currency: 'IDR' })),
);
const taxArb: fc.Arbitrary<TaxState> = fc.record({ vatPercent: percentArb, applyVat: fc.boolean() });

const pct = (percent: string): FeeState => ({ type: 'PERCENTAGE', percent });
const noVat: TaxState = { vatPercent: '11', applyVat: false };
const vat = (vatPercent: string): TaxState => ({ vatPercent, applyVat: true });

describe('fee quotes (property-based, against an integer reference)', () => {
  it('agree with the reference for any amount, fee and VAT', () => {
    fc.assert(
      fc.property(amountArb, feeArb, taxArb, (amount, fee, tax) => {
        expect(quote(amount, fee, tax)).toEqual(reference(amount, fee, tax));
      }),
      { numRuns: 2000 },
    );
  });

  it('agree with the reference for percentages with exactly 4 decimal places', () => {
    fc.assert(
      fc.property(amountArb, fourPlacesArb, fourPlacesArb, (amount, p, v) => {
        expect(quote(amount, pct(p), vat(v))).toEqual(reference(amount, pct(p), vat(v)));
      }),
      { numRuns: 1000 },
    );
  });

  it('0% charges nothing and 100% charges the whole amount', () => {
    fc.assert(
      fc.property(amountArb, taxArb, (amount, tax) => {
        expect(quote(amount, pct('0'), tax)).toEqual({ fee: 0n, vat: 0n, total: 0n });
        const full = quote(amount, pct('100'), tax);
        expect(full.fee).toBe(amount);
        expect(full.vat).toBe(tax.applyVat ? reference(amount, pct('100'), tax).vat : 0n);
        expect(quote(amount, pct('100'), vat('100')).total).toBe(2n * amount);
      }),
    );
  });

  it('round half up: the rounded fee is within (-0.5, +0.5] rupiah of the exact one', () => {
    fc.assert(
      fc.property(amountArb, fc.integer({ min: 0, max: 1_000_000 }), (amount, scaled) => {
        const D = 1_000_000n;
        const exactTimesD = amount * BigInt(scaled);
        const fee = percentOf(amount, fromScaled(BigInt(scaled)));
        const error2 = 2n * (fee * D - exactTimesD);
        expect(error2 > -D && error2 <= D).toBe(true);
      }),
    );
  });

  it('rounds an exact x.5 up and anything below it down', () => {
    // 0.0001% of 500000 + 1e6·m is exactly m + 0.5; one rupiah less is m + 0.499999.
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), (m) => {
        expect(percentOf(500_000n + 1_000_000n * m, '0.0001')).toBe(m + 1n);
        expect(percentOf(499_999n + 1_000_000n * m, '0.0001')).toBe(m);
        // 50% of an odd amount is always x.5.
        expect(percentOf(2n * m + 1n, '50')).toBe(m + 1n);
      }),
    );
    expect(quote(50n, pct('1'), noVat).fee).toBe(1n); // 0.5
    expect(quote(49n, pct('1'), noVat).fee).toBe(0n); // 0.49
    expect(quote(150n, pct('1'), noVat).fee).toBe(2n); // 1.5
    expect(quote(250n, pct('1'), noVat).fee).toBe(3n); // 2.5: half up, not half to even
    // VAT is rounded on its own, on the rounded fee: fee 50, 1% VAT = 0.5 -> 1.
    expect(quote(0n, { type: 'FLAT', amount: '50', currency: 'IDR' }, vat('1'))).toEqual({ fee: 50n, vat: 1n, total: 51n });
    expect(quote(0n, { type: 'FLAT', amount: '49', currency: 'IDR' }, vat('1'))).toEqual({ fee: 49n, vat: 0n, total: 49n });
  });

  it('VAT is computed on the rounded fee, not on the exact one', () => {
    // 0.5% of 2,900 = 14.5 -> fee 15; 10% VAT of 15 = 1.5 -> 2, while 10% of the exact 14.5 = 1.45 would give 1.
    expect(quote(2_900n, pct('0.5'), vat('10'))).toEqual({ fee: 15n, vat: 2n, total: 17n });
  });

  it('a flat fee does not depend on the amount; a percentage fee never decreases as the amount grows', () => {
    fc.assert(
      fc.property(amountArb, amountArb, percentArb, taxArb, (a, b, p, tax) => {
        const flat: FeeState = { type: 'FLAT', amount: '4000', currency: 'IDR' };
        expect(quote(a, flat, tax)).toEqual(quote(b, flat, tax));
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(quote(lo, pct(p), tax).total <= quote(hi, pct(p), tax).total).toBe(true);
      }),
    );
  });

  it('the total is always fee + VAT, and VAT is 0 when it does not apply', () => {
    fc.assert(
      fc.property(amountArb, feeArb, taxArb, (amount, fee, tax) => {
        const q = quote(amount, fee, tax);
        expect(q.total).toBe(q.fee + q.vat);
        if (!tax.applyVat) expect(q.vat).toBe(0n);
      }),
    );
  });

  it('matches worked examples', () => {
    expect(quote(1_500_000n, pct('1.5'), vat('11'))).toEqual({ fee: 22_500n, vat: 2_475n, total: 24_975n });
    expect(quote(1_500_000n, { type: 'FLAT', amount: '4000', currency: 'IDR' }, vat('11'))).toEqual({ fee: 4_000n, vat: 440n, total: 4_440n });
    expect(quote(1_500_000n, pct('2.9'), noVat)).toEqual({ fee: 43_500n, vat: 0n, total: 43_500n });
    expect(quote(333n, pct('0.7'), vat('11'))).toEqual({ fee: 2n, vat: 0n, total: 2n }); // 2.331 -> 2; 0.22 -> 0
  });

  it('refuses negative inputs instead of rounding them the wrong way', () => {
    expect(() => quote(-1n, pct('1'), noVat)).toThrow(RangeError);
    expect(() => roundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe('rupiah amounts', () => {
  it('formats with dots between thousands, and the digits survive', () => {
    expect(formatRupiah(0n)).toBe('Rp0');
    expect(formatRupiah(999n)).toBe('Rp999');
    expect(formatRupiah(1000n)).toBe('Rp1.000');
    expect(formatRupiah(1_500_000n)).toBe('Rp1.500.000');
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), (v) => {
        const text = formatRupiah(v);
        expect(text).toMatch(/^Rp\d{1,3}(\.\d{3})*$/);
        expect(BigInt(text.slice(2).replaceAll('.', ''))).toBe(v);
      }),
    );
  });

  it('parses whole rupiah typed on the command line, and refuses anything ambiguous', () => {
    expect(parseAmount('1500000')).toEqual({ ok: true, value: 1_500_000n });
    expect(parseAmount('1_500_000')).toEqual({ ok: true, value: 1_500_000n });
    expect(parseAmount('0')).toEqual({ ok: true, value: 0n });
    expect(parseAmount('007')).toEqual({ ok: true, value: 7n });
    for (const bad of ['1.500.000', '1,500,000', '1.5', '-5', '', 'Rp1000', '1e6', '_1', '1__0', '12345678901234567']) {
      expect(parseAmount(bad).ok, bad).toBe(false);
    }
  });

  it('describes a fee as configured', () => {
    expect(describeFee(pct('1.5'))).toBe('1.5%');
    expect(describeFee({ type: 'FLAT', amount: '4000', currency: 'IDR' })).toBe('Rp4.000 flat');
  });
});
