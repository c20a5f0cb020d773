// What a fee, VAT or routing change costs at the volume a provider actually carries: the plan's
// "money line". Reviewers of a payments change ask "how much a month?", not "1.5 -> 1.7".
//
// The same rounding rules as `fees quote` (quote.ts), applied to the 30-day aggregate rather than
// to each transaction (the API reports aggregates): a percentage fee is round(volume x percent /
// 100), a flat fee is transactions x amount, VAT is round(fee x vatPercent / 100) on that fee.
// Per-transaction rounding can differ from this by at most half a rupiah per transaction; the
// line says "at last 30 days' volume", an estimate of the month ahead, not an invoice.
import { MAX_SCALE, toScaled } from '../model/decimal.js';
import type { Pricing } from './effect.js';
import { percentOf, roundHalfUp } from './quote.js';

/** A provider's (or a service's) traffic over a window, whole rupiah. */
export interface Volume {
  transactions: bigint;
  /** Sum of the transaction amounts, whole rupiah. */
  amount: bigint;
}

/** Fee plus VAT charged on a volume, whole rupiah. */
export function chargedOn(volume: Volume, pricing: Pricing): bigint {
  const fee =
    pricing.fee.type === 'FLAT'
      ? volume.transactions * roundHalfUp(toScaled(pricing.fee.amount), 10n ** BigInt(MAX_SCALE))
      : percentOf(volume.amount, pricing.fee.percent);
  const vat = pricing.tax.applyVat ? percentOf(fee, pricing.tax.vatPercent) : 0n;
  return fee + vat;
}

export interface VolumeEffect {
  volume: Volume;
  before: bigint;
  after: bigint;
  /** after - before: what the change adds to (or, negative, saves from) a month like the last 30 days. */
  delta: bigint;
}

export function volumeEffect(volume: Volume, before: Pricing, after: Pricing): VolumeEffect {
  const b = chargedOn(volume, before);
  const a = chargedOn(volume, after);
  return { volume, before: b, after: a, delta: a - b };
}

/** 41,230: counts as English text groups them (the line is English). */
export function formatCount(n: bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const UNITS: ReadonlyArray<[bigint, string]> = [
  [1_000_000_000_000n, 'T'],
  [1_000_000_000n, 'B'],
  [1_000_000n, 'M'],
  [1_000n, 'K'],
];

/**
 * Rp8.2B, Rp12.3M, Rp950: rupiah shortened to one decimal of the largest unit, rounded half up on
 * the exact integer (never through a float), with its sign; below a thousand, the whole amount.
 */
export function formatRupiahShort(v: bigint, opts: { sign?: boolean } = {}): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const sign = neg ? '-' : opts.sign ? '+' : '';
  for (const [unit, suffix] of UNITS) {
    if (abs < unit) continue;
    const tenths = roundHalfUp(abs * 10n, unit);
    // 999.95M rounds to 1000.0M: say 1.0B instead.
    const bigger = UNITS[UNITS.findIndex(([u]) => u === unit) - 1];
    if (tenths >= 10_000n && bigger) return `${sign}Rp${formatTenths(roundHalfUp(abs * 10n, bigger[0]))}${bigger[1]}`;
    return `${sign}Rp${formatTenths(tenths)}${suffix}`;
  }
  return `${sign}Rp${abs.toString()}`;
}

function formatTenths(tenths: bigint): string {
  const whole = tenths / 10n;
  const frac = tenths % 10n;
  return frac === 0n ? whole.toString() : `${whole.toString()}.${frac.toString()}`;
}

/** "at last 30 days' volume (41,230 tx, Rp8.2B): +Rp12.3M/month" */
export function moneyLine(effect: VolumeEffect): string {
  const { transactions, amount } = effect.volume;
  const head = `at last 30 days' volume (${formatCount(transactions)} tx, ${formatRupiahShort(amount)})`;
  if (transactions === 0n) return `${head}: no traffic, no cost`;
  return `${head}: ${effect.delta === 0n ? 'Rp0' : formatRupiahShort(effect.delta, { sign: true })}/month`;
}
