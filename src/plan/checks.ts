// The plan's safety checks, octoDNS `raise_if_unsafe` style: separate from building the plan and
// from applying it, run when planning and again right before applying (against live state as it is
// then). Each check has an override flag; a saved plan records the overrides it was made with.
import { error, ExitError, warning, type Diagnostic } from '../diagnostics.js';
import type { LiveProvider, ProviderStatus } from '../model/state.js';
import type { Plan, PlanOverrides, ProviderChange } from './plan.js';
import { compareText } from '../text/order.js';

/**
 * Below this many live providers (policy.maxChangeMinLive) the change threshold does not apply: on
 * a small account any change is a large share, and a guard that always fires teaches people to
 * always override it (octoDNS's MIN_EXISTING_RECORDS, 10, for the same reason). Service coverage
 * still guards it, and the plan says the threshold was skipped.
 */
export const MIN_LIVE_FOR_CHANGE_THRESHOLD = 10;

export type SafetyCheck = 'large-change' | 'service-outage' | 'lockout';

export interface SafetyFinding {
  check: SafetyCheck;
  message: string;
}

export const OVERRIDE_FLAGS: Record<SafetyCheck, { flag: string; key: keyof PlanOverrides }> = {
  'large-change': { flag: '--allow-large-change', key: 'allowLargeChange' },
  'service-outage': { flag: '--allow-service-outage', key: 'allowServiceOutage' },
  lockout: { flag: '--allow-lockout', key: 'allowLockout' },
};

export interface CheckPolicy {
  maxChangePercent: number;
  /** Default MIN_LIVE_FOR_CHANGE_THRESHOLD. */
  maxChangeMinLive?: number;
}

const minLive = (policy: CheckPolicy) => policy.maxChangeMinLive ?? MIN_LIVE_FOR_CHANGE_THRESHOLD;
const changedLive = (plan: Plan) => plan.changes.filter((c) => c.id !== undefined && c.operations.length > 0).length;

/**
 * The checks that did not apply to this plan, and why, for the plan to say so: a guard that is off
 * without a word reads as a guard that passed. Only when the plan writes to a live provider.
 */
export function skippedChecks(plan: Plan, live: readonly LiveProvider[], policy: CheckPolicy): string[] {
  const min = minLive(policy);
  if (live.length >= min || changedLive(plan) === 0) return [];
  return [`the mass-change guard applies from ${min} live providers (policy.maxChangeMinLive); this account has ${live.length}`];
}

/** The plan with `checks` set from skippedChecks (absent when none was skipped). */
export function withCheckNotes(plan: Plan, live: readonly LiveProvider[], policy: CheckPolicy): Plan {
  const checks = skippedChecks(plan, live, policy);
  const rest = { ...plan };
  delete rest.checks;
  return checks.length ? { ...rest, checks } : rest;
}

/** Live providers the plan writes to, over all live providers (creates change no live provider). */
function largeChange(plan: Plan, live: readonly LiveProvider[], policy: CheckPolicy): SafetyFinding[] {
  const total = live.length;
  const changed = changedLive(plan);
  if (total < minLive(policy) || changed * 100 <= policy.maxChangePercent * total) return [];
  const pct = Math.round((changed * 1000) / total) / 10;
  return [{ check: 'large-change', message: `the plan changes ${changed} of ${total} live providers (${pct}%), more than policy.maxChangePercent (${policy.maxChangePercent}%)` }];
}

interface Routing {
  status: ProviderStatus;
  services: string[];
}

/** What each live provider's status and services will be once the plan is applied. */
function afterPlan(plan: Plan, live: readonly LiveProvider[]): Map<string, Routing> {
  const after = new Map<string, Routing>(live.map((l) => [l.state.name, { status: l.state.status, services: l.state.services }]));
  for (const c of plan.changes) {
    for (const op of c.operations) {
      const cur = after.get(c.name);
      if (op.kind === 'create') after.set(c.name, { status: op.body.status ?? 'ACTIVE', services: op.body.services });
      else if (cur && op.kind === 'update' && op.body.services) after.set(c.name, { ...cur, services: op.body.services });
      else if (cur && op.kind === 'status') after.set(c.name, { ...cur, status: op.body.status });
    }
  }
  return after;
}

/** A service that has ACTIVE providers now and would have none: a payment outage for it. */
function serviceOutage(plan: Plan, live: readonly LiveProvider[]): SafetyFinding[] {
  const after = afterPlan(plan, live);
  const changeOf = new Map<string, ProviderChange>(plan.changes.map((c) => [c.name, c]));
  const activeNow = new Map<string, string[]>();
  for (const l of live) {
    if (l.state.status !== 'ACTIVE') continue;
    for (const s of l.state.services) {
      const names = activeNow.get(s);
      if (names) names.push(l.state.name);
      else activeNow.set(s, [l.state.name]);
    }
  }
  const activeAfter = new Set<string>();
  for (const r of after.values()) if (r.status === 'ACTIVE') for (const s of r.services) activeAfter.add(s);

  const out: SafetyFinding[] = [];
  for (const [service, names] of [...activeNow].sort(([a], [b]) => compareText(a, b))) {
    if (activeAfter.has(service)) continue;
    const why = names.sort().map((name) => {
      const r = after.get(name)!;
      const what = r.status !== 'ACTIVE' ? `ACTIVE -> ${r.status}` : `no longer serves ${service}`;
      return `${name} (${what}${changeOf.get(name)?.action === 'deactivate' ? ', removed from git' : ''})`;
    });
    out.push({ check: 'service-outage', message: `${service} would be left with no ACTIVE provider: ${why.join(', ')}` });
  }
  return out;
}

/**
 * Every check that fails for this plan against this live state, overridden or not. `more`: the
 * findings of the account-setting kinds' own guards (lockout, src/kinds/), which need their live state.
 */
export function safetyFindings(plan: Plan, live: readonly LiveProvider[], policy: CheckPolicy, more: readonly SafetyFinding[] = []): SafetyFinding[] {
  return [...largeChange(plan, live, policy), ...serviceOutage(plan, live), ...more];
}

/**
 * Throws an ExitError naming every failed check that was not overridden; returns the overridden
 * ones as warnings, so the output still says what was allowed and by which flag.
 */
export function raiseIfUnsafe(plan: Plan, live: readonly LiveProvider[], policy: CheckPolicy, overrides: PlanOverrides, more: readonly SafetyFinding[] = []): Diagnostic[] {
  const findings = safetyFindings(plan, live, policy, more);
  const refused = findings.filter((f) => !overrides[OVERRIDE_FLAGS[f.check].key]);
  if (refused.length) {
    const flags = [...new Set(refused.map((f) => OVERRIDE_FLAGS[f.check].flag))];
    throw new ExitError(
      refused.map((f) => error(`unsafe plan: ${f.message}`, { rule: f.check })),
      `Nothing was changed. If this is intended, review the plan and run again with ${flags.join(' ')}.`,
    );
  }
  return findings.map((f) => warning(`${f.message} (allowed by ${OVERRIDE_FLAGS[f.check].flag})`, { rule: f.check }));
}

/** The overrides in force: those recorded in a saved plan, plus those given now. */
export function mergeOverrides(...all: (Partial<PlanOverrides> | undefined)[]): PlanOverrides {
  return {
    allowLargeChange: all.some((o) => o?.allowLargeChange === true),
    allowServiceOutage: all.some((o) => o?.allowServiceOutage === true),
    ...(all.some((o) => o?.allowLockout === true) ? { allowLockout: true as const } : {}),
  };
}
