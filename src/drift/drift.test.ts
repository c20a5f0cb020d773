import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialVersionAnnotation, fingerprintAnnotation, toLiveProvider } from '../live/read.js';
import type { Provider } from '../generated/api.js';
import type { DesiredProvider, LiveProvider, ProviderState } from '../model/state.js';
import { buildPlan } from '../plan/build.js';
import { computeDrift, coveragePercent, type DriftInput } from './drift.js';
import { renderDriftMarkdown, renderDriftText } from '../render/drift.js';
import { assemble } from '../render/markdown.js';
import { desiredProvider, liveProvider, planInput, providerState, xenditCredentials } from '../../test/helpers/states.js';
import { FieldPositions } from '../model/positions.js';

const state = (name: string, over: Partial<ProviderState> = {}): ProviderState =>
  providerState(name, { credentials: xenditCredentials({ fingerprint: null }), labels: { team: 'payments' }, ...over });

function desired(s: ProviderState, fingerprint: string | null = null): DesiredProvider {
  const file = `providers/${s.name.toLowerCase()}.yaml`;
  return desiredProvider(
    { ...s, credentials: { ...s.credentials, clientSecret: { kind: 'secret', fingerprint } } },
    { file, positions: FieldPositions.of(file, { 'metadata.name': { line: 5, col: 9 } }), secretRefs: { clientSecret: { store: 'env', name: 'S' } } },
  );
}

/** A live provider as our last apply left it: secret version 1, recorded by us. */
function live(s: ProviderState, over: Partial<LiveProvider> = {}): LiveProvider {
  return liveProvider({ ...s, credentials: { ...s.credentials, clientSecret: { kind: 'secret', fingerprint: 'hmac-sha256:AAA' } } }, {
    version: 3,
    annotations: { [fingerprintAnnotation('clientSecret')]: 'hmac-sha256:AAA', [credentialVersionAnnotation('clientSecret')]: '1' },
    credentialVersions: { clientSecret: 1 },
    updatedAt: '2026-01-02T00:00:00Z',
    ...over,
  });
}

const input = (d: DesiredProvider[], l: LiveProvider[], over: Partial<DriftInput> = {}): DriftInput => ({
  environment: 'sandbox', endpoint: 'embedded sandbox', company: 'dummy-company', toolVersion: 'test', desired: d, live: l, ignore: [],
  secrets: { fingerprints: false, reason: 'test' }, now: new Date('2026-02-01T00:00:00Z'), ...over,
});

