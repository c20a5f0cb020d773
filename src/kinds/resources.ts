import type { Plan, ResourceChange, ResourceKindName } from '../plan/plan.js';

/** The part of a plan's resources that is this kind's, for a ResourceKind's `changes`. */
export const resourcesOf = (plan: Plan, kind: ResourceKindName): readonly ResourceChange[] => (plan.resources ?? []).filter((r) => r.kind === kind);
