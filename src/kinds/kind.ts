// One handler per kind of the account (the model: decK's one handler per entity type, with a
// dependency order across types). What the pipeline asks of every kind goes here; a new kind adds
// a handler to registry.ts, not a branch in the pipeline.
//
// Provider and Sequence keep their own planners (plan/build.ts, sequences/) and are registered
// through the small KindHandler adapter. The account settings (SPEC 3b: Webhooks, IpWhitelist,
// ApiKey) implement the whole ResourceKind: their changes are ResourceChange values in
// `plan.resources`, planned, checked, applied, drift-checked and imported through it alone.
import type { PaystratorClient } from '../api/client.js';
import type { AuditContext } from '../apply/audit.js';
import type { ResourceDrift } from '../drift/drift.js';
import type { DeclaredDocument, DocumentKind } from '../load/documents.js';
import type { SafetyFinding } from '../plan/checks.js';
import type { Plan, ResourceChange, ResourceKindName } from '../plan/plan.js';
import type { ResourceStaleCheck } from '../plan/stale-resources.js';
import type { SecretStore } from '../secrets/store.js';

export type { ResourceKindName } from '../plan/plan.js';
export type { StaleVerdict } from '../plan/stale-resources.js';

export type KindName = 'Provider' | 'Sequence' | ResourceKindName;

export interface KindHandler<Change> {
  readonly kind: KindName;
  /**
   * Kinds whose apply phase must be done before this one's: its changes may name what they
   * create, or it may cut the run off (the IP whitelist goes last). A kind not registered is skipped.
   */
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

/** What a setting kind's plan and guards may depend on besides its declarations and live state. */
export interface PlanContext {
  environment: string;
  company: string;
  /** The API key this run calls with (GET /v1/company names it); absent when the API does not say. */
  caller?: { id: string; name: string };
  /** `--prune` (or policy.prune): a named setting git no longer declares is retired (an ApiKey revoked). */
  prune?: boolean;
  /** Declared API keys (by name) whose file `import` wrote from the unmanaged live key of that name: taken over. */
  importedApiKeys?: ReadonlySet<string>;
}

/** A step of a setting's apply the user is told about (the CLI prints it). */
export interface ResourceEvent {
  kind: ResourceKindName;
  name: string;
  /** done/unchanged/failed end the change; info is a step on the way (a webhook test's status). */
  phase: 'done' | 'unchanged' | 'failed' | 'info';
  message?: string;
}

export interface ApplyContext {
  environment: string;
  company: string;
  /** Recorded on every write (apply/audit.ts). */
  audit?: AuditContext;
  /** The workspace's secret stores (an ApiKey writes a new key's value into its valueSink). */
  stores: ReadonlyMap<string, SecretStore>;
  onEvent(e: ResourceEvent): void;
}

/** 'written': live now holds the change; 'unchanged': it already did; 'failed': it does not (told through onEvent). */
export type ResourceOutcome = 'written' | 'unchanged' | 'failed';

/** A file `import` writes: its documents (plain values, written as YAML) under a header comment. */
export interface ImportedFile {
  file: string;
  header: string;
  documents: Record<string, unknown>[];
}

/**
 * An account-setting kind, end to end. D: a declared document's value once validated; L: the
 * kind's live state as readLive returns it. Every method but readLive and apply is pure.
 */
export interface ResourceKind<D = unknown, L = unknown> extends KindHandler<ResourceChange> {
  readonly kind: ResourceKindName;
  /** Load and validate: its JSON Schema and the rules a schema cannot say, each error at its line. */
  readonly document: DocumentKind<D>;
  /** Hashed into Plan.inputsHash: the declarations, canonical and without positions. */
  declaredInputs(declared: readonly DeclaredDocument<D>[]): unknown;
  /** Read live. Called only when git declares the kind: a kind git does not declare is not managed, and not read. */
  readLive(client: PaystratorClient): Promise<L>;
  /** Pure: the declarations and live state -> this kind's changes. */
  plan(declared: readonly DeclaredDocument<D>[], live: L, ctx: PlanContext): ResourceChange[];
  /** Safety checks (e.g. lockout), run at plan and again at apply against live as it is then. */
  guards(changes: readonly ResourceChange[], live: L, ctx: PlanContext): SafetyFinding[];
  /** A saved change against a fresh one for the same inputs (plan/stale-resources.ts has the usual rule). */
  stale: ResourceStaleCheck;
  /** Carries out one change; safe to repeat (If-Match, Idempotency-Key), never overwrites a concurrent change. */
  apply(change: ResourceChange, client: PaystratorClient, ctx: ApplyContext): Promise<ResourceOutcome>;
  /**
   * Live vs git, for each declaration. Each drifted field is a dotted path into the document, so
   * `drift --write` (drift/write.ts) writes the live value there for every kind alike.
   */
  drift(declared: readonly DeclaredDocument<D>[], live: L): ResourceDrift[];
  /** `import`: the files that declare the live state (none when live holds nothing to declare). */
  importFiles(live: L): ImportedFile[];
}
