import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimal, fromScaled, parseDecimal, toScaled } from './decimal.js';

describe('exact decimals', () => {
  it('canonicalises equal values to one form', () => {
    for (const t of ['1.5', '1.50', '01.5000']) expect(parseDecimal(t)).toEqual({ ok: true, value: '1.5' });
    expect(parseDecimal('0')).toEqual({ ok: true, value: '0' });
    expect(parseDecimal('100.0000')).toEqual({ ok: true, value: '100' });
  });

  it('refuses more than 4 decimal places and binary-float artefacts', () => {
    expect(parseDecimal('1.2345')).toEqual({ ok: true, value: '1.2345' });
    expect(parseDecimal('1.23456').ok).toBe(false);
    const r = parseDecimal(String(0.1 + 0.2));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('17 decimal places');
  });

  it('refuses what is not a plain decimal', () => {
    for (const t of ['1e3', '-1', '1,5', '', '.5', 'abc']) expect(parseDecimal(t).ok).toBe(false);
  });

  it('compares and scales exactly', () => {
    expect(compareDecimal('1.5', '1.50')).toBe(0);
    expect(compareDecimal('0.0001', '0')).toBe(1);
    expect(toScaled('12.3456')).toBe(123456n);
    expect(fromScaled(toScaled('1.5'))).toBe('1.5');
    expect(compareDecimal('100', '99.9999')).toBe(1);
    expect(compareDecimal('9', '10')).toBe(-1);
  });

  it('orders any two canonical decimals as their exact values do', () => {
    const canonical = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 9999 })).map(([i, f]) => parseDecimal(`${i}.${String(f).padStart(4, '0')}`));
    fc.assert(
      fc.property(canonical, canonical, (a, b) => {
        if (!a.ok || !b.ok) throw new Error('not canonical');
        const [x, y] = [toScaled(a.value), toScaled(b.value)];
        expect(compareDecimal(a.value, b.value)).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
    );
  });
});
