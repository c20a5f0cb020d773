import { describe, expect, it } from 'vitest';
import type { LiveProvider, ProviderState } from '../model/state.js';
import { buildPlan, type PlanInput } from './build.js';
import { progress, reconcileSavedPlan } from './stale.js';
import { desiredProvider, liveProvider, planInput, providerState } from '../../test/helpers/states.js';

const live = (s: ProviderState, version: number, over: Partial<LiveProvider> = {}): LiveProvider => liveProvider(s, { version, ...over });
const plan = (d: ProviderState[], l: LiveProvider[], over: Partial<PlanInput> = {}) => buildPlan(planInput(d.map((s) => desiredProvider(s)), l, over));

const fee = (percent: string) => ({ type: 'PERCENTAGE' as const, percent });
const messages = (r: ReturnType<typeof reconcileSavedPlan>) => r.moved.map((d) => d.message);

describe('reconcileSavedPlan', () => {
  const a = providerState('A');
  const b = providerState('B');
  // Git: create C; A gets a new fee and goes to MAINTENANCE (an update, then a status change); B unchanged.
  const want = [{ ...a, fee: fee('2'), status: 'MAINTENANCE' as const }, b, providerState('C')];
  const saved = plan(want, [live(a, 3), live(b, 1)]);

  it('applies the saved plan as it is when nothing moved', () => {
    const r = reconcileSavedPlan(saved, plan(want, [live(a, 3), live(b, 1)]));
    expect(r.moved).toEqual([]);
    expect(r.plan.changes).toEqual(saved.changes);
    expect(r.alreadyApplied).toEqual([]);
  });

  it('skips what an interrupted run of the same plan already did and keeps only the rest', () => {
    // The earlier run created C and patched A's fee (version 3 -> 4), then was killed.
    const now = [live({ ...a, fee: fee('2') }, 4), live(b, 1), live(providerState('C'), 1, { id: 'prv_C' })];
    const r = reconcileSavedPlan(saved, plan(want, now));
    expect(r.moved).toEqual([]);
    expect(r.alreadyApplied).toEqual(['C']);
    const byName = new Map(r.plan.changes.map((c) => [c.name, c]));
    expect(byName.get('C')).toMatchObject({ action: 'noop', operations: [], notes: ['already applied by an earlier run of this plan'] });
    // A: only the status change is left, against the version our own patch produced.
    expect(byName.get('A')).toMatchObject({ action: 'update', liveVersion: 4, operations: [{ kind: 'status', body: { status: 'MAINTENANCE' } }] });
    expect(byName.get('A')!.notes).toContain('1 of 2 steps already applied by an earlier run of this plan');
    expect(r.plan.summary).toMatchObject({ create: 0, update: 1, noop: 2 });
    // Everything done: nothing left.
    const done = [live({ ...a, fee: fee('2'), status: 'MAINTENANCE' }, 5), live(b, 1), live(providerState('C'), 1)];
    const all = reconcileSavedPlan(saved, plan(want, done));
    expect(all.moved).toEqual([]);
    expect(all.alreadyApplied).toEqual(['A', 'C']);
    expect(all.plan.changes.every((c) => c.operations.length === 0)).toBe(true);
  });

  it('counts a deactivation that was made as done, though the provider left the plan', () => {
    const pruneSaved = plan([b], [live(a, 2), live(b, 1)], { prune: true });
    expect(pruneSaved.changes.find((c) => c.name === 'A')?.action).toBe('deactivate');
    const r = reconcileSavedPlan(pruneSaved, plan([b], [live({ ...a, status: 'INACTIVE' }, 3), live(b, 1)], { prune: true }));
    expect(r.moved).toEqual([]);
    expect(r.alreadyApplied).toEqual(['A']);
  });

  it('is stale when a provider moved other than by this plan, naming each one', () => {
    // Someone patched A (version 3 -> 4) to another fee, and B changed too.
    const r = reconcileSavedPlan(saved, plan(want, [live({ ...a, fee: fee('7') }, 4), live({ ...b, fee: fee('9') }, 2)]));
    expect(messages(r)).toEqual(['A changed live since the plan (version 3 -> 4)', 'B changed live since the plan (version 1 -> 2)']);
  });

  it('is stale when a partial run is followed by someone else\'s change', () => {
    // Our patch landed (3 -> 4), then someone else wrote (4 -> 5): the rest is no longer ours to finish.
    const r = reconcileSavedPlan(saved, plan(want, [live({ ...a, fee: fee('2') }, 5), live(b, 1)]));
    expect(messages(r)).toEqual(['A changed live since the plan (version 3 -> 5)']);
  });

  it('is stale when an untouched provider moved, even if the plan still leaves it alone', () => {
    const r = reconcileSavedPlan(saved, plan(want, [live(a, 3), live(b, 2)]));
    expect(messages(r)).toEqual(['B changed live since the plan (version 1 -> 2)']);
  });

  it('does not count live state as progress once the inputs changed', () => {
    // The files now ask for what live already has: that is not this plan having been applied.
    const r = reconcileSavedPlan(saved, plan([a, b, providerState('C')], [live(a, 3), live(b, 1), live(providerState('C'), 1)]));
    expect(messages(r)).toEqual([
      'A its desired state or one of its secrets changed since the plan',
      'C was created live since the plan',
    ]);
  });

  it('does not call a change "already applied" when live is as desired without the change\'s own writes', () => {
    // A no-op change rewritten into a deactivate: live did not move, so nothing of it was applied.
    const edited = {
      ...saved,
      changes: saved.changes.map((c) =>
        c.name === 'B'
          ? { ...c, action: 'deactivate' as const, fields: [{ field: 'spec.status', before: 'ACTIVE', after: 'INACTIVE' }], operations: [{ kind: 'status' as const, body: { status: 'INACTIVE' as const, reason: 'edited' } }] }
          : c,
      ),
    };
    const r = reconcileSavedPlan(edited, plan(want, [live(a, 3), live(b, 1)]));
    expect(r.alreadyApplied).toEqual([]);
    expect(messages(r)).toEqual(['B its desired state or one of its secrets changed since the plan']);
  });

  it('counts an update as done only when live moved by exactly its own operations', () => {
    const target = { ...a, fee: fee('2'), status: 'MAINTENANCE' as const };
    const savedA = saved.changes.find((c) => c.name === 'A')!;
    const freshAt = (version: number) => plan(want, [live(target, version), live(b, 1)]).changes.find((c) => c.name === 'A');
    expect(progress(savedA, freshAt(5), new Set())).toBe('done');
    // As desired, but by someone else's single write (3 -> 4), or by more writes than ours (3 -> 6).
    expect(progress(savedA, freshAt(4), new Set())).toBeUndefined();
    expect(progress(savedA, freshAt(6), new Set())).toBeUndefined();
    // A saved create is done when its provider exists live; not when it never was a create.
    const savedC = saved.changes.find((c) => c.name === 'C')!;
    const freshC = plan(want, [live(target, 5), live(b, 1), live(providerState('C'), 1)]).changes.find((c) => c.name === 'C');
    expect(progress(savedC, freshC, new Set())).toBe('done');
  });

  it('refuses another environment or company', () => {
    expect(messages(reconcileSavedPlan(saved, plan(want, [], { environment: 'prod' })))).toEqual([
      'the plan is for environment sandbox (company dummy-company), not prod (company dummy-company)',
    ]);
  });
});

