import { describe, expect, test } from 'vitest';
import type { LiveProvider, ProviderState } from '../model/state.js';
import type { DesiredSequence, LiveSequence } from '../model/sequence.js';
import type { ProviderChange, SequenceChange } from '../plan/plan.js';
import { renderSequenceLines } from '../render/sequences.js';
import { plain } from '../render/style.js';
import { routingMayShift, withRoutingMoney } from '../sequences/money.js';
import { firstEligible, routingEffect, routingMoneyLine } from './routing.js';
import type { Pricing } from './effect.js';
import { FieldPositions } from '../model/positions.js';

const pct = (percent: string, applyVat = true): Pricing => ({ fee: { type: 'PERCENTAGE', percent }, tax: { vatPercent: '11', applyVat } });
const flat = (amount: string): Pricing => ({ fee: { type: 'FLAT', amount, currency: 'IDR' }, tax: { vatPercent: '11', applyVat: true } });

function state(name: string, pricing: Pricing, status: ProviderState['status'] = 'ACTIVE'): ProviderState {
  return { name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT'], credentials: {}, ...pricing, status, labels: {} };
}
function liveProvider(name: string, pricing: Pricing, status: ProviderState['status'] = 'ACTIVE'): LiveProvider {
  return { id: `id-${name}`, version: 1, state: state(name, pricing, status), statusChangedBy: 'API', statusReason: null, lastActivityAt: null, annotations: {}, credentialVersions: {}, createdAt: '', updatedAt: '' };
}
function update(before: string[], after: string[], destination: string | null = null): SequenceChange {
  return { product: 'VIRTUAL_ACCOUNT', destination, action: 'update', file: 'providers/routing.yaml', line: 1, before, after, liveVersion: 3, notes: [] };
}
const volume = { transactions: 41_230n, amount: 8_234_567_891n };
const volumes = new Map([['VIRTUAL_ACCOUNT', volume]]);

/** Integer reference: fee = round(amount x bp / 10000), VAT = round(fee x 11 / 100), each half up. */
const charged = (bp: bigint) => {
  const fee = (volume.amount * bp * 2n + 10_000n) / 20_000n;
  return fee + (fee * 11n * 2n + 100n) / 200n;
};

describe('the money a routing change costs', () => {
  test('the first eligible provider is the first ACTIVE one: MAINTENANCE and INACTIVE are skipped, as routing skips them', () => {
    const status = new Map([['A', 'MAINTENANCE'], ['B', 'INACTIVE'], ['C', 'ACTIVE']] as const);
    expect(firstEligible(['A', 'B', 'C'], (n) => status.get(n as 'A'))).toBe('C');
    expect(firstEligible(['A', 'B'], (n) => status.get(n as 'A'))).toBeUndefined();
  });

  test('the difference of the two providers on the product volume, against an integer reference', () => {
    const e = routingEffect(volume, { name: 'Cheap', pricing: pct('1.5') }, { name: 'Dear', pricing: pct('2.1') });
    expect(e.delta).toBe(charged(210n) - charged(150n));
    expect(routingMoneyLine(e)).toBe(`first provider: Cheap -> Dear; at last 30 days' volume (41,230 tx, Rp8.2B): +Rp54.8M/month`);
    // A flat fee counts per transaction: 41,230 x 4,000 + 11% VAT.
    const f = routingEffect(volume, { name: 'Dear', pricing: pct('2.1') }, { name: 'Flat', pricing: flat('4000') });
    expect(f.after).toBe(41_230n * 4000n + (41_230n * 4000n * 11n * 2n + 100n) / 200n);
    expect(routingMoneyLine(f)).toMatch(/: -Rp\d+(\.\d)?M\/month$/);
  });

  test('a sequence change that puts another ACTIVE provider first carries both providers, the volume and the figures', () => {
    const live = [liveProvider('Cheap', pct('1.5')), liveProvider('Dear', pct('2.1')), liveProvider('Down', pct('0.5'), 'MAINTENANCE')];
    const [moved, same, skipped] = withRoutingMoney(
      [update(['Cheap', 'Dear'], ['Dear', 'Cheap']), update(['Cheap', 'Dear'], ['Cheap', 'Dear', 'Down'], 'BCA'), update(['Cheap', 'Dear'], ['Down', 'Cheap'], 'BNI')],
      { changes: [], desired: live.map((l) => ({ state: l.state, file: '', positions: FieldPositions.NONE, secretRefs: {} })), live, volumes },
    );
    expect(moved!.money).toEqual({ from: 'Cheap', to: 'Dear', transactions: '41230', amount: '8234567891', before: charged(150n).toString(), after: charged(210n).toString(), delta: (charged(210n) - charged(150n)).toString() });
    // Same first provider; and a MAINTENANCE provider put first is skipped by routing, so Cheap still serves.
    expect(same!.money).toBeUndefined();
    expect(skipped!.money).toBeUndefined();
    expect(renderSequenceLines([moved!], plain)).toContain(`      # first provider: Cheap -> Dear; at last 30 days' volume (41,230 tx, Rp8.2B): +Rp54.8M/month`);
  });

  test('the new first provider is charged at the pricing and status the same plan leaves it with', () => {
    const live = [liveProvider('Cheap', pct('1.5')), liveProvider('Dear', pct('2.1'), 'MAINTENANCE')];
    const changes: ProviderChange[] = [{
      name: 'Dear', action: 'update', fields: [], notes: [], pricing: { before: pct('2.1'), after: pct('1.8') },
      operations: [{ kind: 'status', body: { status: 'ACTIVE' } }],
    }];
    const [s] = withRoutingMoney([update(['Cheap', 'Dear'], ['Dear', 'Cheap'])], { changes, desired: [], live, volumes });
    expect(s!.money?.delta).toBe((charged(180n) - charged(150n)).toString());
    // Without the status change, Dear stays in MAINTENANCE: routing keeps Cheap first, no money line.
    const [t] = withRoutingMoney([update(['Cheap', 'Dear'], ['Dear', 'Cheap'])], { changes: [], desired: [], live, volumes });
    expect(t!.money).toBeUndefined();
  });

  test('metrics are needed only when some declared sequence moves its first provider', () => {
    const live = [liveProvider('Cheap', pct('1.5')), liveProvider('Dear', pct('2.1'))];
    const desired = live.map((l) => ({ state: l.state, file: '', positions: FieldPositions.NONE, secretRefs: {} }));
    const seq = (providers: string[]): DesiredSequence => ({ product: 'VIRTUAL_ACCOUNT', destination: null, providers, file: 'r.yaml', line: 1, col: 1, providerPositions: [] });
    const liveSeq: LiveSequence = { product: 'VIRTUAL_ACCOUNT', destination: null, providers: [{ id: 'id-Cheap', name: 'Cheap', status: 'ACTIVE' }, { id: 'id-Dear', name: 'Dear', status: 'ACTIVE' }], version: 1, updatedAt: null };
    expect(routingMayShift([seq(['Cheap', 'Dear'])], [liveSeq], desired, live)).toBe(false);
    expect(routingMayShift([seq(['Cheap'])], [liveSeq], desired, live)).toBe(false);
    expect(routingMayShift([seq(['Dear', 'Cheap'])], [liveSeq], desired, live)).toBe(true);
  });
});
