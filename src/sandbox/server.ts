// The sandbox over real HTTP, for `paystrator-gitops sandbox` and tests. Loopback only: it holds
// no real credentials, but it also checks no real identities.
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { ExitError } from '../diagnostics.js';
import { createCompaniesApp } from './companies.js';
import { faultMiddleware, hasFaults, newFaultStats, seededRandom, startMonitor, type FaultOptions, type FaultStats } from './faults.js';
import type { LockOptions } from './store/lock.js';
import { SandboxStore } from './store/domain.js';
import { openSandboxStore } from './store/persistence.js';
import { startTraffic, type ServedTrafficOptions, type TrafficRunner } from './traffic.js';

export interface SandboxServerOptions {
  /** 0 picks a free port; the OpenAPI document's sandbox server is 4010. */
  port?: number;
  dataFile?: string;
  /** How the data file's lock waits for another run (lock.ts); the server holds it until close. */
  lock?: LockOptions;
  host?: '127.0.0.1';
  /** Injected failures (faults.ts); none by default. */
  faults?: FaultOptions;
  /** The address API calls are seen from (app.ts); 203.0.113.1 by default. */
  requestAddress?: string;
  /** Companies to host (companies.ts): 1 (Dummy Company) by default. */
  clients?: number;
  /** How long a webhook test delivery waits (app.ts); 10 s by default. */
  webhookTimeoutMs?: number;
  /** Replaces the seeded generator of request faults, so a test can script exactly which request fails how. */
  random?: () => number;
  /** Simulated payment traffic (traffic.ts); none by default. */
  traffic?: ServedTrafficOptions;
}

export interface SandboxServer {
  url: string;
  port: number;
  store: SandboxStore;
  /** Counts of injected faults (all zero without faults). */
  faultStats: FaultStats;
  traffic: TrafficRunner | undefined;
  close(): Promise<void>;
}

export async function serveSandbox(opts: SandboxServerOptions = {}): Promise<SandboxServer> {
  const host = opts.host ?? '127.0.0.1';
  const store = await openSandboxStore(opts.dataFile, opts.lock ? { lock: opts.lock } : {});
  const faults = opts.faults && hasFaults(opts.faults) ? opts.faults : undefined;
  const faultStats = newFaultStats();
  // One generator for request faults and one for the monitor, so a seed replays both.
  let port = opts.port ?? 4010;
  if (opts.clients !== undefined) store.ensureClients(opts.clients);
  const app = createCompaniesApp({
    store,
    dashboard: true,
    serverPort: () => port,
    ...(opts.requestAddress ? { requestAddress: opts.requestAddress } : {}),
    ...(opts.webhookTimeoutMs ? { webhookTimeoutMs: opts.webhookTimeoutMs } : {}),
    ...(faults ? { faults: faultMiddleware(faults, opts.random ?? seededRandom(faults.seed ?? 0), faultStats) } : {}),
  });
  const monitor = startMonitor(store, faults ?? {}, seededRandom((faults?.seed ?? 0) ^ 0x5eed), faultStats);
  let traffic: TrafficRunner | undefined;
  try {
    traffic = opts.traffic ? startTraffic(store, opts.traffic) : undefined;
  } catch (e) {
    await monitor.stop();
    await store.close().catch(() => undefined);
    throw e;
  }
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host, serverOptions: { keepAlive: true } }) as Server;
  // Longer than typical client pools' idle timeout, so clients rarely reuse a socket the server is closing.
  server.keepAliveTimeout = 65_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 4010, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await monitor.stop();
    await traffic?.stop().catch(() => undefined);
    await store.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new ExitError(`port ${opts.port ?? 4010} on ${host} is in use: stop what listens there, or pass --port 0 for any free port`);
    throw e;
  }
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    faultStats,
    traffic,
    async close() {
      await monitor.stop();
      // The server still closes, and the state is still written, when the traffic's last write failed.
      const trafficFailure = await traffic?.stop().then(
        () => undefined,
        (e: Error) => e,
      );
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      // Idle keep-alive sockets would hold close() open; requests in flight still finish.
      server.closeIdleConnections();
      await closed;
      await store.close();
      if (trafficFailure !== undefined) throw trafficFailure;
    },
  };
}