describe('computeDrift', () => {
  it('reports nothing when live matches git, with full coverage', () => {
    const r = computeDrift(input([desired(state('A'))], [live(state('A'))]));
    expect(r.drift).toBe(false);
    expect(r.summary).toEqual({ changed: 0, missing: 0, unmanaged: 0, removedFromGit: 0, secrets: 0, inSync: 1 });
    expect(r.coverage).toEqual({ managed: 1, total: 1, retired: 0 });
    expect(renderDriftText(r)).toContain('No drift: live matches git (1 provider).');
  });

  it('names each field changed live with both values, and who changed the status', () => {
    const l = live(state('A', { fee: { type: 'PERCENTAGE', percent: '2' }, status: 'MAINTENANCE' }), { statusChangedBy: 'USER', statusReason: 'bank outage' });
    const r = computeDrift(input([desired(state('A'))], [l]));
    expect(r.drift).toBe(true);
    expect(r.changed[0]).toMatchObject({ name: 'A', file: 'providers/a.yaml', line: 5, id: 'prv_A' });
    expect(r.changed[0]!.fields).toEqual([
      { field: 'spec.fee.percent', git: '1.5', live: '2' },
      { field: 'spec.status', git: 'ACTIVE', live: 'MAINTENANCE', changedBy: 'USER', reason: 'bank outage' },
    ]);
    const text = renderDriftText(r);
    expect(text).toContain('spec.fee.percent: git "1.5", live "2"');
    expect(text).toContain('spec.status:      git "ACTIVE", live "MAINTENANCE" (set by USER: bank outage)');
    expect(text).toContain('Drift: 1 changed live, 0 missing live, 0 unmanaged.');
  });

  it('keeps a status that policy.ignore gives to monitoring, as a note rather than drift', () => {
    const ignore = [{ field: 'status' as const, when: { changedBy: 'MONITOR' as const, value: 'MAINTENANCE' } }];
    const byMonitor = live(state('A', { status: 'MAINTENANCE' }), { statusChangedBy: 'MONITOR' });
    const r = computeDrift(input([desired(state('A'))], [byMonitor], { ignore }));
    expect(r.drift).toBe(false);
    // The same status set by a person is drift.
    const byUser = computeDrift(input([desired(state('A'))], [{ ...byMonitor, statusChangedBy: 'USER' }], { ignore }));
    expect(byUser.changed[0]!.fields.map((f) => f.field)).toEqual(['spec.status']);
  });

  it('finds a secret rotated outside git from credential versions alone, without any secret value', () => {
    const rotated = live(state('A'), { credentialVersions: { clientSecret: 2 } });
    const r = computeDrift(input([desired(state('A'))], [rotated]));
    expect(r.changed[0]!.secrets).toEqual([{ field: 'spec.credentials.clientSecret', kind: 'rotated-live', liveVersion: 2, writtenVersion: 1 }]);
    expect(r.summary.secrets).toBe(1);
    expect(renderDriftText(r)).toContain('secrets changed outside git are still found from credential versions');
  });

  it('does not call a version behind the recorded one a rotation (a write of an unchanged value)', () => {
    const l = live(state('A'), { annotations: { [credentialVersionAnnotation('clientSecret')]: '2' } });
    expect(computeDrift(input([desired(state('A'))], [l])).drift).toBe(false);
  });

  it('compares fingerprints only when secrets were resolved', () => {
    const d = desired(state('A'), 'hmac-sha256:BBB');
    expect(computeDrift(input([d], [live(state('A'))])).drift).toBe(false);
    const r = computeDrift(input([d], [live(state('A'))], { secrets: { fingerprints: true } }));
    expect(r.changed[0]!.secrets.map((s) => s.kind)).toEqual(['store-differs']);
  });

  it('reports a secret paystrator-gitops never wrote, and one missing live', () => {
    const unverified = live(state('A'), { annotations: {} });
    const missing = live(state('B'), { credentialVersions: {} });
    missing.state.credentials = { clientKey: { kind: 'plain', value: 'xnd_development_k' } };
    const r = computeDrift(input([desired(state('A')), desired(state('B'))], [unverified, missing]));
    expect(r.changed.map((c) => [c.name, c.secrets.map((s) => s.kind)])).toEqual([
      ['A', ['unverified']],
      ['B', ['missing-live']],
    ]);
    expect(r.summary.secrets).toBe(0);
  });

  it('sorts providers into missing live, unmanaged, removed from git and retired, and computes coverage', () => {
    const unmanaged = live(state('U'));
    unmanaged.state.labels = {};
    const removed = live(state('R'));
    const retired = live(state('Z', { status: 'INACTIVE' }));
    const r = computeDrift(input([desired(state('A')), desired(state('M'))], [live(state('A')), unmanaged, removed, retired]));
    expect(r.missing).toEqual([{ name: 'M', file: 'providers/m.yaml', line: 5 }]);
    expect(r.unmanaged).toEqual([
      { name: 'R', id: 'prv_R', status: 'ACTIVE', removedFromGit: true },
      { name: 'U', id: 'prv_U', status: 'ACTIVE', removedFromGit: false },
    ]);
    expect(r.coverage).toEqual({ managed: 1, total: 3, retired: 1 });
    expect(coveragePercent(r)).toBe(33);
    expect(renderDriftText(r)).toContain('Coverage: 1 of 3 live providers managed by git (33%); 1 retired by git (inactive) not counted.');
  });

  it('with countUnmanaged false, lists unmanaged providers without calling them drift', () => {
    const unmanaged = live(state('U'));
    unmanaged.state.labels = {};
    const r = computeDrift(input([desired(state('A'))], [live(state('A')), unmanaged], { countUnmanaged: false }));
    expect(r.drift).toBe(false);
    expect(r.unmanaged).toHaveLength(1);
    expect(renderDriftText(r)).toContain('No drift: live matches git (1 provider; 1 unmanaged, not counted).');
  });

  it('finds every change plan would make to a provider (property)', () => {
    const change = fc.record({
      percent: fc.option(fc.constantFrom('0', '1.5', '2.75')),
      status: fc.option(fc.constantFrom<'ACTIVE' | 'INACTIVE' | 'MAINTENANCE'>('ACTIVE', 'INACTIVE', 'MAINTENANCE')),
      services: fc.option(fc.subarray(['EWALLET', 'QR_CODE', 'VIRTUAL_ACCOUNT'], { minLength: 1 })),
      label: fc.option(fc.string({ maxLength: 5 })),
      fingerprint: fc.option(fc.constantFrom('hmac-sha256:AAA', 'hmac-sha256:CCC')),
      changedBy: fc.constantFrom<'USER' | 'MONITOR' | 'API'>('USER', 'MONITOR', 'API'),
    });
    fc.assert(
      fc.property(change, (c) => {
        const l = live(state('A'), { statusChangedBy: c.changedBy });
        if (c.percent !== null) l.state.fee = { type: 'PERCENTAGE', percent: c.percent };
        if (c.status !== null) l.state.status = c.status;
        if (c.services !== null) l.state.services = [...c.services].sort();
        if (c.label !== null) l.state.labels = { ...l.state.labels, team: c.label };
        if (c.fingerprint !== null) l.annotations = { ...l.annotations, [fingerprintAnnotation('clientSecret')]: c.fingerprint };
        l.state.credentials.clientSecret = { kind: 'secret', fingerprint: l.annotations[fingerprintAnnotation('clientSecret')]! };
        const ignore = [{ field: 'status' as const, when: { changedBy: 'MONITOR' as const, value: 'MAINTENANCE' } }];
        const d = desired(state('A'), 'hmac-sha256:AAA');
        const plan = buildPlan(planInput([d], [l], { ignore }));
        const drift = computeDrift(input([d], [l], { ignore, secrets: { fingerprints: true } }));
        expect(drift.drift).toBe(plan.changes[0]!.action !== 'noop');
      }),
      { numRuns: 300 },
    );
  });
});

