import { describe, expect, test } from 'vitest';
import type { Plan, ProviderChange } from '../plan/plan.js';
import { analyseStep, formatRate, type MetricRow } from './analysis.js';
import { rolloutSteps } from './steps.js';
import { describeAction, describeSettingRollback, rollbackActions, settingRollbacks } from './rollback.js';
import type { ResourceChange } from '../plan/plan.js';
import type { LiveProvider } from '../model/state.js';

const change = (name: string, action: ProviderChange['action'], services: string[] = ['VIRTUAL_ACCOUNT']): ProviderChange => ({
  name,
  action,
  fields: action === 'noop' ? [] : [{ field: 'spec.fee.percent', before: '1.5', after: '1.6' }],
  notes: [],
  operations: action === 'noop' ? [] : [{ kind: 'update', body: { fee: { type: 'PERCENTAGE', percent: '1.6' }, services }, secrets: {} }],
});

const plan = (changes: ProviderChange[], sequences: Plan['sequences'] = []): Plan =>
  ({ changes, sequences, unmanaged: [], options: { prune: false, targets: [] } }) as unknown as Plan;

describe('rollout steps', () => {
  test('one provider at a time, least traffic first, then the sequences; no-ops are no step', () => {
    const steps = rolloutSteps({
      plan: plan([change('Busy', 'update'), change('Quiet', 'update'), change('Idle', 'noop'), change('New', 'update', ['EWALLET'])], [
        { product: 'EWALLET', destination: null, action: 'update', file: 's.yaml', line: 1, after: ['New'], notes: [] },
      ] as Plan['sequences']),
      traffic: new Map([
        ['Busy', 900n],
        ['Quiet', 5n],
      ]),
      liveServices: new Map([['Busy', ['QR_CODE']]]),
    });
    expect(steps.map((s) => s.title)).toEqual(['provider New', 'provider Quiet', 'provider Busy', 'routing sequence']);
    expect(steps.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    // Busy serves QR_CODE live and VIRTUAL_ACCOUNT after the change: both are watched.
    expect(steps[2]!.services).toEqual(['QR_CODE', 'VIRTUAL_ACCOUNT']);
    expect(steps[3]!.services).toEqual(['EWALLET']);
  });
});

const row = (providerName: string, service: string, transactions: number, successes: number): MetricRow => ({ providerId: `prv_${providerName}`, providerName, service, transactions, successes });

describe('step analysis', () => {
  const scope = { providers: ['Xendit'], services: ['VIRTUAL_ACCOUNT'] };

  test('passes at the threshold exactly, fails one success below it', () => {
    const before = [row('Xendit', 'VIRTUAL_ACCOUNT', 100, 100)];
    expect(analyseStep(scope, before, [row('Xendit', 'VIRTUAL_ACCOUNT', 100, 97)]).outcome).toBe('pass');
    const v = analyseStep(scope, before, [row('Xendit', 'VIRTUAL_ACCOUNT', 100, 96)]);
    expect(v).toMatchObject({ outcome: 'fail', reasons: ['success rate 96.0% (96 of 100) is below 97.0%'] });
  });

  test('a provider that served payments and serves none after the step fails it, whatever the rate', () => {
    const before = [row('Xendit', 'VIRTUAL_ACCOUNT', 50, 50), row('BCA', 'VIRTUAL_ACCOUNT', 50, 50)];
    const after = [row('Xendit', 'VIRTUAL_ACCOUNT', 0, 0), row('BCA', 'VIRTUAL_ACCOUNT', 100, 100)];
    expect(analyseStep(scope, before, after)).toMatchObject({ outcome: 'fail', reasons: ['Xendit served payments before the step and serves none after it'] });
    // Offered payments it fails all of: it serves none either (a rejected credential).
    const offered = [row('Xendit', 'VIRTUAL_ACCOUNT', 40, 0), row('BCA', 'VIRTUAL_ACCOUNT', 1000, 1000)];
    expect(analyseStep(scope, before, offered).outcome).toBe('fail');
  });

  test('a fallback that served a few failovers before is not expected to serve in a short window', () => {
    const before = [row('Xendit', 'VIRTUAL_ACCOUNT', 1000, 995), row('BCA', 'VIRTUAL_ACCOUNT', 5, 5)];
    const after = [row('Xendit', 'VIRTUAL_ACCOUNT', 75, 75)];
    // BCA's share (5 of 1000) of 75 transactions is under one: its silence is no sign.
    expect(analyseStep(scope, before, after).outcome).toBe('pass');
  });

  test('too few transactions to judge: wait', () => {
    expect(analyseStep(scope, [], [row('Xendit', 'VIRTUAL_ACCOUNT', 3, 0)]).outcome).toBe('wait');
    expect(analyseStep(scope, [], [row('Xendit', 'VIRTUAL_ACCOUNT', 3, 0)], { minSuccessRate: 0.97, minTransactions: 0 }).outcome).toBe('fail');
  });

  test('rows outside the step are not counted', () => {
    const after = [row('Xendit', 'VIRTUAL_ACCOUNT', 100, 100), row('Other', 'EWALLET', 100, 0)];
    expect(analyseStep(scope, [], after)).toMatchObject({ outcome: 'pass', figures: { transactions: 100, successes: 100 } });
  });

  test('the rate shown never rounds a failing rate up to a passing one', () => {
    expect(formatRate(9699, 10000)).toBe('96.9%');
    expect(formatRate(0, 0)).toBe('n/a');
  });
});


const live: LiveProvider = {
  id: 'prv_1',
  version: 3,
  state: {
    name: 'Xendit',
    type: 'AGGREGATOR',
    integration: 'xendit',
    services: ['VIRTUAL_ACCOUNT'],
    credentials: { clientKey: { kind: 'plain', value: 'xnd_old' }, clientSecret: { kind: 'secret', fingerprint: 'fp-old' } },
    fee: { type: 'PERCENTAGE', percent: '1.5' },
    tax: { vatPercent: '11', applyVat: true },
    status: 'ACTIVE',
    labels: { team: 'payments' },
  },
  statusChangedBy: 'API',
  statusReason: null,
  lastActivityAt: null,
  annotations: {},
  credentialVersions: { clientSecret: 2 },
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('rollback of a failed step', () => {
  const secretChange: ProviderChange = {
    name: 'Xendit',
    action: 'update',
    id: 'prv_1',
    liveVersion: 3,
    fields: [
      { field: 'spec.fee.percent', before: '1.5', after: '1.7' },
      { field: 'spec.credentials.clientKey', before: 'xnd_old', after: 'xnd_new' },
      { field: 'spec.credentials.clientSecret', before: '(sensitive)', after: '(sensitive)' },
    ],
    notes: [],
    operations: [{ kind: 'update', body: { fee: { type: 'PERCENTAGE', percent: '1.7' }, credentials: { clientKey: 'xnd_new' } }, secrets: { clientSecret: { ref: { store: 'vault', name: 'xendit' }, fingerprint: 'fp-new' } } }],
  };

  test('fields back to their values before the step; a versioned secret back to the live version', () => {
    const actions = rollbackActions({ change: secretChange, before: live, id: 'prv_1', versioned: (r) => r.store === 'vault' });
    expect(actions).toEqual([
      { kind: 'restore', provider: 'Xendit', id: 'prv_1', body: { fee: { type: 'PERCENTAGE', percent: '1.5' }, credentials: { clientKey: 'xnd_old' } }, fields: ['fee', 'credentials.clientKey'] },
      { kind: 'secret', provider: 'Xendit', id: 'prv_1', field: 'clientSecret', ref: { store: 'vault', name: 'xendit' }, liveFingerprint: 'fp-old' },
    ]);
  });

  test('a secret whose store keeps no versions: the provider goes into MAINTENANCE, and the report says why', () => {
    const actions = rollbackActions({ change: secretChange, before: live, id: 'prv_1', versioned: () => false });
    expect(actions.map((a) => a.kind)).toEqual(['restore', 'maintenance']);
    expect(describeAction(actions[1]!)).toBe('Xendit: put into MAINTENANCE, so routing fails over (the previous value of clientSecret cannot be read back from its store (it keeps no versions))');
  });

  test('a created provider is deactivated; a status change goes back', () => {
    expect(rollbackActions({ change: { ...secretChange, action: 'create', fields: [] }, before: undefined, id: 'prv_9', versioned: () => true })).toEqual([{ kind: 'status', provider: 'Xendit', id: 'prv_9', status: 'INACTIVE' }]);
    const status: ProviderChange = { ...secretChange, fields: [{ field: 'spec.status', before: 'ACTIVE', after: 'MAINTENANCE' }], operations: [{ kind: 'status', body: { status: 'MAINTENANCE' } }] };
    expect(rollbackActions({ change: status, before: live, id: 'prv_1', versioned: () => true })).toEqual([{ kind: 'status', provider: 'Xendit', id: 'prv_1', status: 'ACTIVE' }]);
  });
});

const setting = (c: Partial<ResourceChange> & Pick<ResourceChange, 'kind' | 'name' | 'action'>): ResourceChange => ({ fields: [], notes: [], operations: [{ kind: 'put' }], ...c });

describe('the account settings step', () => {
  test('one last step after the providers and sequences, watching every service live providers serve', () => {
    const steps = rolloutSteps({
      plan: {
        ...plan([change('Busy', 'update', ['EWALLET'])], [{ product: 'EWALLET', destination: null, action: 'update', file: 's.yaml', line: 1, after: ['Busy'], notes: [] }] as Plan['sequences']),
        resources: [setting({ kind: 'Webhooks', name: 'Webhooks', action: 'update' }), setting({ kind: 'ApiKey', name: 'Old', action: 'noop', operations: [] }), setting({ kind: 'ApiKey', name: 'CI', action: 'create' })],
      },
      traffic: new Map(),
      liveServices: new Map([['Other', ['QR_CODE']]]),
    });
    expect(steps.map((s) => [s.index, s.kind, s.title])).toEqual([
      [1, 'provider', 'provider Busy'],
      [2, 'sequences', 'routing sequence'],
      [3, 'settings', 'account settings (Webhooks, ApiKey "CI")'],
    ]);
    expect(steps[2]!.services).toEqual(['EWALLET', 'QR_CODE']);
    expect(steps[2]!.providers).toEqual([]);
  });

  test('rollback: URLs, addresses and permissions back; a created key revoked; a revoked key said final; whitelist first', () => {
    const actions = settingRollbacks([
      setting({ kind: 'Webhooks', name: 'Webhooks', action: 'update', fields: [{ field: 'spec.urls.EWALLET', before: 'https://a.example/e', after: 'https://b.example/e' }, { field: 'spec.urls.QR_CODE', after: 'https://b.example/q' }] }),
      setting({ kind: 'ApiKey', name: 'Backend', action: 'update', id: 'key_1', fields: [{ field: 'spec.permissions.EWALLET', before: 'READ', after: 'READ_WRITE' }, { field: 'spec.permissions.QR_CODE', after: 'READ' }] }),
      setting({ kind: 'ApiKey', name: 'New', action: 'create', operations: [{ kind: 'create' }, { kind: 'write-sink' }] }),
      setting({ kind: 'ApiKey', name: 'Gone', action: 'revoke', id: 'key_2', operations: [{ kind: 'revoke' }] }),
      setting({ kind: 'IpWhitelist', name: 'IpWhitelist', action: 'update', fields: [{ field: 'spec.addresses', before: ['203.0.113.10'], after: ['203.0.113.10', '203.0.113.11'] }] }),
    ]);
    expect(actions).toEqual([
      { kind: 'ip-whitelist', addresses: ['203.0.113.10'] },
      { kind: 'key-permissions', name: 'Backend', id: 'key_1', permissions: { EWALLET: 'READ', QR_CODE: 'NONE' } },
      { kind: 'key-revoke', name: 'New' },
      { kind: 'key-revoked', name: 'Gone' },
      { kind: 'webhooks', urls: { EWALLET: 'https://a.example/e', QR_CODE: null } },
    ]);
    expect(actions.map(describeSettingRollback)).toEqual([
      'IpWhitelist: back to the 1 address before the step',
      'ApiKey "Backend": permissions back to EWALLET READ, QR_CODE NONE',
      'ApiKey "New": created by the step, which cannot be undone: revoked instead (its value stays in its sink, refused by Paystrator)',
      'ApiKey "Gone": revoked by the step; revoking is final, it stays revoked',
      'Webhooks: EWALLET, QR_CODE back to the URLs before the step',
    ]);
  });
});
