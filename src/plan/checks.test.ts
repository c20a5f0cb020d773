import { describe, expect, it } from 'vitest';
import { ExitError } from '../diagnostics.js';
import type { LiveProvider, ProviderState } from '../model/state.js';
import { buildPlan, type PlanInput } from './build.js';
import { MIN_LIVE_FOR_CHANGE_THRESHOLD, mergeOverrides, raiseIfUnsafe, safetyFindings, skippedChecks, withCheckNotes } from './checks.js';
import { NO_OVERRIDES } from './plan.js';
import { desiredProvider, liveProvider, planInput, providerState } from '../../test/helpers/states.js';

const live = (s: ProviderState, managed = true): LiveProvider => liveProvider(s, { version: 2, ...(managed ? {} : { state: s }) });
const input = (d: ProviderState[], l: LiveProvider[], over: Partial<PlanInput> = {}): PlanInput => planInput(d.map((s) => desiredProvider(s)), l, over);
const policy = { maxChangePercent: 50 };
const names = (n: number, prefix = 'P') => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

describe('large-change check', () => {
  const base = names(12).map((n) => providerState(n));
  const liveNow = base.map((s) => live(s));

  it('refuses a plan that changes more than maxChangePercent of live providers, and says how many', () => {
    const d = base.map((s, i) => (i < 7 ? { ...s, fee: { type: 'PERCENTAGE' as const, percent: '2' } } : s));
    const plan = buildPlan(input(d, liveNow));
    expect(safetyFindings(plan, liveNow, policy)).toEqual([
      { check: 'large-change', message: 'the plan changes 7 of 12 live providers (58.3%), more than policy.maxChangePercent (50%)' },
    ]);
    expect(() => raiseIfUnsafe(plan, liveNow, policy, NO_OVERRIDES)).toThrow(ExitError);
    try {
      raiseIfUnsafe(plan, liveNow, policy, NO_OVERRIDES);
    } catch (e) {
      expect((e as ExitError).diagnostics[0]).toMatchObject({ severity: 'error', rule: 'large-change' });
      expect((e as ExitError).hint).toContain('--allow-large-change');
    }
    const allowed = raiseIfUnsafe(plan, liveNow, policy, { ...NO_OVERRIDES, allowLargeChange: true });
    expect(allowed).toEqual([expect.objectContaining({ severity: 'warning', rule: 'large-change', message: expect.stringContaining('(allowed by --allow-large-change)') })]);
  });

  it('counts updates and deactivations of live providers, not creates, against all live providers', () => {
    // 6 of 12 is exactly 50%: not more than the threshold. Creates touch no live provider.
    const d = [...base.map((s, i) => (i < 6 ? { ...s, status: 'INACTIVE' as const } : s)), ...names(30, 'New').map((n) => providerState(n))];
    expect(safetyFindings(buildPlan(input(d, liveNow)), liveNow, policy)).toEqual([]);
    expect(safetyFindings(buildPlan(input(d, liveNow)), liveNow, { maxChangePercent: 49 })).toHaveLength(1);
    // Unmanaged providers count as live providers too.
    const withUnmanaged = [...liveNow, ...names(4, 'U').map((n) => live(providerState(n), false))];
    const seven = base.map((s, i) => (i < 7 ? { ...s, fee: { type: 'PERCENTAGE' as const, percent: '2' } } : s));
    expect(safetyFindings(buildPlan(input(seven, withUnmanaged)), withUnmanaged, policy)).toEqual([]);
  });

  it(`does not apply below ${MIN_LIVE_FOR_CHANGE_THRESHOLD} live providers`, () => {
    const small = names(MIN_LIVE_FOR_CHANGE_THRESHOLD - 1).map((n) => providerState(n));
    const liveSmall = small.map((s) => live(s));
    const all = small.map((s) => ({ ...s, fee: { type: 'PERCENTAGE' as const, percent: '3' } }));
    expect(safetyFindings(buildPlan(input(all, liveSmall)), liveSmall, policy)).toEqual([]);
    const ten = [...liveSmall, live(providerState('Extra'))];
    expect(safetyFindings(buildPlan(input([...all, providerState('Extra')], ten)), ten, policy).map((f) => f.check)).toEqual(['large-change']);
  });

  it('applies from policy.maxChangeMinLive live providers, and below it the plan says it was skipped and why', () => {
    const five = names(5).map((n) => providerState(n));
    const liveFive = five.map((s) => live(s));
    const changed = five.map((s, i) => (i < 4 ? { ...s, fee: { type: 'PERCENTAGE' as const, percent: '3' } } : s));
    const plan = buildPlan(input(changed, liveFive));
    expect(safetyFindings(plan, liveFive, policy)).toEqual([]);
    expect(withCheckNotes(plan, liveFive, policy).checks).toEqual(['the mass-change guard applies from 10 live providers (policy.maxChangeMinLive); this account has 5']);
    // Nothing written to a live provider: nothing to say.
    expect(withCheckNotes(buildPlan(input(five, liveFive)), liveFive, policy).checks).toBeUndefined();
    const strict = { maxChangePercent: 50, maxChangeMinLive: 5 };
    expect(safetyFindings(plan, liveFive, strict).map((f) => f.message)).toEqual(['the plan changes 4 of 5 live providers (80%), more than policy.maxChangePercent (50%)']);
    expect(skippedChecks(plan, liveFive, strict)).toEqual([]);
  });
});

