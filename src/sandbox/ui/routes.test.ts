// The dashboard session: a key of its own kind, minted per sandbox app, that writes as USER where
// the API keys write as API, and that exists only while that app does.
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from '../../../test/helpers/cli.js';
import { createSandboxApp } from '../app.js';
import { openSandboxStore } from '../store/persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from '../store/types.js';
import { DASHBOARD_KEY_PREFIX } from './routes.js';

const body = {
  name: 'Midtrans Cards',
  type: 'AGGREGATOR',
  integration: 'midtrans',
  services: ['CREDIT_CARD'],
  credentials: { clientKey: 'SB-Mid-client-9Xk2', clientSecret: 'fake-midtrans-server-key', merchantId: 'G123456789' },
  fee: { type: 'PERCENTAGE', percent: '2.9' },
  tax: { vatPercent: '11', applyVat: false },
};

const pages: string[] = [];
afterAll(() => capture('dashboard pages as served', pages.join('\n')));

async function dashboard() {
  const store = await openSandboxStore();
  const app = createSandboxApp({ store, dashboard: true });
  const page = await app.request('/');
  const html = await page.text();
  pages.push(html);
  const key = /<meta name="paystrator-session" content="([^"]+)">/.exec(html)?.[1];
  const call = (method: string, path: string, k: string | undefined, json?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: { ...(k ? { Authorization: `Bearer ${k}` } : {}), 'Content-Type': 'application/json', ...headers },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
  return { store, app, page, html, key: key!, call };
}

describe('the dashboard page', () => {
  it('is served with its session key, never cached, framed or allowed to load foreign code', async () => {
    const { page, html, key } = await dashboard();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(key).toMatch(new RegExp(`^${DASHBOARD_KEY_PREFIX}[0-9a-f]{32}$`));
    expect(html).not.toContain(SANDBOX_RW_KEY);
    expect(html).toContain('<script type="module" src="/ui/app.js"></script>');
    expect(html).toMatch(/<th scope="col">Provider Name<\/th>/);
  });

  it('serves its stylesheet', async () => {
    const { app } = await dashboard();
    const css = await app.request('/ui/dashboard.css');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await css.text()).toContain('.badge-MAINTENANCE');
  });

  it('is not served by an app without the dashboard (the embedded sandbox)', async () => {
    const app = createSandboxApp({ store: await openSandboxStore() });
    expect((await app.request('/')).status).toBe(404);
    expect((await app.request('/ui/app.js')).status).toBe(404);
  });
});

describe('the dashboard session key', () => {
  it('reads and writes like a read-write key, but its writes are recorded as USER', async () => {
    const { key, call } = await dashboard();
    const company = (await (await call('GET', '/v1/company', key)).json()) as { permission: string };
    expect(company.permission).toBe('read-write');

    const created = await call('POST', '/v1/providers', key, body);
    expect(created.status).toBe(201);
    const p = (await created.json()) as { id: string; statusChangedBy: string; version: number };
    expect(p.statusChangedBy).toBe('USER');

    const maintenance = await call('POST', `/v1/providers/${p.id}/status`, key, { status: 'MAINTENANCE' }, { 'If-Match': created.headers.get('etag')! });
    expect(maintenance.status).toBe(200);
    expect(await maintenance.json()).toMatchObject({ status: 'MAINTENANCE', statusChangedBy: 'USER', version: 2 });

    // The same endpoint with an API key records API, as before.
    const back = await call('POST', `/v1/providers/${p.id}/status`, SANDBOX_RW_KEY, { status: 'ACTIVE' }, { 'If-Match': maintenance.headers.get('etag')! });
    expect(await back.json()).toMatchObject({ status: 'ACTIVE', statusChangedBy: 'API', version: 3 });
    const byApi = await call('POST', '/v1/providers', SANDBOX_RW_KEY, { ...body, name: 'Midtrans Two' });
    expect(await byApi.json()).toMatchObject({ statusChangedBy: 'API' });
  });

  it('belongs to one sandbox app and is not stored: another app, or a restart, does not accept it', async () => {
    const first = await dashboard();
    const second = await dashboard();
    expect(second.key).not.toBe(first.key);
    expect((await second.call('GET', '/v1/providers', first.key)).status).toBe(401);
    expect(first.store.permissionOf(first.key)).toBeUndefined();
    const plain = createSandboxApp({ store: first.store });
    expect((await plain.request('/v1/providers', { headers: { Authorization: `Bearer ${first.key}` } })).status).toBe(401);
  });

  it('leaves the read-only key read-only', async () => {
    const { call } = await dashboard();
    expect((await call('POST', '/v1/providers', SANDBOX_RO_KEY, body)).status).toBe(403);
  });
});
