// `apply --progressive` (issue 18): a plan's changes become steps, each small enough that its
// effect on live payments can be seen and undone. Argo Rollouts' canary steps, for routing: one
// provider at a time, least traffic first (a mistake there hurts the fewest payments), then the
// routing sequences, which move traffic between providers that are already right, then the
// account settings. A pure function of the plan and the traffic each provider carries.
//
// The settings (Webhooks, IpWhitelist, ApiKey) are one step, not one per kind: none of them routes
// a payment to a provider, so the traffic cannot tell one kind's effect from another's and the
// analysis watches every service either way; one step is one wait instead of three. Inside it the
// kinds go in the registry's order (the IP whitelist last, so a lockout cannot cut the rest off).
import type { Plan, ProviderChange, ResourceChange } from '../plan/plan.js';

export type StepKind = 'provider' | 'sequences' | 'settings';

export interface RolloutStep {
  /** 1-based, as progress and the report show it. */
  index: number;
  kind: StepKind;
  /** "provider Xendit Main", "routing sequences". */
  title: string;
  /** The providers whose changes this step applies (a sequences or settings step: none). */
  providers: string[];
  /** Services whose payments the step can affect: what analysis reads metrics for. */
  services: string[];
}

const pending = (c: ProviderChange) => c.action !== 'noop' && c.operations.length > 0;

/** Services a provider change can affect: those it serves before and after. */
export function servicesOf(change: ProviderChange, liveServices: readonly string[]): string[] {
  const out = new Set(liveServices);
  for (const op of change.operations) {
    if (op.kind === 'create' || op.kind === 'update') for (const s of op.body.services ?? []) out.add(s);
  }
  for (const f of change.fields) {
    if (f.field !== 'spec.services') continue;
    for (const v of [f.before, f.after]) if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') out.add(s);
  }
  return [...out].sort();
}

export interface StepInput {
  plan: Plan;
  /** Transactions each provider (by name) carried over the recent window; absent = none. */
  traffic: ReadonlyMap<string, bigint>;
  /** The services each live provider (by name) serves now. */
  liveServices: ReadonlyMap<string, readonly string[]>;
}

/** The account settings a plan changes, in the order their step applies them. */
export const pendingSettings = (plan: Plan): ResourceChange[] => (plan.resources ?? []).filter((r) => r.action !== 'noop' && r.operations.length > 0);

/** "Webhooks, ApiKey \"Backend\"": what a settings step changes, for its title. */
const settingsTitle = (changes: readonly ResourceChange[]) => `account settings (${changes.map((c) => (c.kind === 'ApiKey' ? `ApiKey "${c.name}"` : c.kind)).join(', ')})`;

export function rolloutSteps({ plan, traffic, liveServices }: StepInput): RolloutStep[] {
  const changes = plan.changes.filter(pending);
  const order = [...changes].sort((a, b) => {
    const ta = traffic.get(a.name) ?? 0n;
    const tb = traffic.get(b.name) ?? 0n;
    return ta < tb ? -1 : ta > tb ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const steps: RolloutStep[] = order.map((c, i) => ({
    index: i + 1,
    kind: 'provider',
    title: `provider ${c.name}`,
    providers: [c.name],
    services: servicesOf(c, liveServices.get(c.name) ?? []),
  }));
  const sequences = (plan.sequences ?? []).filter((s) => s.action !== 'noop');
  if (sequences.length) {
    steps.push({
      index: steps.length + 1,
      kind: 'sequences',
      title: sequences.length === 1 ? 'routing sequence' : `routing sequences (${sequences.length})`,
      providers: [],
      services: [...new Set(sequences.map((s) => s.product))].sort(),
    });
  }
  const settings = pendingSettings(plan);
  if (settings.length) {
    // A setting can break any payment (a webhook the merchant needs, a key its backend calls with): watch every service.
    const all = new Set<string>();
    for (const list of liveServices.values()) for (const s of list) all.add(s);
    for (const c of changes) for (const s of servicesOf(c, liveServices.get(c.name) ?? [])) all.add(s);
    steps.push({ index: steps.length + 1, kind: 'settings', title: settingsTitle(settings), providers: [], services: [...all].sort() });
  }
  return steps;
}
