import { describe, expect, test } from 'vitest';
import type { DesiredSequence } from '../model/sequence.js';
import { checkCardinality, type DeclaredDocument } from '../load/documents.js';
import { NO_OVERRIDES, hasChanges } from '../plan/plan.js';
import { raiseIfUnsafe } from '../plan/checks.js';
import { parsePlanFile, serializePlan } from '../plan/planfile.js';
import { reconcileSavedPlan } from '../plan/stale.js';
import { defaultResourceStale } from '../plan/stale-resources.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { renderPlanText } from '../render/plan.js';
import type { ResourceKind } from './kind.js';
import { buildAccountPlan, resourceFindings, resourceKindsNeeded, type AccountPlanInput } from './plan.js';
import { applyOrder, KINDS, pendingOf, resourcesOf, type KindHandlers } from './registry.js';

const sequence = (providers: string[]): DesiredSequence => ({ product: 'EWALLET', destination: null, providers, file: 'providers/seq.yaml', line: 1, col: 1, providerPositions: [] });

const input = (over: Partial<AccountPlanInput> = {}): AccountPlanInput => ({
  environment: 'sandbox', endpoint: 'embedded', company: 'cmp_1', toolVersion: '0.1.0', desired: [], live: [], prune: false, targets: [], ignore: [],
  sequences: [sequence(['A', 'B'])], liveSequences: [], qris: () => false, now: new Date('2026-01-01T00:00:00Z'),
  ...over,
});

