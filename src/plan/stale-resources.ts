// The stale check of a saved plan's account settings (Webhooks, IpWhitelist, ApiKey): stale.ts
// does the providers and calls this. Each setting carries its live version (its ETag): a saved
// change applies only against the version it was planned on, or is already done.
import { error, type Diagnostic } from '../diagnostics.js';
import type { ResourceChange } from './plan.js';

/** How a saved setting change stands against a fresh one for the same inputs. */
export type StaleVerdict = { state: 'same' } | { state: 'done'; note: string } | { state: 'moved'; why: string };

export type ResourceStaleCheck = (saved: ResourceChange, fresh: ResourceChange | undefined) => StaleVerdict;

const comparable = (c: ResourceChange) => JSON.stringify([c.action, c.id, c.liveVersion, c.fields, c.operations]);

/**
 * The rule every setting kind uses unless its handler brings another: planned the same way
 * (same live version, same requests) is the same; nothing left to do after live moved by exactly
 * the saved writes is an earlier run of this plan; anything else moved.
 */
export const defaultResourceStale: ResourceStaleCheck = (saved, fresh) => {
  if (!fresh) return { state: 'moved', why: 'is no longer part of the plan' };
  if (comparable(saved) === comparable(fresh)) return { state: 'same' };
  const writes = saved.operations.length;
  if (fresh.action === 'noop' && writes > 0 && (saved.liveVersion === undefined ? fresh.liveVersion !== undefined : fresh.liveVersion !== undefined && fresh.liveVersion >= saved.liveVersion + 1)) {
    return { state: 'done', note: 'already applied by an earlier run of this plan' };
  }
  if (saved.liveVersion !== fresh.liveVersion) {
    return { state: 'moved', why: `changed live since the plan (version ${saved.liveVersion ?? 'none'} -> ${fresh.liveVersion ?? 'none'})` };
  }
  return { state: 'moved', why: 'its declaration changed since the plan' };
};

const keyOf = (c: Pick<ResourceChange, 'kind' | 'name'>) => `${c.kind}\u0000${c.name}`;
export const describeResource = (c: Pick<ResourceChange, 'kind' | 'name'>) => (c.name === c.kind ? c.kind : `${c.kind} ${JSON.stringify(c.name)}`);

export function reconcileResources(
  saved: readonly ResourceChange[] | undefined,
  fresh: readonly ResourceChange[] | undefined,
  checkOf: (kind: ResourceChange['kind']) => ResourceStaleCheck = () => defaultResourceStale,
): { moved: Diagnostic[]; resources: ResourceChange[] | undefined; alreadyApplied: string[] } {
  const moved: Diagnostic[] = [];
  const alreadyApplied: string[] = [];
  const kept: ResourceChange[] = [];
  const freshByKey = new Map((fresh ?? []).map((c) => [keyOf(c), c]));
  const savedKeys = new Set((saved ?? []).map(keyOf));
  for (const s of saved ?? []) {
    const f = freshByKey.get(keyOf(s));
    const v = checkOf(s.kind)(s, f);
    if (v.state === 'same') kept.push(s);
    else if (v.state === 'done') {
      alreadyApplied.push(describeResource(s));
      kept.push({ ...s, action: 'noop', id: f?.id ?? s.id, ...(f?.liveVersion !== undefined ? { liveVersion: f.liveVersion } : {}), fields: [], notes: [...s.notes, v.note], operations: [] });
    } else moved.push(error(`${describeResource(s)} ${v.why}`, { rule: 'stale-plan' }));
  }
  for (const f of fresh ?? []) if (!savedKeys.has(keyOf(f))) moved.push(error(`${describeResource(f)} is declared since the plan`, { rule: 'stale-plan' }));
  return { moved, resources: saved === undefined ? undefined : kept, alreadyApplied };
}
