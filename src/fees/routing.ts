// What a routing change costs: when a sequence change puts a different provider first, the
// product's traffic moves to it, and with it the fee. The money line of a sequence change is the
// fee of the provider that now comes first minus the fee of the one that came first, both charged
// on the product's last 30 days (volume.ts, the same rounding as `fees quote`).
//
// "First" is the first provider routing actually uses: the first ACTIVE one in the list
// (MAINTENANCE and INACTIVE ones are skipped, as Paystrator's routing skips them). Product code
// decides this on its own; the sandbox's traffic follows the same rule, but nothing here imports it.
import type { ProviderStatus } from '../model/state.js';
import type { Pricing } from './effect.js';
import { moneyLine, volumeEffect, type Volume, type VolumeEffect } from './volume.js';

/** The first provider of a list that routing would offer a payment to, or undefined when none is ACTIVE. */
export function firstEligible(providers: readonly string[], statusOf: (name: string) => ProviderStatus | undefined): string | undefined {
  return providers.find((name) => statusOf(name) === 'ACTIVE');
}

export interface RoutingEffect extends VolumeEffect {
  /** The provider that comes first now, and the one that comes first after the change. */
  from: string;
  to: string;
}

/** The product's volume charged at the old first provider's pricing (before) and at the new one's (after). */
export function routingEffect(volume: Volume, from: { name: string; pricing: Pricing }, to: { name: string; pricing: Pricing }): RoutingEffect {
  return { ...volumeEffect(volume, from.pricing, to.pricing), from: from.name, to: to.name };
}

/** "first provider: A -> B; at last 30 days' volume (41,230 tx, Rp8.2B): +Rp12.3M/month" */
export function routingMoneyLine(effect: RoutingEffect): string {
  return `first provider: ${effect.from} -> ${effect.to}; ${moneyLine(effect)}`;
}
