import { error, type Diagnostic } from '../diagnostics.js';
import type { LiveProvider } from '../model/state.js';
import { reconcileSequences } from './stale-sequences.js';
import { PLAN_FORMAT_VERSION, summaryOf, type Plan, type ProviderChange } from './plan.js';
import { reconcileResources, type ResourceStaleCheck } from './stale-resources.js';

const comparable = (c: ProviderChange) => JSON.stringify([c.action, c.id, c.liveVersion, c.fields, c.operations]);

export interface ReconciledPlan {
  /** One error per provider that moved since the plan; when any, nothing may be applied. */
  moved: Diagnostic[];
  /** The saved plan, less what an earlier run of it already did. */
  plan: Plan;
  /** Providers whose whole change an earlier run of this plan already made. */
  alreadyApplied: string[];
  /** Providers that moved live since the plan but that it neither changes nor depends on: reported, not refused. */
  movedUntouched: string[];
}

/**
 * The services whose coverage the saved plan changes: those of every provider whose status or
 * services it changes (before and after). A provider serving one of them counts for its coverage.
 */
function coveredServices(saved: Plan, live: ReadonlyMap<string, LiveProvider>): Set<string> {
  const out = new Set<string>();
  for (const c of saved.changes) {
    if (!c.operations.length) continue;
    const touchesCoverage = c.action === 'create' || c.action === 'deactivate' || c.fields.some((f) => f.field === 'spec.status' || f.field === 'spec.services');
    if (!touchesCoverage) continue;
    for (const s of live.get(c.name)?.state.services ?? []) out.add(s);
    for (const f of c.fields) {
      if (f.field !== 'spec.services') continue;
      for (const v of [f.before, f.after]) if (Array.isArray(v)) for (const x of v) out.add(typeof x === 'string' ? x : JSON.stringify(x));
    }
  }
  return out;
}

const describeLive = (l: LiveProvider | undefined) => (l ? `now ${l.state.status}${l.statusChangedBy !== 'API' ? ` by ${l.statusChangedBy}` : ''}` : 'gone live');

/**
 * How far an earlier, interrupted run of the saved change got, judged from the fresh change for
 * the same desired state. 'done' when nothing is left to do and live got there by the saved
 * change's own writes: a create whose (idempotent) result exists, or a live version that moved
 * by exactly one per saved operation. 'partial' when what is left is exactly the tail of the
 * saved operations and the live version moved by exactly our own writes so far. Live already
 * as desired without our writes is not progress: the saved change was not what live needed.
 */
export function progress(saved: ProviderChange, fresh: ProviderChange | undefined, unmanaged: ReadonlySet<string>): 'done' | 'partial' | undefined {
  if (!saved.operations.length) return undefined;
  // A deactivated provider that git no longer declares drops out of the plan altogether.
  if (!fresh) return saved.action === 'deactivate' && saved.liveVersion !== undefined && !unmanaged.has(saved.name) ? 'done' : undefined;
  if (!fresh.operations.length) {
    if (saved.action === 'create') return saved.liveVersion === undefined && fresh.liveVersion !== undefined ? 'done' : undefined;
    return saved.liveVersion !== undefined && fresh.liveVersion === saved.liveVersion + saved.operations.length ? 'done' : undefined;
  }
  const done = saved.operations.length - fresh.operations.length;
  if (done < 1 || saved.liveVersion === undefined || fresh.liveVersion !== saved.liveVersion + done) return undefined;
  if (JSON.stringify(fresh.operations) !== JSON.stringify(saved.operations.slice(done))) return undefined;
  const savedFields = new Set(saved.fields.map((f) => JSON.stringify(f)));
  return fresh.fields.every((f) => savedFields.has(JSON.stringify(f))) ? 'partial' : undefined;
}

/**
 * A saved plan applies only if live state is what it was when the plan was made, provider by
 * provider, or already where the plan takes it: an earlier run of this same plan that was killed
 * or failed half-way may have made some of its changes (all of one provider's, or the first of its
 * operations), and a rerun finishes the rest. Any other movement, a changed input file or a
 * secret whose fingerprint differs makes the plan stale: each provider that moved is named.
 */
