import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledCatalog } from '../catalog/catalog.js';
import type { Provider } from '../generated/api.js';
import { normalizeProvider } from '../load/providers.js';
import { validateProviderDocument } from '../load/validate.js';
import { parseYaml } from '../load/yaml.js';
import type { Plan, ProviderChange } from '../plan/plan.js';
import { adoptionOnlySummary } from './adoption.js';
import { fileSlug, providerFile, secretName } from './document.js';
import { planImport, type DeclaredProvider } from './plan.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const catalog = bundledCatalog();
const masked = { masked: true as const, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' };

function live(over: Partial<Provider> = {}): Provider {
  return {
    id: 'prv_000001abcd', name: 'Xendit Main', type: 'AGGREGATOR', integration: 'xendit',
    services: ['EWALLET', 'VIRTUAL_ACCOUNT', 'QR_CODE'],
    credentials: { webhookVerificationToken: masked, clientSecret: masked, clientKey: 'xnd_development_P4k7' },
    fee: { type: 'PERCENTAGE', percent: '1.5' }, tax: { vatPercent: '11', applyVat: true },
    status: 'ACTIVE', statusChangedBy: 'USER', statusReason: null, lastActivityAt: null,
    labels: { team: 'payments', 'managed-by': 'paystrator-gitops' }, annotations: {}, version: 3,
    createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...over,
  };
}

const opts = {
  catalog,
  schemaRef: '../schemas/provider.schema.json',
  environment: 'sandbox',
  secretRef: (p: Provider, field: string) => ({ store: 'sandbox-fake', name: secretName(p.name, field) }),
};

/** The file without its comments, as the examples would be without theirs. */
const uncommented = (text: string) => text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');

describe('a live provider as a provider file', () => {
  it('has the keys, order and style of the example files, with secretRef placeholders', async () => {
    const example = await readFile(path.join(REPO, 'providers/xendit-main.yaml'), 'utf8');
    const { text, secrets } = providerFile(live(), opts);
    const renamed = example.replace('XENDIT_CLIENT_SECRET', 'XENDIT_MAIN_CLIENT_SECRET').replace('XENDIT_WEBHOOK_TOKEN', 'XENDIT_MAIN_WEBHOOK_VERIFICATION_TOKEN');
    expect(uncommented(text)).toBe(uncommented(renamed));
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# yaml-language-server: $schema=../schemas/provider.schema.json',
      '# Imported from the live provider prv_000001abcd (environment sandbox).',
    ]);
    expect(text).toContain(
      '    # fill in: put this provider\'s clientSecret (Client secret issued with the client key) in secret store "sandbox-fake" as XENDIT_MAIN_CLIENT_SECRET\n    clientSecret: { secretRef:',
    );
    expect(secrets.map((s) => [s.field, s.ref.name, s.kept])).toEqual([
      ['clientSecret', 'XENDIT_MAIN_CLIENT_SECRET', false],
      ['webhookVerificationToken', 'XENDIT_MAIN_WEBHOOK_VERIFICATION_TOKEN', false],
    ]);
  });

  it('matches the flat-fee example too, quoting a numeric-looking credential', async () => {
    const example = await readFile(path.join(REPO, 'providers/bca-direct.yaml'), 'utf8');
    const bca = live({
      name: 'BCA Direct', type: 'DIRECT', integration: 'bca', services: ['SEND_MONEY', 'VIRTUAL_ACCOUNT'],
      credentials: { clientKey: 'bca-client-7f3a', clientSecret: masked, corporateId: 'KBBCAID001', companyCode: '10234', apiSecret: masked },
      fee: { type: 'FLAT', amount: '4000', currency: 'IDR' }, labels: { team: 'treasury' },
    });
    const { text } = providerFile(bca, opts);
    expect(uncommented(text)).toBe(uncommented(example.replace('BCA_CLIENT_SECRET', 'BCA_DIRECT_CLIENT_SECRET').replace('BCA_API_SECRET', 'BCA_DIRECT_API_SECRET')));
  });

  it('loads back into the state the live provider has', () => {
    const p = live({ status: 'MAINTENANCE', statusChangedBy: 'MONITOR', statusReason: 'bank\ndown', fee: { type: 'PERCENTAGE', percent: '0.0001' }, tax: { vatPercent: '12.5', applyVat: false } });
    const { text } = providerFile(p, opts);
    expect(text).toContain('  status: MAINTENANCE # set by MONITOR: bank down\n');
    const [doc] = parseYaml(text, 'p.yaml').docs;
    const check = validateProviderDocument('p.yaml', doc!, { catalog, secretStores: new Set(['sandbox-fake']) });
    expect(check.diagnostics).toEqual([]);
    const state = normalizeProvider(check.value!, doc!, 'p.yaml').state;
    expect(state).toMatchObject({
      name: p.name, type: p.type, integration: p.integration, services: [...p.services].sort(), status: 'MAINTENANCE',
      fee: p.fee, tax: p.tax, labels: { team: 'payments' },
      credentials: { clientKey: { kind: 'plain', value: 'xnd_development_P4k7' }, clientSecret: { kind: 'secret' } },
    });
  });

  it('keeps the secretRefs an existing file has (--overwrite), without a fill-in comment', () => {
    const { text, secrets } = providerFile(live(), { ...opts, keep: { clientSecret: { store: 'vault', name: 'payments/xendit', key: 'secret' } } });
    expect(text).toContain('    clientSecret: { secretRef: { store: vault, name: payments/xendit, key: secret } }\n');
    expect(text).not.toMatch(/fill in: .* clientSecret/);
    expect(secrets.map((s) => s.kept)).toEqual([true, false]);
  });

  it('derives file and secret names that stay valid for any provider name', () => {
    expect(fileSlug('BCA Direct')).toBe('bca-direct');
    expect(fileSlug('  Pembayaran Émoney / QRIS #2 ')).toBe('pembayaran-emoney-qris-2');
    expect(fileSlug('日本')).toBe('');
    expect(secretName('Xendit Main', 'clientSecret')).toBe('XENDIT_MAIN_CLIENT_SECRET');
    expect(secretName('7-Eleven Pay', 'apiSecret')).toBe('P_7_ELEVEN_PAY_API_SECRET');
    expect(secretName('日本', 'privateKey')).toBe('PROVIDER_PRIVATE_KEY');
  });
});

