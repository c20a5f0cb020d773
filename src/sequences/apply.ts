// The sequences phase of apply: after the providers phase, so a sequence can name a provider that
// the same apply created or activated. Git names providers, the API wants ids: they are resolved
// now, from live state. Each sequence is read right before it is written, and written with
// If-Match on that read (If-None-Match for a new one), so a concurrent change is never overwritten.
import { ApiError } from '../api/errors.js';
import type { PaystratorClient } from '../api/client.js';
import type { Plan } from '../plan/plan.js';
import { describeSequence } from '../model/sequence.js';
import type { SequenceChange } from './plan.js';

export interface SequenceApplyEvent {
  sequence: string;
  phase: 'done' | 'unchanged' | 'failed';
  message?: string;
}

export interface SequenceApplyResult {
  written: number;
  /** Already as declared when the phase got to them (a rerun, or Paystrator's own appends). */
  unchanged: number;
  failed: number;
  failures: { sequence: string; message: string }[];
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function applySequences(plan: Pick<Plan, 'sequences'>, client: PaystratorClient, opts: { onEvent?: (e: SequenceApplyEvent) => void } = {}): Promise<SequenceApplyResult> {
  const result: SequenceApplyResult = { written: 0, unchanged: 0, failed: 0, failures: [] };
  const work = (plan.sequences ?? []).filter((c) => c.action !== 'noop');
  if (!work.length) return result;
  const ids = new Map((await client.listProviders()).map((p) => [p.name, p.id]));
  for (const change of work) {
    const what = describeSequence(change);
    try {
      const outcome = await applyOne(change, client, ids);
      if (outcome === 'written') result.written += 1;
      else result.unchanged += 1;
      opts.onEvent?.({ sequence: what, phase: outcome === 'written' ? 'done' : 'unchanged' });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      result.failed += 1;
      result.failures.push({ sequence: what, message });
      opts.onEvent?.({ sequence: what, phase: 'failed', message });
    }
  }
  return result;
}

async function applyOne(change: SequenceChange, client: PaystratorClient, ids: ReadonlyMap<string, string>): Promise<'written' | 'unchanged'> {
  const { product, destination } = change;
  const current = await client.getSequence(product, destination);
  if (current && same(current.providers.map((p) => p.name), change.after)) return 'unchanged';
  const missing = change.after.filter((n) => !ids.has(n));
  if (missing.length) throw new Error(`${missing.map((n) => `"${n}"`).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist live; apply the providers first`);
  try {
    await client.putSequence(product, destination, change.after.map((n) => ids.get(n)!), current ? { version: current.version } : 'absent');
    return 'written';
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 412)) throw e;
    // A retried write of ours that had landed looks like a concurrent change: look before blaming.
    const now = await client.getSequence(product, destination);
    if (now && same(now.providers.map((p) => p.name), change.after)) return 'written';
    throw new Error(`it was changed by someone else while applying (live version ${now?.version ?? 'none'}); nothing was overwritten. Run plan again.`, { cause: e });
  }
}
