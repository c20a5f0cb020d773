// The analysis between steps of `apply --progressive`: did the step hurt payments? Read from the
// API's metrics for the providers the step changed and the services they serve. Exact: rates are
// compared as integers (successes x 10^4 against the threshold's basis points x transactions),
// never as floats that could put 0.97 a hair below 97 of 100.
import { parseDecimal, toScaled, MAX_SCALE } from '../model/decimal.js';

/** One row of GET /v1/metrics, the fields analysis needs. */
export interface MetricRow {
  providerId: string;
  providerName: string;
  service: string;
  transactions: number;
  successes: number;
}

export interface Thresholds {
  /** 0..1, e.g. 0.97. */
  minSuccessRate: number;
  /** Below this many transactions the rate is not judged. */
  minTransactions: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { minSuccessRate: 0.97, minTransactions: 20 };

export interface StepFigures {
  transactions: number;
  successes: number;
  /** "96.5%" as shown; computed from the integers. */
  successRate: string;
}

export type Verdict =
  | { outcome: 'pass'; figures: StepFigures }
  | { outcome: 'fail'; figures: StepFigures; reasons: string[] }
  /** Too few transactions yet to judge: wait another interval. */
  | { outcome: 'wait'; figures: StepFigures };

export interface StepScope {
  providers: readonly string[];
  services: readonly string[];
}

const inScope = (scope: StepScope) => (r: MetricRow) => scope.providers.includes(r.providerName) || scope.services.includes(r.service);

function figures(rows: readonly MetricRow[]): StepFigures {
  const transactions = rows.reduce((n, r) => n + r.transactions, 0);
  const successes = rows.reduce((n, r) => n + r.successes, 0);
  return { transactions, successes, successRate: formatRate(successes, transactions) };
}

/** 9650 of 10000 -> "96.5%": one decimal, rounded down, so a rate shown as passing does pass. */
export function formatRate(successes: number, transactions: number): string {
  if (transactions === 0) return 'n/a';
  const permille = Math.floor((successes * 1000) / transactions);
  return `${Math.floor(permille / 10)}.${permille % 10}%`;
}

/** minSuccessRate as an exact scaled integer (0.97 -> 9700 of 10000). */
function thresholdScaled(rate: number): bigint {
  const d = parseDecimal(String(rate));
  if (!d.ok) throw new RangeError(`minSuccessRate ${rate} is not a decimal between 0 and 1`);
  return toScaled(d.value);
}

/**
 * The step's verdict. `before` is the window before the step (who was carrying traffic), `after`
 * the window after it. It fails when the success rate over the step's scope drops below the
 * threshold, or when a provider that carried traffic before carries none after (routing stopped
 * reaching it: a rejected credential, a status, a sequence that skips it).
 */
export function analyseStep(scope: StepScope, before: readonly MetricRow[], after: readonly MetricRow[], t: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  const rows = after.filter(inScope(scope));
  const f = figures(rows);
  const reasons: string[] = [];
  // Carrying traffic is serving it: a provider offered payments that it fails all of carries none.
  // Judged on the provider's share of what the scope served before the step: a fallback that served
  // a few failovers in the last hour is not expected to serve any in a short window, and its
  // silence is no sign. Expected = share x transactions after; only an expectation of at least
  // minTransactions counts, compared as integers.
  const servedBefore = new Map<string, number>();
  for (const r of before.filter(inScope(scope))) servedBefore.set(r.providerName, (servedBefore.get(r.providerName) ?? 0) + r.successes);
  const totalBefore = [...servedBefore.values()].reduce((a, b) => a + b, 0);
  const servedAfter = new Map<string, number>();
  for (const r of rows) servedAfter.set(r.providerName, (servedAfter.get(r.providerName) ?? 0) + r.successes);
  for (const [name, served] of [...servedBefore].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (served === 0 || (servedAfter.get(name) ?? 0) > 0) continue;
    if (BigInt(served) * BigInt(f.transactions) >= BigInt(t.minTransactions) * BigInt(totalBefore) && f.transactions > 0) {
      reasons.push(`${name} served payments before the step and serves none after it`);
    }
  }
  if (f.transactions >= t.minTransactions && f.transactions > 0) {
    const scale = 10n ** BigInt(MAX_SCALE);
    if (BigInt(f.successes) * scale < thresholdScaled(t.minSuccessRate) * BigInt(f.transactions)) {
      reasons.push(`success rate ${f.successRate} (${f.successes} of ${f.transactions}) is below ${formatThreshold(t.minSuccessRate)}`);
    }
  } else if (!reasons.length) {
    return { outcome: 'wait', figures: f };
  }
  return reasons.length ? { outcome: 'fail', figures: f, reasons } : { outcome: 'pass', figures: f };
}

function formatThreshold(rate: number): string {
  const scaled = thresholdScaled(rate);
  const permille = (scaled * 1000n) / 10n ** BigInt(MAX_SCALE);
  return `${permille / 10n}.${permille % 10n}%`;
}
