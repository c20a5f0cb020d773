import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic, Result } from '../diagnostics.js';
import { loadConfig, resolveEnvironment, type LoadedConfig } from './config.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const BASE = `environments:
  sandbox:
    endpoint: embedded
    providers: providers/**/*.yaml
  production:
    endpoint: https://paystrator.example/api
    client: dummy-company
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: [providers/**/*.yaml, more/*.yaml]
secretStores:
  env: { type: env }
  vault: { type: vault, address: http://127.0.0.1:8200, token: { secretRef: { store: env, name: VAULT_TOKEN } } }
`;

function config(...edits: [string, string][]): string {
  return edits.reduce((text, [from, to]) => {
    if (!text.includes(from)) throw new Error(`edit ${from} changed nothing`);
    return text.replace(from, to);
  }, BASE);
}

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Loads the text as a config file named by a path relative to the cwd, as the CLI would. */
async function load(text: string | Buffer): Promise<{ r: Result<LoadedConfig>; file: string }> {
  const abs = path.join(dir, `c${n++}.yaml`);
  await writeFile(abs, text);
  const file = path.relative(process.cwd(), abs);
  return { r: await loadConfig(file), file };
}

const errorsOf = (r: Result<unknown>, file: string) =>
  r.errors.map((d: Diagnostic) => [`${d.file === file ? 'F' : d.file}:${d.line}:${d.col}`, d.field, d.rule, d.message]);

describe('loadConfig', () => {
  it('loads the repository paystrator.yaml and its sandbox environment', async () => {
    const r = await loadConfig(path.join(REPO, 'paystrator.yaml'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.value!.config.policy).toEqual({ fingerprintKey: { secretRef: { store: 'sandbox-fake', name: 'SANDBOX_FINGERPRINT_KEY' } }, prune: false, maxChangePercent: 50, maxChangeMinLive: 10, ignore: [{ field: 'status', when: { changedBy: 'MONITOR', value: 'MAINTENANCE' } }], rules: [], windows: [], rollout: { interval: '60s', minSuccessRate: 0.97, minTransactions: 20 } });
    expect(r.value!.dir).toBe(REPO);
    const env = resolveEnvironment(r.value!);
    expect(env.errors).toEqual([]);
    expect(env.value).toEqual({
      name: 'sandbox',
      environment: { endpoint: 'embedded', providers: 'providers/**/*.yaml' },
      patterns: ['providers/**/*.yaml'],
      baseDir: REPO,
      secretStores: ['env', 'sandbox-fake'],
    });
  });

  it('refuses invalid UTF-8, UTF-16 and deep nesting at their line; a BOM is fine', async () => {
    const bad = await load(Buffer.concat([Buffer.from(BASE), Buffer.from('x: caf'), Buffer.from([0xe9, 0x0a])]));
    expect(errorsOf(bad.r, bad.file)).toEqual([['F:13:7', undefined, 'encoding', 'the file is not valid UTF-8 (byte 0xe9): save it as UTF-8']]);
    const wide = await load(Buffer.from(`\ufeff${BASE}`, 'utf16le'));
    expect(errorsOf(wide.r, wide.file)).toEqual([['F:1:1', undefined, 'encoding', expect.stringContaining('YAML files must be UTF-8')]]);
    const deep = await load(`${BASE}x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    expect(errorsOf(deep.r, deep.file)).toEqual([['F:13:67', undefined, 'yaml-depth', expect.stringContaining('nesting deeper than 64 levels')]]);
    const bom = await load(`\ufeff${BASE}`);
    expect(bom.r.errors).toEqual([]);
  });

  it('fills policy defaults', async () => {
    const { r } = await load(BASE);
    expect(r.errors).toEqual([]);
    expect(r.value!.config.policy).toEqual({ prune: false, maxChangePercent: 50, maxChangeMinLive: 10, ignore: [], rules: [], windows: [], rollout: { interval: '60s', minSuccessRate: 0.97, minTransactions: 20 } });
    const rollout = await load(`${BASE}policy: { rollout: { interval: 5s } }\n`);
    expect(rollout.r.value!.config.policy.rollout).toEqual({ interval: '5s', minSuccessRate: 0.97, minTransactions: 20 });
    const partial = await load(`${BASE}policy: { prune: true }\n`);
    expect(partial.r.value!.config.policy).toEqual({ prune: true, maxChangePercent: 50, maxChangeMinLive: 10, ignore: [], rules: [], windows: [], rollout: { interval: '60s', minSuccessRate: 0.97, minTransactions: 20 } });
  });

  it('a secretRef to an undeclared store', async () => {
    const { r, file } = await load(config(['store: env, name: PAYSTRATOR', 'store: vaul, name: PAYSTRATOR']));
    expect(r.value).toBeUndefined();
    expect(errorsOf(r, file)).toEqual([
      ['F:8:35', 'environments.production.apiKey.secretRef.store', 'secret-store-known', 'unknown secret store "vaul"; did you mean "vault"? (declared: env, vault)'],
    ]);
  });

  it('a store that needs its own secret', async () => {
    const { r, file } = await load(config(['store: env, name: VAULT_TOKEN', 'store: vault, name: VAULT_TOKEN']));
    expect(errorsOf(r, file)).toEqual([
      ['F:12:86', 'secretStores.vault.token.secretRef.store', 'secret-store-cycle', 'secret store "vault" cannot get its own credentials from vault -> vault'],
    ]);
  });

  it('a bad endpoint', async () => {
    const { r, file } = await load(config(['endpoint: embedded', 'endpoint: ftp://nowhere']));
    expect(errorsOf(r, file)).toEqual([
      ['F:3:15', 'environments.sandbox.endpoint', 'schema', 'must be "embedded" or a string matching ^https?://'],
    ]);
  });

  it('schema errors in stores, environments and policy', async () => {
    const { r, file } = await load(config(['{ type: env }', '{ type: vaul }'], ['    client:', '    clinet:']) + 'policy: { maxChangePercent: 150 }\n');
    expect(errorsOf(r, file)).toEqual([
      ['F:7:5', 'environments.production.clinet', 'schema', 'unknown field "clinet"; did you mean "client"?'],
      ['F:11:16', 'secretStores.env.type', 'schema', '"vaul" is not valid: must be one of env, file, age, vault, aws-secrets-manager, gcp-secret-manager; did you mean "vault"?'],
      ['F:13:29', 'policy.maxChangePercent', 'schema', 'must be <= 100'],
    ]);
  });

  it('a store that needs exactly one of two fields says so in one message', async () => {
    const { r, file } = await load(config(['{ type: env }', '{ type: file }']));
    expect(errorsOf(r, file)).toEqual([['F:11:8', 'secretStores.env', 'schema', 'needs exactly one of dir, path']]);
    const both = await load(config(['{ type: env }', '{ type: file, dir: a, path: b }']));
    expect(errorsOf(both.r, both.file)).toEqual([['F:11:8', 'secretStores.env', 'schema', 'needs exactly one of dir, path']]);
  });

  it('invalid YAML and several documents', async () => {
    const bad = await load('environments:\n  sandbox: { endpoint: embedded\n');
    expect(errorsOf(bad.r, bad.file).map((e) => [e[0], e[2]])).toEqual([['F:3:1', 'yaml-syntax']]);
    const two = await load(`${BASE}---\nenvironments: {}\n`);
    expect(errorsOf(two.r, two.file)).toEqual([['F:14:1', undefined, 'schema', 'the config must be a single YAML document']]);
  });

  it('a missing file is an error naming it', async () => {
    const r = await loadConfig('no/such/paystrator.yaml');
    expect(r.value).toBeUndefined();
    expect(r.errors).toEqual([{ severity: 'error', message: 'config file no/such/paystrator.yaml not found', file: 'no/such/paystrator.yaml', rule: 'config-missing' }]);
  });
});

describe('resolveEnvironment', () => {
  it('picks a named environment and lists globs as an array', async () => {
    const { r } = await load(BASE);
    const env = resolveEnvironment(r.value!, 'production');
    expect(env.value!.patterns).toEqual(['providers/**/*.yaml', 'more/*.yaml']);
    expect(env.value!.secretStores).toEqual(['env', 'vault']);
  });

  it('an unknown name lists the known ones', async () => {
    const { r, file } = await load(BASE);
    const env = resolveEnvironment(r.value!, 'prod');
    expect(env.value).toBeUndefined();
    expect(env.errors).toEqual([{
      severity: 'error', file, field: 'environments', rule: 'unknown-environment',
      message: 'unknown environment "prod"; did you mean "production"? (declared: production, sandbox)',
    }]);
  });
});
