import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ExitError } from '../diagnostics.js';
import { EnvStore } from './env-store.js';
import { FileStore } from './file-store.js';
import { resolveSecrets } from './resolver.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';

const value = `v-${Math.random().toString(36).slice(2)}`;

describe('Sensitive', () => {
  it('renders as (sensitive) in every way of turning it into text', () => {
    const s = new Sensitive(value);
    // A template literal is one of the renderings under test.
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions
    const renderings = [String(s), `${s}`, JSON.stringify({ s }), inspect({ s }), s.toString()];
    for (const r of renderings) {
      expect(r).not.toContain(value);
      expect(r).toContain('(sensitive)');
    }
    expect(s.reveal()).toBe(value);
  });
});

describe('resolveSecrets', () => {
  class CountingStore implements SecretStore {
    readonly type = 'counting';
    reads: SecretRequest[] = [];
    async read(req: SecretRequest) {
      this.reads.push(req);
      return new Sensitive(JSON.stringify({ user: `u-${req.name}`, pass: `p-${req.name}` }));
    }
  }

  it('reads each distinct (store, name, version) once: 1,000 references to 20 secrets make 20 reads', async () => {
    const store = new CountingStore();
    const refs = Array.from({ length: 1000 }, (_, i) => ({ store: 'c', name: `s${i % 20}`, key: i % 2 ? 'user' : 'pass' }));
    const resolved = await resolveSecrets(refs, new Map([['c', store]]));
    expect(store.reads).toHaveLength(20);
    expect(resolved.reads).toBe(20);
    expect(resolved.get({ store: 'c', name: 's3', key: 'user' }).reveal()).toBe('u-s3');
  });

  it('uses readMany for a batch, matching answers to requests even for one name at two versions', async () => {
    const calls: SecretRequest[][] = [];
    const batch: SecretStore = {
      type: 'batch',
      read: async () => {
        throw new Error('read must not be called for a batch');
      },
      readMany: async (reqs) => {
        calls.push(reqs);
        return reqs.map((r) => (r.name === 'missing' ? new SecretStoreError('not-found', 'no such secret') : new Sensitive(`${value}-${r.name}-${r.version ?? 'current'}`)));
      },
    };
    const refs = [{ store: 'b', name: 'a' }, { store: 'b', name: 'a', version: 1 }, { store: 'b', name: 'c' }];
    const r = await resolveSecrets(refs, new Map([['b', batch]]));
    expect(refs.map((ref) => r.get(ref).reveal())).toEqual([`${value}-a-current`, `${value}-a-1`, `${value}-c-current`]);
    expect(calls).toHaveLength(1);
    expect(r.reads).toBe(1);
    await expect(resolveSecrets([...refs, { store: 'b', name: 'missing' }], new Map([['b', batch]]))).rejects.toThrow(/\(store b, name missing\): no such secret/);
  });

  it('keeps only the class of a foreign error: its message may quote what the store read', async () => {
    const leaky: SecretStore = {
      type: 'leaky',
      read: async () => {
        throw new TypeError(`cannot parse ${value}`);
      },
    };
    const err = (await resolveSecrets([{ store: 'l', name: 'x' }], new Map([['l', leaky]])).catch((e: unknown) => e)) as ExitError;
    expect(err.diagnostics.map((d) => d.message)).toEqual(['cannot resolve secret (store l, name x): store failed (TypeError)']);
  });

  it('asks for a key when a keyed store (Vault) holds several, and takes the only one otherwise', async () => {
    const kv: SecretStore = { type: 'kv', keyed: true, read: async ({ name }) => new Sensitive(name === 'one' ? JSON.stringify({ k: value }) : JSON.stringify({ a: value, b: value })) };
    const stores = new Map([['kv', kv]]);
    expect((await resolveSecrets([{ store: 'kv', name: 'one' }], stores)).get({ store: 'kv', name: 'one' }).reveal()).toBe(value);
    await expect(resolveSecrets([{ store: 'kv', name: 'two' }], stores)).rejects.toThrow('cannot resolve secret (store kv, name two): secret has 2 keys: add key to the secretRef to pick one');
  });

  it('never lets the YAML parser print a secret in a warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const env = new EnvStore({ S: `%YAML 9.9\n---\na: ${value}\n` });
      const r = await resolveSecrets([{ store: 'env', name: 'S', key: 'a' }], new Map([['env', env]]));
      expect(r.get({ store: 'env', name: 'S', key: 'a' }).reveal()).toBe(value);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('reports every failure naming the reference, never a value', async () => {
    const env = new EnvStore({ PRESENT: value, JSONISH: '{"a":"b"}' });
    const err = await resolveSecrets(
      [
        { store: 'env', name: 'MISSING' },
        { store: 'env', name: 'JSONISH', key: 'nope' },
        { store: 'nowhere', name: 'X' },
        { store: 'env', name: 'PRESENT' },
      ],
      new Map([['env', env]]),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    const messages = (err as ExitError).diagnostics.map((d) => d.message);
    expect(messages).toEqual([
      'cannot resolve secret (store env, name MISSING): environment variable MISSING is not set',
      'cannot resolve secret (store env, name JSONISH, key nope): secret has no key nope',
      'cannot resolve secret (store nowhere, name X): no secret store named nowhere in paystrator.yaml',
    ]);
    expect(JSON.stringify((err as ExitError).diagnostics)).not.toContain(value);
  });

  it('reads a directory of files and one YAML file of named values', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pgo-files-'));
    await writeFile(path.join(dir, 'API_KEY'), `${value}\n`);
    await writeFile(path.join(dir, 'all.yaml'), `A: ${value}\nNESTED: { inner: "${value}-2" }\n`);
    const stores = new Map<string, SecretStore>([
      ['d', new FileStore({ dir })],
      ['f', new FileStore({ path: path.join(dir, 'all.yaml') })],
    ]);
    const r = await resolveSecrets(
      [{ store: 'd', name: 'API_KEY' }, { store: 'f', name: 'A' }, { store: 'f', name: 'NESTED', key: 'inner' }],
      stores,
    );
    expect(r.get({ store: 'd', name: 'API_KEY' }).reveal()).toBe(value);
    expect(r.get({ store: 'f', name: 'A' }).reveal()).toBe(value);
    expect(r.get({ store: 'f', name: 'NESTED', key: 'inner' }).reveal()).toBe(`${value}-2`);
    await expect(resolveSecrets([{ store: 'd', name: '../etc/passwd' }], stores)).rejects.toThrow(/must be a plain file name/);
    await expect(resolveSecrets([{ store: 'd', name: 'NOPE' }], stores)).rejects.toThrow(/name NOPE\): no file/);
  });
});