export function reconcileSavedPlan(saved: Plan, fresh: Plan, liveNow?: readonly LiveProvider[], opts: { resourceStale?: (kind: NonNullable<Plan['resources']>[number]['kind']) => ResourceStaleCheck } = {}): ReconciledPlan {
  const movedUntouched: string[] = [];
  const stale = (d: Diagnostic[]): ReconciledPlan => ({ moved: d, plan: saved, alreadyApplied: [], movedUntouched });
  if (saved.formatVersion !== PLAN_FORMAT_VERSION) {
    return stale([error(`the plan file has format version ${String(saved.formatVersion)}; this version of paystrator-gitops reads ${PLAN_FORMAT_VERSION}`, { rule: 'stale-plan' })]);
  }
  if (saved.environment !== fresh.environment || saved.company !== fresh.company) {
    return stale([error(`the plan is for environment ${saved.environment} (company ${saved.company}), not ${fresh.environment} (company ${fresh.company})`, { rule: 'stale-plan' })]);
  }
  const sameInputs = saved.inputsHash === fresh.inputsHash;
  const unmanaged = new Set(fresh.unmanaged.map((u) => u.name));
  const moved: Diagnostic[] = [];
  const changes: ProviderChange[] = [];
  const alreadyApplied: string[] = [];
  const freshByName = new Map(fresh.changes.map((c) => [c.name, c]));
  const savedByName = new Map(saved.changes.map((c) => [c.name, c]));
  // Without live state (older callers) every movement counts, as before.
  const liveByName = liveNow ? new Map(liveNow.map((l) => [l.state.name, l])) : undefined;
  const covered = liveByName ? coveredServices(saved, liveByName) : undefined;
  for (const name of [...new Set([...savedByName.keys(), ...freshByName.keys()])].sort()) {
    const s = savedByName.get(name);
    const f = freshByName.get(name);
    if (s && f && comparable(s) === comparable(f)) {
      changes.push(s);
      continue;
    }
    // Only with the same inputs does "live now matches the fresh plan" mean it matches the saved one.
    const p = sameInputs && s ? progress(s, f, unmanaged) : undefined;
    if (s && p === 'done') {
      alreadyApplied.push(name);
      changes.push({ ...s, action: 'noop', id: f?.id ?? s.id, liveVersion: f?.liveVersion ?? s.liveVersion, fields: [], notes: [...(f?.notes ?? []), 'already applied by an earlier run of this plan'], operations: [] });
      continue;
    }
    if (s && f && p === 'partial') {
      changes.push({ ...f, notes: [...f.notes, `${s.operations.length - f.operations.length} of ${s.operations.length} steps already applied by an earlier run of this plan`] });
      continue;
    }
    // A provider the plan does not change matters only when it serves a service whose coverage
    // the plan changes (SPEC 6: stale only where it matters); otherwise its movement is news.
    if (s && !s.operations.length && liveByName && covered && f && s.id === f.id) {
      const l = liveByName.get(name);
      const counts = (l?.state.services ?? []).some((x) => covered.has(x));
      if (!counts) {
        movedUntouched.push(`${name} (version ${s.liveVersion ?? '-'} -> ${f.liveVersion ?? '-'}, ${describeLive(l)})`);
        changes.push(s);
        continue;
      }
    }
    let why: string;
    if (!s) why = 'appeared since the plan';
    else if (!f) why = 'is no longer part of the plan';
    else if (s.liveVersion !== f.liveVersion) why = f.liveVersion === undefined ? 'no longer exists live' : s.liveVersion === undefined ? 'was created live since the plan' : `changed live since the plan (version ${s.liveVersion} -> ${f.liveVersion})`;
    else why = 'its desired state or one of its secrets changed since the plan';
    moved.push(error(`${name} ${why}`, { rule: 'stale-plan' }));
  }
  const seq = reconcileSequences(saved, fresh);
  moved.push(...seq.moved);
  const res = reconcileResources(saved.resources, fresh.resources, opts.resourceStale);
  moved.push(...res.moved);
  alreadyApplied.push(...res.alreadyApplied);
  if (!moved.length && !sameInputs) moved.push(error('the provider files or plan options changed since the plan', { rule: 'stale-plan' }));
  if (moved.length) return stale(moved);
  const order = new Map(saved.changes.map((c, i) => [c.name, i]));
  changes.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
  const resources = res.resources ? { resources: res.resources } : {};
  return { moved, plan: { ...saved, changes, ...(seq.sequences ? { sequences: seq.sequences } : {}), ...resources, summary: summaryOf({ changes, unmanaged: saved.unmanaged, ...resources }) }, alreadyApplied, movedUntouched };
}

/** The providers that moved since the saved plan was made (empty: it may be applied). */
export function staleness(saved: Plan, fresh: Plan): Diagnostic[] {
  return reconcileSavedPlan(saved, fresh).moved;
}
