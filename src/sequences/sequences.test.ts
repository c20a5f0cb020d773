import { describe, expect, it } from 'vitest';
import { PaystratorClient } from '../api/client.js';
import { InProcessTransport, type HttpRequest, type Transport } from '../api/transport.js';
import { canaries, capture } from '../../test/helpers/cli.js';
import type { LiveProvider, ProviderState } from '../model/state.js';
import type { ProviderChange } from '../plan/plan.js';
import { plain } from '../render/style.js';
import { createSandboxApp } from '../sandbox/app.js';
import { SandboxStore } from '../sandbox/store/domain.js';
import { openSandboxStore } from '../sandbox/store/persistence.js';
import { SANDBOX_RW_KEY } from '../sandbox/store/types.js';
import { Sensitive } from '../secrets/sensitive.js';
import { applySequences } from './apply.js';
import type { DesiredSequence, LiveSequence } from '../model/sequence.js';
import { joiners, planSequences, reconcileSequences, type SequenceChange } from './plan.js';
import { renderSequenceLines, sequenceSummary } from '../render/sequences.js';

const qris = (integration: string) => integration !== 'qrlocal';

function desired(product: string, destination: string | null, providers: string[], line = 1): DesiredSequence {
  return { product, destination, providers, file: 'providers/routing.yaml', line, col: 3, providerPositions: providers.map((_, i) => ({ file: 'providers/routing.yaml', line: line + i + 1, col: 7 })) };
}

function live(product: string, destination: string | null, names: string[], version = 1): LiveSequence {
  return { product, destination, providers: names.map((name) => ({ id: `id-${name}`, name, status: 'ACTIVE' })), version, updatedAt: null };
}

function liveProvider(name: string, over: Partial<ProviderState> = {}): LiveProvider {
  const state: ProviderState = {
    name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT'], credentials: {},
    fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true }, status: 'ACTIVE', labels: {}, ...over,
  };
  return { id: `id-${name}`, version: 1, state, statusChangedBy: 'API', statusReason: null, lastActivityAt: null, annotations: {}, credentialVersions: {}, createdAt: '', updatedAt: '' };
}

function create(name: string, services: string[], status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE', integration = 'xendit'): ProviderChange {
  return {
    name, action: 'create', fields: [], notes: [],
    operations: [{
      kind: 'create', idempotencyKey: 'k', secrets: {},
      body: { name, type: 'AGGREGATOR', integration, services, credentials: {}, fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true }, status },
    }],
  };
}

