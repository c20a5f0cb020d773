// The real sandbox app served over loopback HTTP inside the test process, with fault injection,
// and the real client over undici: for unit tests of the retry layer and the apply engine.
import { PaystratorClient } from '../../src/api/client.js';
import type { RetryOptions } from '../../src/api/retry.js';
import { HttpTransport } from '../../src/api/transport.js';
import { toLiveProvider } from '../../src/live/read.js';
import type { DesiredProvider, LiveProvider, ProviderState } from '../../src/model/state.js';
import { buildPlan, type PlanInput } from '../../src/plan/build.js';
import type { Plan } from '../../src/plan/plan.js';
import type { FaultOptions } from '../../src/sandbox/faults.js';
import { serveSandbox, type SandboxServer } from '../../src/sandbox/server.js';
import { SANDBOX_RW_KEY } from '../../src/sandbox/store/types.js';
import type { ResolvedSecrets } from '../../src/secrets/resolver.js';
import { Sensitive } from '../../src/secrets/sensitive.js';
import { canaries } from './cli.js';
import { desiredProvider, planInput, providerState, xenditCredentials } from './states.js';

export interface FaultySandbox {
  server: SandboxServer;
  /** A client with its own transport and retry budget; `retry` overrides the defaults. */
  client(retry?: RetryOptions | false): PaystratorClient;
  close(): Promise<void>;
}

export async function faultySandbox(faults: FaultOptions = {}, random?: () => number): Promise<FaultySandbox> {
  const server = await serveSandbox({ port: 0, faults, ...(random ? { random } : {}) });
  const transports: HttpTransport[] = [];
  return {
    server,
    client(retry = {}) {
      const t = new HttpTransport(server.url);
      transports.push(t);
      return new PaystratorClient(t, new Sensitive(SANDBOX_RW_KEY), retry);
    },
    async close() {
      await Promise.all(transports.map((t) => t.close()));
      await server.close();
    },
  };
}

/**
 * A random source that plays `script` first, then `rest` forever. The fault middleware draws six
 * numbers per request: [429, 5xx, drop, drop-after-commit, 5xx kind, latency].
 */
export function scripted(script: number[], rest = 0.99): () => number {
  let i = 0;
  return () => (i < script.length ? script[i++]! : rest);
}
export const NO_FAULT = [0.99, 0.99, 0.99, 0.99, 0.99, 0.99];
export const DROP_AFTER_COMMIT = [0.99, 0.99, 0, 0, 0.99, 0.99];

export const xendit = (name: string, over: Partial<ProviderState> = {}): ProviderState =>
  providerState(name, { credentials: xenditCredentials({ fingerprint: 'hmac-sha256:test' }, 'xnd_development_abc123'), ...over });

export const desired = (s: ProviderState): DesiredProvider => desiredProvider(s, { secretRefs: { clientSecret: { store: 'env', name: 'XENDIT_SECRET' } } });

/** Every secret reference resolves to the first canary value. */
export const canarySecrets = (): ResolvedSecrets => ({ get: () => new Sensitive(canaries()[0]!), reads: 0 });

export async function readLive(client: PaystratorClient): Promise<LiveProvider[]> {
  return (await client.listProviders()).map((p) => toLiveProvider(p));
}

export function planFor(want: ProviderState[], live: LiveProvider[], over: Partial<PlanInput> = {}): Plan {
  return buildPlan(planInput(want.map(desired), live, { endpoint: 'test', ...over }));
}
