import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Provider, ProviderCreate } from '../../generated/api.js';
import { canaries, tempDir } from '../../../test/helpers/cli.js';
import { createSandboxApp } from '../app.js';
import { ExitError } from '../../diagnostics.js';
import { sha256 } from './digest.js';
import type { SandboxStore } from './domain.js';
import { openSandboxStore } from './persistence.js';
import { SANDBOX_RO_KEY, SANDBOX_RW_KEY } from './types.js';

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
    const store = await openSandboxStore(file);
    expect(store.size).toBe(0);
    const call = client(store);
    const created = await call('POST', '/v1/providers', body('Persisted'), { 'Idempotency-Key': 'k1' });
    expect(created.status).toBe(201);
    // A 2xx means durable: the file already holds the provider.
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text).providers).toHaveLength(1);
    expect(text).not.toContain(SECRET);
    // Salted: not even the bare hash of the secret is there to test guesses against.
    expect(text).not.toContain(sha256(SECRET));
    const id = created.json.id;
    await call('PATCH', `/v1/providers/${id}`, { labels: { team: 'ops' } }, { 'If-Match': '"1"' });
    await store.setStatusAs(id, 'MAINTENANCE', 'MONITOR', 'flapping');
    const shown = { one: (await call('GET', `/v1/providers/${id}`)).json, all: (await call('GET', '/v1/providers')).json };
    // While open, the store holds the file's lock; closing gives it back and leaves only the file.
    expect((await readdir(dir)).sort()).toEqual(['sandbox.json', 'sandbox.json.lock', 'sandbox.json.lock.owner.json']);
    await store.close();
    expect(await readdir(dir)).toEqual(['sandbox.json']);

    const reopened = await openSandboxStore(file);
    onTestFinished(() => reopened.close());
    const again = client(reopened);
    expect((await again('GET', `/v1/providers/${id}`)).json).toEqual(shown.one);
    expect((await again('GET', '/v1/providers')).json).toEqual(shown.all);
    const replay = await again('POST', '/v1/providers', body('Persisted'), { 'Idempotency-Key': 'k1' });
    expect(replay).toEqual(created);
    // The id counter survives too: no id is handed out twice.
    expect((await again('POST', '/v1/providers', body('Second'))).json.id).toMatch(/^prv_000002/);
  });

  it('starts fresh from a missing file and refuses a corrupt one, naming it', async () => {
    const dir = await tempDir('sandbox-state-');
    const fresh = await openSandboxStore(path.join(dir, 'absent.json'));
    expect(fresh.size).toBe(0);
    expect(fresh.companyInfo).toEqual({ id: 'dummy-company', name: 'Dummy Company' });
    await fresh.close();
    expect(await readdir(dir)).toEqual([]);

    // Bad input, not a bug: each an ExitError naming the file and what to do, and the lock given back.
    const refused = async (file: string) => {
      const e = (await openSandboxStore(file).then(
        () => undefined,
        (err: unknown) => err,
      )) as ExitError;
      expect(e).toBeInstanceOf(ExitError);
      expect((await readdir(dir)).filter((f) => f.includes('.lock'))).toEqual([]);
      return `${e.message}\n${e.hint ?? ''}`;
    };
    const corrupt = path.join(dir, 'corrupt.json');
    await writeFile(corrupt, '{"format": "paystrator-sandbox/v1", "providers": [');
    const truncated = await refused(corrupt);
    expect(truncated).toContain(`the sandbox state file ${corrupt} is corrupt: it is not valid JSON (truncated or damaged?)`);
    expect(truncated).toContain(`Move it aside to start afresh with the preloaded sandbox (mv ${corrupt} ${corrupt}.bad)`);
    await writeFile(corrupt, '{"hello": "world"}');
    expect(await refused(corrupt)).toMatch(/corrupt.json is corrupt: not a paystrator-sandbox\/v2 document/);
    await writeFile(corrupt, '');
    expect(await refused(corrupt)).toContain('is corrupt: it is empty');

    const folder = path.join(dir, 'folder');
    await mkdir(folder);
    expect(await refused(folder)).toContain(`the sandbox state file ${folder} is a directory: point the environment's \`data:\` in paystrator.yaml (or \`sandbox --data\`) at a file, e.g. ${path.join(folder, 'sandbox.json')}`);

    // A file where its directory should be: neither the lock nor the file can be made.
    await writeFile(path.join(dir, 'plain'), '');
    expect(await refused(path.join(dir, 'plain', 'sandbox.json'))).toContain(`cannot lock the sandbox state file ${path.join(dir, 'plain', 'sandbox.json')}: ${path.join(dir, 'plain')} is not a directory`);
  });

  it('salts every digest it keeps, and upgrades a state file that kept bare SHA-256s', async () => {
    const dir = await tempDir('sandbox-state-');
    const file = path.join(dir, 'sandbox.json');
    const store = await openSandboxStore(file);
    const call = client(store);
    const first = await call('POST', '/v1/providers', body('Salted A'), { 'Idempotency-Key': 'legacy-1' });
    await call('POST', '/v1/providers', body('Salted B'));
    await store.close();
    type Stored = { providers: { credentials: Record<string, Record<string, unknown>> }[]; idempotency: { fingerprint: unknown }[] };
    const saved = JSON.parse(await readFile(file, 'utf8')) as Stored;
    const [a, b] = saved.providers.map((p) => p.credentials.clientSecret!);
    // The same secret twice: nothing in the file shows that the two are equal.
    expect(a).toMatchObject({ secret: true, salt: expect.stringMatching(/^[0-9a-f]{32}$/), hmac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(a!.salt).not.toBe(b!.salt);
    expect(a!.hmac).not.toBe(b!.hmac);

    // What the sandbox wrote before salting: the bare SHA-256 of each secret and of each keyed request body.
    const canonical = (v: unknown): string =>
      Array.isArray(v)
        ? `[${v.map(canonical).join(',')}]`
        : typeof v === 'object' && v !== null
          ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`
          : JSON.stringify(v);
    for (const p of saved.providers) {
      const { salt: _s, hmac: _h, ...rest } = p.credentials.clientSecret!;
      p.credentials.clientSecret = { ...rest, sha256: sha256(SECRET) };
    }
    saved.idempotency[0]!.fingerprint = sha256(canonical(body('Salted A')));
    await writeFile(file, JSON.stringify(saved));

    const legacy = await openSandboxStore(file);
    const again = client(legacy);
    const id = first.json.id;
    // The same secret is still the same secret; a different one is a new version.
    expect((await again('PATCH', `/v1/providers/${id}`, { credentials: { clientSecret: SECRET } }, { 'If-Match': '"1"' })).json.credentials.clientSecret).toMatchObject({ version: 1 });
    expect((await again('PATCH', `/v1/providers/${id}`, { credentials: { clientSecret: 'rotated' } }, { 'If-Match': '"2"' })).json.credentials.clientSecret).toMatchObject({ version: 2 });
    const replay = await again('POST', '/v1/providers', body('Salted A'), { 'Idempotency-Key': 'legacy-1' });
    expect(replay.status).toBe(201);
    expect(replay.json.id).toBe(id);
    await legacy.close();
    const upgraded = await readFile(file, 'utf8');
    expect(upgraded).not.toContain(sha256(SECRET));
    expect(upgraded).not.toContain('"sha256"');
    expect(upgraded).not.toContain(sha256(canonical(body('Salted A'))));
  });

  it('loads a v1 state file: its key map becomes key records, webhooks and the whitelist start as in a fresh sandbox', async () => {
    const dir = await tempDir('sandbox-state-');
    const file = path.join(dir, 'sandbox.json');
    const extra = 'psk_custom_ro_1234567890abcdef';
    const v1 = {
      format: 'paystrator-sandbox/v1',
      company: { id: 'dummy-company', name: 'Dummy Company' },
      apiKeys: { [SANDBOX_RW_KEY]: 'read-write', [SANDBOX_RO_KEY]: 'read', [extra]: 'read' },
      counter: 0,
      providers: [],
      idempotency: [],
      sequences: [],
    };
    await writeFile(file, JSON.stringify(v1));
    const store = await openSandboxStore(file);
    const call = client(store);
    expect((await call('GET', '/v1/company')).json).toMatchObject({ permission: 'read-write', apiKey: { name: 'Default' } });
    const keys = (await call('GET', '/v1/api-keys')).json.data as unknown as { name: string; prefix: string; permissions: Record<string, string> }[];
    expect(keys.map((k) => [k.name, k.prefix, k.permissions.SEND_MONEY])).toEqual([
      ['Default', 'psk_sandbox_rw_0000', 'READ_WRITE'],
      ['Read only', 'psk_sandbox_ro_0000', 'READ'],
      ['Key psk_custom_ro_1234', 'psk_custom_ro_1234', 'READ'],
    ]);
    expect((await call('GET', '/v1/company', undefined, { Authorization: `Bearer ${extra}` })).json).toMatchObject({ permission: 'read' });
    expect((await call('GET', '/v1/ip-whitelist')).json).toMatchObject({ addresses: ['203.0.113.1'], version: 1 });
    await store.close();
    // Upgraded on close, though nothing was written: the values are gone from the file.
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toMatchObject({ format: 'paystrator-sandbox/v2', keyCounter: 3, webhooks: { version: 1 }, ipWhitelist: { addresses: ['203.0.113.1'] } });
    for (const value of [SANDBOX_RW_KEY, SANDBOX_RO_KEY, extra]) expect(text).not.toContain(value);
    const reopened = await openSandboxStore(file);
    const again = client(reopened);
    expect((await again('GET', '/v1/company', undefined, { Authorization: `Bearer ${extra}` })).json).toMatchObject({ apiKey: { name: 'Key psk_custom_ro_1234' } });
    await reopened.close();
  });

  it('keeps webhooks, the token, the whitelist, key records and deliveries across restarts', async () => {
    const dir = await tempDir('sandbox-state-');
    const file = path.join(dir, 'sandbox.json');
    const store = await openSandboxStore(file);
    const call = client(store);
    await call('PUT', '/v1/webhooks', { urls: { EWALLET: 'https://hooks.example/ewallet' } }, { 'If-Match': '"1"' });
    await call('POST', '/v1/webhooks/verification-token/rotate');
    await call('POST', '/v1/webhooks/test', { service: 'EWALLET' });
    await call('PUT', '/v1/ip-whitelist', { addresses: ['203.0.113.1', '198.51.100.9'] }, { 'If-Match': '"1"' });
    const key = (await call('POST', '/v1/api-keys', { name: 'Kept', permissions: { EWALLET: 'READ' } })).json as unknown as { value: string };
    const token = store.webhooks.token.value;
    await store.close();
    expect(await readFile(file, 'utf8')).not.toContain(key.value);
    const reopened = await openSandboxStore(file);
    const again = client(reopened);
    expect((await again('GET', '/v1/webhooks')).json).toMatchObject({ urls: { EWALLET: 'https://hooks.example/ewallet' }, version: 2, verificationToken: { version: 2 } });
    expect(reopened.webhooks.token.value).toBe(token);
    expect(reopened.deliveries()).toEqual([expect.objectContaining({ service: 'EWALLET', status: 0 })]);
    expect((await again('GET', '/v1/ip-whitelist')).json).toMatchObject({ addresses: ['203.0.113.1', '198.51.100.9'], version: 2 });
    expect((await again('GET', '/v1/company', undefined, { Authorization: `Bearer ${key.value}` })).json).toMatchObject({ apiKey: { name: 'Kept' } });
    await reopened.close();
  });

  it('shares one write among concurrent changes', async () => {
    const file = path.join(await tempDir('sandbox-state-'), 'sandbox.json');
    const store = await openSandboxStore(file);
    onTestFinished(() => store.close());
    const call = client(store);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call('POST', '/v1/providers', body(`P${i}`))));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(store.writes).toBeLessThan(40);
    expect(JSON.parse(await readFile(file, 'utf8')).providers).toHaveLength(40);
  });

  it('answers 500 and changes nothing on disk when the file cannot be written', async () => {
    const dir = await tempDir('sandbox-state-');
    const file = path.join(dir, 'sandbox.json');
    const store = await openSandboxStore(file);
    // A directory where the state file should be: the new file cannot replace it.
    await mkdir(file);
    const res = await client(store)('POST', '/v1/providers', body('Lost'));
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ status: 500, title: 'Internal error', detail: `cannot write the sandbox state file ${file}: a directory is in its place` });
    expect(JSON.stringify(res.json)).not.toContain(SECRET);
    expect(await readdir(file)).toEqual([]);
    // Closing (the end of an embedded run) reports it the same way, as an error to act on.
    await expect(store.close()).rejects.toThrow(new ExitError(`cannot write the sandbox state file ${file}: a directory is in its place`));
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('handles 10,000 providers and 1,000 creates at concurrency 10', async () => {
    // Outside test/.tmp, which a concurrent test run may wipe; the file holds no secret anyway.
    const dir = await mkdtemp(path.join(tmpdir(), 'sandbox-big-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'big.json');
    const store = await openSandboxStore(file);
    onTestFinished(() => store.close());
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