describe('sequence plans', () => {
  it('create a missing custom sequence, update a different one, leave an equal one alone; defaults first', () => {
    const changes = planSequences({
      desired: [desired('VIRTUAL_ACCOUNT', 'BCA', ['A']), desired('VIRTUAL_ACCOUNT', null, ['B', 'A']), desired('EWALLET', null, ['A'])],
      live: [live('VIRTUAL_ACCOUNT', null, ['A', 'B'], 4), live('EWALLET', null, ['A'])],
      changes: [],
      liveProviders: [liveProvider('A'), liveProvider('B')],
      qris,
    });
    expect(changes.map((c) => [c.product, c.destination, c.action, c.before, c.after, c.liveVersion])).toEqual([
      ['EWALLET', null, 'noop', ['A'], ['A'], 1],
      ['VIRTUAL_ACCOUNT', null, 'update', ['A', 'B'], ['B', 'A'], 4],
      ['VIRTUAL_ACCOUNT', 'BCA', 'create', undefined, ['A'], undefined],
    ]);
    expect(renderSequenceLines(changes, plain)).toEqual([
      '',
      '  Routing sequences:',
      '  ~ update sequence VIRTUAL_ACCOUNT (default)  providers/routing.yaml:1',
      '      providers: [A, B] -> [B, A]',
      '  + create sequence VIRTUAL_ACCOUNT to BCA  providers/routing.yaml:1',
      '      providers: [A]',
    ]);
    expect(sequenceSummary(changes)).toBe('Sequences: 1 to create, 1 to update, 1 unchanged.');
  });

  it('foresee providers the same apply adds to a declared default, and set it again afterwards', () => {
    const changes = planSequences({
      desired: [desired('VIRTUAL_ACCOUNT', null, ['A']), desired('VIRTUAL_ACCOUNT', 'BCA', ['A'])],
      live: [live('VIRTUAL_ACCOUNT', null, ['A']), live('VIRTUAL_ACCOUNT', 'BCA', ['A'])],
      changes: [create('New', ['VIRTUAL_ACCOUNT'])],
      liveProviders: [liveProvider('A')],
      qris,
    });
    const [def, custom] = changes as [SequenceChange, SequenceChange];
    expect(def).toMatchObject({ action: 'update', before: ['A'], after: ['A'], joining: ['New'] });
    expect(def.notes).toEqual(['"New" will join this default when applied (Paystrator adds new ACTIVE providers to it); apply then sets the declared list']);
    expect(custom.action).toBe('noop');
    expect(renderSequenceLines([def], plain)[3]).toBe('      providers: [A] + [New] when applied -> [A]');
  });

  it('know which provider operations add to which default', () => {
    const reactivated: ProviderChange = { name: 'Back', action: 'update', fields: [], notes: [], operations: [{ kind: 'status', body: { status: 'ACTIVE' } }] };
    const widened: ProviderChange = { name: 'Wide', action: 'update', fields: [], notes: [], operations: [{ kind: 'update', secrets: {}, body: { services: ['VIRTUAL_ACCOUNT', 'EWALLET'] } }] };
    const j = joiners(
      [create('On', ['QR_CODE', 'EWALLET']), create('Off', ['EWALLET'], 'INACTIVE'), create('Local', ['QR_CODE'], 'ACTIVE', 'qrlocal'), reactivated, widened],
      [liveProvider('Back', { status: 'INACTIVE', services: ['SEND_MONEY'] }), liveProvider('Wide')],
      qris,
    );
    expect(Object.fromEntries(j)).toEqual({ QR_CODE: ['On'], EWALLET: ['On', 'Wide'], SEND_MONEY: ['Back'] });
  });

  it('warn when a declared provider is in MAINTENANCE live and not yet in the sequence', () => {
    const [c] = planSequences({
      desired: [desired('EWALLET', null, ['A', 'M'])],
      live: [live('EWALLET', null, ['A'])],
      changes: [],
      liveProviders: [liveProvider('A'), liveProvider('M', { status: 'MAINTENANCE' })],
      qris,
    });
    expect(c!.notes).toEqual(['"M" is in MAINTENANCE live and not in this sequence yet: Paystrator adds only ACTIVE providers, so apply will fail until it is ACTIVE']);
  });
});

describe('saved plans and sequences', () => {
  const change = (over: Partial<SequenceChange> = {}): SequenceChange => ({
    product: 'EWALLET', destination: null, action: 'update', file: 'f', line: 1, before: ['A'], after: ['B', 'A'], liveVersion: 3, notes: [], ...over,
  });

  it('accept the same plan, and a sequence an earlier run already wrote', () => {
    expect(reconcileSequences({ sequences: [change()] }, { sequences: [change()] }).moved).toEqual([]);
    const r = reconcileSequences({ sequences: [change()] }, { sequences: [change({ action: 'noop', before: ['B', 'A'], liveVersion: 4 })] });
    expect(r.moved).toEqual([]);
    expect(r.sequences![0]).toMatchObject({ action: 'noop', liveVersion: 4 });
  });

  it('report, not refuse, a sequence the plan does not write that moved live', () => {
    const untouched = change({ action: 'noop', before: ['A'], after: ['A'], liveVersion: 3 });
    const r = reconcileSequences({ sequences: [untouched, change({ product: 'QR_CODE' })] }, { sequences: [change({ action: 'update', before: ['C', 'A'], after: ['A'], liveVersion: 4 }), change({ product: 'QR_CODE' })] });
    expect(r.moved).toEqual([]);
    expect(r.movedUntouched).toEqual(['sequence EWALLET (default) (version 3 -> 4, now [C, A])']);
    expect(r.sequences!.map((c) => [c.product, c.action])).toEqual([['EWALLET', 'noop'], ['QR_CODE', 'update']]);
  });

  it('name each sequence that moved live or was declared differently', () => {
    const r = reconcileSequences(
      { sequences: [change(), change({ product: 'QR_CODE' }), change({ product: 'SEND_MONEY' })] },
      { sequences: [change({ before: ['C'], liveVersion: 5 }), change({ product: 'QR_CODE', after: ['A'] }), change({ product: 'VIRTUAL_ACCOUNT', action: 'create', before: undefined, liveVersion: undefined })] },
    );
    expect(r.moved.map((d) => d.message)).toEqual([
      'sequence EWALLET (default) changed live since the plan (version 3 -> 5)',
      'sequence QR_CODE (default) its declaration changed since the plan',
      'sequence SEND_MONEY (default) is no longer declared',
      'sequence VIRTUAL_ACCOUNT (default) is declared since the plan',
    ]);
  });
});

