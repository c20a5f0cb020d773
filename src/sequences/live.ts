// Reads live sequences and adds the sequence part to a plan. One request, and none at all when
// git declares no sequence, so plans of repositories without sequences cost what they did.
import type { PaystratorClient } from '../api/client.js';
import type { Catalog } from '../catalog/catalog.js';
import type { LiveProvider } from '../model/state.js';
import type { Plan } from '../plan/plan.js';
import { toLiveSequence, type DesiredSequence } from '../model/sequence.js';
import { planSequences } from './plan.js';

/** Sequences are left out of a --target'ed plan: it is about the named providers only. */
export async function attachSequencePlan(plan: Plan, client: PaystratorClient, desired: readonly DesiredSequence[], liveProviders: readonly LiveProvider[], catalog: Catalog): Promise<void> {
  if (desired.length === 0 || plan.options.targets.length > 0) return;
  const live = (await client.listSequences()).map(toLiveSequence);
  plan.sequences = planSequences({
    desired,
    live,
    changes: plan.changes,
    liveProviders,
    qris: (integration) => catalog.get(integration)?.qris === true,
  });
}
