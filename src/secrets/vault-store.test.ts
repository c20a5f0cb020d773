import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries } from '../../test/helpers/cli.js';
import { resolveFailures } from '../../test/helpers/secrets.js';
import { closedPort, serveLocal, type LocalServer } from '../../test/servers/harness.js';
import { FakeVault, serveVault } from '../../test/servers/vault.js';
import { EnvStore } from './env-store.js';
import { resolveSecrets } from './resolver.js';
import { createStores } from './stores.js';
import { SecretStoreError, type SecretStore } from './store.js';
import { VaultStore } from './vault-store.js';
import { Sensitive } from './sensitive.js';

const failures = resolveFailures('vault store failures');

describe('VaultStore against a local server speaking the Vault HTTP API', () => {
  const vault = new FakeVault({ mounts: ['secret', 'kv/team'] });
  let server: LocalServer;
  let c: string[];
  let token: string;
  const stores = (opts: Partial<ConstructorParameters<typeof VaultStore>[0]> = {}) =>
    new Map<string, SecretStore>([
      ['vault', new VaultStore({ address: server.url, mount: 'secret', auth: { method: 'token', token: async () => new Sensitive(token) }, ...opts })],
    ]);

  beforeAll(async () => {
    c = canaries();
    token = `hvs.${c[3]}`;
    vault.tokens.add(token);
    vault.put('secret', 'payments/xendit', { clientSecret: `${c[0]}-v1` });
    vault.put('secret', 'payments/xendit', { clientSecret: `${c[0]}-v2`, webhookToken: c[1] });
    vault.put('kv/team', 'bca', { password: c[2] });
    server = await serveVault(vault);
  });
  afterAll(() => server.stop());

  it('reads KV v2 secrets by key, the single key of a one-key secret, a pinned version, and a nested mount', async () => {
    const refs = [
      { store: 'vault', name: 'payments/xendit', key: 'clientSecret' },
      { store: 'vault', name: 'payments/xendit', key: 'clientSecret', version: 1 },
      { store: 'vault', name: 'payments/xendit', key: 'webhookToken' },
    ];
    const r = await resolveSecrets(refs, stores());
    expect(refs.map((ref) => r.get(ref).reveal())).toEqual([`${c[0]}-v2`, `${c[0]}-v1`, c[1]]);
    expect(r.reads).toBe(2);
    const team = await resolveSecrets([{ store: 'vault', name: 'bca' }], stores({ mount: 'kv/team' }));
    expect(team.get({ store: 'vault', name: 'bca' }).reveal()).toBe(c[2]);
    expect(server.log.some((l) => l.startsWith('GET /v1/kv/team/data/bca -> 200'))).toBe(true);
    expect(server.log.some((l) => l.startsWith('GET /v1/secret/data/payments/xendit?version=1 -> 200'))).toBe(true);
  });

  it('names the reference for a missing secret, key, version, or a secret that needs a key', async () => {
    vault.put('secret', 'gone', { a: 'x' });
    vault.deleteVersion('secret', 'gone', 1);
    expect(
      await failures(
        [
          { store: 'vault', name: 'payments/nope', key: 'a' },
          { store: 'vault', name: 'payments/xendit', key: 'nope' },
          { store: 'vault', name: 'payments/xendit', key: 'clientSecret', version: 9 },
          { store: 'vault', name: 'payments/xendit' },
          { store: 'vault', name: 'gone', key: 'a', version: 1 },
          { store: 'vault', name: 'payments/xendit', key: 'clientSecret', version: 'latest' },
        ],
        stores(),
      ),
    ).toEqual([
      'cannot resolve secret (store vault, name payments/nope, key a): no such secret',
      'cannot resolve secret (store vault, name payments/xendit, key nope): secret has no key nope',
      'cannot resolve secret (store vault, name payments/xendit, key clientSecret, version 9): no such secret or version 9 (or it was deleted)',
      'cannot resolve secret (store vault, name payments/xendit): secret has 2 keys: add key to the secretRef to pick one',
      'cannot resolve secret (store vault, name gone, key a, version 1): no such secret or version 1 (or it was deleted)',
      'cannot resolve secret (store vault, name payments/xendit, key clientSecret, version latest): a Vault KV version must be a whole number from 1',
    ]);
  });

  it('fails as auth with a wrong token, and as unreachable when Vault is down, sealed or silent', async () => {
    expect(await failures([{ store: 'vault', name: 'bca' }], stores({ mount: 'kv/team', auth: { method: 'token', token: async () => new Sensitive('hvs.wrong') } }))).toEqual([
      'cannot resolve secret (store vault, name bca): permission denied (HTTP 403): the token is invalid, expired, or its policy does not allow reading this path',
    ]);
    expect(server.log.at(-1)).toMatch(/-> 403 namespace=- token=unknown$/);

    const port = await closedPort();
    expect(await failures([{ store: 'vault', name: 'bca' }], stores({ address: `http://127.0.0.1:${port}` }))).toEqual([
      `cannot resolve secret (store vault, name bca): cannot reach Vault at http://127.0.0.1:${port}: connection refused`,
    ]);

    vault.sealed = true;
    try {
      expect(await failures([{ store: 'vault', name: 'bca' }], stores())).toEqual([
        `cannot resolve secret (store vault, name bca): Vault at ${server.url} is sealed or in standby (HTTP 503)`,
      ]);
    } finally {
      vault.sealed = false;
    }

    const silent = await serveLocal('silent vault', () => ({ status: 200, hang: true }));
    try {
      expect(await failures([{ store: 'vault', name: 'bca' }], stores({ address: silent.url, timeoutMs: 200 }))).toEqual([
        `cannot resolve secret (store vault, name bca): cannot reach Vault at ${silent.url}: no answer within 0.2s`,
      ]);
    } finally {
      await silent.stop();
    }
  });

  it('logs in with AppRole once, with the secret_id from another store, and sends the namespace', async () => {
    const nsVault = new FakeVault({ namespace: 'payments' });
    nsVault.appRoles.set('approle', { roleId: 'role-paystrator', secretId: c[1]! });
    nsVault.put('secret', 'xendit', { clientSecret: c[0] });
    nsVault.put('secret', 'bca', { password: c[2] });
    const ns = await serveVault(nsVault);
    try {
      const config = (secretIdVar: string) =>
        createStores(
          {
            env: { type: 'env' },
            vault: { type: 'vault', address: ns.url, namespace: 'payments', appRole: { roleId: 'role-paystrator', secretId: { secretRef: { store: 'env', name: secretIdVar } } } },
          },
          '/',
          { APPROLE_SECRET_ID: c[1], WRONG_SECRET_ID: `${c[1]}-wrong` },
        );
      const refs = [
        { store: 'vault', name: 'xendit', key: 'clientSecret' },
        { store: 'vault', name: 'bca', key: 'password' },
      ];
      const r = await resolveSecrets(refs, config('APPROLE_SECRET_ID'));
      expect(refs.map((ref) => r.get(ref).reveal())).toEqual([c[0], c[2]]);
      expect(ns.log.filter((l) => l.includes('/login'))).toEqual(['POST /v1/auth/approle/login -> 200 namespace=payments approle=ok']);

      expect(await failures(refs.slice(0, 1), config('WRONG_SECRET_ID'))).toEqual([
        `cannot resolve secret (store vault, name xendit, key clientSecret): Vault at ${ns.url} refused the AppRole login (HTTP 400): check role_id and secret_id`,
      ]);
      expect(await failures(refs.slice(0, 1), config('UNSET'))).toEqual([
        'cannot resolve secret (store vault, name xendit, key clientSecret): cannot get the AppRole secret_id: (store env, name UNSET) environment variable UNSET is not set',
      ]);
      const noNamespace = new Map<string, SecretStore>([
        ['vault', new VaultStore({ address: ns.url, mount: 'secret', auth: { method: 'token', token: async () => new Sensitive(token) } })],
      ]);
      expect(await failures(refs.slice(0, 1), noNamespace)).toEqual([
        'cannot resolve secret (store vault, name xendit, key clientSecret): permission denied (HTTP 403): the token is invalid, expired, or its policy does not allow reading this path',
      ]);
    } finally {
      await ns.stop();
    }
  });

  it('gets its token from another store lazily: a workspace that never reads Vault never needs the token', async () => {
    const env = new EnvStore({ VAULT_TOKEN: token });
    let tokenReads = 0;
    const counting: SecretStore = { type: 'env', read: (req) => ((tokenReads += 1), env.read(req)) };
    const all = createStores({ vault: { type: 'vault', address: server.url, token: { secretRef: { store: 'env', name: 'VAULT_TOKEN' } } } }, '/');
    all.set('env', counting);
    expect(tokenReads).toBe(0);
    const refs = [
      { store: 'vault', name: 'payments/xendit', key: 'clientSecret' },
      { store: 'vault', name: 'payments/xendit', key: 'clientSecret', version: 1 },
    ];
    await resolveSecrets(refs, all);
    expect(tokenReads).toBe(1);
  });
});

