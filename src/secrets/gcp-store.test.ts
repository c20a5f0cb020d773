import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries } from '../../test/helpers/cli.js';
import { resolveFailures } from '../../test/helpers/secrets.js';
import { FakeSecretManager, serveSecretManager } from '../../test/servers/gcp-secret-manager.js';
import { closedPort, serveLocal, type LocalServer } from '../../test/servers/harness.js';
import { crc32c } from './crc32c.js';
import { GcpSecretManagerStore, type GcpStoreOptions } from './gcp-store.js';
import { resolveSecrets } from './resolver.js';
import { Sensitive } from './sensitive.js';
import { createStores } from './stores.js';
import type { SecretStore } from './store.js';

const failures = resolveFailures('gcp store failures');

describe('crc32c', () => {
  it('matches the published check value and the RFC 3720 test vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });
});

describe('GcpSecretManagerStore against a local server speaking the Secret Manager REST API', () => {
  const sm = new FakeSecretManager({ projectId: 'paystrator-prod', projectNumber: '123456789012' });
  let server: LocalServer;
  let c: string[];
  let token: string;
  const stores = (opts: Partial<GcpStoreOptions> = {}) =>
    new Map<string, SecretStore>([
      ['gcp', new GcpSecretManagerStore({ project: 'paystrator-prod', endpoint: server.url, accessToken: async () => new Sensitive(token), ...opts })],
    ]);

  beforeAll(async () => {
    c = canaries();
    token = `ya29.${c[3]}`;
    sm.tokens.set(token, 'ok');
    sm.tokens.set('ya29.reader-without-access', 'denied');
    sm.add('xendit-client-secret', `${c[0]}-v1`);
    sm.add('xendit-client-secret', `${c[0]}-v2`);
    sm.add('bca', JSON.stringify({ user: 'bca-api', password: c[1] }));
    sm.add('disabled', c[2]!);
    sm.secrets.get('disabled')![0]!.state = 'DISABLED';
    sm.aliases.set('xendit-client-secret', new Map([['stable', 1]]));
    server = await serveSecretManager(sm);
  });
  afterAll(() => server.stop());

  it('lists the enabled versions before latest, newest first, each readable by number; a disabled one is skipped', async () => {
    const gcp = stores().get('gcp')!;
    for (let i = 1; i <= 4; i++) sm.add('rotating', `${c[0]}-r${i}`);
    sm.secrets.get('rotating')![1]!.state = 'DISABLED';
    const before = sm.lists;
    const earlier = await gcp.earlierVersions!('rotating');
    expect(earlier).toEqual([3, 1]);
    expect(sm.lists - before).toBe(1);
    const values = await Promise.all(earlier.map((version) => gcp.read({ name: 'rotating', version })));
    expect(values.map((v) => v.reveal())).toEqual([`${c[0]}-r3`, `${c[0]}-r1`]);
    expect(await gcp.earlierVersions!('rotating', 1)).toEqual([3]);
    expect(await gcp.earlierVersions!('bca')).toEqual([]);
  });

  it('fails to list versions as not-found for a missing secret and as auth without the permission', async () => {
    const missing = await stores().get('gcp')!.earlierVersions!('no-such-secret').then(() => undefined, (e: unknown) => e as { failure?: string; message: string });
    expect(missing?.failure).toBe('not-found');
    const denied = await stores({ accessToken: async () => new Sensitive('ya29.reader-without-access') }).get('gcp')!.earlierVersions!('rotating').then(() => undefined, (e: unknown) => e as { failure?: string; message: string });
    expect(denied?.failure).toBe('auth');
    expect(denied?.message).not.toContain(c[3]!);
  });

  it('reads latest, a pinned version number or alias, and a key of a JSON secret; the CRC32C checks out', async () => {
    const refs = [
      { store: 'gcp', name: 'xendit-client-secret' },
      { store: 'gcp', name: 'xendit-client-secret', version: 1 },
      { store: 'gcp', name: 'xendit-client-secret', version: 'stable' },
      { store: 'gcp', name: 'bca', key: 'password' },
    ];
    const r = await resolveSecrets(refs, stores());
    expect(refs.map((ref) => r.get(ref).reveal())).toEqual([`${c[0]}-v2`, `${c[0]}-v1`, `${c[0]}-v1`, c[1]]);
    expect(server.log).toEqual(
      expect.arrayContaining([
        'GET /v1/projects/paystrator-prod/secrets/xendit-client-secret/versions/latest:access -> 200 auth=ok version=2',
        'GET /v1/projects/paystrator-prod/secrets/xendit-client-secret/versions/1:access -> 200 auth=ok version=1',
      ]),
    );
  });

  it('names the reference for a missing secret, version, key, or a disabled version', async () => {
    expect(
      await failures(
        [
          { store: 'gcp', name: 'nope' },
          { store: 'gcp', name: 'xendit-client-secret', version: 7 },
          { store: 'gcp', name: 'bca', key: 'pass' },
          { store: 'gcp', name: 'disabled' },
          { store: 'gcp', name: 'disabled', version: 1 },
          { store: 'gcp', name: '../../other-project' },
        ],
        stores(),
      ),
    ).toEqual([
      'cannot resolve secret (store gcp, name nope): no such secret in project paystrator-prod, or it has no enabled version (NOT_FOUND)',
      'cannot resolve secret (store gcp, name xendit-client-secret, version 7): no such secret or version 7 in project paystrator-prod (NOT_FOUND)',
      'cannot resolve secret (store gcp, name bca, key pass): secret has no key pass',
      'cannot resolve secret (store gcp, name disabled): version latest is disabled or destroyed (FAILED_PRECONDITION)',
      'cannot resolve secret (store gcp, name disabled, version 1): version 1 is disabled or destroyed (FAILED_PRECONDITION)',
      'cannot resolve secret (store gcp, name ../../other-project): a GCP secret id has only letters, digits, _ and - (at most 255)',
    ]);
  });

  it('fails as auth for a refused token, a token without access, or a token its store cannot give', async () => {
    const ref = [{ store: 'gcp', name: 'bca', key: 'user' }];
    expect(await failures(ref, stores({ accessToken: async () => new Sensitive('ya29.expired') }))).toEqual([
      'cannot resolve secret (store gcp, name bca, key user): the access token was refused (UNAUTHENTICATED): it is invalid or expired',
    ]);
    expect(await failures(ref, stores({ accessToken: async () => new Sensitive('ya29.reader-without-access') }))).toEqual([
      'cannot resolve secret (store gcp, name bca, key user): permission denied (PERMISSION_DENIED): the caller needs roles/secretmanager.secretAccessor on this secret',
    ]);
    const viaEnv = createStores(
      { env: { type: 'env' }, gcp: { type: 'gcp-secret-manager', project: 'paystrator-prod', endpoint: server.url, accessToken: { secretRef: { store: 'env', name: 'GCP_ACCESS_TOKEN' } } } },
      '/',
      {},
    );
    expect(await failures(ref, viaEnv)).toEqual([
      'cannot resolve secret (store gcp, name bca, key user): cannot get the GCP access token: (store env, name GCP_ACCESS_TOKEN) environment variable GCP_ACCESS_TOKEN is not set',
    ]);
    const ok = createStores(
      { env: { type: 'env' }, gcp: { type: 'gcp-secret-manager', project: 'paystrator-prod', endpoint: server.url, accessToken: { secretRef: { store: 'env', name: 'GCP_ACCESS_TOKEN' } } } },
      '/',
      { GCP_ACCESS_TOKEN: token },
    );
    expect((await resolveSecrets(ref, ok)).get(ref[0]!).reveal()).toBe('bca-api');
  });

  it('rejects a payload whose CRC32C does not match', async () => {
    sm.corrupt.add('bca');
    try {
      expect(await failures([{ store: 'gcp', name: 'bca', key: 'user' }], stores())).toEqual([
        `cannot resolve secret (store gcp, name bca, key user): GCP Secret Manager at ${server.url} sent a payload whose CRC32C does not match: it was corrupted in transit`,
      ]);
    } finally {
      sm.corrupt.clear();
    }
  });

  it('fails as unreachable when nothing listens or the server never answers', async () => {
    const port = await closedPort();
    expect(await failures([{ store: 'gcp', name: 'bca' }], stores({ endpoint: `http://127.0.0.1:${port}` }))).toEqual([
      `cannot resolve secret (store gcp, name bca): cannot reach GCP Secret Manager at http://127.0.0.1:${port}: connection refused`,
    ]);
    const silent = await serveLocal('silent gcp', () => ({ status: 200, hang: true }));
    try {
      expect(await failures([{ store: 'gcp', name: 'bca' }], stores({ endpoint: silent.url, timeoutMs: 200 }))).toEqual([
        `cannot resolve secret (store gcp, name bca): cannot reach GCP Secret Manager at ${silent.url}: no answer within 0.2s`,
      ]);
    } finally {
      await silent.stop();
    }
  });
});