describe('stale only where it matters', () => {
  const va = providerState('VA One', { services: ['VIRTUAL_ACCOUNT'] });
  const va2 = providerState('VA Two', { services: ['VIRTUAL_ACCOUNT'] });
  const qr = providerState('QR Only', { services: ['QR_CODE'] });
  const cc = providerState('Cards', { services: ['CREDIT_CARD'] });
  type Moved = { version: number; status?: 'MAINTENANCE'; statusChangedBy?: LiveProvider['statusChangedBy'] };
  const liveNow = (over: Record<string, Moved> = {}) =>
    [va, va2, qr, cc].map((s, i) => {
      const m = over[s.name];
      return live(m?.status ? { ...s, status: m.status } : s, m?.version ?? 1, { id: `prv_${i}`, ...(m?.statusChangedBy ? { statusChangedBy: m.statusChangedBy } : {}) });
    });
  const want = [{ ...va, status: 'MAINTENANCE' as const }, va2, qr, { ...cc, fee: fee('2') }];
  const saved = plan(want, liveNow());

  it('a monitoring flip of a provider the plan neither changes nor needs for coverage is reported, not refused', () => {
    const now = liveNow({ 'QR Only': { version: 2, status: 'MAINTENANCE', statusChangedBy: 'MONITOR' } });
    const r = reconcileSavedPlan(saved, plan(want, now), now);
    expect(r.moved).toEqual([]);
    expect(r.movedUntouched).toEqual(['QR Only (version 1 -> 2, now MAINTENANCE by MONITOR)']);
    expect(r.plan.changes.filter((c) => c.operations.length).map((c) => c.name).sort()).toEqual(['Cards', 'VA One']);
  });

  it('a provider that counts for the coverage of a service the plan changes makes it stale', () => {
    const now = liveNow({ 'VA Two': { version: 2, status: 'MAINTENANCE', statusChangedBy: 'MONITOR' } });
    expect(messages(reconcileSavedPlan(saved, plan(want, now), now))).toEqual(['VA Two changed live since the plan (version 1 -> 2)']);
  });

  it('a provider the plan changes makes it stale', () => {
    const now = liveNow({ Cards: { version: 2, statusChangedBy: 'MONITOR' } });
    expect(messages(reconcileSavedPlan(saved, plan(want, now), now))).toEqual(['Cards changed live since the plan (version 1 -> 2)']);
  });
});
