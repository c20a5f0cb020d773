// API answers that do not match the OpenAPI document become clear errors, never a wrong plan:
// a real HTTP server on loopback answering what a broken API might.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Sensitive } from '../secrets/sensitive.js';
import { PaystratorClient } from './client.js';
import { ApiUnavailableError } from './errors.js';
import type { RetryOptions } from './retry.js';
import { HttpTransport } from './transport.js';
import { faultySandbox } from '../../test/helpers/inproc.js';
import { TrafficEngine } from '../sandbox/traffic.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function answering(body: string, headers: Record<string, string> = {}, retry: RetryOptions | false = false): Promise<PaystratorClient> {
  server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(body));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return new PaystratorClient(new HttpTransport(`http://127.0.0.1:${port}`), new Sensitive('k'), retry);
}

describe('answers checked against the OpenAPI components', () => {
  it('names the schema and the field an answer breaks', async () => {
    const client = await answering(JSON.stringify({ data: [{ id: 'prv_1', name: 'X' }], nextCursor: null }));
    const err = await client.listProviders().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnavailableError);
    expect((err as Error).message).toMatch(/^list providers failed: the API's answer does not match the ProviderPage schema: \/data\/0 must have required property '\w+'$/);
    await client.transport.close();
  });

  it('refuses a company whose id is not a string', async () => {
    const client = await answering(JSON.stringify({ id: 5, name: 'Dummy', permission: 'read-write' }));
    await expect(client.company()).rejects.toThrow(/does not match the Company schema: \/id must be string/);
    await client.transport.close();
  });
});

describe('pacing without a count of what is left', () => {
  it('spaces requests evenly when the API announces only its policy, and never bursts', async () => {
    const waits: number[] = [];
    const company = JSON.stringify({ id: 'c', name: 'C', permission: 'read-write' });
    const client = await answering(company, { 'RateLimit-Policy': '"api";q=50;w=1' }, { sleep: (ms) => (waits.push(ms), new Promise((r) => setTimeout(r, ms))) });
    await client.company();
    // Idle long enough to refill 10 of the 50 a window allows, then 6 at once: without a count
    // from the API only the first goes at once, the others each wait for their slot (20 ms apart).
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all(Array.from({ length: 6 }, () => client.company()));
    expect(waits).toHaveLength(5);
    expect(Math.max(...waits)).toBeGreaterThan(80);
    await client.transport.close();
  });
});

describe('metrics', () => {
  it('reads the metrics of simulated traffic from the sandbox, filtered, checked against MetricsReport', async () => {
    const sandbox = await faultySandbox();
    try {
      const { store } = sandbox.server;
      const input = {
        name: 'Metered',
        type: 'AGGREGATOR' as const,
        integration: 'xendit',
        services: ['EWALLET'],
        credentials: { clientKey: 'xnd_development_abc123', clientSecret: 'not-real' },
        fee: { type: 'FLAT' as const, amount: '1000', currency: 'IDR' as const },
        tax: { vatPercent: '11', applyVat: false },
      };
      const p = store.create(input, new Set(['clientSecret']), new Date().toISOString());
      new TrafficEngine(store, { seed: 2 }).step(new Date(), 400);
      const client = sandbox.client(false);
      const report = await client.metrics({ window: '5m', provider: p.id, service: 'EWALLET' });
      expect(report.window).toBe('5m');
      expect(report.data).toHaveLength(1);
      const row = report.data[0]!;
      expect(row).toMatchObject({ providerId: p.id, providerName: 'Metered', service: 'EWALLET' });
      expect(row.feesCharged).toBe(String(row.successes * 1000));
      expect((await client.metrics({ window: '30d', service: 'QR_CODE' })).data).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  it('refuses an answer that breaks the MetricsReport schema', async () => {
    const client = await answering(JSON.stringify({ window: '5m', from: 'x', to: 'y', data: [{ providerId: 'p', successRate: 0.5 }] }));
    await expect(client.metrics({ window: '5m' })).rejects.toThrow(/^get metrics \(5m\) failed: the API's answer does not match the MetricsReport schema: \/data\/0 must have required property/);
    await client.transport.close();
  });
});