describe('a secret rotated outside git, as plan sees it', () => {
  it('is a sensitive change, so apply writes git\'s value back', () => {
    const api = (version: number): Provider => ({
      id: 'prv_A', name: 'A', type: 'AGGREGATOR', integration: 'xendit', services: ['EWALLET', 'VIRTUAL_ACCOUNT'],
      credentials: { clientKey: 'xnd_development_k', clientSecret: { masked: true, version, updatedAt: '2026-01-02T00:00:00Z' } },
      fee: { type: 'PERCENTAGE', percent: '1.5' }, tax: { vatPercent: '11', applyVat: true }, status: 'ACTIVE', statusChangedBy: 'API', statusReason: null,
      lastActivityAt: null, labels: { team: 'payments', 'managed-by': 'paystrator-gitops' },
      annotations: { [fingerprintAnnotation('clientSecret')]: 'hmac-sha256:AAA', [credentialVersionAnnotation('clientSecret')]: '1' },
      version: 2, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-02T00:00:00Z',
    });
    const d = desired(state('A'), 'hmac-sha256:AAA');
    const planFor = (l: LiveProvider) => buildPlan(planInput([d], [l]));
    expect(planFor(toLiveProvider(api(1))).changes[0]!.action).toBe('noop');
    expect(planFor(toLiveProvider(api(2))).changes[0]!.fields).toEqual([{ field: 'spec.credentials.clientSecret', sensitive: true }]);
  });
});