describe('service-outage check', () => {
  const qr1 = providerState('QR One', { services: ['QR_CODE'] });
  const qr2 = providerState('QR Two', { services: ['QR_CODE', 'EWALLET'] });
  const va = providerState('VA', { services: ['VIRTUAL_ACCOUNT', 'EWALLET'] });
  const liveNow = [qr1, qr2, va].map((s) => live(s));

  it('refuses to leave a service that has ACTIVE providers with none, naming the service and each provider', () => {
    const plan = buildPlan(input([{ ...qr1, status: 'INACTIVE' }, { ...qr2, status: 'MAINTENANCE' }, va], liveNow));
    expect(safetyFindings(plan, liveNow, policy)).toEqual([
      { check: 'service-outage', message: 'QR_CODE would be left with no ACTIVE provider: QR One (ACTIVE -> INACTIVE), QR Two (ACTIVE -> MAINTENANCE)' },
    ]);
    // EWALLET keeps VA; once VA goes too, every service it loses is named.
    const all = buildPlan(input([{ ...qr1, status: 'INACTIVE' }, { ...qr2, status: 'MAINTENANCE' }, { ...va, status: 'INACTIVE' }], liveNow));
    expect(safetyFindings(all, liveNow, policy).map((f) => f.message)).toEqual([
      'EWALLET would be left with no ACTIVE provider: QR Two (ACTIVE -> MAINTENANCE), VA (ACTIVE -> INACTIVE)',
      'QR_CODE would be left with no ACTIVE provider: QR One (ACTIVE -> INACTIVE), QR Two (ACTIVE -> MAINTENANCE)',
      'VIRTUAL_ACCOUNT would be left with no ACTIVE provider: VA (ACTIVE -> INACTIVE)',
    ]);
    expect(() => raiseIfUnsafe(plan, liveNow, policy, NO_OVERRIDES)).toThrow(/unsafe plan: QR_CODE would be left with no ACTIVE provider/);
    expect(raiseIfUnsafe(plan, liveNow, policy, { ...NO_OVERRIDES, allowServiceOutage: true })[0]!.message).toContain('(allowed by --allow-service-outage)');
  });

  it('counts a provider that stops serving the service, and one removed from git with --prune', () => {
    const dropped = buildPlan(input([{ ...qr1, services: ['EWALLET'] }, { ...qr2, services: ['EWALLET'] }, va], liveNow));
    expect(safetyFindings(dropped, liveNow, policy)[0]!.message).toBe(
      'QR_CODE would be left with no ACTIVE provider: QR One (no longer serves QR_CODE), QR Two (no longer serves QR_CODE)',
    );
    const pruned = buildPlan(input([qr2, va], [live(qr1), live({ ...qr2, status: 'INACTIVE' }), live(va)], { prune: true }));
    const now = [live(qr1), live({ ...qr2, status: 'INACTIVE' }), live(va)];
    // QR Two is re-activated by the same plan, so QR_CODE keeps a provider: no finding.
    expect(safetyFindings(pruned, now, policy)).toEqual([]);
    const prunedLast = buildPlan(input([va], liveNow.slice(0, 1).concat(live(va)), { prune: true }));
    expect(safetyFindings(prunedLast, [live(qr1), live(va)], policy)[0]!.message).toBe('QR_CODE would be left with no ACTIVE provider: QR One (ACTIVE -> INACTIVE, removed from git)');
  });

  it('is satisfied when the plan brings up a replacement, and ignores services that had no ACTIVE provider', () => {
    const replaced = buildPlan(input([{ ...qr1, status: 'INACTIVE' }, { ...qr2, status: 'INACTIVE' }, va, providerState('QR Three', { services: ['QR_CODE', 'EWALLET'] })], liveNow));
    expect(safetyFindings(replaced, liveNow, policy)).toEqual([]);
    const none = [live({ ...qr1, status: 'MAINTENANCE' }), live(va)];
    expect(safetyFindings(buildPlan(input([{ ...qr1, status: 'INACTIVE' }, va], none)), none, policy)).toEqual([]);
  });

  it('never counts on an unmanaged provider being changed, and counts it as serving', () => {
    const other = live(providerState('Theirs', { services: ['QR_CODE', 'EWALLET'] }), false);
    const plan = buildPlan(input([{ ...qr1, status: 'INACTIVE' }, { ...qr2, status: 'INACTIVE' }, va], [...liveNow, other]));
    expect(plan.unmanaged.map((u) => u.name)).toEqual(['Theirs']);
    expect(safetyFindings(plan, [...liveNow, other], policy)).toEqual([]);
  });
});

describe('overrides', () => {
  it('are recorded in the plan and merged with those given at apply', () => {
    const plan = buildPlan(input([providerState('A')], [], { overrides: { allowLargeChange: true, allowServiceOutage: false } }));
    expect(plan.overrides).toEqual({ allowLargeChange: true, allowServiceOutage: false });
    expect(buildPlan(input([providerState('A')], [])).overrides).toEqual(NO_OVERRIDES);
    expect(mergeOverrides(plan.overrides, { allowServiceOutage: true })).toEqual({ allowLargeChange: true, allowServiceOutage: true });
    expect(mergeOverrides(undefined, {})).toEqual(NO_OVERRIDES);
  });
});
