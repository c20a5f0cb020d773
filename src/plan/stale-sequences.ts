// The stale check of a saved plan's sequence part (stale.ts does the providers and calls this).
import { error, type Diagnostic } from '../diagnostics.js';
import { compareKeys, describeSequence, sequenceId } from '../model/sequence.js';
import type { Plan, SequenceChange } from './plan.js';

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The sequences of a saved plan against a fresh plan of the same inputs: each one the plan writes
 * must be planned the same way, or be already as declared because an earlier run of this plan
 * wrote it. Anything else (moved live, declaration changed) makes the plan stale, named per
 * sequence. One the plan does not write that moved live is only reported (SPEC 6: stale only
 * where it matters): apply does not touch it, so the movement cannot be overwritten.
 */
export function reconcileSequences(
  saved: Pick<Plan, 'sequences'>,
  fresh: Pick<Plan, 'sequences'>,
): { moved: Diagnostic[]; sequences: SequenceChange[] | undefined; movedUntouched: string[] } {
  const key = (c: SequenceChange) => JSON.stringify([c.action, c.before, c.after, c.liveVersion]);
  const savedById = new Map((saved.sequences ?? []).map((c) => [sequenceId(c), c]));
  const freshById = new Map((fresh.sequences ?? []).map((c) => [sequenceId(c), c]));
  const moved: Diagnostic[] = [];
  const movedUntouched: string[] = [];
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
    if (s && f && s.action === 'noop' && same(s.after, f.after)) {
      movedUntouched.push(`sequence ${what} (version ${s.liveVersion ?? '-'} -> ${f.liveVersion ?? '-'}, now [${(f.before ?? []).join(', ')}])`);
      kept.push(s);
      continue;
    }
    let why: string;
    if (!s) why = 'is declared since the plan';
    else if (!f) why = 'is no longer declared';
    else if (!same(s.after, f.after)) why = 'its declaration changed since the plan';
    else why = `changed live since the plan (version ${s.liveVersion ?? 'none'} -> ${f.liveVersion ?? 'none'})`;
    moved.push(error(`sequence ${what} ${why}`, { rule: 'stale-plan' }));
  }
  return { moved, sequences: saved.sequences === undefined ? undefined : kept.sort(compareKeys), movedUntouched };
}
