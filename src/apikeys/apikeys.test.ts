import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../catalog/catalog.js';
import { ExitError, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import type { WorkspaceConfig } from '../generated/config.js';
import { parseYaml } from '../load/yaml.js';
import { checkApiKeys, validateApiKeyDocument } from '../load/api-keys.js';
import { CREATE_ANNOTATIONS, KEY_MANAGED_ANNOTATION, KEY_SINK_ANNOTATION, PENDING_SINK, createIdempotencyKey, type DesiredApiKey, type LiveApiKey } from '../model/api-key.js';
import { driftApiKeys, hasApiKeyDrift } from './drift.js';
import { apiKeysFile } from './import.js';
import { apiKeyKind, toResourceChanges } from '../kinds/api-key.js';
import { apiKeyInputs, planApiKeys, type ApiKeyPlanInput } from './plan.js';

const stores: WorkspaceConfig['secretStores'] = {
  env: { type: 'env' },
  files: { type: 'file', dir: 'secrets' },
  one: { type: 'file', path: 'secrets.yaml' },
  vault: { type: 'vault', address: 'http://127.0.0.1:8200', token: { secretRef: { store: 'env', name: 'VAULT_TOKEN' } } },
  aws: { type: 'aws-secrets-manager', region: 'ap-southeast-3' },
};

function check(text: string) {
  const parsed = parseYaml(text, 'keys.yaml');
  expect(parsed.errors).toEqual([]);
  return parsed.docs.map((doc) => validateApiKeyDocument('keys.yaml', doc, bundledCatalog(), stores));
}

const show = (d: Diagnostic) => `${formatDiagnostic(d)} (${d.rule})`;
const errorsOf = (text: string) => check(text).flatMap((c) => c.diagnostics.map(show));

const key = (name: string, spec: string) => `apiVersion: paystrator-gitops/v1
kind: ApiKey
metadata:
  name: ${name}
spec:
${spec}`;

describe('ApiKey documents', () => {
  it('reads a key: permissions without NONE, status ACTIVE by default, the sink, the position of its name', () => {
    const [c] = check(key('Backend Integration', '  permissions: { SEND_MONEY: READ_WRITE, VIRTUAL_ACCOUNT: READ, EWALLET: NONE }\n  valueSink: { store: files, name: BACKEND_API_KEY }\n'));
    expect(c!.diagnostics).toEqual([]);
    expect(c!.value).toEqual({
      name: 'Backend Integration', permissions: { SEND_MONEY: 'READ_WRITE', VIRTUAL_ACCOUNT: 'READ' }, status: 'ACTIVE',
      valueSink: { store: 'files', name: 'BACKEND_API_KEY' }, file: 'keys.yaml', line: 4, col: 9,
    });
    const [revoked] = check(key('Old', '  status: REVOKED\n'));
    expect(revoked!.value).toMatchObject({ status: 'REVOKED', valueSink: null, permissions: {} });
  });

  it('reports each problem at its line: schema, unknown product, capability, a sink that cannot be written', () => {
    expect(errorsOf(key('A', '  permissions: { SEND_MONY: READ }\n  valueSink: { store: files, name: A }\n'))).toEqual([
      'keys.yaml:6:18: spec.permissions.SEND_MONY: unknown product "SEND_MONY"; did you mean "SEND_MONEY"? (known-product)',
    ]);
    expect(errorsOf(key('A', '  permissions: { EWALLET: ADMIN }\n  valueSink: { store: files, name: A }\n'))).toEqual([
      'keys.yaml:6:27: spec.permissions.EWALLET: "ADMIN" is not valid: must be one of NONE, READ, WRITE, READ_WRITE (schema)',
    ]);
    // Only a create needs a sink, and only plan knows whether the key exists: validate accepts none.
    expect(errorsOf(key('A', '  permissions: { EWALLET: READ }\n'))).toEqual([]);
    expect(errorsOf(key('A', '  valueSink: { store: env, name: A }\n'))).toEqual([
      'keys.yaml:6:23: spec.valueSink.store: secret store env is of type env, which cannot be written: a value sink needs a store of type file, vault, aws-secrets-manager (api-key-value-sink)',
    ]);
    expect(errorsOf(key('A', '  valueSink: { store: one, name: A }\n'))[0]).toContain('secret store one is one file of named values (path), which is not written: a value sink needs a file store with a dir');
    expect(errorsOf(key('A', '  valueSink: { store: vaul, name: A }\n'))[0]).toContain('no secret store named vaul in paystrator.yaml; did you mean "vault"?');
    expect(errorsOf(key('A', '  valueSink: { store: files, name: ../A }\n'))[0]).toContain("a file store's secret name must be a plain file name in its dir");
    expect(errorsOf(key('A', '  valueSink: { store: FILL-IN, name: A }\n'))[0]).toContain('fill in valueSink (an older import wrote a placeholder)');
    expect(errorsOf(key('A', '  status: PAUSED\n  valueSink: { store: vault, name: k }\n'))).toEqual([
      'keys.yaml:6:11: spec.status: "PAUSED" is not valid: must be one of ACTIVE, REVOKED (schema)',
    ]);
    expect(errorsOf(key('"bad\\u202ename"', '  status: REVOKED\n'))[0]).toContain('must be printable text');
    // A REVOKED key needs no sink; Vault and AWS stores take one.
    expect(errorsOf(key('A', '  status: REVOKED\n') + '---\n' + key('B', '  valueSink: { store: vault, name: k, key: apiKey }\n') + '---\n' + key('C', '  valueSink: { store: aws, name: k }\n'))).toEqual([]);
  });

  it('refuses a name declared twice, pointing at both', () => {
    const keys = check(key('Same', '  status: REVOKED\n') + '---\n' + key('Same', '  status: REVOKED\n')).map((c) => c.value!);
    expect(checkApiKeys(keys).map(show)).toEqual([
      'keys.yaml:4:9: metadata.name: API key "Same" is declared more than once: also at keys.yaml:11:9 (unique-api-key)',
      'keys.yaml:11:9: metadata.name: API key "Same" is declared more than once: also at keys.yaml:4:9 (unique-api-key)',
    ]);
  });
});

const NOW = new Date('2026-12-01T12:00:00Z');
const desired = (name: string, over: Partial<DesiredApiKey> = {}): DesiredApiKey => ({
  name, permissions: { SEND_MONEY: 'READ_WRITE' }, status: 'ACTIVE', valueSink: { store: 'files', name: name.toUpperCase() }, file: 'keys.yaml', line: 4, col: 9, ...over,
});
const live = (name: string, over: Partial<LiveApiKey> = {}): LiveApiKey => ({
  id: `key_${name}`, name, prefix: 'psk_test_abcd', permissions: { SEND_MONEY: 'READ_WRITE' }, status: 'ACTIVE',
  annotations: { [KEY_MANAGED_ANNOTATION]: 'paystrator-gitops', [KEY_SINK_ANNOTATION]: `files/${name.toUpperCase()}` },
  version: 3, createdAt: '2026-11-01T00:00:00Z', updatedAt: '2026-11-01T00:00:00Z', revokedAt: null, lastUsedAt: null, ...over,
});
const input = (over: Partial<ApiKeyPlanInput> = {}): ApiKeyPlanInput => ({
  environment: 'sandbox', company: 'cmp_1', desired: [], live: [], callerKeyId: 'key_ci', prune: false, now: NOW, ...over,
});
const refused = (over: Partial<ApiKeyPlanInput>) => {
  try {
    planApiKeys(input(over));
  } catch (e) {
    if (e instanceof ExitError) return e.diagnostics.map(show);
    throw e;
  }
  throw new Error('the plan was not refused');
};

describe('planApiKeys', () => {
  it('creates a declared key with a deterministic Idempotency-Key, then records its sink', () => {
    const plan = planApiKeys(input({ desired: [desired('backend')] }));
    const [c] = plan.changes;
    expect(c).toMatchObject({ name: 'backend', action: 'create', permissions: [{ product: 'SEND_MONEY', before: 'NONE', after: 'READ_WRITE' }] });
    expect(c!.operations).toEqual([
      { kind: 'create', idempotencyKey: createIdempotencyKey('cmp_1', 'sandbox', 'backend'), body: { name: 'backend', permissions: { SEND_MONEY: 'READ_WRITE' }, annotations: CREATE_ANNOTATIONS } },
      { kind: 'write-sink', body: { store: 'files', name: 'BACKEND' } },
      { kind: 'update', body: { annotations: { [KEY_SINK_ANNOTATION]: 'files/BACKEND' } } },
    ]);
    // The same key, environment and company: the same Idempotency-Key, run after run; any other: another.
    expect(planApiKeys(input({ desired: [desired('backend')] }))).toEqual(plan);
    const keys = new Set([createIdempotencyKey('cmp_1', 'sandbox', 'backend'), createIdempotencyKey('cmp_2', 'sandbox', 'backend'), createIdempotencyKey('cmp_1', 'prod', 'backend'), createIdempotencyKey('cmp_1', 'sandbox', 'other')]);
    expect(keys.size).toBe(4);
    expect(JSON.stringify(plan)).not.toMatch(/value"/);
  });

  it('a key without valueSink: a create is refused at its line (field spec.valueSink); one that exists plans as usual', () => {
    expect(refused({ desired: [desired('new', { valueSink: null })] })).toEqual([
      'keys.yaml:4:9: spec.valueSink: API key "new" does not exist live, and creating it needs spec.valueSink: the secret store and name its value is written to (the API shows a new key\'s value only once, in its answer to the create) (api-key-value-sink)',
    ]);
    const plan = planApiKeys(input({
      desired: [desired('same', { valueSink: null }), desired('changed', { valueSink: null, permissions: { SEND_MONEY: 'READ' } })],
      live: [live('same'), live('changed')],
    }));
    expect(plan.changes.map((c) => [c.name, c.action])).toEqual([['changed', 'update'], ['same', 'noop']]);
    // A stopped create's value can be had again only into a sink.
    expect(refused({ desired: [desired('pending', { valueSink: null })], live: [live('pending', { createdAt: '2026-12-01T11:00:00Z', annotations: { ...live('x').annotations, [KEY_SINK_ANNOTATION]: PENDING_SINK } })] })[0])
      .toContain('spec.valueSink: a run created API key "pending" (2026-12-01T11:00:00Z) and stopped before writing its value');
  });

  it('patches only the products that change, NONE for a product git leaves out; equal permissions are a no-op', () => {
    const plan = planApiKeys(input({
      desired: [desired('backend', { permissions: { SEND_MONEY: 'READ', EWALLET: 'WRITE' } }), desired('same')],
      live: [live('backend', { permissions: { SEND_MONEY: 'READ_WRITE', VIRTUAL_ACCOUNT: 'READ' } }), live('same')],
    }));
    expect(plan.changes.map((c) => [c.name, c.action])).toEqual([['backend', 'update'], ['same', 'noop']]);
    expect(plan.changes[0]!.permissions).toEqual([
      { product: 'EWALLET', before: 'NONE', after: 'WRITE' },
      { product: 'SEND_MONEY', before: 'READ_WRITE', after: 'READ' },
      { product: 'VIRTUAL_ACCOUNT', before: 'READ', after: 'NONE' },
    ]);
    expect(plan.changes[0]!.operations).toEqual([{ kind: 'update', body: { permissions: { EWALLET: 'WRITE', SEND_MONEY: 'READ', VIRTUAL_ACCOUNT: 'NONE' } } }]);
    expect(plan.changes[0]).toMatchObject({ id: 'key_backend', liveVersion: 3 });
  });

  it('revokes a key declared REVOKED; with --prune one git no longer declares; never an unmanaged one', () => {
    const keys = [live('gone'), live('dashboard', { annotations: {} }), live('old', { status: 'REVOKED', revokedAt: '2026-10-01T00:00:00Z' }), live('revoke-me')];
    const without = planApiKeys(input({ desired: [desired('revoke-me', { status: 'REVOKED', valueSink: null })], live: keys }));
    expect(without.changes.map((c) => [c.name, c.action, c.notes])).toEqual([
      ['revoke-me', 'revoke', ['revoking is final: the key is refused from then on']],
      ['gone', 'noop', ['removed from git; revoked only with --prune or policy.prune']],
    ]);
    expect(without.changes[0]!.operations).toEqual([{ kind: 'revoke', body: { reason: 'declared REVOKED in git (paystrator-gitops)' } }]);
    expect(without.unmanaged).toEqual([{ name: 'dashboard', id: 'key_dashboard', prefix: 'psk_test_abcd' }]);
    const pruned = planApiKeys(input({ live: keys, prune: true }));
    expect(pruned.changes.map((c) => [c.name, c.action])).toEqual([['gone', 'revoke'], ['revoke-me', 'revoke']]);
    expect(pruned.unmanaged.map((u) => u.name)).toEqual(['dashboard']);
  });

  it('REVOKED is final: ACTIVE in git for a revoked key is an error naming the way out', () => {
    expect(refused({ desired: [desired('old')], live: [live('old', { status: 'REVOKED', revokedAt: '2026-10-01T00:00:00Z' })] })).toEqual([
      'keys.yaml:4:9: spec.status: API key "old" is REVOKED live (since 2026-10-01T00:00:00Z), and revoking is final: declare a new key with another name, and set this one to status: REVOKED (or remove it from git) (api-key-revoked-final)',
    ]);
    expect(planApiKeys(input({ desired: [desired('old', { status: 'REVOKED' })], live: [live('old', { status: 'REVOKED' })] })).changes.map((c) => c.action)).toEqual(['noop']);
  });

  it('a declared name of a live key git does not manage is refused, unless import wrote its file (then it is adopted)', () => {
    const l = live('dashboard', { annotations: {}, permissions: { EWALLET: 'READ' } });
    expect(refused({ desired: [desired('dashboard')], live: [l] })[0]).toContain('API key "dashboard" exists live but is not managed by paystrator-gitops, and naming it in a file does not take it over');
    const plan = planApiKeys(input({ desired: [desired('dashboard', { permissions: { EWALLET: 'READ' } })], live: [l], imported: new Set(['dashboard']) }));
    expect(plan.changes[0]).toMatchObject({ action: 'update', permissions: [] });
    expect(plan.changes[0]!.operations).toEqual([{ kind: 'update', body: { annotations: { [KEY_MANAGED_ANNOTATION]: 'paystrator-gitops' } } }]);
  });

  it('a key whose create ran but whose sink was never written: the create is replayed with the same Idempotency-Key, within 24 hours', () => {
    const pending = live('backend', { annotations: { ...CREATE_ANNOTATIONS }, createdAt: '2026-12-01T09:00:00Z', permissions: { SEND_MONEY: 'READ_WRITE' } });
    const plan = planApiKeys(input({ desired: [desired('backend', { permissions: { SEND_MONEY: 'READ' } })], live: [pending] }));
    const [c] = plan.changes;
    expect(c!.action).toBe('create');
    expect(c!.operations).toEqual([
      { kind: 'replay-create', idempotencyKey: createIdempotencyKey('cmp_1', 'sandbox', 'backend'), body: { name: 'backend', permissions: { SEND_MONEY: 'READ_WRITE' }, annotations: CREATE_ANNOTATIONS } },
      { kind: 'write-sink', body: { store: 'files', name: 'BACKEND' } },
      { kind: 'update', body: { permissions: { SEND_MONEY: 'READ' }, annotations: { [KEY_SINK_ANNOTATION]: 'files/BACKEND' } } },
    ]);
    expect(c!.notes[0]).toContain('the create is replayed with the same Idempotency-Key');
    expect(pending.annotations[KEY_SINK_ANNOTATION]).toBe(PENDING_SINK);
    expect(refused({ desired: [desired('backend')], live: [{ ...pending, createdAt: '2026-11-30T11:59:00Z' }] })).toEqual([
      'keys.yaml:4:9: spec.valueSink: the value of API key "backend" (created 2026-11-30T11:59:00Z) was never written to a sink: the run that created it stopped first, and the API replays a creation for 24 hours only. Revoke it (status: REVOKED) and declare a new key with another name (api-key-value-lost)',
    ]);
    // The way out works: revoking it needs no value.
    expect(planApiKeys(input({ desired: [desired('backend', { status: 'REVOKED' })], live: [{ ...pending, createdAt: '2026-11-30T11:59:00Z' }] })).changes[0]!.action).toBe('revoke');
  });

  it('lockout guard: revoking or reducing the run\'s own key is told, through the kind\'s guards; raising it, or another key, is not', () => {
    const ci = live('ci', { id: 'key_ci', permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'READ' } });
    const guard = (over: Partial<ApiKeyPlanInput>) => {
      const changes = toResourceChanges(planApiKeys(input(over)));
      return apiKeyKind.guards(changes, [...(over.live ?? [])], { environment: 'sandbox', company: 'cmp_1', caller: { id: over.callerKeyId ?? 'key_ci', name: 'ci' } }).map((f) => `${f.check}: ${f.message}`);
    };
    expect(guard({ desired: [desired('ci', { status: 'REVOKED' })], live: [ci] })).toEqual([
      'lockout: this plan revokes the API key this run itself uses ("ci"), which would lock this and later runs out; point the environment\'s apiKey at another key first',
    ]);
    expect(guard({ desired: [desired('ci', { permissions: { SEND_MONEY: 'WRITE', EWALLET: 'READ' } })], live: [ci] })).toEqual([
      'lockout: this plan reduces (SEND_MONEY READ_WRITE -> WRITE) the API key this run itself uses ("ci"), which would lock this and later runs out; point the environment\'s apiKey at another key first',
    ]);
    expect(guard({ live: [ci], prune: true })[0]).toContain('this plan revokes the API key this run itself uses ("ci")');
    expect(guard({ desired: [desired('ci', { permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'READ_WRITE', QR_CODE: 'READ' } })], live: [ci] })).toEqual([]);
    expect(guard({ desired: [desired('ci', { status: 'REVOKED' })], live: [ci], callerKeyId: 'key_other' })).toEqual([]);
    // The run's own key changes last: after it is revoked, the run could make no other change.
    const both = planApiKeys(input({ desired: [desired('ci', { status: 'REVOKED' }), desired('zz', { permissions: {} })], live: [ci, live('zz')] }));
    expect(both.changes.map((c) => [c.name, c.action])).toEqual([['zz', 'update'], ['ci', 'revoke']]);
  });

  it('several live keys not revoked under one declared name: refused, naming them', () => {
    expect(refused({ desired: [desired('dup')], live: [live('dup', { id: 'key_1' }), live('dup', { id: 'key_2' }), live('dup', { id: 'key_3', status: 'REVOKED' })] })).toEqual([
      'keys.yaml:4:9: metadata.name: 2 live API keys are named "dup" (key_1, key_2): the name must stand for one key; revoke or rename the others on the dashboard (api-key-identity)',
    ]);
  });

  it('the inputs a saved plan depends on: declarations, not where they are written', () => {
    expect(apiKeyInputs([desired('a', { line: 9 })])).toEqual(apiKeyInputs([desired('a')]));
    expect(apiKeyInputs([desired('a', { permissions: {} })])).not.toEqual(apiKeyInputs([desired('a')]));
  });
});

