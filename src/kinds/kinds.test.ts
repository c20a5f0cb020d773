import { describe, expect, test } from 'vitest';
import type { DesiredSequence } from '../model/sequence.js';
import { buildAccountPlan, type AccountPlanInput } from './plan.js';
import { applyOrder, KINDS, pendingOf } from './registry.js';

const sequence = (providers: string[]): DesiredSequence => ({ product: 'EWALLET', destination: null, providers, file: 'providers/seq.yaml', line: 1, col: 1, providerPositions: [] });

const input = (over: Partial<AccountPlanInput> = {}): AccountPlanInput => ({
  environment: 'sandbox', endpoint: 'embedded', company: 'cmp_1', toolVersion: '0.1.0', desired: [], live: [], prune: false, targets: [], ignore: [],
  sequences: [sequence(['A', 'B'])], liveSequences: [], qris: () => false, now: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

describe('kinds', () => {
  test('apply runs providers before sequences, whatever order the registry lists them in', () => {
    expect(applyOrder()).toEqual(['Provider', 'Sequence']);
    expect(applyOrder({ Sequence: KINDS.Sequence, Provider: KINDS.Provider })).toEqual(['Provider', 'Sequence']);
    expect(() => applyOrder({ ...KINDS, Provider: { ...KINDS.Provider, after: ['Sequence'] } })).toThrow(/cycle/);
  });

  test('the sequence part is built with the rest of the plan, from live sequences read before', () => {
    const plan = buildAccountPlan(input());
    expect(plan.sequences).toEqual([expect.objectContaining({ product: 'EWALLET', action: 'create', after: ['A', 'B'] })]);
    expect(pendingOf(plan, 'Sequence')).toBe(1);
    expect(buildAccountPlan(input())).toEqual(plan);
  });

  test('the inputs hash covers sequence declarations, not where they are written', () => {
    const base = buildAccountPlan(input()).inputsHash;
    expect(buildAccountPlan(input({ sequences: [sequence(['B', 'A'])] })).inputsHash).not.toBe(base);
    expect(buildAccountPlan(input({ sequences: [{ ...sequence(['A', 'B']), line: 9 }] })).inputsHash).toBe(base);
  });

  test('a plan that declares no sequence has no sequence part and reads none', () => {
    const plan = buildAccountPlan(input({ sequences: [], liveSequences: undefined }));
    expect(plan.sequences).toBeUndefined();
    expect(pendingOf(plan, 'Sequence')).toBe(0);
  });
});
