// The sequences phase of `apply`, printed: runs after the providers phase (kinds/registry.ts), and
// not at all when an earlier phase failed (a sequence may name the provider that was not created).
import type { PaystratorClient } from '../api/client.js';
import type { Plan } from '../plan/plan.js';
import { pendingOf } from '../kinds/registry.js';
import { applySequences } from '../sequences/apply.js';
import { escapeText as t } from '../text/escape.js';
import type { Io } from './io.js';

/** false when a sequence could not be applied (the apply then exits 1). */
export async function runSequencePhase(io: Io, plan: Plan, client: PaystratorClient, providersFailed: boolean): Promise<boolean> {
  const pending = pendingOf(plan, 'Sequence');
  if (!pending) return true;
  if (providersFailed) {
    io.err(io.style.red(`Sequences not applied (${pending}): a provider change failed, and a sequence may name that provider. Fix it and apply again.`) + '\n');
    return false;
  }
  io.out('\n');
  const r = await applySequences(plan, client, {
    onEvent: (e) => {
      if (e.phase === 'done') io.out(`  ~ sequence ${t(e.sequence)}: set\n`);
      if (e.phase === 'unchanged') io.out(`    sequence ${t(e.sequence)}: already as declared\n`);
      if (e.phase === 'failed') io.err(io.style.red(`  ! sequence ${t(e.sequence)}: failed: ${e.message ?? ''}`) + '\n');
    },
  });
  const text = `Sequences ${r.failed ? 'finished with failures' : 'complete'}: ${r.written} set, ${r.unchanged} already as declared, ${r.failed} failed.`;
  io.out('\n' + (r.failed ? io.style.red(text) : io.style.green(text)) + '\n');
  return r.failed === 0;
}
