// The money line of a sequence change (fees/routing.ts): which provider comes first before and
// after the plan, at whose pricing, on the product's 30-day volume. Pure: the volumes are read
// beforehand (app/workspace.ts), and only when routingMayShift says some first provider moves.
import { firstEligible, routingEffect } from '../fees/routing.js';
import type { Pricing } from '../fees/effect.js';
import type { Volume } from '../fees/volume.js';
import type { DesiredProvider, LiveProvider, ProviderStatus } from '../model/state.js';
import { sequenceId, type DesiredSequence, type LiveSequence } from '../model/sequence.js';
import type { ProviderChange, SequenceChange } from '../plan/plan.js';

const pricingOf = (s: { fee: Pricing['fee']; tax: Pricing['tax'] }): Pricing => ({ fee: { ...s.fee }, tax: { ...s.tax } });

/**
 * Whether a declared sequence may route its product to a different first provider once applied,
 * judged from the declared statuses: the cheap test that decides whether metrics are read at all.
 */
export function routingMayShift(desired: readonly DesiredSequence[], live: readonly LiveSequence[], desiredProviders: readonly DesiredProvider[], liveProviders: readonly LiveProvider[]): boolean {
  const liveById = new Map(live.map((l) => [sequenceId(l), l]));
  const liveStatus = new Map(liveProviders.map((l) => [l.state.name, l.state.status]));
  const desiredStatus = new Map(desiredProviders.map((d) => [d.state.name, d.state.status]));
  return desired.some((d) => {
    const l = liveById.get(sequenceId(d));
    if (!l) return false;
    const from = firstEligible(l.providers.map((p) => p.name), (n) => liveStatus.get(n));
    const to = firstEligible(d.providers, (n) => desiredStatus.get(n) ?? liveStatus.get(n));
    return from !== undefined && to !== undefined && from !== to;
  });
}

export interface RoutingMoneyInput {
  /** The provider part of the same plan: what statuses and prices it leaves live. */
  changes: readonly ProviderChange[];
  desired: readonly DesiredProvider[];
  live: readonly LiveProvider[];
  /** Per product (service), what it carried over the last 30 days, all providers together. */
  volumes: ReadonlyMap<string, Volume>;
}

/**
 * Each updated sequence whose first eligible provider changes carries `money`. The old first is
 * charged at its live pricing, the new first at the pricing the plan leaves it with (a fee change
 * in the same plan counts): the line is what the month costs after the apply, against now.
 */
export function withRoutingMoney(sequences: readonly SequenceChange[], input: RoutingMoneyInput): SequenceChange[] {
  const live = new Map(input.live.map((l) => [l.state.name, l.state]));
  const desired = new Map(input.desired.map((d) => [d.state.name, d.state]));
  const changes = new Map(input.changes.map((c) => [c.name, c]));
  const statusAfter = (name: string): ProviderStatus | undefined => {
    for (const op of changes.get(name)?.operations ?? []) {
      if (op.kind === 'status') return op.body.status;
      if (op.kind === 'create') return op.body.status ?? 'ACTIVE';
    }
    return live.get(name)?.status;
  };
  const pricingAfter = (name: string): Pricing | undefined => {
    const c = changes.get(name);
    if (c?.pricing) return pricingOf(c.pricing.after);
    const state = live.get(name) ?? desired.get(name);
    return state ? pricingOf(state) : undefined;
  };
  return sequences.map((s) => {
    if (s.action !== 'update' || !s.before) return s;
    const volume = input.volumes.get(s.product);
    const from = firstEligible(s.before, (n) => live.get(n)?.status);
    const to = firstEligible(s.after, statusAfter);
    if (!volume || from === undefined || to === undefined || from === to) return s;
    const fromState = live.get(from);
    const toPricing = pricingAfter(to);
    if (!fromState || !toPricing) return s;
    const e = routingEffect(volume, { name: from, pricing: pricingOf(fromState) }, { name: to, pricing: toPricing });
    const money = { from, to, transactions: volume.transactions.toString(), amount: volume.amount.toString(), before: e.before.toString(), after: e.after.toString(), delta: e.delta.toString() };
    return { ...s, money };
  });
}