describe('the sequences phase of apply, against the sandbox', () => {
  const [SECRET] = canaries() as [string];

  async function setup(wrap: (t: Transport, store: SandboxStore) => Transport = (t) => t) {
    const store = await openSandboxStore();
    const app = createSandboxApp({ store });
    const client = new PaystratorClient(wrap(new InProcessTransport(app), store), new Sensitive(SANDBOX_RW_KEY), false);
    for (const name of ['A', 'B']) {
      await client.createProvider({
        name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT'], credentials: { clientKey: 'xnd_development_abc', clientSecret: new Sensitive(SECRET) },
        fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true },
      }, `key-${name}`);
    }
    return { client, store };
  }
  const put = (after: string[], destination: string | null = null, action: SequenceChange['action'] = 'update'): SequenceChange =>
    ({ product: 'VIRTUAL_ACCOUNT', destination, action, file: 'f', line: 1, after, notes: [] });

  it('resolves names to ids, writes defaults and creates custom sequences, and skips what is already as declared', async () => {
    const { client } = await setup();
    const events: string[] = [];
    const r = await applySequences({ sequences: [put(['B', 'A']), put(['A'], 'BCA', 'create'), put(['A', 'B'], 'BRI'), put(['A'], 'X', 'noop')] }, client, {
      onEvent: (e) => events.push(`${e.sequence} ${e.phase}`),
    });
    expect(r).toEqual({ written: 3, unchanged: 0, failed: 0, failures: [] });
    expect((await client.getSequence('VIRTUAL_ACCOUNT', null))!.providers.map((p) => p.name)).toEqual(['B', 'A']);
    expect((await client.getSequence('VIRTUAL_ACCOUNT', 'BCA'))!.providers.map((p) => p.name)).toEqual(['A']);
    const again = await applySequences({ sequences: [put(['B', 'A'])] }, client);
    expect(again).toMatchObject({ written: 0, unchanged: 1 });
    expect(events).toEqual(['VIRTUAL_ACCOUNT (default) done', 'VIRTUAL_ACCOUNT to BCA done', 'VIRTUAL_ACCOUNT to BRI done']);
    await capture('sequence apply events', events.join('\n'));
  });

  it('fails a sequence that names a provider that does not exist live, and only that one', async () => {
    const { client } = await setup();
    const r = await applySequences({ sequences: [put(['A', 'Ghost']), put(['A'], 'BCA')] }, client);
    expect(r.written).toBe(1);
    expect(r.failures).toEqual([{ sequence: 'VIRTUAL_ACCOUNT (default)', message: '"Ghost" does not exist live; apply the providers first' }]);
  });

  it('never overwrites a change made between its read and its write', async () => {
    let meddled = false;
    const { client } = await setup((t, store) => ({
      description: t.description,
      close: () => t.close(),
      async send(req: HttpRequest) {
        if (req.method === 'PUT' && !meddled) {
          meddled = true;
          const q = store.sequence('VIRTUAL_ACCOUNT', null)!;
          store.saveSequence({ ...q, providerIds: [...q.providerIds].reverse(), version: q.version + 1 });
        }
        return t.send(req);
      },
    }));
    const r = await applySequences({ sequences: [put(['A'])] }, client);
    expect(r.failed).toBe(1);
    expect(r.failures[0]!.message).toMatch(/changed by someone else while applying \(live version 3\); nothing was overwritten/);
  });

  it('counts a retried write of its own that had landed as written, not as a conflict', async () => {
    const { client } = await setup((t) => ({
      description: t.description,
      close: () => t.close(),
      async send(req: HttpRequest) {
        const res = await t.send(req);
        // The answer to the PUT is lost and the retry is refused: the write itself did land.
        if (req.method === 'PUT') return { status: 412, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify({ type: 'x', title: 'Precondition failed', status: 412 }) };
        return res;
      },
    }));
    const r = await applySequences({ sequences: [put(['B', 'A'])] }, client);
    expect(r).toMatchObject({ written: 1, failed: 0 });
  });
});
