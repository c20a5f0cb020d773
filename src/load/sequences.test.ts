import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog, bundledCatalog, entryFromSchema } from '../catalog/catalog.js';
import { formatDiagnostic } from '../diagnostics.js';
import { loadDesiredFiles } from './providers.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function provider(name: string, opts: { integration?: string; type?: string; services?: string; status?: string } = {}): string {
  return `apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: ${name}
spec:
  type: ${opts.type ?? 'AGGREGATOR'}
  integration: ${opts.integration ?? 'xendit'}
  services: [${opts.services ?? 'VIRTUAL_ACCOUNT, QR_CODE'}]
  credentials:
    clientKey: xnd_development_P4k7
    clientSecret: { secretRef: { store: env, name: S } }
  fee: { type: PERCENTAGE, percent: "1.5" }
  tax: { vatPercent: "11", applyVat: true }
  status: ${opts.status ?? 'ACTIVE'}
`;
}

async function load(files: Record<string, string>, catalog: Catalog = bundledCatalog()) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-seq-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return loadDesiredFiles({ patterns: ['providers/**/*.yaml'], baseDir: dir, catalog, secretStores: ['env'] });
}

const PROVIDERS = {
  'providers/a.yaml': provider('Xendit Main'),
  'providers/b.yaml': provider('Second'),
  'providers/m.yaml': provider('Parked', { status: 'MAINTENANCE' }),
  'providers/off.yaml': provider('Off', { status: 'INACTIVE' }),
  'providers/ew.yaml': provider('Wallet Only', { services: 'EWALLET' }),
};

describe('Sequence documents', () => {
  it('load next to providers, in a file of their own or among providers', async () => {
    const r = await load({
      ...PROVIDERS,
      'providers/routing.yaml': `# yaml-language-server: $schema=../schemas/sequence.schema.json
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
  providers: [Second, Xendit Main]
---
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: QR_CODE
  destination: DANA
  providers:
    - Xendit Main
`,
    });
    expect(r.errors).toEqual([]);
    expect(r.value!.providers).toHaveLength(5);
    expect(r.value!.sequences.map((s) => [s.product, s.destination, s.providers, `${s.file}:${s.line}`])).toEqual([
      ['VIRTUAL_ACCOUNT', null, ['Second', 'Xendit Main'], 'providers/routing.yaml:5'],
      ['QR_CODE', 'DANA', ['Xendit Main'], 'providers/routing.yaml:11'],
    ]);
    expect(r.value!.sequences[1]!.providerPositions).toEqual([{ file: 'providers/routing.yaml', line: 14, col: 7 }]);
  });

  it('point every error at the file and line of the offending name', async () => {
    const r = await load({
      ...PROVIDERS,
      'providers/routing.yaml': `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
  providers:
    - Xendit Mian
    - Wallet Only
    - Off
    - Parked
    - Second
`,
    });
    expect(r.errors.map(formatDiagnostic)).toEqual([
      'providers/routing.yaml:6:7: spec.providers[0]: no provider named "Xendit Mian" in git; did you mean "Xendit Main"?',
      'providers/routing.yaml:7:7: spec.providers[1]: "Wallet Only" does not offer VIRTUAL_ACCOUNT (its services: EWALLET)',
      'providers/routing.yaml:8:7: spec.providers[2]: "Off" is INACTIVE in git: only ACTIVE providers can be in a routing sequence',
    ]);
    expect(r.warnings.map(formatDiagnostic)).toEqual([
      'providers/routing.yaml:9:7: warning: spec.providers[3]: "Parked" is in MAINTENANCE in git: it stays listed, and Paystrator skips it while routing until it is ACTIVE again',
    ]);
    expect(r.errors.map((e) => e.rule)).toEqual(['sequence-provider-known', 'sequence-provider-offers', 'sequence-provider-active']);
  });

  it('report shape errors through the schema, and an unknown product with a suggestion', async () => {
    const r = await load({
      ...PROVIDERS,
      'providers/routing.yaml': `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: QR_COD
  providers: [Second, Second]
---
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: EWALLET
  destination: "not ok"
  provider: [Second]
`,
    });
    expect(r.errors.map(formatDiagnostic)).toEqual([
      'providers/routing.yaml:4:12: spec.product: unknown product "QR_COD"; did you mean "QR_CODE"?',
      'providers/routing.yaml:5:23: spec.providers[1]: "Second" is listed twice (same as item 0)',
      'providers/routing.yaml:9:1: spec.providers: missing required field "providers"',
      'providers/routing.yaml:11:16: spec.destination: must match the pattern ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
      'providers/routing.yaml:12:3: spec.provider: unknown field "provider"; did you mean "providers"?',
    ]);
  });

  it('allow one declaration per product and destination', async () => {
    const seq = (dest: string) => `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
${dest}  providers: [Second]
`;
    const r = await load({ ...PROVIDERS, 'providers/s1.yaml': seq(''), 'providers/s2.yaml': seq(''), 'providers/s3.yaml': seq('  destination: BCA\n') });
    expect(r.errors.map(formatDiagnostic)).toEqual([
      'providers/s1.yaml:4:12: spec.product: sequence VIRTUAL_ACCOUNT (default) is declared more than once: also at providers/s2.yaml:4:12',
      'providers/s2.yaml:4:12: spec.product: sequence VIRTUAL_ACCOUNT (default) is declared more than once: also at providers/s1.yaml:4:12',
    ]);
  });

  it('take QRIS integrations only into the QR_CODE default', async () => {
    const base = bundledCatalog();
    const local = entryFromSchema({
      ...base.get('xendit')!.schema,
      $id: 'https://paystrator-gitops.dev/schemas/integrations/qrlocal-load.schema.json',
      'x-integration': { id: 'qrlocal', displayName: 'QR Local', type: 'AGGREGATOR', services: ['QR_CODE'] },
    });
    const catalog = new Catalog([...base.ids().map((id) => base.get(id)!), local]);
    const seq = (dest: string) => `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: QR_CODE
${dest}  providers: [Xendit Main, Local]
`;
    const r = await load({
      'providers/a.yaml': provider('Xendit Main'),
      'providers/l.yaml': provider('Local', { integration: 'qrlocal', services: 'QR_CODE' }),
      'providers/default.yaml': seq(''),
      'providers/custom.yaml': seq('  destination: DANA\n'),
    }, catalog);
    expect(r.errors.map(formatDiagnostic)).toEqual([
      'providers/default.yaml:5:28: spec.providers[1]: the QR_CODE default sequence takes QRIS integrations only, and "Local" uses qrlocal, which does not do QRIS',
    ]);
  });

  it('check only the existence of a name whose own document is invalid (its errors say the rest)', async () => {
    const r = await load({
      'providers/a.yaml': provider('Broken').replace('percent: "1.5"', 'percent: "1.55555"'),
      'providers/routing.yaml': 'apiVersion: paystrator-gitops/v1\nkind: Sequence\nspec:\n  product: EWALLET\n  providers: [Broken]\n',
    });
    expect(r.errors.map((e) => e.rule)).toEqual(['exact-decimal']);
    expect(r.declared.map((d) => d.name)).toEqual(['Broken']);
  });
});
