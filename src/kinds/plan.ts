// The plan of the whole account: one pure function of the desired state, the live state (read
// beforehand, every kind of it) and policy. No part of the plan is added or changed after it.
import { createHash } from 'node:crypto';
import type { DeclaredDocument } from '../load/documents.js';
import type { DesiredSequence, LiveSequence } from '../model/sequence.js';
import { buildPlan, type PlanInput } from '../plan/build.js';
import type { SafetyFinding } from '../plan/checks.js';
import { summarizeResources, type Plan, type ResourceChange } from '../plan/plan.js';
import { withRoutingMoney } from '../sequences/money.js';
import { planSequences } from '../sequences/plan.js';
import type { PlanContext, ResourceKind, ResourceKindName } from './kind.js';
import { applyOrder, KINDS, resourceKinds, type KindHandlers } from './registry.js';

export interface AccountPlanInput extends PlanInput {
  sequences: readonly DesiredSequence[];
  /** Live sequences, read beforehand; absent when they were not needed (see sequencesNeeded). */
  liveSequences?: readonly LiveSequence[];
  /** Whether an integration's QR_CODE is QRIS (the catalog's qris flag). */
  qris: (integration: string) => boolean;
  /** Declared account settings (Webhooks, IpWhitelist, ApiKey documents). */
  resources?: readonly DeclaredDocument[];
  /** Each declared setting kind's live state, read beforehand (see resourceKindsNeeded). */
  liveResources?: ReadonlyMap<ResourceKindName, unknown>;
  /** Who the run is, for the setting kinds' plans. */
  context?: PlanContext;
  kinds?: KindHandlers;
  /** What each provider (by name) served over the last 30 days, read beforehand: the money line of a fee change. */
  volumes?: ReadonlyMap<string, { transactions: bigint; amount: bigint }>;
  /** What each product (service) carried over the last 30 days, all providers together: the money line of a sequence change that puts another provider first. */
  productVolumes?: ReadonlyMap<string, { transactions: bigint; amount: bigint }>;
}

/** Sequences are left out of a --target'ed plan (it is about the named providers only), and not read when none is declared. */
export function sequencesNeeded(declared: readonly DesiredSequence[], targets: readonly string[]): boolean {
  return declared.length > 0 && targets.length === 0;
}

/** The setting kinds to read and plan: those git declares, and none in a --target'ed plan. */
export function resourceKindsNeeded(declared: readonly DeclaredDocument[], targets: readonly string[], kinds: KindHandlers = KINDS): ResourceKind[] {
  if (targets.length) return [];
  const present = new Set(declared.map((d) => d.kind));
  return resourceKinds(kinds).filter((k) => present.has(k.kind));
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** A fee or VAT change carries the volume it applies to; not hashed, not compared when stale: it moves with every payment. */
function withVolumes(plan: Plan, volumes: AccountPlanInput['volumes']): Plan {
  if (!volumes?.size || !plan.changes.some((c) => c.pricing)) return plan;
  const changes = plan.changes.map((c) => {
    const v = c.pricing ? volumes.get(c.name) : undefined;
    return v ? { ...c, volume: { transactions: v.transactions.toString(), amount: v.amount.toString() } } : c;
  });
  return { ...plan, changes };
}

function sequencesWithMoney(input: AccountPlanInput, providers: Plan) {
  const sequences = planSequences({ desired: input.sequences, live: input.liveSequences!, changes: providers.changes, liveProviders: input.live, qris: input.qris });
  if (!input.productVolumes?.size) return sequences;
  return withRoutingMoney(sequences, { changes: providers.changes, desired: input.desired, live: input.live, volumes: input.productVolumes });
}

export function buildAccountPlan(input: AccountPlanInput): Plan {
  const kinds = input.kinds ?? KINDS;
  const providers = withVolumes(buildPlan(input), input.volumes);
  const targets = providers.options.targets;
  const withSequences = sequencesNeeded(input.sequences, targets) && input.liveSequences;
  const declared = input.resources ?? [];
  const settings = resourceKindsNeeded(declared, targets, kinds);
  if (!withSequences && !settings.length) return providers;
  const context = input.context ?? { environment: input.environment, company: input.company };
  const resources: ResourceChange[] = [];
  const declaredInputs: unknown[] = [];
  for (const k of settings) {
    const mine = declared.filter((d) => d.kind === k.kind);
    const live = input.liveResources?.get(k.kind);
    if (live === undefined) throw new Error(`the live state of ${k.kind} was not read before planning`);
    resources.push(...k.plan(mine, live, context));
    declaredInputs.push([k.kind, k.declaredInputs(mine)]);
  }
  const plan: Plan = {
    ...providers,
    ...(withSequences ? { sequences: sequencesWithMoney(input, providers) } : {}),
    ...(settings.length ? { resources, summary: { ...providers.summary, resources: summarizeResources(resources) } } : {}),
  };
  // Every kind's inputs: a plan whose declarations changed anywhere is stale (plan/stale.ts).
  const kindInputs = applyOrder(kinds).map((k) => kinds[k]!.inputs(plan));
  return { ...plan, inputsHash: sha256(JSON.stringify([providers.inputsHash, ...kindInputs, ...(declaredInputs.length ? [declaredInputs] : [])])) };
}

/** The setting kinds' guards (lockout) for this plan, against their live state as read now. */
export function resourceFindings(plan: Plan, liveResources: ReadonlyMap<ResourceKindName, unknown>, context: PlanContext, kinds: KindHandlers = KINDS): SafetyFinding[] {
  const out: SafetyFinding[] = [];
  for (const k of resourceKinds(kinds)) {
    const changes = (plan.resources ?? []).filter((r) => r.kind === k.kind);
    const live = liveResources.get(k.kind);
    if (changes.length && live !== undefined) out.push(...k.guards(changes, live, context));
  }
  return out;
}
