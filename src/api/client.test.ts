// API answers that do not match the OpenAPI document become clear errors, never a wrong plan:
// a real HTTP server on loopback answering what a broken API might.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Sensitive } from '../secrets/sensitive.js';
import { PaystratorClient } from './client.js';
import { ApiUnavailableError } from './errors.js';
import { HttpTransport } from './transport.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function answering(body: string): Promise<PaystratorClient> {
  server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return new PaystratorClient(new HttpTransport(`http://127.0.0.1:${port}`), new Sensitive('k'), false);
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
