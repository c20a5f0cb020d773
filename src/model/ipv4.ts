// The one rule for an address an IP whitelist may hold (SPEC 3b): a public IPv4 address as dotted
// quads. Shared by the kind's validation and the sandbox's PUT, so git and the API agree on it.

// Ranges that are not a public address a company's servers call from (RFC 6890 and friends).
// The documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are deliberately absent:
// the SPEC's examples, and the sandbox's default request address, use them.
const NOT_PUBLIC: readonly [string, number, string][] = [
  ['0.0.0.0', 8, '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (10.0.0.0/8)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback (127.0.0.0/8)'],
  ['169.254.0.0', 16, 'link-local (169.254.0.0/16)'],
  ['172.16.0.0', 12, 'private (172.16.0.0/12)'],
  ['192.0.0.0', 24, 'reserved for protocol assignments (192.0.0.0/24)'],
  ['192.88.99.0', 24, 'reserved (6to4 relay, 192.88.99.0/24)'],
  ['192.168.0.0', 16, 'private (192.168.0.0/16)'],
  ['198.18.0.0', 15, 'reserved for benchmarking (198.18.0.0/15)'],
  ['224.0.0.0', 4, 'multicast (224.0.0.0/4)'],
  ['255.255.255.255', 32, 'the broadcast address'],
  ['240.0.0.0', 4, 'reserved (240.0.0.0/4)'],
];

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/** The address as a 32-bit number, or undefined when it is not canonical dotted-quad IPv4 (no leading zeros). */
export function parseIPv4(text: string): number | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

const RANGES = NOT_PUBLIC.map(([base, bits, what]) => ({ base: parseIPv4(base)!, mask: bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0, what }));

/** Why `text` cannot be whitelisted, or undefined when it is a public IPv4 address. */
export function publicIPv4Problem(text: string): string | undefined {
  const n = parseIPv4(text);
  if (n === undefined) return 'must be an IPv4 address as four decimal numbers 0-255 without leading zeros, such as 203.0.113.10';
  for (const r of RANGES) {
    if (((n & r.mask) >>> 0) === r.base) return `is ${r.what}, not a public address`;
  }
  return undefined;
}
