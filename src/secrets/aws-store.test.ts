import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries } from '../../test/helpers/cli.js';
import { resolveFailures } from '../../test/helpers/secrets.js';
import { FakeSecretsManager, serveSecretsManager } from '../../test/servers/aws-secrets-manager.js';
import { closedPort, serveLocal, type LocalServer } from '../../test/servers/harness.js';
import { AwsSecretsManagerStore, type AwsStoreOptions } from './aws-store.js';
import { Sensitive } from './sensitive.js';
import { resolveSecrets } from './resolver.js';
import { SecretStoreError, type SecretStore } from './store.js';

const failures = resolveFailures('aws store failures');

const REGION = 'ap-southeast-3';
const KEY_ID = 'AKIATESTPAYSTRATOR01';

describe('AwsSecretsManagerStore: the official SDK against a local awsJson1.1 server', () => {
  let sm: FakeSecretsManager;
  let server: LocalServer;
  let c: string[];
  let pinned: string;
  const stores = (opts: Partial<AwsStoreOptions> = {}) =>
    new Map<string, SecretStore>([
      ['aws', new AwsSecretsManagerStore({ region: REGION, endpoint: server.url, credentials: { accessKeyId: KEY_ID, secretAccessKey: sm.opts.secretAccessKey }, ...opts })],
    ]);

  beforeAll(async () => {
    c = canaries();
    sm = new FakeSecretsManager({ region: REGION, accessKeyId: KEY_ID, secretAccessKey: `sk-${c[3]}` });
    pinned = sm.put('payments/xendit', JSON.stringify({ clientSecret: `${c[0]}-old` }));
    sm.put('payments/xendit', JSON.stringify({ clientSecret: `${c[0]}-new`, webhook: c[1] }));
    sm.put('payments/bca', c[2]!);
    sm.put('payments/binary', { binary: Buffer.from(`${c[2]}-bin`) });
    server = await serveSecretsManager(sm);
  });
  afterAll(() => server.stop());

  it('reads plain and JSON secrets with `key` in one BatchGetSecretValue, and pins by VersionId or VersionStage', async () => {
    sm.calls.length = 0;
    const refs = [
      { store: 'aws', name: 'payments/xendit', key: 'clientSecret' },
      { store: 'aws', name: 'payments/xendit', key: 'webhook' },
      { store: 'aws', name: 'payments/bca' },
      { store: 'aws', name: 'payments/binary' },
      { store: 'aws', name: 'payments/xendit', key: 'clientSecret', version: pinned },
      { store: 'aws', name: 'payments/xendit', key: 'clientSecret', version: 'AWSPREVIOUS' },
    ];
    const r = await resolveSecrets(refs, stores());
    expect(refs.map((ref) => r.get(ref).reveal())).toEqual([`${c[0]}-new`, c[1], c[2], `${c[2]}-bin`, `${c[0]}-old`, `${c[0]}-old`]);
    expect(sm.calls).toEqual(
      expect.arrayContaining([
        { op: 'BatchGetSecretValue', ids: ['payments/xendit', 'payments/bca', 'payments/binary'] },
        { op: 'GetSecretValue', ids: ['payments/xendit'] },
      ]),
    );
    expect(sm.calls).toHaveLength(3);
    expect(server.log.some((l) => l.includes(`VersionId=${pinned}`))).toBe(true);
    expect(server.log.some((l) => l.includes('VersionStage=AWSPREVIOUS'))).toBe(true);
  });

  it('lists the versions before AWSCURRENT, newest first, also those that lost their AWSPREVIOUS label, each readable by its VersionId', async () => {
    const aws = stores().get('aws')!;
    const ids = [sm.put('rotating/key', `${c[0]}-v1`), sm.put('rotating/key', `${c[0]}-v2`), sm.put('rotating/key', `${c[0]}-v3`), sm.put('rotating/key', `${c[0]}-v4`)];
    sm.calls.length = 0;
    const earlier = await aws.earlierVersions!('rotating/key');
    expect(earlier).toEqual([ids[2], ids[1], ids[0]]);
    expect(sm.calls).toEqual([{ op: 'ListSecretVersionIds', ids: ['rotating/key'] }]);
    const values = await Promise.all(earlier.map((version) => aws.read({ name: 'rotating/key', version })));
    expect(values.map((v) => v.reveal())).toEqual([`${c[0]}-v3`, `${c[0]}-v2`, `${c[0]}-v1`]);
    expect(await aws.earlierVersions!('rotating/key', 1)).toEqual([ids[2]]);
    expect(await aws.earlierVersions!('payments/bca')).toEqual([]);
  });

  it('fails to list versions as not-found for a missing secret and as auth when denied, naming the permission', async () => {
    const aws = stores().get('aws')!;
    const missing = await aws.earlierVersions!('no/such').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(SecretStoreError);
    expect((missing as SecretStoreError).failure).toBe('not-found');
    sm.denied.add('payments/bca');
    try {
      const denied = await aws.earlierVersions!('payments/bca').catch((e: unknown) => e);
      expect((denied as SecretStoreError).failure).toBe('auth');
      expect((denied as SecretStoreError).message).toContain('secretsmanager:ListSecretVersionIds');
      expect((denied as SecretStoreError).message).not.toContain(c[2]!);
    } finally {
      sm.denied.delete('payments/bca');
    }
  });

  it('1,000 references to 20 distinct secrets: one batch call per 20 ids, pages followed', async () => {
    for (let i = 0; i < 45; i++) sm.put(`bulk/${i}`, JSON.stringify({ a: `${c[0]}-${i}`, b: `${c[1]}-${i}` }));
    const paged = new FakeSecretsManager({ ...sm.opts, pageSize: 7 });
    for (const [name, s] of sm.secrets) paged.secrets.set(name, s);
    const pagedServer = await serveSecretsManager(paged);
    try {
      const refs = Array.from({ length: 1000 }, (_, i) => ({ store: 'aws', name: `bulk/${i % 20}`, key: i % 2 ? 'a' : 'b' }));
      sm.calls.length = 0;
      const r = await resolveSecrets(refs, stores());
      expect(r.get({ store: 'aws', name: 'bulk/7', key: 'a' }).reveal()).toBe(`${c[0]}-7`);
      expect(sm.calls).toEqual([{ op: 'BatchGetSecretValue', ids: Array.from({ length: 20 }, (_, i) => `bulk/${i}`) }]);

      // 45 distinct names: three calls of at most 20 ids, each paginated 7 values at a time.
      const many = Array.from({ length: 45 }, (_, i) => ({ store: 'aws', name: `bulk/${i}`, key: 'a' }));
      const r2 = await resolveSecrets(many, stores({ endpoint: pagedServer.url }));
      expect(many.map((ref) => r2.get(ref).reveal())).toEqual(many.map((_, i) => `${c[0]}-${i}`));
      const batches = paged.calls.filter((x) => x.op === 'BatchGetSecretValue');
      expect(paged.calls.every((x) => x.op === 'BatchGetSecretValue' && x.ids.length <= 20)).toBe(true);
      expect(new Set(batches.map((b) => b.ids.join(','))).size).toBe(3);
      expect(batches).toHaveLength(3 + 3 + 1); // 20 ids = 3 pages of 7, 20 = 3, 5 = 1
    } finally {
      await pagedServer.stop();
    }
  });

  it('reports per-secret errors from a batch, a missing version, and a wrong key, naming each reference', async () => {
    sm.denied.add('payments/bca');
    try {
      expect(
        await failures(
          [
            { store: 'aws', name: 'payments/xendit', key: 'clientSecret' },
            { store: 'aws', name: 'payments/missing' },
            { store: 'aws', name: 'payments/bca' },
            { store: 'aws', name: 'payments/xendit', key: 'nope' },
            { store: 'aws', name: 'payments/xendit', version: '00000000-0000-4000-8000-000000000000' },
            { store: 'aws', name: 'payments/xendit', version: 'NOSUCHSTAGE' },
          ],
          stores(),
        ),
      ).toEqual([
        'cannot resolve secret (store aws, name payments/missing): no such secret (ResourceNotFoundException)',
        'cannot resolve secret (store aws, name payments/bca): access denied (AccessDeniedException): the caller needs secretsmanager:GetSecretValue on this secret',
        'cannot resolve secret (store aws, name payments/xendit, key nope): secret has no key nope',
        'cannot resolve secret (store aws, name payments/xendit, version 00000000-0000-4000-8000-000000000000): no such secret or version 00000000-0000-4000-8000-000000000000 (ResourceNotFoundException)',
        'cannot resolve secret (store aws, name payments/xendit, version NOSUCHSTAGE): no such secret or version NOSUCHSTAGE (ResourceNotFoundException)',
      ]);
    } finally {
      sm.denied.clear();
    }
  });

  it('falls back to GetSecretValue when the policy does not allow BatchGetSecretValue', async () => {
    sm.denyBatch = true;
    sm.calls.length = 0;
    try {
      const refs = [
        { store: 'aws', name: 'payments/bca' },
        { store: 'aws', name: 'payments/xendit', key: 'webhook' },
      ];
      const r = await resolveSecrets(refs, stores());
      expect(refs.map((ref) => r.get(ref).reveal())).toEqual([c[2], c[1]]);
      expect(sm.calls.map((x) => x.op).sort()).toEqual(['BatchGetSecretValue', 'GetSecretValue', 'GetSecretValue']);
    } finally {
      sm.denyBatch = false;
    }
  });

  it('fails as auth with an unknown access key or a wrong secret key (the server checks the SigV4 signature)', async () => {
    const refs = [{ store: 'aws', name: 'payments/bca' }];
    expect(await failures(refs, stores({ credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } }))).toEqual([
      'cannot resolve secret (store aws, name payments/bca): AWS refused the credentials (UnrecognizedClientException)',
    ]);
    expect(await failures(refs, stores({ credentials: { accessKeyId: KEY_ID, secretAccessKey: 'wrong' } }))).toEqual([
      'cannot resolve secret (store aws, name payments/bca): AWS refused the credentials (InvalidSignatureException)',
    ]);
    expect(server.log.at(-1)).toMatch(/target=secretsmanager.GetSecretValue error=InvalidSignatureException$/);
    // A batch refused for its credentials fails every reference in it, without a fallback.
    expect(
      await failures(
        [...refs, { store: 'aws', name: 'payments/xendit', key: 'webhook' }],
        stores({ credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } }),
      ),
    ).toHaveLength(2);
  });

  it('fails as unreachable when nothing listens or the server never answers', async () => {
    const port = await closedPort();
    expect(await failures([{ store: 'aws', name: 'payments/bca' }], stores({ endpoint: `http://127.0.0.1:${port}` }))).toEqual([
      `cannot resolve secret (store aws, name payments/bca): cannot reach AWS Secrets Manager (${REGION}, http://127.0.0.1:${port}): connection refused`,
    ]);
    const silent = await serveLocal('silent aws', () => ({ status: 200, hang: true }));
    try {
      expect(await failures([{ store: 'aws', name: 'payments/bca' }], stores({ endpoint: silent.url, timeoutMs: 200 }))).toEqual([
        `cannot resolve secret (store aws, name payments/bca): cannot reach AWS Secrets Manager (${REGION}, ${silent.url}): no answer in time`,
      ]);
    } finally {
      await silent.stop();
    }
  });
});

