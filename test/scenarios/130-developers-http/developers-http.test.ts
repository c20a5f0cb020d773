// Settings -> Developers over real HTTP: `paystrator-gitops sandbox --port 0 --request-address`,
// driven with fetch: a webhook test delivered to a loopback receiver, the whitelist against the
// address the sandbox pretends to see, an API key created, used and revoked, and what the state
// file keeps afterwards.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveSandbox, tempDir, type ServedSandbox } from '../../helpers/cli.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const ADDRESS = '198.51.100.20';

describe('the sandbox Developers pages over HTTP', () => {
  let sandbox: ServedSandbox;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('received');
    });
  });
  let hook = '';

  beforeAll(async () => {
    sandbox = await serveSandbox(['--request-address', ADDRESS]);
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    hook = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/paystrator`;
  });
  afterAll(async () => {
    await sandbox.stop();
    await new Promise<void>((resolve) => hookServer.close(() => resolve()));
  });

  const call = async (method: string, path: string, o: { key?: string; body?: unknown; ifMatch?: string } = {}) => {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${o.key ?? RW}`, 'Content-Type': 'application/json', ...(o.ifMatch ? { 'If-Match': o.ifMatch } : {}) },
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
    });
    return { status: res.status, etag: res.headers.get('etag'), json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('tests a webhook URL with a real signed delivery', async () => {
    const put = await call('PUT', '/v1/webhooks', { body: { urls: { VIRTUAL_ACCOUNT: hook } }, ifMatch: '"1"' });
    expect(put.status).toBe(200);
    expect(put.etag).toBe('"2"');
    const test = await call('POST', '/v1/webhooks/test', { body: { service: 'VIRTUAL_ACCOUNT' } });
    expect(test.json).toMatchObject({ service: 'VIRTUAL_ACCOUNT', url: hook, status: 200, body: 'received' });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['x-paystrator-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'webhook.test', service: 'VIRTUAL_ACCOUNT', company: 'dummy-company' });
  });

  it('creates a key, uses it, revokes it; the whitelist is checked against --request-address', async () => {
    expect((await call('GET', '/v1/ip-whitelist')).json).toMatchObject({ addresses: [ADDRESS], requestAddress: ADDRESS });
    const created = await call('POST', '/v1/api-keys', { body: { name: 'CI', permissions: { SEND_MONEY: 'READ' } } });
    expect(created.status).toBe(201);
    const value = created.json.value as string;
    expect((await call('GET', '/v1/company', { key: value })).json).toMatchObject({ permission: 'read', apiKey: { name: 'CI' } });
    expect((await call('POST', `/v1/api-keys/${created.json.id}/revoke`, { body: {}, ifMatch: '"1"' })).json).toMatchObject({ status: 'REVOKED' });
    expect((await call('GET', '/v1/company', { key: value })).status).toBe(401);

    const moved = await call('PUT', '/v1/ip-whitelist', { body: { addresses: ['203.0.113.10'] }, ifMatch: '"1"' });
    expect(moved.json).toMatchObject({ addresses: ['203.0.113.10'], version: 2 });
    const refused = await call('GET', '/v1/providers');
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toContain(`requests from ${ADDRESS} are refused`);

    await sandbox.stop();
    const state = await readFile(sandbox.dataFile, 'utf8');
    expect(JSON.parse(state)).toMatchObject({ format: 'paystrator-sandbox/v2', ipWhitelist: { addresses: ['203.0.113.10'] }, webhooks: { urls: { VIRTUAL_ACCOUNT: hook } } });
    expect(state).not.toContain(value);
    expect(state).not.toContain(RW);
  });

  it('refuses a --request-address that is not a public IPv4 address', async () => {
    const r = await runCli(['sandbox', '--port', '0', '--request-address', '10.0.0.1'], { cwd: await tempDir('sandbox-flag-') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--request-address is private (10.0.0.0/8), not a public address');
  });
});
