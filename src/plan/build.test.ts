import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ExitError } from '../diagnostics.js';
import { fingerprintAnnotation } from '../live/read.js';
import type { DesiredProvider, LiveProvider, ProviderState } from '../model/state.js';
import { buildPlan, wanted } from './build.js';
import { renderPlanText } from '../render/plan.js';
import { desiredProvider, liveProvider, planInput, providerState, xenditCredentials } from '../../test/helpers/states.js';
import { FieldPositions } from '../model/positions.js';

const state = (name: string, over: Partial<ProviderState> = {}): ProviderState =>
  providerState(name, { credentials: xenditCredentials({ fingerprint: 'hmac-sha256:AAA' }), ...over });

const desired = (s: ProviderState): DesiredProvider =>
  desiredProvider(s, { positions: FieldPositions.of(`providers/${s.name}.yaml`, { '': { line: 1, col: 1 } }), secretRefs: { clientSecret: { store: 'env', name: 'S' } } });

function live(s: ProviderState, over: Partial<LiveProvider> = {}): LiveProvider {
  const fp = s.credentials.clientSecret?.kind === 'secret' ? s.credentials.clientSecret.fingerprint : null;
  return liveProvider(s, { version: 3, annotations: fp ? { [fingerprintAnnotation('clientSecret')]: fp } : {}, credentialVersions: { clientSecret: 1 }, ...over });
}

