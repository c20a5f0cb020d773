// Plain builders for the model values unit tests feed to buildPlan / computeDrift. Pure (no vitest
// inject, no I/O), so src/**/*.test.ts and other helpers can share them. Each test overrides only
// what its case is about; the defaults are one ordinary managed Xendit aggregator.
import type { CredentialState, DesiredProvider, LiveProvider, ProviderState } from '../../src/model/state.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../src/model/state.js';
import type { PlanInput } from '../../src/plan/build.js';
import { FieldPositions } from '../../src/model/positions.js';

export const PLAIN_CLIENT_KEY = 'xnd_development_k';

/** Xendit credentials: the plain client key plus, when given, a secret clientSecret with that fingerprint. */
export function xenditCredentials(secret?: { fingerprint: string | null }, clientKey = PLAIN_CLIENT_KEY): Record<string, CredentialState> {
  return {
    clientKey: { kind: 'plain', value: clientKey },
    ...(secret ? { clientSecret: { kind: 'secret', fingerprint: secret.fingerprint } } : {}),
  };
}

export function providerState(name: string, over: Partial<ProviderState> = {}): ProviderState {
  return {
    name,
    type: 'AGGREGATOR',
    integration: 'xendit',
    services: ['EWALLET', 'VIRTUAL_ACCOUNT'],
    credentials: xenditCredentials(),
    fee: { type: 'PERCENTAGE', percent: '1.5' },
    tax: { vatPercent: '11', applyVat: true },
    status: 'ACTIVE',
    labels: {},
    ...over,
  };
}

/** `state` as declared in providers/<name>.yaml, with no positions and no secret references unless given. */
export function desiredProvider(state: ProviderState, over: Partial<Omit<DesiredProvider, 'state'>> = {}): DesiredProvider {
  return { state, file: `providers/${state.name}.yaml`, positions: FieldPositions.NONE, secretRefs: {}, ...over };
}

/** `state` as the API returns it after our apply: carrying the ownership label (pass `state` in `over` to drop it). */
export function liveProvider(state: ProviderState, over: Partial<LiveProvider> = {}): LiveProvider {
  return {
    id: `prv_${state.name}`,
    version: 1,
    state: { ...state, labels: { ...state.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
    statusChangedBy: 'API',
    statusReason: null,
    lastActivityAt: null,
    annotations: {},
    credentialVersions: {},
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}

export function planInput(desired: DesiredProvider[], live: LiveProvider[], over: Partial<PlanInput> = {}): PlanInput {
  return {
    environment: 'sandbox', endpoint: 'embedded sandbox', company: 'dummy-company', toolVersion: 'test', desired, live, prune: false, targets: [], ignore: [], ...over,
  };
}