describe('AwsSecretsManagerStore writes (an API key value sink): PutSecretValue, or CreateSecret for a new secret', () => {
  let sm: FakeSecretsManager;
  let server: LocalServer;
  let c: string[];
  let store: AwsSecretsManagerStore;
  const current = (name: string) => sm.secrets.get(name)?.versions.find((v) => v.stages.has('AWSCURRENT'));

  beforeAll(async () => {
    c = canaries();
    sm = new FakeSecretsManager({ region: REGION, accessKeyId: KEY_ID, secretAccessKey: `sk-${c[3]}-w` });
    server = await serveSecretsManager(sm);
    store = new AwsSecretsManagerStore({ region: REGION, endpoint: server.url, credentials: { accessKeyId: KEY_ID, secretAccessKey: sm.opts.secretAccessKey } });
  });
  afterAll(() => server.stop());

  it('creates a missing secret, then puts new versions; the answer is the VersionId that became AWSCURRENT', async () => {
    sm.calls.length = 0;
    const first = await store.write('keys/backend', new Sensitive(`${c[0]}-a`));
    expect(first.version).toBe(current('keys/backend')?.id);
    expect(current('keys/backend')?.string).toBe(`${c[0]}-a`);
    const second = await store.write('keys/backend', new Sensitive(`${c[0]}-b`));
    expect(second.version).toBe(current('keys/backend')?.id);
    expect(second.version).not.toBe(first.version);
    expect(sm.secrets.get('keys/backend')?.versions.find((v) => v.id === first.version)?.stages).toEqual(new Set(['AWSPREVIOUS']));
    expect(sm.calls.map((x) => x.op)).toEqual(['PutSecretValue', 'CreateSecret', 'PutSecretValue']);
    const r = await resolveSecrets([{ store: 'aws', name: 'keys/backend' }], new Map([['aws', store]]));
    expect(r.get({ store: 'aws', name: 'keys/backend' }).reveal()).toBe(`${c[0]}-b`);
  });

  it('with a key, sets that property of the JSON secret and keeps the others', async () => {
    sm.put('shared', JSON.stringify({ other: c[1] }));
    await store.write('shared', new Sensitive(c[2]!), { key: 'apiKey' });
    expect(JSON.parse(current('shared')!.string!)).toEqual({ other: c[1], apiKey: c[2] });
    await store.write('brand-new', new Sensitive(c[2]!), { key: 'apiKey' });
    expect(JSON.parse(current('brand-new')!.string!)).toEqual({ apiKey: c[2] });
    sm.put('plain', 'not json');
    const err = (await store.write('plain', new Sensitive(c[2]!), { key: 'apiKey' }).catch((e: unknown) => e)) as SecretStoreError;
    expect([err.failure, err.message]).toEqual(['invalid', 'secret plain is not a JSON object, so key apiKey cannot be set in it']);
    expect(current('plain')?.string).toBe('not json');
  });

  it('fails as auth when the policy does not allow writing, naming the permission and never the value', async () => {
    sm.denyWrites = true;
    try {
      const err = (await store.write('keys/backend', new Sensitive(`${c[0]}-denied`)).catch((e: unknown) => e)) as SecretStoreError;
      expect(err).toBeInstanceOf(SecretStoreError);
      expect([err.failure, err.message]).toEqual(['auth', 'access denied (AccessDeniedException): the caller needs secretsmanager:PutSecretValue on this secret']);
      expect(current('keys/backend')?.string).toBe(`${c[0]}-b`);
    } finally {
      sm.denyWrites = false;
    }
    const wrong = new AwsSecretsManagerStore({ region: REGION, endpoint: server.url, credentials: { accessKeyId: KEY_ID, secretAccessKey: 'wrong' } });
    const err = (await wrong.write('keys/backend', new Sensitive(`${c[0]}-wrong`)).catch((e: unknown) => e)) as SecretStoreError;
    expect([err.failure, err.message]).toEqual(['auth', 'AWS refused the credentials (InvalidSignatureException)']);
  });
});