describe('FileStore writes (an API key value sink)', () => {
  it('writes a file in its directory atomically, owner-only, creating the directory, and reads it back', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'pgo-sink-')), 'nested');
    const store = new FileStore({ dir });
    expect(await store.write('BACKEND_API_KEY', new Sensitive(`${value}-1`))).toEqual({});
    await store.write('BACKEND_API_KEY', new Sensitive(`${value}-2`));
    expect(await readFile(path.join(dir, 'BACKEND_API_KEY'), 'utf8')).toBe(`${value}-2`);
    expect((await stat(path.join(dir, 'BACKEND_API_KEY'))).mode & 0o777).toBe(0o600);
    // No temporary file is left behind.
    expect(await readdir(dir)).toEqual(['BACKEND_API_KEY']);
    expect((await store.read({ name: 'BACKEND_API_KEY' })).reveal()).toBe(`${value}-2`);
  });

  it('with a key, sets that property of a JSON file and keeps the others', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pgo-sink-'));
    await writeFile(path.join(dir, 'keys.json'), JSON.stringify({ other: 'kept' }));
    const store = new FileStore({ dir });
    await store.write('keys.json', new Sensitive(value), { key: 'backend' });
    expect(JSON.parse(await readFile(path.join(dir, 'keys.json'), 'utf8'))).toEqual({ other: 'kept', backend: value });
    const r = await resolveSecrets([{ store: 'd', name: 'keys.json', key: 'backend' }], new Map([['d', store]]));
    expect(r.get({ store: 'd', name: 'keys.json', key: 'backend' }).reveal()).toBe(value);
    await writeFile(path.join(dir, 'plain'), 'text');
    await expect(store.write('plain', new Sensitive(value), { key: 'k' })).rejects.toThrow(`${path.join(dir, 'plain')} is not a JSON object, so key k cannot be set in it`);
  });

  it('refuses names that would leave its directory, and a store that is one file of named values', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'pgo-sink-'));
    const store = new FileStore({ dir: path.join(root, 'store') });
    for (const name of ['../escaped', 'a/b', '..', '.hidden', '', 'a\\b', 'nul\0']) {
      const err = (await store.write(name, new Sensitive(value)).catch((e: unknown) => e)) as SecretStoreError;
      expect(err).toBeInstanceOf(SecretStoreError);
      expect(err.message).toBe(`secret name ${name} must be a plain file name`);
    }
    expect(await readdir(root)).toEqual([]);
    const single = new FileStore({ path: path.join(root, 'all.yaml') });
    await expect(single.write('A', new Sensitive(value))).rejects.toThrow(/is one file of named values and cannot be written: give the store a `dir`/);
  });

  it('fails, naming the file and never the value, when its directory cannot hold files', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'pgo-sink-'));
    await writeFile(path.join(root, 'not-a-dir'), 'x');
    const err = (await new FileStore({ dir: path.join(root, 'not-a-dir') }).write('K', new Sensitive(value)).catch((e: unknown) => e)) as SecretStoreError;
    expect(err).toBeInstanceOf(SecretStoreError);
    expect([err.failure, err.message]).toEqual(['unreachable', `cannot write ${path.join(root, 'not-a-dir', 'K')}: ${path.join(root, 'not-a-dir')} is not a directory`]);
  });
});
