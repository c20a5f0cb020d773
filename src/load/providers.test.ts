import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canaries, capture } from '../../test/helpers/cli.js';
import { bundledCatalog } from '../catalog/catalog.js';
import { formatDiagnostic, type Diagnostic, type Result } from '../diagnostics.js';
import type { DesiredProvider } from '../model/state.js';
import { loadConfig, resolveEnvironment } from './config.js';
import { loadProviders } from './providers.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const catalog = bundledCatalog();

// Line numbers below refer to this text: name on 4, type 6, integration 7, services 8,
// credentials 9, clientKey 10, clientSecret 11, fee 12, tax 13, status 14.
const BASE = `apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: Xendit Main
spec:
  type: AGGREGATOR
  integration: xendit
  services: [VIRTUAL_ACCOUNT, QR_CODE]
  credentials:
    clientKey: xnd_development_P4k7
    clientSecret: { secretRef: { store: env, name: XENDIT_SECRET } }
  fee: { type: PERCENTAGE, percent: "1.5" }
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;

/** BASE with exact edits; an edit that matches nothing fails the test rather than testing nothing. */
function provider(...edits: [string | RegExp, string][]): string {
  return edits.reduce((text, [from, to]) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`edit ${String(from)} changed nothing`);
    return next;
  }, BASE);
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function load(files: Record<string, string | Buffer>, opts: { patterns?: string[]; secretStores?: string[] } = {}): Promise<Result<DesiredProvider[]>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-load-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return loadProviders({
    patterns: opts.patterns ?? ['providers/**/*.yaml'],
    baseDir: dir,
    catalog,
    secretStores: 'secretStores' in opts ? opts.secretStores : ['env'],
  });
}

const where = (d: Diagnostic) => `${d.file}:${d.line}:${d.col}`;
/** [file:line:col, field, rule, message] of each error, in the order reported. */
const errorsOf = (r: Result<unknown>) => r.errors.map((d) => [where(d), d.field, d.rule, d.message]);

async function loadOne(text: string | Buffer) {
  return load({ 'providers/p.yaml': text });
}

describe('the repository examples', () => {
  it('load with no error and no warning, normalized', async () => {
    const cfg = await loadConfig(path.join(REPO, 'paystrator.yaml'));
    expect(cfg.errors).toEqual([]);
    const env = resolveEnvironment(cfg.value!).value!;
    const r = await loadProviders({ patterns: env.patterns, baseDir: env.baseDir, catalog, secretStores: env.secretStores });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.value!.map((p) => [p.file, p.state.name])).toEqual([
      ['providers/bca-direct.yaml', 'BCA Direct'],
      ['providers/dana-qris.yaml', 'DANA QRIS'],
      ['providers/midtrans-cards.yaml', 'Midtrans Cards'],
      ['providers/ovo.yaml', 'OVO'],
      ['providers/xendit-main.yaml', 'Xendit Main'],
    ]);
    const bca = r.value![0]!;
    expect(bca.state.fee).toEqual({ type: 'FLAT', amount: '4000', currency: 'IDR' });
    expect(bca.state.services).toEqual(['SEND_MONEY', 'VIRTUAL_ACCOUNT']);
    expect(bca.state.credentials.companyCode).toEqual({ kind: 'plain', value: '10234' });
    expect(bca.secretRefs.apiSecret).toEqual({ store: 'sandbox-fake', name: 'BCA_API_SECRET' });
    expect(r.value![1]!.secretRefs.privateKey).toEqual({ store: 'sandbox-fake', name: 'DANA', key: 'privateKey' });
    expect(r.value![1]!.state.labels).toEqual({});
  });
});

describe('normalization', () => {
  it('produces the desired state with positions', async () => {
    const r = await loadOne(provider(['  status: ACTIVE\n', ''], ['[VIRTUAL_ACCOUNT, QR_CODE]', '[QR_CODE, EWALLET, VIRTUAL_ACCOUNT]']));
    expect(r.errors).toEqual([]);
    const [p] = r.value!;
    expect(p!.state).toEqual({
      name: 'Xendit Main',
      type: 'AGGREGATOR',
      integration: 'xendit',
      services: ['EWALLET', 'QR_CODE', 'VIRTUAL_ACCOUNT'],
      credentials: { clientKey: { kind: 'plain', value: 'xnd_development_P4k7' }, clientSecret: { kind: 'secret', fingerprint: null } },
      fee: { type: 'PERCENTAGE', percent: '1.5' },
      tax: { vatPercent: '11', applyVat: true },
      status: 'ACTIVE',
      labels: {},
    });
    expect(p!.secretRefs).toEqual({ clientSecret: { store: 'env', name: 'XENDIT_SECRET' } });
    const at = (k: string) => {
      const pos = p!.positions.get(k);
      return pos && `${pos.file}:${pos.line}:${pos.col}`;
    };
    expect(at('')).toBe('providers/p.yaml:1:1');
    expect(at('metadata.name')).toBe('providers/p.yaml:4:9');
    expect(at('spec.credentials')).toBe('providers/p.yaml:9:3');
    expect(at('spec.credentials.clientSecret')).toBe('providers/p.yaml:11:19');
    expect(at('spec.fee.percent')).toBe('providers/p.yaml:12:37');
    expect(at('spec.tax.applyVat')).toBe('providers/p.yaml:13:38');
    // No status line: the nearest thing that exists, spec itself.
    expect(at('spec.status')).toBe('providers/p.yaml:5:1');
  });

  it('reads 1.5, "1.5" and "1.50" as the same decimal', async () => {
    const r = await load({
      'providers/a.yaml': provider(['name: Xendit Main', 'name: A'], ['"1.5"', '1.5']),
      'providers/b.yaml': provider(['name: Xendit Main', 'name: B']),
      'providers/c.yaml': provider(['name: Xendit Main', 'name: C'], ['"1.5"', '"1.50"']),
    });
    expect(r.errors).toEqual([]);
    expect(r.value!.map((p) => p.state.fee)).toEqual(Array(3).fill({ type: 'PERCENTAGE', percent: '1.5' }));
  });

  it('accepts 4 decimal places and a whole IDR amount written with zero fraction', async () => {
    const r = await load({
      'providers/a.yaml': provider(['name: Xendit Main', 'name: A'], ['"1.5"', '1.2345']),
      'providers/b.yaml': provider(['name: Xendit Main', 'name: B'], ['{ type: PERCENTAGE, percent: "1.5" }', '{ type: FLAT, amount: "1000.00", currency: IDR }']),
    });
    expect(r.errors).toEqual([]);
    expect(r.value!.map((p) => p.state.fee)).toEqual([
      { type: 'PERCENTAGE', percent: '1.2345' },
      { type: 'FLAT', amount: '1000', currency: 'IDR' },
    ]);
  });
});

describe('errors point at file:line:col and field', () => {
  it('invalid YAML syntax', async () => {
    const r = await loadOne(provider(['[VIRTUAL_ACCOUNT, QR_CODE]', '[VIRTUAL_ACCOUNT, QR_CODE']));
    expect(r.value).toBeUndefined();
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:9:3', undefined, 'yaml-syntax', 'YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ]);
  });

  it('bytes that are not UTF-8, and UTF-16, at their line', async () => {
    const text = provider(['Xendit Main', 'Caf\u00e9']);
    const [head, tail] = text.split('Caf\u00e9');
    const latin1 = await loadOne(Buffer.concat([Buffer.from(head!), Buffer.from('Caf'), Buffer.from([0xe9]), Buffer.from(tail!)]));
    expect(errorsOf(latin1)).toEqual([['providers/p.yaml:4:12', undefined, 'encoding', 'the file is not valid UTF-8 (byte 0xe9): save it as UTF-8']]);
    const wide = await loadOne(Buffer.from(text, 'utf16le'));
    expect(errorsOf(wide)).toEqual([['providers/p.yaml:1:1', undefined, 'encoding', expect.stringContaining('must be UTF-8')]]);
  });

  it('a name with a trailing no-break space fails the name pattern on its own and beside another error', async () => {
    const nbsp = provider(['Xendit Main', 'Xendit Main\u00a0']);
    const alone = await loadOne(nbsp);
    expect(errorsOf(alone).map((e) => e.slice(0, 3))).toEqual([['providers/p.yaml:4:9', 'metadata.name', 'schema']]);
    const both = await loadOne(nbsp.replace('applyVat: true', 'applyVat: "yes"'));
    expect(errorsOf(both).map((e) => e.slice(0, 3))).toEqual([['providers/p.yaml:4:9', 'metadata.name', 'schema'], ['providers/p.yaml:13:38', 'spec.tax.applyVat', 'schema']]);
  });

  it('a !!binary credential, at its line', async () => {
    const r = await loadOne(provider(['clientKey: xnd_development_P4k7', 'clientKey: !!binary eG5k']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:10:25', 'spec.credentials.clientKey', 'yaml-tag', 'a !!binary value is not accepted: write text (a secret as a secretRef)']]);
  });

  it('a duplicate key', async () => {
    const r = await loadOne(provider(['  status: ACTIVE\n', '  status: ACTIVE\n  type: DIRECT\n']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:15:3', undefined, 'duplicate-key', 'duplicate key "type": keys must be unique in a mapping']]);
  });

  it('a schema violation deep in a nested field', async () => {
    const r = await loadOne(provider(['applyVat: true', 'applyVat: "yes"']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:13:38', 'spec.tax.applyVat', 'schema', 'must be true or false, not a string']]);
    const usd = await loadOne(provider(['{ type: PERCENTAGE, percent: "1.5" }', '{ type: FLAT, amount: 1000, currency: USD }']));
    expect(errorsOf(usd)).toEqual([['providers/p.yaml:12:46', 'spec.fee.currency', 'schema', '"USD" is not valid: must be IDR']]);
  });

  it('an unknown field, at its key, with did-you-mean', async () => {
    const r = await loadOne(provider(['percent: "1.5"', 'percnt: "1.5"'], ['  status:', '  staus:']));
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:12:8', 'spec.fee.percent', 'schema', 'missing required field "percent"'],
      ['providers/p.yaml:12:28', 'spec.fee.percnt', 'schema', 'unknown field "percnt"; did you mean "percent"?'],
      ['providers/p.yaml:14:3', 'spec.staus', 'schema', 'unknown field "staus"; did you mean "status"?'],
    ]);
  });

  it('a fee type, by the discriminator, not by every oneOf branch', async () => {
    const r = await loadOne(provider(['type: PERCENTAGE', 'type: PERCENT']));
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:12:16', 'spec.fee.type', 'schema', '"PERCENT" is not valid: must be one of PERCENTAGE, FLAT; did you mean "PERCENTAGE"?'],
    ]);
  });

  it('a duplicate name across two files: both places, each naming the other', async () => {
    const r = await load({ 'providers/a.yaml': BASE, 'providers/team/b.yaml': BASE });
    expect(errorsOf(r)).toEqual([
      ['providers/a.yaml:4:9', 'metadata.name', 'unique-name', 'provider name "Xendit Main" is declared more than once: also at providers/team/b.yaml:4:9'],
      ['providers/team/b.yaml:4:9', 'metadata.name', 'unique-name', 'provider name "Xendit Main" is declared more than once: also at providers/a.yaml:4:9'],
    ]);
  });

  it('an unsupported service, at the item', async () => {
    const r = await loadOne(provider(['integration: xendit', 'integration: brick']));
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:8:31', 'spec.services[1]', 'services-supported', 'QR_CODE is not supported by brick (supports VIRTUAL_ACCOUNT, SEND_MONEY)'],
    ]);
  });

  it('a misspelt service gets a suggestion', async () => {
    const r = await loadOne(provider(['[VIRTUAL_ACCOUNT, QR_CODE]', '[VIRTUAL_ACCOUNT, qr_code]']));
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:8:31', 'spec.services[1]', 'schema', 'must match the pattern ^[A-Z][A-Z0-9_]*$; did you mean "QR_CODE"?'],
    ]);
  });

  it('an unknown integration, and nothing that depends on it', async () => {
    const r = await loadOne(provider(['integration: xendit', 'integration: xendt']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:7:16', 'spec.integration', 'known-integration', 'unknown integration "xendt"; did you mean "xendit"?']]);
    const far = await loadOne(provider(['integration: xendit', 'integration: paypal']));
    expect(far.errors[0]!.message).toBe(`unknown integration "paypal" (known: ${catalog.ids().join(', ')})`);
  });

  it('a type that does not match the catalog', async () => {
    const r = await loadOne(provider(['type: AGGREGATOR', 'type: DIRECT']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:6:9', 'spec.type', 'type-matches-catalog', 'xendit is an AGGREGATOR integration, not DIRECT']]);
  });

  it('a literal secret, never echoed', async () => {
    const literal = canaries()[2]!;
    const r = await loadOne(provider([/clientSecret: .*/, `clientSecret: ${literal}`]));
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:11:19', 'spec.credentials.clientSecret', 'secret-literal', 'clientSecret is a secret field: use { secretRef: { store, name } }, never a literal value'],
    ]);
    const everything = JSON.stringify(r) + r.errors.map(formatDiagnostic).join('\n');
    expect(everything).not.toContain(literal);
    await capture('load: literal secret diagnostics', everything);
  });

  it('an empty secret field is a shape error, not a literal', async () => {
    const r = await loadOne(provider([/clientSecret: .*/, 'clientSecret:']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:11:18', 'spec.credentials.clientSecret', 'credentials', 'must be a mapping, not null']]);
  });

  it('credentials against the integration schema', async () => {
    const r = await loadOne(provider(
      ['clientKey: xnd_development_P4k7', 'clientKey: { secretRef: { store: env, name: KEY } }'],
      ['    clientSecret:', '    clientScret:'],
    ));
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:9:3', 'spec.credentials.clientSecret', 'credentials', 'missing required field "clientSecret": a secret, as { secretRef: { store, name } }'],
      ['providers/p.yaml:10:16', 'spec.credentials.clientKey', 'credentials', 'clientKey is not a secret field: write its value, not a secretRef'],
      ['providers/p.yaml:11:5', 'spec.credentials.clientScret', 'credentials', 'unknown field "clientScret"; did you mean "clientSecret"?'],
    ]);
    const pattern = await loadOne(provider(['xnd_development_P4k7', 'live-key-123']));
    expect(errorsOf(pattern)).toEqual([
      ['providers/p.yaml:10:16', 'spec.credentials.clientKey', 'credentials', 'must match the pattern ^xnd_(development|production)_[A-Za-z0-9]+$'],
    ]);
  });

  it('a secretRef to an undeclared store', async () => {
    const text = provider(['store: env', 'store: envv']);
    expect(errorsOf(await loadOne(text))).toEqual([
      ['providers/p.yaml:11:41', 'spec.credentials.clientSecret.secretRef.store', 'secret-store-known', 'unknown secret store "envv"; did you mean "env"? (declared: env)'],
    ]);
    // Without a config there is nothing to check against.
    expect((await load({ 'providers/p.yaml': text }, { secretStores: undefined })).errors).toEqual([]);
  });
});

describe('exact decimals', () => {
  const fee = (v: string) => provider(['percent: "1.5"', `percent: ${v}`]);

  it('a float-looking percent is judged by its text', async () => {
    expect(errorsOf(await loadOne(fee('0.30000000000000004')))).toEqual([
      ['providers/p.yaml:12:37', 'spec.fee.percent', 'exact-decimal', '0.30000000000000004 is not exact: it has 17 decimal places, at most 4 are allowed'],
    ]);
  });

  it('5 decimal places are rejected', async () => {
    expect(errorsOf(await loadOne(fee('"1.23456"')))).toEqual([
      ['providers/p.yaml:12:37', 'spec.fee.percent', 'exact-decimal', '"1.23456" is not exact: it has 5 decimal places, at most 4 are allowed'],
    ]);
  });

  it('percentages are at most 100', async () => {
    expect(errorsOf(await loadOne(fee('100.5')))).toEqual([['providers/p.yaml:12:37', 'spec.fee.percent', 'exact-decimal', '100.5 is more than 100']]);
    const vat = provider(['vatPercent: "11"', 'vatPercent: "100.01"']);
    expect(errorsOf(await loadOne(vat))).toEqual([['providers/p.yaml:13:22', 'spec.tax.vatPercent', 'exact-decimal', '"100.01" is more than 100']]);
  });

  it('negative, exponent and non-numeric values', async () => {
    expect((await loadOne(fee('-1'))).errors.map((d) => d.message)).toEqual(['-1 is negative: must be 0 or more']);
    expect((await loadOne(fee('1e1'))).errors.map((d) => d.message)).toEqual(['1e1 is not a decimal number: write digits with an optional fraction, e.g. 1.5']);
    expect((await loadOne(fee('true'))).errors.map((d) => d.message)).toEqual(['must be a decimal number or string (e.g. 1.5 or "1.5")']);
  });

  it('a flat IDR amount is whole rupiah', async () => {
    const r = await loadOne(provider(['{ type: PERCENTAGE, percent: "1.5" }', '{ type: FLAT, amount: 1000.5, currency: IDR }']));
    expect(errorsOf(r)).toEqual([['providers/p.yaml:12:30', 'spec.fee.amount', 'exact-decimal', '1000.5 is not a whole amount: IDR has no minor unit']]);
  });
});

describe('files and documents', () => {
  it('several documents in one file, empty ones skipped, sequences checked as sequences, other kinds reported', async () => {
    const second = provider(['name: Xendit Main', 'name: Second'], ['type: AGGREGATOR', 'type: DIRECT']);
    const text = `${BASE}---\n---\n${second}---\nkind: Sequence\n---\nkind: Providr\n---\n- just a list\n`;
    const r = await loadOne(text);
    expect(errorsOf(r)).toEqual([
      ['providers/p.yaml:22:9', 'spec.type', 'type-matches-catalog', 'xendit is an AGGREGATOR integration, not DIRECT'],
      ['providers/p.yaml:32:1', 'apiVersion', 'schema', 'missing required field "apiVersion"'],
      ['providers/p.yaml:32:1', 'spec', 'schema', 'missing required field "spec"'],
      ['providers/p.yaml:34:7', 'kind', 'unknown-kind', 'unknown kind "Providr"; did you mean "Provider"?'],
      ['providers/p.yaml:36:1', undefined, 'schema', 'the document must be a mapping, not a list'],
    ]);
  });

  it('two valid documents in one file give two providers with their own positions', async () => {
    const r = await loadOne(`${BASE}---\n${provider(['name: Xendit Main', 'name: Second'])}`);
    expect(r.errors).toEqual([]);
    expect(r.value!.map((p) => [p.state.name, p.positions.get('metadata.name')?.line])).toEqual([['Xendit Main', 4], ['Second', 19]]);
  });

  it('errors are sorted by file, line, col across files', async () => {
    const r = await load({
      'providers/b.yaml': provider(['type: AGGREGATOR', 'type: DIRECT'], ['name: Xendit Main', 'name: B']),
      'providers/a.yaml': provider(['applyVat: true', 'applyVat: 1'], ['integration: xendit', 'integration: xendt'], ['name: Xendit Main', 'name: A']),
    });
    expect(r.errors.map(where)).toEqual(['providers/a.yaml:7:16', 'providers/a.yaml:13:38', 'providers/b.yaml:6:9']);
  });

  it('no file matching is a warning, not an error', async () => {
    const r = await load({ 'other/x.yaml': BASE });
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual([]);
    expect(r.warnings.map((w) => [w.rule, w.message.startsWith('no provider file matches "providers/**/*.yaml"')])).toEqual([['no-files', true]]);
  });

  it('an empty file is a warning', async () => {
    const r = await load({ 'providers/a.yaml': BASE, 'providers/empty.yaml': '# nothing yet\n' });
    expect(r.errors).toEqual([]);
    expect(r.value).toHaveLength(1);
    expect(r.warnings.map((w) => [w.file, w.rule])).toEqual([['providers/empty.yaml', 'empty-file']]);
  });
});
