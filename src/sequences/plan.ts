// The sequence part of a plan: each declared sequence against its live state, after what the
// provider operations of the same plan will do to it. Paystrator appends a provider that is
// created ACTIVE (or becomes ACTIVE, or starts offering a product) to the product's default
// sequence; a declared default that does not list it must be set again after the providers phase,
// or the next plan would show a change.
import { error, type Diagnostic } from '../diagnostics.js';
import type { LiveProvider } from '../model/state.js';
import type { Plan, ProviderChange } from '../plan/plan.js';
import { compareKeys, describeSequence, sequenceId, type DesiredSequence, type LiveSequence, type SequenceKey } from './model.js';

export const QRIS_PRODUCT = 'QR_CODE';

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
}

export interface SequencePlanInput {
  desired: readonly DesiredSequence[];
  live: readonly LiveSequence[];
  /** The provider part of the same plan. */
  changes: readonly ProviderChange[];
  liveProviders: readonly LiveProvider[];
  /** Whether an integration's QR_CODE is QRIS (the catalog's qris flag). */
  qris: (integration: string) => boolean;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Per product, the providers the plan's operations will add to its default sequence: creates that
 * are ACTIVE, status changes to ACTIVE, and services added to a provider that is ACTIVE.
 */
export function joiners(changes: readonly ProviderChange[], liveProviders: readonly LiveProvider[], qris: (integration: string) => boolean): Map<string, string[]> {
  const liveByName = new Map(liveProviders.map((l) => [l.state.name, l]));
  const out = new Map<string, string[]>();
  const add = (product: string, name: string, integration: string) => {
    if (product === QRIS_PRODUCT && !qris(integration)) return;
    const names = out.get(product);
    if (names) names.push(name);
    else out.set(product, [name]);
  };
  for (const c of changes) {
    for (const op of c.operations) {
      if (op.kind === 'create' && (op.body.status ?? 'ACTIVE') === 'ACTIVE') for (const s of op.body.services) add(s, c.name, op.body.integration);
    }
    const live = liveByName.get(c.name);
    if (!live) continue;
    const statusOp = c.operations.find((o) => o.kind === 'status');
    const status = statusOp?.kind === 'status' ? statusOp.body.status : live.state.status;
    const update = c.operations.find((o) => o.kind === 'update');
    const services = update?.kind === 'update' && update.body.services ? update.body.services : live.state.services;
    if (status !== 'ACTIVE') continue;
    const becameActive = live.state.status !== 'ACTIVE';
    for (const s of services) if (becameActive || !live.state.services.includes(s)) add(s, c.name, live.state.integration);
  }
  return out;
}

export function planSequences(input: SequencePlanInput): SequenceChange[] {
  const liveById = new Map(input.live.map((l) => [sequenceId(l), l]));
  const liveStatus = new Map(input.liveProviders.map((l) => [l.state.name, l.state.status]));
  const joining = joiners(input.changes, input.liveProviders, input.qris);
  const out: SequenceChange[] = [];
  for (const d of input.desired) {
    const live = liveById.get(sequenceId(d));
    const base = { product: d.product, destination: d.destination, file: d.file, line: d.line, after: [...d.providers] };
    if (!live) {
      out.push({ ...base, action: 'create', notes: [] });
      continue;
    }
    const before = live.providers.map((p) => p.name);
    const notes: string[] = [];
    const extra = d.destination === null ? (joining.get(d.product) ?? []).filter((n) => !before.includes(n) && !d.providers.includes(n)) : [];
    if (extra.length) {
      notes.push(`${extra.map((n) => `"${n}"`).join(', ')} will join this default when applied (Paystrator adds new ACTIVE providers to it); apply then sets the declared list`);
    }
    for (const name of d.providers) {
      if (!before.includes(name) && liveStatus.get(name) === 'MAINTENANCE' && !(joining.get(d.product) ?? []).includes(name)) {
        notes.push(`"${name}" is in MAINTENANCE live and not in this sequence yet: Paystrator adds only ACTIVE providers, so apply will fail until it is ACTIVE`);
      }
    }
    const action = same(before, d.providers) && extra.length === 0 ? 'noop' : 'update';
    out.push({ ...base, action, before, ...(extra.length ? { joining: extra } : {}), liveVersion: live.version, notes });
  }
  return out.sort(compareKeys);
}

/**
 * The sequences of a saved plan against a fresh plan of the same inputs: each one must be planned
 * the same way, or be already as declared because an earlier run of this plan wrote it. Anything
 * else (moved live, declaration changed) makes the plan stale, named per sequence.
 */
export function reconcileSequences(saved: Pick<Plan, 'sequences'>, fresh: Pick<Plan, 'sequences'>): { moved: Diagnostic[]; sequences: SequenceChange[] | undefined } {
  const key = (c: SequenceChange) => JSON.stringify([c.action, c.before, c.after, c.liveVersion]);
  const savedById = new Map((saved.sequences ?? []).map((c) => [sequenceId(c), c]));
  const freshById = new Map((fresh.sequences ?? []).map((c) => [sequenceId(c), c]));
  const moved: Diagnostic[] = [];
  const kept: SequenceChange[] = [];
  for (const id of [...new Set([...savedById.keys(), ...freshById.keys()])].sort()) {
    const s = savedById.get(id);
    const f = freshById.get(id);
    if (s && f && key(s) === key(f)) {
      kept.push(s);
      continue;
    }
    if (s && f && f.action === 'noop' && same(s.after, f.after)) {
      kept.push({ ...s, action: 'noop', before: f.before ?? [], liveVersion: f.liveVersion ?? s.liveVersion, notes: [...s.notes, 'already as declared (an earlier run of this plan wrote it)'] });
      continue;
    }
    const what = describeSequence((s ?? f)!);
    let why: string;
    if (!s) why = 'is declared since the plan';
    else if (!f) why = 'is no longer declared';
    else if (!same(s.after, f.after)) why = 'its declaration changed since the plan';
    else why = `changed live since the plan (version ${s.liveVersion ?? 'none'} -> ${f.liveVersion ?? 'none'})`;
    moved.push(error(`sequence ${what} ${why}`, { rule: 'stale-plan' }));
  }
  return { moved, sequences: saved.sequences === undefined ? undefined : kept.sort(compareKeys) };
}