describe('driftApiKeys', () => {
  it('reports changed permissions and status, missing keys, unmanaged and removed-from-git keys; revoked keys are quiet', () => {
    const d = driftApiKeys(
      [
        desired('backend', { permissions: { SEND_MONEY: 'READ_WRITE' } }),
        desired('revoked-live'),
        desired('missing'),
        desired('never', { status: 'REVOKED', valueSink: null }),
        desired('in-sync'),
        desired('pending'),
      ],
      [
        live('backend', { permissions: { SEND_MONEY: 'READ', EWALLET: 'READ' } }),
        live('revoked-live', { status: 'REVOKED' }),
        live('in-sync'),
        live('pending', { annotations: { ...CREATE_ANNOTATIONS } }),
        live('gone'),
        live('dashboard', { annotations: {} }),
        live('dead', { status: 'REVOKED', annotations: {} }),
      ],
    );
    expect(d.changed.map((c) => [c.name, c.permissions, c.status])).toEqual([
      ['backend', [{ product: 'EWALLET', before: 'NONE', after: 'READ' }, { product: 'SEND_MONEY', before: 'READ_WRITE', after: 'READ' }], undefined],
      ['revoked-live', [], { git: 'ACTIVE', live: 'REVOKED' }],
    ]);
    expect(d.missing.map((m) => m.name)).toEqual(['missing']);
    expect(d.unmanaged).toEqual([
      { name: 'dashboard', id: 'key_dashboard', prefix: 'psk_test_abcd', removedFromGit: false },
      { name: 'gone', id: 'key_gone', prefix: 'psk_test_abcd', removedFromGit: true },
    ]);
    expect(d.notes.map((n) => n.name)).toEqual(['pending']);
    expect(hasApiKeyDrift(d)).toBe(true);
    expect(hasApiKeyDrift(driftApiKeys([desired('in-sync')], [live('in-sync')]))).toBe(false);
  });
});

describe('apiKeysFile (import)', () => {
  it('writes the live keys not revoked, without a valueSink, and validate accepts the file as written', () => {
    const file = apiKeysFile([live('Backend Integration', { permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'WRITE' } }), live('old', { status: 'REVOKED' })], { schemaRef: '../schemas/api-key.schema.json', environment: 'sandbox' })!;
    expect(file.keys).toEqual(['Backend Integration']);
    expect(file.text).not.toMatch(/^ *valueSink:/m);
    expect(file.text).toContain('# no valueSink: it is needed only to create a key');
    const checked = check(file.text);
    expect(checked[0]!.diagnostics).toEqual([]);
    expect(checked[0]!.value).toMatchObject({ name: 'Backend Integration', permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'WRITE' }, valueSink: null });
    expect(apiKeysFile([live('old', { status: 'REVOKED' })], { schemaRef: 'x', environment: 'sandbox' })).toBeUndefined();
  });
});

