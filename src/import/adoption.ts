// After `import`, the first plan changes nothing a reviewer has to read: each imported provider
// gets its secrets written once so their fingerprints are recorded, and the managed-by label that
// adopts it. The plan says so in one line, so "no change but secrets" is stated, not inferred.
import { MANAGED_BY_LABEL } from '../model/state.js';
import type { Plan } from '../plan/plan.js';

const LABEL_FIELD = `metadata.labels.${MANAGED_BY_LABEL}`;

/** The line, when every change of the plan is only pending secret fingerprints and the adoption label. */
export function adoptionOnlySummary(plan: Plan): string | undefined {
  const active = plan.changes.filter((c) => c.action !== 'noop');
  if (!active.length || (plan.sequences ?? []).some((s) => s.action !== 'noop')) return undefined;
  let secrets = 0;
  let adopted = 0;
  for (const c of active) {
    if (c.action !== 'update') return undefined;
    for (const f of c.fields) {
      if (f.sensitive && f.pending) secrets += 1;
      else if (f.field === LABEL_FIELD && f.before === undefined) adopted += 1;
      else return undefined;
    }
  }
  if (secrets === 0) return undefined;
  const s = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const adopting = adopted ? `, and ${s(adopted, 'provider')} get${adopted === 1 ? 's' : ''} the ${MANAGED_BY_LABEL} label that adopts ${adopted === 1 ? 'it' : 'them'}` : '';
  return `Sensitive changes only: ${s(secrets, 'secret')} without a fingerprint live ${secrets === 1 ? 'is' : 'are'} written once to record ${secrets === 1 ? 'its fingerprint' : 'their fingerprints'}${adopting}. No other field changes.`;
}
