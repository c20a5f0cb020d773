// One handler per kind of the account (the model: decK's one handler per entity type, with a
// dependency order across types). What the pipeline asks of every kind goes here; a new kind
// (webhooks, IP whitelist, API keys) adds a handler to registry.ts and a phase runner where
// TypeScript then asks for one (cli/commands/apply.ts), not a branch in the pipeline.
import type { Plan } from '../plan/plan.js';

export type KindName = 'Provider' | 'Sequence';

export interface KindHandler<Change> {
  readonly kind: KindName;
  /** Kinds whose apply phase must be done before this one's: its changes may name what they create. */
  readonly after: readonly KindName[];
  /** This kind's part of a plan. */
  changes(plan: Plan): readonly Change[];
  /** Whether apply has something to do for this change. */
  pending(change: Change): boolean;
  /**
   * What a saved plan of this kind depends on, canonical and free of positions (file, line):
   * hashed into Plan.inputsHash, so an edited declaration makes the plan stale.
   */
  inputs(plan: Plan): unknown;
}
