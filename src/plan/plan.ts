// The Plan is a plain, serializable value: it carries what will change and the exact requests
// that apply will send, with secrets only as references and fingerprints. Computing it
// (build.ts), showing it (render.ts) and carrying it out (apply/) are separate.
import type { ProviderCreate, ProviderPatch, StatusChange } from '../generated/api.js';
import type { FieldChange } from '../diff/diff.js';
import type { ProviderStatus, SecretRefTarget } from '../model/state.js';
import type { PricingChange } from '../fees/effect.js';
import type { SequenceKey } from '../model/sequence.js';

// 2: the file carries a digest of its content (planfile.ts), options.adopt and checks.
export const PLAN_FORMAT_VERSION = 2;

export type Action = 'create' | 'update' | 'deactivate' | 'noop';

/** A secret credential as the plan knows it: where it comes from and what it hashed to. */
export interface SecretBinding {
  ref: SecretRefTarget;
  fingerprint: string;
}

export type Operation =
  | { kind: 'create'; idempotencyKey: string; body: ProviderCreate; secrets: Record<string, SecretBinding> }
  | { kind: 'update'; body: ProviderPatch; secrets: Record<string, SecretBinding> }
  | { kind: 'status'; body: StatusChange };

export interface ProviderChange {
  name: string;
  action: Action;
  /** Where the provider is declared, when it is. */
  file?: string;
  line?: number;
  /** The live provider this change was computed against. */
  id?: string;
  liveVersion?: number;
  fields: FieldChange[];
  /** Things the user should know that are not changes (e.g. a field kept by policy.ignore). */
  notes: string[];
  operations: Operation[];
  /** Fee and VAT before and after, when the change touches them (for "on Rp1.000.000: ..."). */
  pricing?: PricingChange;
  /** With pricing: what the provider served over the last 30 days (whole numbers), for the money line. */
  volume?: { transactions: string; amount: string };
}

export interface UnmanagedProvider {
  name: string;
  id: string;
  status: ProviderStatus;
}

/** Safety checks (checks.ts) the user chose to override; a saved plan carries them to apply. */
export interface PlanOverrides {
  allowLargeChange: boolean;
  allowServiceOutage: boolean;
  /** `--allow-lockout`: a setting change that may lock this very run out of the API (SPEC 3b). Absent: not given. */
  allowLockout?: true;
}

export const NO_OVERRIDES: PlanOverrides = { allowLargeChange: false, allowServiceOutage: false };

/** The kinds of account settings (SPEC 3b) that a plan carries as ResourceChange values. */
export type ResourceKindName = 'Webhooks' | 'IpWhitelist' | 'ApiKey';

export type ResourceAction = 'create' | 'update' | 'revoke' | 'noop';

/**
 * One request a setting kind's apply sends, as data: the kind's handler (src/kinds/) knows what
 * `kind` means. Bodies hold no secret value (an API key's value is never planned).
 */
export interface ResourceOperation {
  kind: string;
  body?: { [k: string]: unknown };
  idempotencyKey?: string;
}

/** The change of one account setting (a Webhooks or IpWhitelist document, one ApiKey). */
export interface ResourceChange {
  kind: ResourceKindName;
  /** The identity: metadata.name, or the kind itself for a kind there is one of per environment. */
  name: string;
  action: ResourceAction;
  /** Where it is declared. */
  file?: string;
  line?: number;
  /** The live object this change was computed against, and its version (its ETag). */
  id?: string;
  liveVersion?: number;
  fields: FieldChange[];
  notes: string[];
  operations: ResourceOperation[];
}

export interface Plan {
  formatVersion: number;
  tool: { name: 'paystrator-gitops'; version: string };
  environment: string;
  endpoint: string;
  /** The company the plan was computed for; apply refuses another. */
  company: string;
  createdAt: string;
  /** Hash of the desired model and plan options: a saved plan is stale when it changes. */
  inputsHash: string;
  /** adopt: live providers git did not manage, taken over with `plan --adopt NAME` (absent: none). */
  options: { prune: boolean; targets: string[]; adopt?: string[] };
  overrides: PlanOverrides;
  changes: ProviderChange[];
  /** Declared routing sequences; absent when none are declared (or the plan is --target'ed). */
  sequences?: SequenceChange[];
  /** Account settings (Webhooks, IpWhitelist, ApiKey), in apply order; absent when git declares none. */
  resources?: ResourceChange[];
  unmanaged: UnmanagedProvider[];
  /** Safety checks that did not apply to this plan, and why (checks.ts). */
  checks?: string[];
  summary: PlanSummary;
}

/** The sequence part of a plan (computed by sequences/plan.ts). */
export interface SequenceChange extends SequenceKey {
  action: 'create' | 'update' | 'noop';
  file: string;
  line: number;
  /** Provider names live, in order; absent when the destination has no sequence yet. */
  before?: string[];
  /** The declared provider names, in order: what apply writes. */
  after: string[];
  /** Providers the plan's provider operations add to this default, which it does not declare. */
  joining?: string[];
  liveVersion?: number;
  notes: string[];
  /** When the change puts a different provider first: the fee difference on the product's last 30 days (sequences/money.ts). Not hashed: it moves with every payment. */
  money?: RoutingMoney;
}

/** Whole numbers as strings (a plan is JSON); amounts in whole rupiah. */
export interface RoutingMoney {
  /** The first eligible (ACTIVE) provider live, and the one after the plan. */
  from: string;
  to: string;
  /** What the product carried over the last 30 days, every provider together. */
  transactions: string;
  amount: string;
  /** Fee plus VAT on that volume at the old first provider's pricing, at the new one's, and after - before. */
  before: string;
  after: string;
  delta: string;
}

export interface PlanSummary {
  create: number;
  update: number;
  deactivate: number;
  noop: number;
  unmanaged: number;
  /** The account settings' changes, by action; absent when the plan has none. */
  resources?: Record<ResourceAction, number>;
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== 'noop') || (plan.sequences ?? []).some((s) => s.action !== 'noop') || (plan.resources ?? []).some((r) => r.action !== 'noop');
}

export function summarizeResources(resources: readonly ResourceChange[]): Record<ResourceAction, number> {
  const s: Record<ResourceAction, number> = { create: 0, update: 0, revoke: 0, noop: 0 };
  for (const r of resources) s[r.action] += 1;
  return s;
}

/** The summary of a plan whose provider or resource part was replaced (stale.ts). */
export function summaryOf(plan: Pick<Plan, 'changes' | 'unmanaged' | 'resources'>): PlanSummary {
  const s = summarize(plan.changes, plan.unmanaged.length);
  return plan.resources ? { ...s, resources: summarizeResources(plan.resources) } : s;
}

export function summarize(changes: ProviderChange[], unmanaged: number): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, deactivate: 0, noop: 0, unmanaged };
  for (const c of changes) s[c.action] += 1;
  return s;
}
