// Several environments in one run load overlapping globs: a file is parsed once per content, and
// an edit between two loads is seen.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../catalog/catalog.js';
import { cacheParsedFiles, loadDesiredFiles } from './providers.js';

const doc = (name: string, percent: string) => `apiVersion: paystrator-gitops/v1
kind: Provider
metadata: { name: ${name} }
spec:
  type: DIRECT
  integration: ovo
  services: [EWALLET]
  credentials: { clientKey: k, clientSecret: { secretRef: { store: env, name: OVO } }, merchantId: "123456", storeCode: ABC }
  fee: { type: PERCENTAGE, percent: "${percent}" }
  tax: { vatPercent: "11", applyVat: true }
`;

describe('the parsed-file cache of a multi-environment run', () => {
  it('hands the same parse to a second load of an unchanged file, and parses an edited one again', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'file-cache-'));
    await mkdir(path.join(dir, 'a'));
    await writeFile(path.join(dir, 'shared.yaml'), doc('Shared', '1.5'));
    await writeFile(path.join(dir, 'a', 'own.yaml'), doc('Own', '2'));
    cacheParsedFiles();
    const load = (patterns: string[]) => loadDesiredFiles({ patterns, baseDir: dir, catalog: bundledCatalog(), secretStores: ['env'] });

    const first = await load(['shared.yaml', 'a/*.yaml']);
    const second = await load(['shared.yaml']);
    expect(first.errors).toEqual([]);
    const shared = (r: typeof first) => r.value!.providers.find((p) => p.state.name === 'Shared')!;
    expect(shared(second)).toBe(shared(first));

    await writeFile(path.join(dir, 'shared.yaml'), doc('Shared', '2.25'));
    const edited = await load(['shared.yaml']);
    expect(shared(edited)).not.toBe(shared(first));
    expect(shared(edited).state.fee).toEqual({ type: 'PERCENTAGE', percent: '2.25' });

    // What a file is checked against is part of the key: another set of stores judges it afresh.
    const otherStores = await loadDesiredFiles({ patterns: ['shared.yaml'], baseDir: dir, catalog: bundledCatalog(), secretStores: ['vault'] });
    expect(otherStores.errors.map((e) => e.field)).toContain('spec.credentials.clientSecret.secretRef.store');
  });
});
