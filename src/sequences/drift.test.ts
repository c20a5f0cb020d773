import { describe, expect, it } from 'vitest';
import type { DesiredSequence, LiveSequence } from '../model/sequence.js';
import type { LiveProvider, ProviderState, ProviderStatus } from '../model/state.js';
import { describeDifference, renderSequenceDriftText } from '../render/sequence-drift.js';
import { plain } from '../render/style.js';
import type { DriftReport } from '../generated/drift-report.js';
import { sequenceDrift } from './drift.js';

function declared(product: string, destination: string | null, providers: string[]): DesiredSequence {
  return { product, destination, providers, file: 'providers/routing.yaml', line: 4, col: 3, providerPositions: providers.map((_, i) => ({ file: 'providers/routing.yaml', line: 6 + i, col: 7 })) };
}

function live(product: string, destination: string | null, members: (string | [string, ProviderStatus])[], version = 2): LiveSequence {
  return {
    product, destination, version, updatedAt: '2026-12-01T10:00:00.000Z', updatedBy: 'USER',
    providers: members.map((m) => (typeof m === 'string' ? { id: `id-${m}`, name: m, status: 'ACTIVE' as const } : { id: `id-${m[0]}`, name: m[0], status: m[1] })),
  };
}

function provider(name: string, status: ProviderStatus = 'ACTIVE', changedBy: LiveProvider['statusChangedBy'] = 'API'): LiveProvider {
  const state: ProviderState = {
    name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT'], credentials: {},
    fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true }, status, labels: {},
  };
  return { id: `id-${name}`, version: 1, state, statusChangedBy: changedBy, statusReason: null, lastActivityAt: null, annotations: {}, credentialVersions: {}, createdAt: '', updatedAt: '' };
}

const providers = ['A', 'B', 'C', 'D', 'E'].map((n) => provider(n));

describe('sequence drift', () => {
  it('is nothing at all when git declares no sequence, however live looks', () => {
    expect(sequenceDrift([], [live('VIRTUAL_ACCOUNT', 'BCA', ['A'])], providers)).toEqual({ declared: 0, inSync: 0, drifted: 0, changed: [], missing: [], unmanaged: [] });
  });

  it('counts a sequence in the same order as in sync', () => {
    const r = sequenceDrift([declared('VIRTUAL_ACCOUNT', null, ['A', 'B'])], [live('VIRTUAL_ACCOUNT', null, ['A', 'B'])], providers);
    expect(r).toMatchObject({ declared: 1, inSync: 1, drifted: 0, changed: [] });
  });

  it('names the fewest moves that explain a reorder, with positions on both sides', () => {
    const r = sequenceDrift([declared('VIRTUAL_ACCOUNT', null, ['A', 'B', 'C', 'D'])], [live('VIRTUAL_ACCOUNT', null, ['D', 'A', 'B', 'C'])], providers);
    expect(r.drifted).toBe(1);
    expect(r.changed[0]!.differences).toEqual([{ kind: 'moved', provider: 'D', gitPosition: 4, livePosition: 1, counts: true }]);
    const swap = sequenceDrift([declared('EWALLET', null, ['A', 'B'])], [live('EWALLET', null, ['B', 'A'])], providers);
    expect(swap.changed[0]!.differences.map((d) => describeDifference(d))).toEqual(['"A" moved: position 1 in git, 2 live']);
  });

  it('tells members added and removed live, and why one left (INACTIVE, or gone)', () => {
    const r = sequenceDrift(
      [declared('VIRTUAL_ACCOUNT', 'BCA', ['A', 'B', 'Ghost'])],
      [live('VIRTUAL_ACCOUNT', 'BCA', ['A', 'C', 'Stranger'])],
      [provider('A'), provider('B', 'INACTIVE', 'USER'), provider('C'), provider('Stranger')],
      { gitProviders: new Set(['A', 'B', 'C', 'Ghost']) },
    );
    expect(r.changed[0]!.differences.map((d) => describeDifference(d))).toEqual([
      '"B" removed live (position 2 in git); it is INACTIVE live (set by USER)',
      '"Ghost" removed live (position 3 in git); it does not exist live',
      '"C" added live at position 2',
      '"Stranger" added live at position 3 (no provider of that name in git: import it to keep it)',
    ]);
  });

  it('reports a MAINTENANCE member, counted only when its status is drift', () => {
    const input = [[declared('QR_CODE', null, ['A', 'M'])], [live('QR_CODE', null, ['A', ['M', 'MAINTENANCE']])], [provider('A'), provider('M', 'MAINTENANCE', 'MONITOR')]] as const;
    const counted = sequenceDrift(...input);
    expect(counted).toMatchObject({ drifted: 1, inSync: 0 });
    expect(counted.changed[0]!.differences).toEqual([{ kind: 'maintenance', provider: 'M', gitPosition: 2, livePosition: 2, status: 'MAINTENANCE', changedBy: 'MONITOR', counts: true }]);
    expect(describeDifference(counted.changed[0]!.differences[0]!)).toBe('"M" (position 2) is in MAINTENANCE live (set by MONITOR): Paystrator skips it at routing');
    const kept = sequenceDrift(...input, { statusCounts: () => false });
    expect(kept).toMatchObject({ drifted: 0, inSync: 1 });
    expect(kept.changed[0]!.counts).toBe(false);
  });

  it('reports a custom sequence missing live, and live custom ones git does not declare (never defaults)', () => {
    const r = sequenceDrift(
      [declared('VIRTUAL_ACCOUNT', 'BCA', ['A'])],
      [live('VIRTUAL_ACCOUNT', null, ['A', 'B']), live('VIRTUAL_ACCOUNT', 'BRI', ['B']), live('EWALLET', 'OVO', ['C'])],
      providers,
    );
    expect(r.missing).toEqual([{ product: 'VIRTUAL_ACCOUNT', destination: 'BCA', file: 'providers/routing.yaml', line: 4, git: ['A'] }]);
    expect(r.unmanaged.map((u) => [u.product, u.destination, u.live])).toEqual([['EWALLET', 'OVO', ['C']], ['VIRTUAL_ACCOUNT', 'BRI', ['B']]]);
    expect(r.drifted).toBe(3);
    expect(sequenceDrift([declared('VIRTUAL_ACCOUNT', 'BCA', ['A'])], [live('EWALLET', 'OVO', ['C'])], providers, { countUnmanaged: false }).drifted).toBe(1);
  });

  it('keeps up with a default of thousands of providers', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `P${i}`);
    const moved = [...names.slice(1), names[0]!];
    const r = sequenceDrift([declared('VIRTUAL_ACCOUNT', null, names)], [live('VIRTUAL_ACCOUNT', null, moved)], names.map((n) => provider(n)));
    expect(r.changed[0]!.differences).toEqual([{ kind: 'moved', provider: 'P0', gitPosition: 1, livePosition: 5000, counts: true }]);
  });

  it('renders what differs, escaping live names', () => {
    const sequences = sequenceDrift([declared('EWALLET', null, ['A', 'B'])], [live('EWALLET', null, ['B', 'A', 'Evil\u202eName'])], providers);
    const lines = renderSequenceDriftText({ sequences, countsUnmanaged: true } as DriftReport, plain);
    expect(lines).toEqual([
      '',
      '  Routing sequences:',
      '  ~ sequence EWALLET (default)  providers/routing.yaml:4',
      '      git:  [A, B]',
      '      live: [B, A, Evil\\u202eName] (version 2, changed 2026-12-01T10:00:00.000Z by USER)',
      '      "A" moved: position 1 in git, 2 live',
      '      "Evil\\u202eName" added live at position 3',
    ]);
  });
});
