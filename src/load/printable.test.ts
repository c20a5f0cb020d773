// Names and label values reach terminals, CI logs and the dashboard: the schemas keep them to
// printable text of bounded length, each refusal at its line in words (SPEC 3).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledCatalog } from '../catalog/catalog.js';
import { formatDiagnostic } from '../diagnostics.js';
import { loadProviders } from './providers.js';

const PRINTABLE = 'must be printable text: control characters, line separators and bidi overrides are not allowed';

const provider = (name: string, labels = '{ team: payments }') => `apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: ${name}
  labels: ${labels}
spec:
  type: AGGREGATOR
  integration: xendit
  services: [VIRTUAL_ACCOUNT]
  credentials:
    clientKey: xnd_development_P4k7
    clientSecret: { secretRef: { store: env, name: XENDIT_SECRET } }
  fee: { type: PERCENTAGE, percent: "1.5" }
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function errors(text: string): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-printable-'));
  dirs.push(dir);
  await mkdir(path.join(dir, 'providers'));
  await writeFile(path.join(dir, 'providers/p.yaml'), text);
  const r = await loadProviders({ patterns: ['providers/**/*.yaml'], baseDir: dir, catalog: bundledCatalog(), secretStores: ['env'] });
  return r.errors.map(formatDiagnostic);
}

describe('printable names and labels', () => {
  it.each([
    ['ESC', '"Evil\\e[2J\\e]0;pwned\\a"'],
    ['BEL', '"ding\\a"'],
    ['a newline', '"a\\nerror: providers/fake.yaml:1:1: forged"'],
    ['U+202E', '"Bank \\u202ELIVE"'],
    ['U+2028', '"a\\u2028b"'],
    ['a C1 control', '"a\\u0085b"'],
    ['DEL', '"a\\x7Fb"'],
    ['a tab', '"a\\tb"'],
  ])('refuses %s in a name, at its line', async (_what, name) => {
    expect(await errors(provider(name))).toEqual([`providers/p.yaml:4:9: metadata.name: ${PRINTABLE}`]);
  });

  it('refuses them in label values, and says what is wrong with surrounding space', async () => {
    expect(await errors(provider('Ok', '{ team: "pay\\u202Ements" }'))).toEqual([`providers/p.yaml:5:19: metadata.labels.team: ${PRINTABLE}`]);
    expect(await errors(provider('" Padded"'))).toEqual(['providers/p.yaml:4:9: metadata.name: must not start or end with a space']);
  });

  it('accepts printable text of any script', async () => {
    expect(await errors(provider('"Bank Central Asia — 日本語 ‹VA›"', '{ team: "pembayaran · tim 2" }'))).toEqual([]);
  });

  it('bounds names, label keys, label values and the number of labels', async () => {
    expect(await errors(provider('x'.repeat(101)))).toEqual(['providers/p.yaml:4:9: metadata.name: must be at most 100 characters']);
    expect(await errors(provider('Ok', `{ team: "${'v'.repeat(257)}" }`))).toEqual(['providers/p.yaml:5:19: metadata.labels.team: must be at most 256 characters']);
    expect(await errors(provider('Ok', `{ team: "${'v'.repeat(256)}" }`))).toEqual([]);
    const many = `{ ${Array.from({ length: 65 }, (_, i) => `l${i}: v`).join(', ')} }`;
    expect(await errors(provider('Ok', many))).toEqual(['providers/p.yaml:5:11: metadata.labels: must have at most 64 entries']);
    const [keyError] = await errors(provider('Ok', `{ ${'k'.repeat(64)}: v }`));
    expect(keyError).toMatch(/^providers\/p\.yaml:5:\d+: metadata\.labels\.k+: invalid key/);
  });
});

describe('sequences', () => {
  it('refuse a provider name that is not printable text, at its item', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'paystrator-printable-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'providers'));
    await writeFile(path.join(dir, 'providers/routing.yaml'), 'apiVersion: paystrator-gitops/v1\nkind: Sequence\nspec:\n  product: VIRTUAL_ACCOUNT\n  providers: ["ok", "x\\ay"]\n');
    const r = await loadProviders({ patterns: ['providers/**/*.yaml'], baseDir: dir, catalog: bundledCatalog(), secretStores: ['env'] });
    expect(r.errors.map(formatDiagnostic)).toEqual([`providers/routing.yaml:5:21: spec.providers[1]: ${PRINTABLE}`]);
  });
});
