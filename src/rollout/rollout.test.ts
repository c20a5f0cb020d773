import { describe, expect, test } from 'vitest';
import type { Plan, ProviderChange } from '../plan/plan.js';
import { analyseStep, formatRate, type MetricRow } from './analysis.js';
import { rolloutSteps } from './steps.js';

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

  test('a provider that carried traffic and carries none after the step fails it, whatever the rate', () => {
    const before = [row('Xendit', 'VIRTUAL_ACCOUNT', 50, 50), row('BCA', 'VIRTUAL_ACCOUNT', 50, 50)];
    const after = [row('Xendit', 'VIRTUAL_ACCOUNT', 0, 0), row('BCA', 'VIRTUAL_ACCOUNT', 100, 100)];
    expect(analyseStep(scope, before, after)).toMatchObject({ outcome: 'fail', reasons: ['Xendit carried traffic before the step and carries none after it'] });
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
