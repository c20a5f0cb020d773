// The plan of the whole account: one pure function of the desired state, the live state (read
// beforehand, every kind of it) and policy. No part of the plan is added or changed after it.
import { createHash } from 'node:crypto';
import type { DesiredSequence, LiveSequence } from '../model/sequence.js';
import { buildPlan, type PlanInput } from '../plan/build.js';
import type { Plan } from '../plan/plan.js';
import { planSequences } from '../sequences/plan.js';
import { applyOrder, KINDS } from './registry.js';

export interface AccountPlanInput extends PlanInput {
  sequences: readonly DesiredSequence[];
  /** Live sequences, read beforehand; absent when they were not needed (see sequencesNeeded). */
  liveSequences?: readonly LiveSequence[];
  /** Whether an integration's QR_CODE is QRIS (the catalog's qris flag). */
  qris: (integration: string) => boolean;
}

/** Sequences are left out of a --target'ed plan (it is about the named providers only), and not read when none is declared. */
export function sequencesNeeded(declared: readonly DesiredSequence[], targets: readonly string[]): boolean {
  return declared.length > 0 && targets.length === 0;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function buildAccountPlan(input: AccountPlanInput): Plan {
  const providers = buildPlan(input);
  if (!sequencesNeeded(input.sequences, providers.options.targets) || !input.liveSequences) return providers;
  const plan: Plan = {
    ...providers,
    sequences: planSequences({ desired: input.sequences, live: input.liveSequences, changes: providers.changes, liveProviders: input.live, qris: input.qris }),
  };
  // Every kind's inputs: a plan whose declarations changed anywhere is stale (plan/stale.ts).
  return { ...plan, inputsHash: sha256(JSON.stringify([providers.inputsHash, ...applyOrder().map((k) => KINDS[k].inputs(plan))])) };
}
