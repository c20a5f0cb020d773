// The kinds, and the order their apply phases run in: each after the kinds it names in `after`.
import type { DocumentKind } from '../load/documents.js';
import type { ProviderChange, SequenceChange } from '../plan/plan.js';
import type { Plan } from '../plan/plan.js';
import { defaultResourceStale, type ResourceStaleCheck } from '../plan/stale-resources.js';
import { ipWhitelistKind } from './ip-whitelist.js';
import { apiKeyKind } from './api-key.js';
import type { KindHandler, KindName, ResourceKind, ResourceKindName } from './kind.js';
import { webhooksKind } from './webhooks.js';

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

export type KindHandlers = {
  Provider: KindHandler<ProviderChange>;
  Sequence: KindHandler<SequenceChange>;
} & { [K in ResourceKindName]?: ResourceKind };

export const KINDS: KindHandlers = {
  Provider: providerKind,
  Sequence: sequenceKind,
  Webhooks: webhooksKind,
  ApiKey: apiKeyKind,
  IpWhitelist: ipWhitelistKind,
};

/** The kinds in dependency order (a stable topological sort; a cycle is a bug, thrown). */
export function applyOrder(kinds: KindHandlers = KINDS): KindName[] {
  const out: KindName[] = [];
  const visiting = new Set<KindName>();
  const visit = (k: KindName) => {
    if (out.includes(k) || !kinds[k]) return;
    if (visiting.has(k)) throw new Error(`kind dependency cycle through ${k}`);
    visiting.add(k);
    for (const d of kinds[k].after) visit(d);
    out.push(k);
  };
  for (const k of Object.keys(kinds) as KindName[]) visit(k);
  return out;
}

/** The setting kinds (ResourceKind), in apply order. */
export function resourceKinds(kinds: KindHandlers = KINDS): ResourceKind[] {
  return applyOrder(kinds).flatMap((k) => (k === 'Provider' || k === 'Sequence' ? [] : [kinds[k]!]));
}

/** The documents the loader accepts beyond Provider and Sequence. */
export function documentKinds(kinds: KindHandlers = KINDS): DocumentKind[] {
  return resourceKinds(kinds).map((k) => k.document);
}

/** The stale rule of each setting kind, for plan/stale.ts. */
export function resourceStale(kinds: KindHandlers = KINDS): (kind: ResourceKindName) => ResourceStaleCheck {
  return (kind) => kinds[kind]?.stale ?? defaultResourceStale;
}

/** How many changes of this kind apply has to make. */
export function pendingOf(plan: Plan, kind: KindName, kinds: KindHandlers = KINDS): number {
  const h = kinds[kind] as KindHandler<unknown> | undefined;
  return h ? h.changes(plan).filter((c) => h.pending(c)).length : 0;
}

export { resourcesOf } from './resources.js';
