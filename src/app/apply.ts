// The apply of a reviewed plan across every kind, one phase per kind in the registry's dependency
// order (kinds/registry.ts applyOrder). It writes nothing to the terminal: it tells a listener what
// happens as it happens, and returns what each phase did; src/cli/commands/apply.ts renders both
// and picks the exit code.
import type { PaystratorClient } from '../api/client.js';
import { applyPlan, DEFAULT_PARALLELISM, type ApplyEvent, type ApplyResult } from '../apply/apply.js';
import type { AuditContext } from '../apply/audit.js';
import { applyResourceKind, type ResourcePhaseResult } from '../kinds/apply.js';
import type { KindName, ResourceEvent, ResourceKindName } from '../kinds/kind.js';
import { applyOrder, pendingOf } from '../kinds/registry.js';
import type { Plan } from '../plan/plan.js';
import type { ResolvedSecrets } from '../secrets/resolver.js';
import type { SecretStore } from '../secrets/store.js';
import { applySequences, type SequenceApplyEvent, type SequenceApplyResult } from '../sequences/apply.js';

export interface ApplyRunOptions {
  environment: string;
  secrets: ResolvedSecrets;
  stores: ReadonlyMap<string, SecretStore>;
  /** Recorded on every write (apply/audit.ts). */
  audit?: AuditContext;
  parallelism?: number;
}

/** What one phase did. A phase with nothing pending is 'nothing' and tells the listener nothing. */
export type PhaseOutcome =
  | { kind: 'Provider'; status: 'done'; result: ApplyResult; /** The API kept failing and the client's retry budget ran out. */ retryBudgetExhausted: boolean }
  | { kind: 'Sequence'; status: 'done'; result: SequenceApplyResult }
  /** Not run: an earlier phase failed, and a sequence may name the provider that was not created. */
  | { kind: 'Sequence'; status: 'held'; pending: number }
  | { kind: ResourceKindName; status: 'done'; result: ResourcePhaseResult }
  | { kind: KindName; status: 'nothing' };

/** A step inside a phase, told synchronously as it happens. */
export type ApplyStepEvent =
  | { type: 'provider'; event: ApplyEvent }
  | { type: 'sequence'; event: SequenceApplyEvent }
  /** A setting's change ended, or a step on its way (a webhook test's status). */
  | { type: 'resource'; event: ResourceEvent };

export interface ApplyListener {
  /** A phase with work is about to start (the providers phase always runs). */
  phaseStarted(kind: KindName): void;
  step(e: ApplyStepEvent): void;
  /** Awaited before the next phase starts. A held phase is finished without having started. */
  phaseFinished(outcome: Exclude<PhaseOutcome, { status: 'nothing' }>): void | Promise<void>;
  /** The phase threw (a bug or an unexpected transport failure); the error propagates after this. */
  phaseAborted(kind: KindName): void;
}

export interface ApplyRunResult {
  /** Every kind's phase, in the order they ran. */
  phases: PhaseOutcome[];
  providers: ApplyResult;
  /** A phase failed or was held: the apply did not do all of the plan. */
  failed: boolean;
}

export async function applyAccountPlan(plan: Plan, client: PaystratorClient, opts: ApplyRunOptions, listener: ApplyListener): Promise<ApplyRunResult> {
  const phases: PhaseOutcome[] = [];
  let providers: ApplyResult | undefined;
  let failed = false;
  for (const kind of applyOrder()) {
    const outcome = await runPhase(kind, failed);
    if (outcome.status !== 'nothing') await listener.phaseFinished(outcome);
    phases.push(outcome);
    if (outcome.kind === 'Provider' && outcome.status === 'done') providers = outcome.result;
    if (!succeeded(outcome)) failed = true;
  }
  // applyOrder always holds Provider (the registry's root); the fallback is for a registry without it.
  return { phases, providers: providers ?? { created: 0, updated: 0, statusChanges: 0, failed: 0, failures: [], skipped: [], retries: 0 }, failed };

  async function runPhase(kind: KindName, earlierFailed: boolean): Promise<PhaseOutcome> {
    if (kind === 'Provider') {
      listener.phaseStarted(kind);
      try {
        const result = await applyPlan(plan, client, opts.secrets, {
          parallelism: opts.parallelism ?? DEFAULT_PARALLELISM,
          onEvent: (event) => listener.step({ type: 'provider', event }),
          audit: opts.audit,
        });
        return { kind, status: 'done', result, retryBudgetExhausted: client.retries?.exhausted === true };
      } catch (e) {
        listener.phaseAborted(kind);
        throw e;
      }
    }
    const pending = pendingOf(plan, kind);
    if (!pending) return { kind, status: 'nothing' };
    if (kind === 'Sequence') {
      if (earlierFailed) return { kind, status: 'held', pending };
      listener.phaseStarted(kind);
      const result = await applySequences(plan, client, { onEvent: (event) => listener.step({ type: 'sequence', event }) });
      return { kind, status: 'done', result };
    }
    // Settings do not name providers, so an earlier failed phase does not hold them back.
    listener.phaseStarted(kind);
    const result = await applyResourceKind(plan, kind, client, {
      environment: opts.environment,
      company: plan.company,
      audit: opts.audit,
      stores: opts.stores,
      onEvent: (event) => listener.step({ type: 'resource', event }),
    });
    return { kind, status: 'done', result };
  }
}

function succeeded(o: PhaseOutcome): boolean {
  if (o.status === 'nothing') return true;
  if (o.status === 'held') return false;
  if (o.kind === 'Provider') return !(o.result.failed || o.result.skipped.length);
  return o.result.failed === 0;
}
