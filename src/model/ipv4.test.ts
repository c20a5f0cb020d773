import { describe, expect, it } from 'vitest';
import { parseIPv4, publicIPv4Problem } from './ipv4.js';

describe('publicIPv4Problem', () => {
  it('accepts public addresses, documentation ranges included', () => {
    for (const a of ['203.0.113.1', '203.0.113.10', '198.51.100.7', '192.0.2.255', '8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '223.255.255.255']) {
      expect(publicIPv4Problem(a), a).toBeUndefined();
    }
  });

  it('refuses what is not dotted-quad IPv4', () => {
    for (const a of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '::1', '0x7f.0.0.1', '1.2.3.4/32', '2130706433', 'a.b.c.d']) {
      expect(publicIPv4Problem(a), JSON.stringify(a)).toBe('must be an IPv4 address as four decimal numbers 0-255 without leading zeros, such as 203.0.113.10');
    }
  });

  it('names the range of an address that is not public', () => {
    const cases: [string, string][] = [
      ['0.0.0.0', '"this network" (0.0.0.0/8)'],
      ['0.255.1.1', '"this network" (0.0.0.0/8)'],
      ['10.1.2.3', 'private (10.0.0.0/8)'],
      ['100.64.0.1', 'carrier-grade NAT (100.64.0.0/10)'],
      ['100.127.255.255', 'carrier-grade NAT (100.64.0.0/10)'],
      ['127.0.0.1', 'loopback (127.0.0.0/8)'],
      ['169.254.169.254', 'link-local (169.254.0.0/16)'],
      ['172.16.0.1', 'private (172.16.0.0/12)'],
      ['172.31.255.255', 'private (172.16.0.0/12)'],
      ['192.168.1.1', 'private (192.168.0.0/16)'],
      ['192.0.0.8', 'reserved for protocol assignments (192.0.0.0/24)'],
      ['198.18.0.1', 'reserved for benchmarking (198.18.0.0/15)'],
      ['198.19.255.255', 'reserved for benchmarking (198.18.0.0/15)'],
      ['224.0.0.1', 'multicast (224.0.0.0/4)'],
      ['239.255.255.255', 'multicast (224.0.0.0/4)'],
      ['240.0.0.1', 'reserved (240.0.0.0/4)'],
      ['255.255.255.255', 'the broadcast address'],
    ];
    for (const [a, what] of cases) expect(publicIPv4Problem(a), a).toBe(`is ${what}, not a public address`);
  });

  it('parses to the 32-bit number', () => {
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('203.0.113.1')).toBe(0xcb007101);
  });
});
