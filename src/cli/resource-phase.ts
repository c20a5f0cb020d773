// The apply phase of a setting kind (Webhooks, IpWhitelist, ApiKey), printed. Settings do not
// name providers, so an earlier failed phase does not hold them back.
import type { PaystratorClient } from '../api/client.js';
import type { AuditContext } from '../apply/audit.js';
import { applyResourceKind, resourceLabel } from '../kinds/apply.js';
import type { ResourceKindName } from '../kinds/kind.js';
import { pendingOf } from '../kinds/registry.js';
import type { Plan } from '../plan/plan.js';
import type { SecretStore } from '../secrets/store.js';
import { escapeText as t } from '../text/escape.js';
import type { Io } from './io.js';

export interface ResourcePhaseContext {
  environment: string;
  company: string;
  audit?: AuditContext;
  stores: ReadonlyMap<string, SecretStore>;
}

/** false when a change of this kind failed (the apply then exits 1). */
export async function runResourcePhase(io: Io, plan: Plan, kind: ResourceKindName, client: PaystratorClient, ctx: ResourcePhaseContext): Promise<boolean> {
  if (!pendingOf(plan, kind)) return true;
  io.out('\n');
  const r = await applyResourceKind(plan, kind, client, {
    ...ctx,
    onEvent: (e) => {
      const what = resourceLabel(e);
      const msg = e.message ? t(e.message) : '';
      if (e.phase === 'done') io.out(`  ~ ${what}: ${msg || 'set'}\n`);
      if (e.phase === 'unchanged') io.out(`    ${what}: ${msg || 'already as declared'}\n`);
      if (e.phase === 'info') io.out(`    ${what}: ${msg}\n`);
      if (e.phase === 'failed') io.err(io.style.red(`  ! ${what}: failed: ${msg}`) + '\n');
    },
  });
  const text = `${kind} ${r.failed ? 'finished with failures' : 'complete'}: ${r.written} set, ${r.unchanged} already as declared, ${r.failed} failed.`;
  io.out((r.failed ? io.style.red(text) : io.style.green(text)) + '\n');
  return r.failed === 0;
}
