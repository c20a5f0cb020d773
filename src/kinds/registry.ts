// The kinds, and the order their apply phases run in: each after the kinds it names in `after`.
import type { ProviderChange, SequenceChange } from '../plan/plan.js';
import type { Plan } from '../plan/plan.js';
import type { KindHandler, KindName } from './kind.js';

export const providerKind: KindHandler<ProviderChange> = {
  kind: 'Provider',
  after: [],
  changes: (plan) => plan.changes,
  pending: (c) => c.action !== 'noop',
  // The provider inputs are hashed by plan/build.ts already (with the plan options).
  inputs: () => null,
};

export const sequenceKind: KindHandler<SequenceChange> = {
  kind: 'Sequence',
  // Paystrator resolves a sequence's provider names to ids: the providers must exist first.
  after: ['Provider'],
  changes: (plan) => plan.sequences ?? [],
  pending: (c) => c.action !== 'noop',
  inputs: (plan) => (plan.sequences ?? []).map((s) => [s.product, s.destination, s.after]),
};

export interface KindHandlers {
  Provider: KindHandler<ProviderChange>;
  Sequence: KindHandler<SequenceChange>;
}

export const KINDS: KindHandlers = { Provider: providerKind, Sequence: sequenceKind };

/** The kinds in dependency order (a stable topological sort; a cycle is a bug, thrown). */
export function applyOrder(kinds: KindHandlers = KINDS): KindName[] {
  const out: KindName[] = [];
  const visiting = new Set<KindName>();
  const visit = (k: KindName) => {
    if (out.includes(k)) return;
    if (visiting.has(k)) throw new Error(`kind dependency cycle through ${k}`);
    visiting.add(k);
    for (const d of kinds[k].after) visit(d);
    out.push(k);
  };
  for (const k of Object.keys(kinds) as KindName[]) visit(k);
  return out;
}

/** How many changes of this kind apply has to make. */
export function pendingOf(plan: Plan, kind: KindName, kinds: KindHandlers = KINDS): number {
  const h = kinds[kind] as KindHandler<unknown>;
  return h.changes(plan).filter((c) => h.pending(c)).length;
}