describe('VaultStore writes (an API key value sink) through the KV v2 write API', () => {
  const vault = new FakeVault();
  let server: LocalServer;
  let c: string[];
  let token: string;
  let store: VaultStore;
  const readBack = async (name: string, key?: string) =>
    (await resolveSecrets([{ store: 'vault', name, ...(key ? { key } : {}) }], new Map([['vault', store]]))).get({ store: 'vault', name, ...(key ? { key } : {}) }).reveal();

  beforeAll(async () => {
    c = canaries();
    token = `hvs.${c[3]}-w`;
    vault.tokens.add(token);
    server = await serveVault(vault);
    store = new VaultStore({ address: server.url, mount: 'secret', auth: { method: 'token', token: async () => new Sensitive(token) } });
  });
  afterAll(() => server.stop());

  it('writes a new secret under `value`, then a new version of it, answering each version; readers get the latest', async () => {
    expect(await store.write('keys/backend', new Sensitive(`${c[0]}-a`))).toEqual({ version: '1' });
    expect(await store.write('keys/backend', new Sensitive(`${c[0]}-b`))).toEqual({ version: '2' });
    expect(vault.kv.get('secret')?.get('keys/backend')?.map((v) => v.data)).toEqual([{ value: `${c[0]}-a` }, { value: `${c[0]}-b` }]);
    expect(await readBack('keys/backend')).toBe(`${c[0]}-b`);
    expect(server.log.filter((l) => l.startsWith('POST'))).toEqual([
      'POST /v1/secret/data/keys/backend -> 200 namespace=- token=valid written version=1',
      'POST /v1/secret/data/keys/backend -> 200 namespace=- token=valid written version=2',
    ]);
  });

  it('with a key, keeps the secret\'s other keys and writes with check-and-set on the version it read', async () => {
    vault.put('secret', 'shared', { other: c[1] });
    expect(await store.write('shared', new Sensitive(c[2]!), { key: 'apiKey' })).toEqual({ version: '2' });
    expect(vault.kv.get('secret')?.get('shared')?.at(-1)?.data).toEqual({ other: c[1], apiKey: c[2] });
    expect(server.log.at(-2)).toBe('GET /v1/secret/data/shared -> 200 namespace=- token=valid version=1');
    expect(server.log.at(-1)).toBe('POST /v1/secret/data/shared -> 200 namespace=- token=valid written version=2 cas=1');
    expect(await readBack('shared', 'apiKey')).toBe(c[2]);
    // A secret whose latest version was deleted: the write names that version, as Vault requires.
    vault.put('secret', 'deleted', { a: 'x' });
    vault.deleteVersion('secret', 'deleted', 1);
    expect(await store.write('deleted', new Sensitive(c[2]!), { key: 'apiKey' })).toEqual({ version: '2' });
    expect(await store.write('fresh', new Sensitive(c[2]!), { key: 'apiKey' })).toEqual({ version: '1' });
    expect(server.log.at(-1)).toBe('POST /v1/secret/data/fresh -> 200 namespace=- token=valid written version=1 cas=0');
  });

  it('retries when another writer made a version between its read and its write, and never drops that writer\'s keys', async () => {
    vault.put('secret', 'raced', { theirs: 'one' });
    let raced = false;
    const racing = await serveLocal('racing vault', async (call) => {
      // Another writer lands a version just before our first write arrives.
      if (call.method === 'POST' && !raced) {
        raced = true;
        vault.put('secret', 'raced', { theirs: 'two' });
      }
      return vault.handle(call);
    });
    try {
      const s = new VaultStore({ address: racing.url, mount: 'secret', auth: { method: 'token', token: async () => new Sensitive(token) } });
      expect(await s.write('raced', new Sensitive(c[2]!), { key: 'apiKey' })).toEqual({ version: '3' });
      expect(vault.kv.get('secret')?.get('raced')?.at(-1)?.data).toEqual({ theirs: 'two', apiKey: c[2] });
      expect(racing.log.filter((l) => l.startsWith('POST')).map((l) => l.replace(/ namespace.*? (cas|written)/, ' $1'))).toEqual([
        'POST /v1/secret/data/raced -> 400 cas=1 current=2',
        'POST /v1/secret/data/raced -> 200 written version=3 cas=2',
      ]);
    } finally {
      await racing.stop();
    }
  });

  it('fails as auth for a read-only token and as unreachable when sealed, naming the store and never the value', async () => {
    const ro = `hvs.${c[3]}-ro`;
    vault.tokens.add(ro);
    vault.readOnlyTokens.add(ro);
    const s = new VaultStore({ address: server.url, mount: 'secret', auth: { method: 'token', token: async () => new Sensitive(ro) } });
    const err = (await s.write('keys/backend', new Sensitive(`${c[0]}-ro`)).catch((e: unknown) => e)) as SecretStoreError;
    expect(err).toBeInstanceOf(SecretStoreError);
    expect([err.failure, err.message]).toEqual(['auth', 'permission denied (HTTP 403): the token is invalid, expired, or its policy does not allow writing this path']);
    vault.sealed = true;
    try {
      const sealed = (await store.write('keys/backend', new Sensitive(`${c[0]}-sealed`)).catch((e: unknown) => e)) as SecretStoreError;
      expect([sealed.failure, sealed.message]).toEqual(['unreachable', `Vault at ${server.url} is sealed or in standby (HTTP 503)`]);
    } finally {
      vault.sealed = false;
    }
    const noMount = new VaultStore({ address: server.url, mount: 'nope', auth: { method: 'token', token: async () => new Sensitive(token) } });
    const missing = (await noMount.write('k', new Sensitive(`${c[0]}-m`)).catch((e: unknown) => e)) as SecretStoreError;
    expect([missing.failure, missing.message]).toEqual(['not-found', 'no KV v2 mount nope']);
    expect(vault.kv.get('secret')?.get('keys/backend')).toHaveLength(2);
  });
});
