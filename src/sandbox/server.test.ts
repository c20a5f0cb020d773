import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Provider } from '../generated/api.js';
import { canaries, capture, tempDir } from '../../test/helpers/cli.js';
import { serveSandbox, type SandboxServer } from './server.js';
import { openSandboxStore } from './store/persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './store/types.js';

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
    const reopened = await openSandboxStore(dataFile);
    expect(reopened.size).toBe(1);
    expect(reopened.getByName('Over HTTP')?.credentials.clientSecret).toMatchObject({ secret: true, version: 1 });
  });
});

/** A raw HTTP request (fetch will not send a foreign Host), its body streamed lazily up to `size` bytes. */
function send(server: SandboxServer, opts: { host?: string; size?: number; chunked?: boolean; path?: string }): Promise<{ status: number | undefined; written: number; body: string }> {
  const size = opts.size ?? 0;
  return new Promise((resolve) => {
    const headers: Record<string, string> = { Host: opts.host ?? `127.0.0.1:${server.port}`, Authorization: `Bearer ${SANDBOX_RW_KEY}`, 'Content-Type': 'application/json' };
    if (size && !opts.chunked) headers['Content-Length'] = String(size);
    const req = request({ host: '127.0.0.1', port: server.port, method: size ? 'POST' : 'GET', path: opts.path ?? (size ? '/v1/providers' : '/v1/company'), headers });
    let written = 0;
    let status: number | undefined;
    let body = '';
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve({ status, written, body });
    };
    req.on('response', (res) => {
      status = res.statusCode;
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', finish);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    // Bounded by `size`; stops as soon as the server has answered.
    const pump = (): void => {
      while (written < size && status === undefined && !settled) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (written >= size) req.end();
    };
    pump();
  });
}

describe('the sandbox over HTTP, at its edges', () => {
  it('answers only its own Host (421 otherwise), and refuses a 100 MB body with 413 without reading it', async () => {
    const server = await serveSandbox({ port: 0 });
    try {
      expect((await send(server, {})).status).toBe(200);
      expect((await send(server, { host: `localhost:${server.port}` })).status).toBe(200);
      const rebound = await send(server, { host: 'evil.example' });
      expect(rebound.status).toBe(421);
      expect(JSON.parse(rebound.body)).toMatchObject({ status: 421, title: 'Misdirected request' });
      const page = await send(server, { host: `evil.example:${server.port}`, path: '/' });
      expect(page.status).toBe(421);
      expect(page.body).not.toContain('psk_dashboard_');

      const hundredMb = 100 * 1024 * 1024;
      for (const chunked of [false, true]) {
        const r = await send(server, { size: hundredMb, chunked });
        expect(r.status, `chunked: ${chunked}`).toBe(413);
        expect(JSON.parse(r.body)).toMatchObject({ status: 413, title: 'Payload too large' });
        // Answered long before the client could send it all: the server stopped reading.
        expect(r.written, `chunked: ${chunked}`).toBeLessThan(hundredMb / 4);
      }
      expect(server.store.size).toBe(0);
      // And it still serves.
      expect((await send(server, {})).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('serveSandbox start-up', () => {
  it('refuses a port in use clearly, and gives the state file back', async () => {
    const dir = await tempDir('sandbox-port-');
    const first = await serveSandbox({ port: 0 });
    try {
      const dataFile = path.join(dir, 'sandbox.json');
      await expect(serveSandbox({ port: first.port, dataFile })).rejects.toThrow(
        `port ${first.port} on 127.0.0.1 is in use: stop what listens there, or pass --port 0 for any free port`,
      );
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await first.close();
    }
  });
});
