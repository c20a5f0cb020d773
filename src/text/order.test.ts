import { describe, expect, it } from 'vitest';
import { compareText } from './order.js';

describe('compareText', () => {
  it('orders names case-insensitively, then by code unit, the same under any locale', () => {
    const names = ['Xendit Main', 'bca-direct', 'OVO', 'BCA Direct', 'dana-qris', 'bca-Direct', 'Midtrans Cards', 'ovo'];
    expect([...names].sort(compareText)).toEqual(['BCA Direct', 'bca-Direct', 'bca-direct', 'dana-qris', 'Midtrans Cards', 'OVO', 'ovo', 'Xendit Main']);
  });

  it('is a total order: equal only for the same text', () => {
    expect(compareText('OVO', 'ovo')).not.toBe(0);
    expect(compareText('ovo', 'OVO')).toBe(-compareText('OVO', 'ovo'));
    expect(compareText('same', 'same')).toBe(0);
  });
});
