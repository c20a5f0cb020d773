// Drift of the account settings: each declared kind's handler compares its live state with git.
import type { ResourceDrift } from '../drift/drift.js';
import type { DeclaredDocument } from '../load/documents.js';
import type { ResourceKindName } from './kind.js';
import { KINDS, resourceKinds, type KindHandlers } from './registry.js';

export function driftResources(declared: readonly DeclaredDocument[], liveResources: ReadonlyMap<ResourceKindName, unknown>, kinds: KindHandlers = KINDS): ResourceDrift[] {
  const out: ResourceDrift[] = [];
  for (const k of resourceKinds(kinds)) {
    const live = liveResources.get(k.kind);
    const mine = declared.filter((d) => d.kind === k.kind);
    if (live === undefined || !mine.length) continue;
    out.push(...k.drift(mine, live));
  }
  return out;
}
