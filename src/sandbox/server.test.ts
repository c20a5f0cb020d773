import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Provider } from '../generated/api.js';
import { canaries, capture, tempDir } from '../../test/helpers/cli.js';
import { serveSandbox } from './server.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY, SandboxStore } from './state.js';

describe('serveSandbox', () => {
  it('serves the API over HTTP on 127.0.0.1 and persists on close', async () => {
    const dir = await tempDir('sandbox-http-');
    const dataFile = path.join(dir, 'sandbox.json');
    const server = await serveSandbox({ port: 0, dataFile });
    const secret = canaries()[1]!;
    const texts: string[] = [];
    const call = async (method: string, url: string, key: string, body?: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(server.url + url, {
        method,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      texts.push(text);
      return { res, json: JSON.parse(text) as Provider };
    };
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(server.port).toBeGreaterThan(0);
      const company = await call('GET', '/v1/company', SANDBOX_RO_KEY);
      expect(company.res.status).toBe(200);
      expect(company.res.headers.get('connection')).toBe('keep-alive');

      const created = await call('POST', '/v1/providers', SANDBOX_RW_KEY, {
        name: 'Over HTTP',
        type: 'AGGREGATOR',
        integration: 'midtrans',
        services: ['CREDIT_CARD'],
        credentials: { clientKey: 'SB-Mid-client-9Xk2', clientSecret: secret, merchantId: 'G123456789' },
        fee: { type: 'PERCENTAGE', percent: '2.9' },
        tax: { vatPercent: '11', applyVat: false },
      }, { 'Idempotency-Key': 'http-1' });
      expect(created.res.status).toBe(201);
      expect(created.res.headers.get('etag')).toBe('"1"');
      expect((await call('GET', `/v1/providers/${created.json.id}`, SANDBOX_RO_KEY)).json).toEqual(created.json);
      const denied = await call('POST', `/v1/providers/${created.json.id}/status`, SANDBOX_RO_KEY, { status: 'INACTIVE' }, { 'If-Match': '"1"' });
      expect(denied.res.status).toBe(403);
      expect(denied.res.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      await server.close();
      await capture('sandbox over HTTP', texts.join('\n'));
    }
    await expect(fetch(`${server.url}/v1/company`)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['sandbox.json']);
    const reopened = await SandboxStore.open(dataFile);
    expect(reopened.size).toBe(1);
    expect(reopened.getByName('Over HTTP')?.credentials.clientSecret).toMatchObject({ secret: true, version: 1 });
  });
});
