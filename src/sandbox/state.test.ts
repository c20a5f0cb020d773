import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Provider, ProviderCreate } from '../generated/api.js';
import { canaries, tempDir } from '../../test/helpers/cli.js';
import { createSandboxApp } from './app.js';
import { SANDBOX_RW_KEY, SandboxStore, sha256 } from './state.js';

const SECRET = canaries()[0]!;
const XENDIT_SECRETS = new Set(['clientSecret', 'webhookVerificationToken']);

const body = (name: string): ProviderCreate => ({
  name,
  type: 'AGGREGATOR',
  integration: 'xendit',
  services: ['VIRTUAL_ACCOUNT', 'EWALLET'],
  credentials: { clientKey: 'xnd_development_abc123', clientSecret: SECRET },
  fee: { type: 'PERCENTAGE', percent: '1.5' },
  tax: { vatPercent: '11', applyVat: true },
});

function client(store: SandboxStore) {
  const app = createSandboxApp({ store });
  return async (method: string, url: string, json?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(url, {
      method,
      headers: { Authorization: `Bearer ${SANDBOX_RW_KEY}`, 'Content-Type': 'application/json', ...headers },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: res.status, json: (await res.json()) as Provider & { data: Provider[]; nextCursor: string | null } };
  };
}

describe('SandboxStore persistence', () => {
  it('writes atomically, keeps no secret value, and reopens to the same state', async () => {
    const dir = path.join(await tempDir('sandbox-state-'), 'nested', 'dir');
    const file = path.join(dir, 'sandbox.json');
    const store = await SandboxStore.open(file);
    expect(store.size).toBe(0);
    const call = client(store);
    const created = await call('POST', '/v1/providers', body('Persisted'), { 'Idempotency-Key': 'k1' });
    expect(created.status).toBe(201);
    // A 2xx means durable: the file already holds the provider.
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text).providers).toHaveLength(1);
    expect(text).not.toContain(SECRET);
    expect(text).toContain(sha256(SECRET));
    const id = created.json.id;
    await call('PATCH', `/v1/providers/${id}`, { labels: { team: 'ops' } }, { 'If-Match': '"1"' });
    await store.setStatusAs(id, 'MAINTENANCE', 'MONITOR', 'flapping');
    expect(await readdir(dir)).toEqual(['sandbox.json']);

    const reopened = await SandboxStore.open(file);
    const again = client(reopened);
    expect((await again('GET', `/v1/providers/${id}`)).json).toEqual((await call('GET', `/v1/providers/${id}`)).json);
    expect((await again('GET', '/v1/providers')).json).toEqual((await call('GET', '/v1/providers')).json);
    const replay = await again('POST', '/v1/providers', body('Persisted'), { 'Idempotency-Key': 'k1' });
    expect(replay).toEqual(created);
    // The id counter survives too: no id is handed out twice.
    expect((await again('POST', '/v1/providers', body('Second'))).json.id).toMatch(/^prv_000002/);
  });

  it('starts fresh from a missing file and refuses a corrupt one, naming it', async () => {
    const dir = await tempDir('sandbox-state-');
    const fresh = await SandboxStore.open(path.join(dir, 'absent.json'));
    expect(fresh.size).toBe(0);
    expect(fresh.companyInfo).toEqual({ id: 'dummy-company', name: 'Dummy Company' });
    expect(await readdir(dir)).toEqual([]);

    const corrupt = path.join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"format": "paystrator-sandbox/v1", "providers": [');
    await expect(SandboxStore.open(corrupt)).rejects.toThrow(`sandbox state file ${corrupt} is corrupt`);
    await writeFile(corrupt, '{"hello": "world"}');
    await expect(SandboxStore.open(corrupt)).rejects.toThrow(/corrupt.json is corrupt: not a paystrator-sandbox\/v1 document/);
  });

  it('shares one write among concurrent changes', async () => {
    const file = path.join(await tempDir('sandbox-state-'), 'sandbox.json');
    const store = await SandboxStore.open(file);
    const call = client(store);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call('POST', '/v1/providers', body(`P${i}`))));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(store.writes).toBeLessThan(40);
    expect(JSON.parse(await readFile(file, 'utf8')).providers).toHaveLength(40);
  });

  it('answers 500 and changes nothing on disk when the file cannot be written', async () => {
    const dir = await tempDir('sandbox-state-');
    const store = await SandboxStore.open(path.join(dir, 'blocked', 'sandbox.json'));
    // A file where the state directory should be: the directory cannot be created.
    await writeFile(path.join(dir, 'blocked'), '');
    const res = await client(store)('POST', '/v1/providers', body('Lost'));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ status: 500, title: 'Internal error' });
    expect(JSON.stringify(res.json)).not.toContain(SECRET);
    expect(await readdir(dir)).toEqual(['blocked']);
  });

  it('handles 10,000 providers and 1,000 creates at concurrency 10', async () => {
    // Outside test/.tmp, which a concurrent test run may wipe; the file holds no secret anyway.
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-big-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'big.json');
    const store = await SandboxStore.open(file);
    for (let i = 0; i < 10_000; i++) store.create(body(`Seed ${i}`), XENDIT_SECRETS, new Date().toISOString());
    await store.flush();
    const call = client(store);

    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < 1000) {
          const i = next++;
          expect((await call('POST', '/v1/providers', body(`Load ${i}`))).status).toBe(201);
        }
      }),
    );
    const createMs = performance.now() - started;

    let pages = 0;
    let cursor: string | null = null;
    const listStarted = performance.now();
    do {
      const page: { json: { data: Provider[]; nextCursor: string | null } } = await call('GET', `/v1/providers?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      pages += 1;
      cursor = page.json.nextCursor;
    } while (cursor);
    const listMs = performance.now() - listStarted;

    expect(pages).toBe(11);
    expect(store.size).toBe(11_000);
    expect(store.writes).toBeLessThan(1000);
    expect(createMs).toBeLessThan(30_000);
    expect(listMs).toBeLessThan(5_000);
    expect(JSON.parse(await readFile(file, 'utf8')).providers).toHaveLength(11_000);
  });
});