describe('kinds', () => {
  test('apply runs providers before sequences, whatever order the registry lists them in', () => {
    expect(applyOrder()).toEqual(['Provider', 'Sequence', 'Webhooks', 'ApiKey', 'IpWhitelist']);
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

// A setting kind for the framework's own tests: one document per environment holding a list of
// names; live is the list and its version. It exercises the pipeline, not any real kind's rules.
interface FakeLive {
  names: string[];
  version: number;
}
const fakeKind: ResourceKind<{ names: string[] }, FakeLive> = {
  kind: 'Webhooks',
  after: ['Provider', 'Sequence'],
  changes: (plan) => resourcesOf(plan, 'Webhooks'),
  pending: (c) => c.action !== 'noop',
  inputs: () => null,
  document: {
    kind: 'Webhooks',
    cardinality: 'one',
    validate: (_file, doc) => ({ diagnostics: [], value: doc.value as { names: string[] } }),
  },
  declaredInputs: (declared) => declared.map((d) => d.value.names),
  readLive: () => Promise.resolve({ names: [], version: 1 }),
  plan: (declared, live) =>
    declared.map((d) => {
      const same = JSON.stringify(d.value.names) === JSON.stringify(live.names);
      return {
        kind: 'Webhooks', name: 'Webhooks', action: same ? 'noop' : 'update', file: d.file, line: d.line, liveVersion: live.version,
        fields: same ? [] : [{ field: 'spec.names', before: live.names, after: d.value.names }], notes: [],
        operations: same ? [] : [{ kind: 'put', body: { names: d.value.names } }],
      };
    }),
  guards: (changes) => changes.filter((c) => c.action !== 'noop' && !(c.fields[0]?.after as string[]).length).map(() => ({ check: 'lockout' as const, message: 'the list would be empty' })),
  stale: defaultResourceStale,
  apply: () => Promise.resolve('written' as const),
  drift: () => [],
  importFiles: () => [],
};
const withFake: KindHandlers = { Provider: KINDS.Provider, Sequence: KINDS.Sequence, Webhooks: fakeKind };
const declared = (names: string[], line = 2): DeclaredDocument<{ names: string[] }> => ({ kind: 'Webhooks', name: 'Webhooks', file: 'settings/w.yaml', index: 0, line, col: 1, value: { names } });
const settings = (names: string[], live: FakeLive = { names: ['a'], version: 4 }, line = 2) =>
  input({ sequences: [], kinds: withFake, resources: [declared(names, line)], liveResources: new Map([['Webhooks', live]]) });

describe('setting kinds', () => {
  test('are planned by their handler into plan.resources, ordered after what they name, and counted', () => {
    expect(applyOrder(withFake)).toEqual(['Provider', 'Sequence', 'Webhooks']);
    const plan = buildAccountPlan(settings(['a', 'b']));
    expect(plan.resources).toEqual([expect.objectContaining({ kind: 'Webhooks', action: 'update', liveVersion: 4, file: 'settings/w.yaml', line: 2 })]);
    expect(plan.summary.resources).toEqual({ create: 0, update: 1, revoke: 0, noop: 0 });
    expect(hasChanges(plan)).toBe(true);
    expect(pendingOf(plan, 'Webhooks', withFake)).toBe(1);
    expect(hasChanges(buildAccountPlan(settings(['a'])))).toBe(false);
  });

  test('a kind git does not declare is neither planned nor read, nor in a --target plan', () => {
    expect(buildAccountPlan(input({ sequences: [], kinds: withFake })).resources).toBeUndefined();
    expect(resourceKindsNeeded([], [], withFake)).toEqual([]);
    expect(resourceKindsNeeded([declared(['a'])], ['Some Provider'], withFake)).toEqual([]);
    expect(resourceKindsNeeded([declared(['a'])], [], withFake).map((k) => k.kind)).toEqual(['Webhooks']);
  });

  test('the inputs hash covers their declarations, not where they are written', () => {
    const base = buildAccountPlan(settings(['a', 'b'])).inputsHash;
    expect(buildAccountPlan(settings(['b', 'a'])).inputsHash).not.toBe(base);
    expect(buildAccountPlan(settings(['a', 'b'], undefined, 7)).inputsHash).toBe(base);
  });

  test('their guards are safety checks, refused unless --allow-lockout', () => {
    const plan = buildAccountPlan(settings([]));
    const findings = resourceFindings(plan, new Map([['Webhooks', { names: ['a'], version: 4 }]]), { environment: 'sandbox', company: 'cmp_1' }, withFake);
    expect(findings).toEqual([{ check: 'lockout', message: 'the list would be empty' }]);
    expect(() => raiseIfUnsafe(plan, [], { maxChangePercent: 50 }, NO_OVERRIDES, findings)).toThrow(/unsafe plan: the list would be empty/);
    expect(raiseIfUnsafe(plan, [], { maxChangePercent: 50 }, { ...NO_OVERRIDES, allowLockout: true }, findings)[0]!.message).toContain('(allowed by --allow-lockout)');
  });

  test('a saved setting change is stale when live moved, and done when an earlier run wrote it', () => {
    const saved = buildAccountPlan(settings(['a', 'b']));
    expect(reconcileSavedPlan(saved, buildAccountPlan(settings(['a', 'b']))).moved).toEqual([]);
    const moved = reconcileSavedPlan(saved, buildAccountPlan(settings(['a', 'b'], { names: ['c'], version: 5 })));
    expect(moved.moved.map((d) => d.message)).toEqual(['Webhooks changed live since the plan (version 4 -> 5)']);
    const done = reconcileSavedPlan(saved, buildAccountPlan(settings(['a', 'b'], { names: ['a', 'b'], version: 5 })));
    expect(done.moved).toEqual([]);
    expect(done.alreadyApplied).toEqual(['Webhooks']);
    expect(hasChanges(done.plan)).toBe(false);
  });

  test('plans with settings round-trip through the plan file and render in text and markdown', () => {
    const plan = buildAccountPlan(settings(['a', 'b']));
    expect(parsePlanFile(serializePlan(plan), 'plan.json', { toolVersion: '0.1.0' })).toEqual(JSON.parse(JSON.stringify(plan)));
    const text = renderPlanText(plan);
    expect(text).toContain('  Account settings:\n  ~ update Webhooks  settings/w.yaml:2\n      spec.names: [a] -> [a, b]\n');
    expect(text).toContain('Settings: 0 to create, 1 to update, 0 unchanged.');
    expect(renderPlanText(buildAccountPlan(settings(['a'])))).toContain('No changes. Live matches git (0 providers, 1 setting).');
    expect(renderPlanMarkdown(plan).summary).toContain('Settings: 0 to create, 1 to update, 0 unchanged.');
  });

  test('at most one document of a one-per-environment kind: the error is at the second, naming the first', () => {
    const d = checkCardinality([fakeKind.document], [declared(['a'], 9), { ...declared(['b'], 3), file: 'settings/a.yaml' }]);
    expect(d).toEqual([expect.objectContaining({ file: 'settings/w.yaml', line: 9, message: 'at most one Webhooks document per environment: another is at settings/a.yaml:3' })]);
  });
});
