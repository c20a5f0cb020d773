// Drift of routing sequences: each declared sequence's git order against its live order, told
// member by member. Pure: the live sequences and providers are read by the caller.
import type { ChangedSequence, LiveOnlySequence, MissingSequence, SequenceDifference, SequenceSection } from '../generated/drift-report.js';
import { compareKeys, sequenceId, type DesiredSequence, type LiveSequence } from '../model/sequence.js';
import type { LiveProvider } from '../model/state.js';

export type { ChangedSequence, LiveOnlySequence, MissingSequence, SequenceDifference, SequenceSection } from '../generated/drift-report.js';

export interface SequenceDriftOptions {
  /**
   * Whether a member's MAINTENANCE status counts as drift. The provider part of drift knows:
   * not when git declares the provider MAINTENANCE too, or policy.ignore keeps the status.
   * Without it, every MAINTENANCE member counts.
   */
  statusCounts?: (provider: string) => boolean;
  /** Provider names git declares; an added member that git does not declare cannot be written back. */
  gitProviders?: ReadonlySet<string>;
  /** Count live custom sequences git does not declare (the default; false with --ignore-unmanaged). */
  countUnmanaged?: boolean;
}

/** A section for when git declares no sequence: live sequences were not read, nothing to say. */
export function noSequences(): SequenceSection {
  return { declared: 0, inSync: 0, drifted: 0, changed: [], missing: [], unmanaged: [] };
}

/**
 * The indexes of `xs` that form one longest strictly increasing subsequence (patience sorting,
 * n log n: a default sequence may list thousands of providers).
 */
function longestIncreasing(xs: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array<number>(xs.length).fill(-1);
  for (let i = 0; i < xs.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]!]! < xs[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const keep = new Set<number>();
  for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) keep.add(i);
  return keep;
}

/** The differences between a git order and a live order, in git order then live order. */
export function orderDifferences(
  git: readonly string[],
  live: LiveSequence['providers'],
  liveProviders: ReadonlyMap<string, LiveProvider>,
  opts: SequenceDriftOptions = {},
): SequenceDifference[] {
  const statusCounts = opts.statusCounts ?? (() => true);
  const livePos = new Map<string, number>();
  live.forEach((m, i) => {
    if (!livePos.has(m.name)) livePos.set(m.name, i);
  });
  const gitPos = new Map<string, number>();
  git.forEach((n, i) => {
    if (!gitPos.has(n)) gitPos.set(n, i);
  });
  const statusOf = (name: string) => {
    const p = liveProviders.get(name);
    return p ? { status: p.state.status, changedBy: p.statusChangedBy } : {};
  };
  const out: SequenceDifference[] = [];
  // Members in both: the ones outside a longest run kept in the same relative order are the
  // fewest that explain the new order (a swap of two moves one of them, not both).
  const common = git.filter((n, i) => gitPos.get(n) === i && livePos.has(n));
  const kept = longestIncreasing(common.map((n) => livePos.get(n)!));
  const moved = new Set(common.filter((_, i) => !kept.has(i)));
  git.forEach((name, i) => {
    if (gitPos.get(name) !== i) return;
    const at = livePos.get(name);
    if (at === undefined) {
      out.push({ kind: 'removed-live', provider: name, gitPosition: i + 1, ...statusOf(name), counts: true });
      return;
    }
    if (moved.has(name)) out.push({ kind: 'moved', provider: name, gitPosition: i + 1, livePosition: at + 1, counts: true });
    const status = live[at]!.status;
    if (status === 'MAINTENANCE') {
      const by = liveProviders.get(name)?.statusChangedBy;
      out.push({ kind: 'maintenance', provider: name, gitPosition: i + 1, livePosition: at + 1, status, ...(by ? { changedBy: by } : {}), counts: statusCounts(name) });
    } else if (status === 'INACTIVE') {
      const by = liveProviders.get(name)?.statusChangedBy;
      out.push({ kind: 'inactive', provider: name, gitPosition: i + 1, livePosition: at + 1, status, ...(by ? { changedBy: by } : {}), counts: true });
    }
  });
  live.forEach((m, i) => {
    if (livePos.get(m.name) !== i || gitPos.has(m.name)) return;
    out.push({
      kind: 'added-live', provider: m.name, livePosition: i + 1, status: m.status,
      ...(opts.gitProviders ? { inGit: opts.gitProviders.has(m.name) } : {}), counts: true,
    });
  });
  return out;
}

/**
 * Every declared sequence against live: differing (or with a MAINTENANCE member), absent live,
 * or in sync; and the live custom sequences git does not declare. A default always exists live
 * (Paystrator keeps one per product, maybe empty), so only a custom one can be missing.
 */
export function sequenceDrift(
  declared: readonly DesiredSequence[],
  live: readonly LiveSequence[],
  liveProviders: readonly LiveProvider[],
  opts: SequenceDriftOptions = {},
): SequenceSection {
  if (!declared.length) return noSequences();
  const providers = new Map(liveProviders.map((p) => [p.state.name, p]));
  const liveById = new Map(live.map((l) => [sequenceId(l), l]));
  const declaredIds = new Set(declared.map(sequenceId));
  const changed: ChangedSequence[] = [];
  const missing: MissingSequence[] = [];
  let inSync = 0;
  for (const d of [...declared].sort(compareKeys)) {
    const where = { file: d.file, ...(d.line ? { line: d.line } : {}) };
    const l = liveById.get(sequenceId(d));
    if (!l) {
      if (d.destination === null) {
        // A default the API did not list: as if it were empty.
        const differences = orderDifferences(d.providers, [], providers, opts);
        changed.push({ product: d.product, destination: null, ...where, git: [...d.providers], live: [], liveVersion: 0, updatedAt: null, differences, counts: true });
      } else {
        missing.push({ product: d.product, destination: d.destination, ...where, git: [...d.providers] });
      }
      continue;
    }
    const differences = orderDifferences(d.providers, l.providers, providers, opts);
    const counts = differences.some((x) => x.counts);
    if (!counts) inSync += 1;
    if (!differences.length) continue;
    changed.push({
      product: d.product,
      destination: d.destination,
      ...where,
      git: [...d.providers],
      live: l.providers.map((p) => p.name),
      liveVersion: l.version,
      updatedAt: l.updatedAt,
      ...(l.updatedBy !== undefined ? { updatedBy: l.updatedBy } : {}),
      differences,
      counts,
    });
  }
  const unmanaged: LiveOnlySequence[] = live
    .filter((l): l is LiveSequence & { destination: string } => l.destination !== null && !declaredIds.has(sequenceId(l)))
    .sort(compareKeys)
    .map((l) => ({
      product: l.product,
      destination: l.destination,
      live: l.providers.map((p) => p.name),
      liveVersion: l.version,
      updatedAt: l.updatedAt,
      ...(l.updatedBy !== undefined ? { updatedBy: l.updatedBy } : {}),
    }));
  const countUnmanaged = opts.countUnmanaged ?? true;
  return {
    declared: declared.length,
    inSync,
    drifted: changed.filter((c) => c.counts).length + missing.length + (countUnmanaged ? unmanaged.length : 0),
    changed,
    missing,
    unmanaged,
  };
}
