// The sequence part of a plan: each declared sequence against its live state, after what the
// provider operations of the same plan will do to it. Paystrator appends a provider that is
// created ACTIVE (or becomes ACTIVE, or starts offering a product) to the product's default
// sequence; a declared default that does not list it must be set again after the providers phase,
// or the next plan would show a change.
import type { LiveProvider } from '../model/state.js';
import type { ProviderChange, SequenceChange } from '../plan/plan.js';

export type { SequenceChange } from '../plan/plan.js';
export { reconcileSequences } from '../plan/stale-sequences.js';
import { compareKeys, sequenceId, type DesiredSequence, type LiveSequence } from '../model/sequence.js';

export const QRIS_PRODUCT = 'QR_CODE';

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