describe('buildPlan', () => {
  it('creates what is missing, with the ownership label and secrets only as references', () => {
    const plan = buildPlan(planInput([desired(state('A'))], []));
    expect(plan.summary).toMatchObject({ create: 1, update: 0, noop: 0 });
    const op = plan.changes[0]!.operations[0]!;
    expect(op.kind).toBe('create');
    if (op.kind !== 'create') return;
    expect(op.body.labels).toEqual({ 'managed-by': 'paystrator-gitops' });
    expect(op.body.credentials).toEqual({ clientKey: 'xnd_development_k' });
    expect(op.secrets).toEqual({ clientSecret: { ref: { store: 'env', name: 'S' }, fingerprint: 'hmac-sha256:AAA' } });
    expect(op.body.annotations).toEqual({ 'paystrator-gitops/fingerprint.clientSecret': 'hmac-sha256:AAA', 'paystrator-gitops/credential-version.clientSecret': '1' });
    // The same desired state always gets the same key, so a rerun after a crash replays the create.
    const again = buildPlan(planInput([desired(state('A'))], [])).changes[0]!.operations[0]!;
    expect(again.kind === 'create' && again.idempotencyKey).toBe(op.idempotencyKey);
  });

  it('is a no-op when live equals git, decimals compared exactly', () => {
    const plan = buildPlan(planInput([desired(state('A', { fee: { type: 'PERCENTAGE', percent: '1.5' } }))], [live(state('A', { fee: { type: 'PERCENTAGE', percent: '1.5' } }))]));
    expect(plan.summary).toMatchObject({ create: 0, update: 0, noop: 1 });
    expect(renderPlanText(plan)).toContain('No changes. Live matches git (1 provider).');
  });

  it('shows field-level changes with before and after, and a changed secret only as sensitive', () => {
    const d = state('A', { fee: { type: 'PERCENTAGE', percent: '2' }, services: ['EWALLET'], credentials: { clientKey: { kind: 'plain', value: 'xnd_development_k' }, clientSecret: { kind: 'secret', fingerprint: 'hmac-sha256:BBB' } } });
    const plan = buildPlan(planInput([desired(d)], [live(state('A'))]));
    const c = plan.changes[0]!;
    expect(c.action).toBe('update');
    expect(c.fields).toEqual([
      { field: 'spec.services', before: ['EWALLET', 'VIRTUAL_ACCOUNT'], after: ['EWALLET'] },
      { field: 'spec.credentials.clientSecret', sensitive: true },
      { field: 'spec.fee.percent', before: '1.5', after: '2' },
    ]);
    expect(c.operations).toEqual([
      {
        kind: 'update',
        body: { services: ['EWALLET'], fee: { type: 'PERCENTAGE', percent: '2' }, annotations: { 'paystrator-gitops/fingerprint.clientSecret': 'hmac-sha256:BBB', 'paystrator-gitops/credential-version.clientSecret': '2' } },
        secrets: { clientSecret: { ref: { store: 'env', name: 'S' }, fingerprint: 'hmac-sha256:BBB' } },
      },
    ]);
    const text = renderPlanText(plan);
    expect(text).toContain('~ update A');
    expect(text).toContain('spec.fee.percent:              "1.5" -> "2"');
    expect(text).toContain('spec.credentials.clientSecret: (sensitive value changed)');
  });

  it('changes status through its own operation', () => {
    const plan = buildPlan(planInput([desired(state('A', { status: 'INACTIVE' }))], [live(state('A'))]));
    expect(plan.changes[0]!.operations).toEqual([{ kind: 'status', body: { status: 'INACTIVE', reason: 'declared in git (paystrator-gitops)' } }]);
  });

  it('keeps a MAINTENANCE set by monitoring while a policy.ignore rule holds', () => {
    const l = live(state('A', { status: 'MAINTENANCE' }), { statusChangedBy: 'MONITOR' });
    const ignore = [{ field: 'status' as const, when: { changedBy: 'MONITOR' as const, value: 'MAINTENANCE' } }];
    const plan = buildPlan(planInput([desired(state('A'))], [l], { ignore }));
    expect(plan.changes[0]!.action).toBe('noop');
    expect(plan.changes[0]!.notes[0]).toContain('MAINTENANCE set by MONITOR is kept (policy.ignore)');
    const byUser = buildPlan(planInput([desired(state('A'))], [{ ...l, statusChangedBy: 'USER' }], { ignore }));
    expect(byUser.changes[0]!.action).toBe('update');
  });

  it('leaves every field a policy.ignore rule owns as it is live, like drift does', () => {
    const l = live(state('A', { fee: { type: 'PERCENTAGE', percent: '2' }, labels: { team: 'ops' } }));
    const ignore = [{ field: 'fee' as const }];
    const plan = buildPlan(planInput([desired(state('A', { labels: { team: 'payments' } }))], [l], { ignore }));
    const c = plan.changes[0]!;
    expect(c.fields.map((f) => f.field)).toEqual(['metadata.labels.team']);
    expect(c.notes).toContain('spec.fee.percent "2" is kept (policy.ignore); git says "1.5"');
    expect(c.operations).toEqual([{ kind: 'update', body: { labels: { team: 'payments' } }, secrets: {} }]);
  });

  it('refuses a file naming a live provider git does not manage, unless imported or --adopt', () => {
    const theirs = live(state('Xendit Main'));
    theirs.state.labels = {};
    const d = desiredProvider(state('Xendit Main'), { file: 'providers/x.yaml', positions: FieldPositions.of('providers/x.yaml', { 'metadata.name': { line: 3, col: 9 } }), secretRefs: { clientSecret: { store: 'env', name: 'S' } } });
    let thrown: unknown;
    try {
      buildPlan(planInput([d], [theirs]));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ExitError);
    expect((thrown as ExitError).diagnostics).toEqual([
      expect.objectContaining({
        file: 'providers/x.yaml', line: 3, col: 9, field: 'metadata.name', rule: 'unmanaged',
        message: 'Xendit Main exists live but is not managed by paystrator-gitops; run `paystrator-gitops import` to bring it into git, or `plan --adopt "Xendit Main"` to take it over',
      }),
    ]);
    const adopted = buildPlan(planInput([d], [theirs], { adopt: ['Xendit Main'] }));
    expect(adopted.options.adopt).toEqual(['Xendit Main']);
    expect(adopted.changes[0]).toMatchObject({ action: 'update', notes: ['adopts a provider that git did not manage until now (--adopt)'] });
    const imported = buildPlan(planInput([d], [theirs], { imported: new Set(['Xendit Main']) }));
    expect(imported.changes[0]!.notes).toEqual(['adopts a provider that git did not manage until now (its file was written by import)']);
    expect(imported.options.adopt).toBeUndefined();
    expect(() => buildPlan(planInput([d], [theirs], { adopt: ['Xendit Typo'] }))).toThrow(/--adopt Xendit Typo names no provider declared in git/);
  });

  it('never touches unmanaged providers, and deactivates removed managed ones only with prune', () => {
    const unmanaged = live(state('Hand Made'));
    unmanaged.state.labels = {};
    const removed = live(state('Removed'));
    const plan = buildPlan(planInput([], [unmanaged, removed]));
    expect(plan.unmanaged).toEqual([{ name: 'Hand Made', id: 'prv_Hand Made', status: 'ACTIVE' }]);
    expect(plan.changes).toMatchObject([{ name: 'Removed', action: 'noop', notes: [expect.stringContaining('--prune')] }]);
    const pruned = buildPlan(planInput([], [unmanaged, removed], { prune: true }));
    expect(pruned.changes).toMatchObject([{ name: 'Removed', action: 'deactivate', operations: [{ kind: 'status', body: { status: 'INACTIVE' } }] }]);
    expect(pruned.unmanaged).toHaveLength(1);
  });

  it('limits to --target names and refuses unknown targets', () => {
    const plan = buildPlan(planInput([desired(state('A')), desired(state('B'))], [], { targets: ['B'] }));
    expect(plan.changes.map((c) => c.name)).toEqual(['B']);
    expect(() => buildPlan(planInput([desired(state('A'))], [], { targets: ['Nope'] }))).toThrow(ExitError);
  });

  it('refuses to change an immutable field, pointing at the file', () => {
    const d = desired(state('A', { integration: 'midtrans' }));
    d.positions = FieldPositions.of(d.file, { '': { line: 1, col: 1 }, 'spec.integration': { line: 9, col: 16 } });
    try {
      buildPlan(planInput([d], [live(state('A'))]));
      expect.unreachable();
    } catch (e) {
      expect((e as ExitError).diagnostics[0]).toMatchObject({ file: 'providers/A.yaml', line: 9, field: 'spec.integration' });
    }
  });
});

describe('inputsHash', () => {
  it('is the digest of the inputs as one JSON text, as plans saved before were hashed', () => {
    const desiredSet = [desired(state('A')), desired(state('B', { labels: { team: 'pay\u00e9' } }))];
    const input = planInput(desiredSet, []);
    const options = { prune: false, targets: [] };
    const text = JSON.stringify([input.environment, input.company, options, desiredSet.map((d) => [wanted(d), d.secretRefs])]);
    expect(buildPlan(input).inputsHash).toBe(createHash('sha256').update(text).digest('hex'));
    expect(buildPlan(planInput([], [])).inputsHash).toBe(createHash('sha256').update(JSON.stringify(['sandbox', 'dummy-company', options, []])).digest('hex'));
  });
});
