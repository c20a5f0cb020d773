// The apply phase of one setting kind: its pending changes, one at a time (a setting is one
// object live; its writes are conditional on the version each was planned against).
import type { PaystratorClient } from '../api/client.js';
import type { Plan } from '../plan/plan.js';
import { describeResource } from '../plan/stale-resources.js';
import { escapeText } from '../text/escape.js';
import type { ApplyContext, ResourceKindName } from './kind.js';
import { KINDS, type KindHandlers } from './registry.js';

export interface ResourcePhaseResult {
  written: number;
  unchanged: number;
  failed: number;
}

export async function applyResourceKind(plan: Plan, kind: ResourceKindName, client: PaystratorClient, ctx: ApplyContext, kinds: KindHandlers = KINDS): Promise<ResourcePhaseResult> {
  const handler = kinds[kind];
  const result: ResourcePhaseResult = { written: 0, unchanged: 0, failed: 0 };
  if (!handler) return result;
  for (const change of handler.changes(plan)) {
    if (!handler.pending(change)) continue;
    let outcome;
    try {
      outcome = await handler.apply(change, client, ctx);
    } catch (e) {
      // An API error names the operation and the API's problem; it is outside text, escaped where printed.
      ctx.onEvent({ kind, name: change.name, phase: 'failed', message: e instanceof Error ? e.message : String(e) });
      outcome = 'failed' as const;
    }
    result[outcome === 'written' ? 'written' : outcome === 'unchanged' ? 'unchanged' : 'failed'] += 1;
  }
  return result;
}

/** "Webhooks", "ApiKey \"Backend\"": how a setting is named in output. */
export const resourceLabel = (c: { kind: ResourceKindName; name: string }) => escapeText(describeResource(c));