describe('drift markdown', () => {
  it('escapes every name and value, so nothing renders as HTML or Markdown', () => {
    const evil = '<img src=x onerror=alert(1)> **bold** [link](http://x) @team | col';
    const l = live(state(evil, { fee: { type: 'PERCENTAGE', percent: '2' }, status: 'MAINTENANCE' }), { statusReason: '<script>x</script>', statusChangedBy: 'USER' });
    l.state.labels.team = '](javascript:alert(1))';
    const r = computeDrift(input([desired(state(evil))], [l]));
    const { text } = assemble(renderDriftMarkdown(r));
    expect(text).not.toMatch(/<img|<script|\*\*bold|\[link\]|@team|\]\(javascript/);
    expect(text).toContain('| USER: &lt;script&gt;x&lt;/script&gt; |');
    expect(text).toContain('&lt;img src\\=x onerror\\=alert\\(1\\)&gt; \\*\\*bold\\*\\* \\[link\\]\\(http\\://x\\) @&#8203;team \\| col');
  });
});

describe('computeDrift with sequences', () => {
  const seq = (providers: string[]) => ({ product: 'VIRTUAL_ACCOUNT', destination: null, providers, file: 'providers/routing.yaml', line: 4, col: 12, providerPositions: [] });
  const liveSeq = (members: [string, 'ACTIVE' | 'MAINTENANCE'][]) => ({
    product: 'VIRTUAL_ACCOUNT', destination: null, version: 2, updatedAt: null, providers: members.map(([name, status]) => ({ id: `prv_${name}`, name, status })),
  });
  const monitorFlip = live(state('B', { status: 'MAINTENANCE' }), { statusChangedBy: 'MONITOR' });

  it('counts a MAINTENANCE member as drift exactly when its provider status is, so policy.ignore covers both', () => {
    const gitSide = [desired(state('A')), desired(state('B'))];
    const liveSide = [live(state('A')), monitorFlip];
    const sequences = { sequences: [seq(['A', 'B'])], liveSequences: [liveSeq([['A', 'ACTIVE'], ['B', 'MAINTENANCE']])] };
    const counted = computeDrift(input(gitSide, liveSide, sequences));
    expect(counted.sequences.drifted).toBe(1);
    expect(renderDriftText(counted)).toContain('Drift: 1 changed live, 0 missing live, 0 unmanaged, 1 sequence differs.');

    const kept = computeDrift(input(gitSide, liveSide, { ...sequences, ignore: [{ field: 'status', when: { changedBy: 'MONITOR', value: 'MAINTENANCE' } }] }));
    expect(kept.drift).toBe(false);
    expect(kept.sequences).toMatchObject({ declared: 1, inSync: 1, drifted: 0 });
    const text = renderDriftText(kept);
    expect(text).toContain('      # "B" (position 2) is in MAINTENANCE live (set by MONITOR): Paystrator skips it at routing (not counted: git or policy.ignore expects it)');
    expect(text).toContain('No drift: live matches git (2 providers, 1 sequence).');
    expect(assemble(renderDriftMarkdown(kept), { collapsed: false }).text).toContain('**sequence, with notes** VIRTUAL\\_ACCOUNT \\(default\\)');
  });

  it('reads no sequence and reports none when git declares none', () => {
    const r = computeDrift(input([desired(state('A'))], [live(state('A'))]));
    expect(r.sequences).toEqual({ declared: 0, inSync: 0, drifted: 0, changed: [], missing: [], unmanaged: [] });
    expect(renderDriftText(r)).not.toContain('sequence');
  });
});