describe('which live providers become which files', () => {
  const declared = (name: string, file: string, documents = 1): [string, DeclaredProvider] => [name, { name, file, line: 5, documents, secretRefs: {} }];
  const base = {
    catalog,
    environment: 'sandbox',
    store: 'env',
    outDir: 'providers',
    schemaRefFor: () => '../schemas/provider.schema.json',
  };

  it('writes new providers under free names, and skips those git declares', () => {
    const items = planImport({
      ...base,
      live: [live(), live({ id: 'prv_2', name: 'xendit main!' }), live({ id: 'prv_3', name: 'OVO' }), live({ id: 'prv_4', name: '日本' })],
      declared: new Map([declared('OVO', 'providers/wallets/ovo.yaml')]),
      overwrite: false,
      existing: new Set(['providers/xendit-main.yaml']),
    });
    expect(items.map((i) => [i.provider, i.action, i.file])).toEqual([
      ['Xendit Main', 'create', 'providers/xendit-main-2.yaml'],
      ['xendit main!', 'create', 'providers/xendit-main-3.yaml'],
      ['OVO', 'skip', 'providers/wallets/ovo.yaml'],
      ['日本', 'create', 'providers/provider-prv-4.yaml'],
    ]);
    // Two providers whose names fold to the same secret name do not share a secret.
    expect(items[1]!.secrets.map((s) => s.ref.name)).toEqual(['XENDIT_MAIN_CLIENT_SECRET_2', 'XENDIT_MAIN_WEBHOOK_VERIFICATION_TOKEN_2']);
  });

  it('with --overwrite replaces a file that holds only that provider, never one with other documents', () => {
    const items = planImport({
      ...base,
      live: [live(), live({ id: 'prv_3', name: 'OVO' })],
      declared: new Map([declared('Xendit Main', 'providers/x.yaml'), declared('OVO', 'providers/all.yaml', 3)]),
      overwrite: true,
      existing: new Set(),
    });
    expect(items.map((i) => [i.action, i.file, i.reason])).toEqual([
      ['overwrite', 'providers/x.yaml', undefined],
      ['skip', 'providers/all.yaml', 'declared in a file with other documents: --overwrite replaces only a file that holds one provider'],
    ]);
  });
});

describe('the plan after an import', () => {
  const update = (fields: ProviderChange['fields']): ProviderChange => ({ name: 'X', action: 'update', fields, notes: [], operations: [] });
  const plan = (changes: ProviderChange[], sequences: Plan['sequences'] = undefined) => ({ changes, ...(sequences ? { sequences } : {}) }) as unknown as Plan;
  const secret = { field: 'spec.credentials.clientSecret', sensitive: true as const, pending: true as const };
  const label = { field: 'metadata.labels.managed-by', after: 'paystrator-gitops' };

  it('says when the only changes are pending secret fingerprints and the adoption label', () => {
    expect(adoptionOnlySummary(plan([update([secret, label]), update([secret, { ...secret, field: 'spec.credentials.apiSecret' }, label])]))).toBe(
      'Sensitive changes only: 3 secrets without a fingerprint live are written once to record their fingerprints, and 2 providers get the managed-by label that adopts them. No other field changes.',
    );
    expect(adoptionOnlySummary(plan([update([secret])]))).toBe('Sensitive changes only: 1 secret without a fingerprint live is written once to record its fingerprint. No other field changes.');
  });

  it('says nothing when anything else changes', () => {
    expect(adoptionOnlySummary(plan([update([secret, label, { field: 'spec.fee.percent', before: '1', after: '2' }])]))).toBeUndefined();
    expect(adoptionOnlySummary(plan([update([{ field: 'spec.credentials.clientSecret', sensitive: true }])]))).toBeUndefined();
    expect(adoptionOnlySummary(plan([update([label])]))).toBeUndefined();
    expect(adoptionOnlySummary(plan([{ ...update([secret]), action: 'create' }]))).toBeUndefined();
    const seq = { product: 'EWALLET', destination: null, action: 'update' as const, file: 'f', line: 1, after: ['X'], notes: [] };
    expect(adoptionOnlySummary(plan([update([secret])], [seq]))).toBeUndefined();
    expect(adoptionOnlySummary(plan([]))).toBeUndefined();
  });
});
