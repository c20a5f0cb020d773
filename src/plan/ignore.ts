// policy.ignore (SPEC 4): fields owned by automation. Plan leaves them as they are live and drift
// does not count them; both ask this one function, so they always agree.
import type { Json } from '../diff/diff.js';
import type { IgnoreRule } from '../generated/config.js';
import { MANAGED_BY_LABEL, type LiveProvider } from '../model/state.js';

const RULE_FIELDS: Record<IgnoreRule['field'], (field: string) => boolean> = {
  status: (f) => f === 'spec.status',
  fee: (f) => f === 'spec.fee' || f.startsWith('spec.fee.'),
  tax: (f) => f.startsWith('spec.tax.'),
  services: (f) => f === 'spec.services',
  labels: (f) => f.startsWith('metadata.labels.') && f !== `metadata.labels.${MANAGED_BY_LABEL}`,
};

/**
 * The policy.ignore rule that keeps this live value, if any. Only status says who changed it, so a
 * rule with `changedBy` matches status alone; `value` is compared with the live value's text.
 */
export function ignoredBy(rules: readonly IgnoreRule[], f: { field: string; live?: Json }, live: LiveProvider): IgnoreRule | undefined {
  return rules.find((r) => {
    if (!RULE_FIELDS[r.field]?.(f.field)) return false;
    if (r.when?.changedBy && (f.field !== 'spec.status' || r.when.changedBy !== live.statusChangedBy)) return false;
    if (r.when?.value !== undefined && r.when.value !== (typeof f.live === 'string' ? f.live : JSON.stringify(f.live))) return false;
    return true;
  });
}
