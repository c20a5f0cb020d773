import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Provider, ProviderStatus } from '../generated/api.js';
import type { LiveSequence } from '../model/sequence.js';
import { importSequences, sequencesFile } from './import.js';

function provider(name: string, minute: number, over: Partial<Provider> = {}): Provider {
  const at = `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
  return {
    id: `prv_${name}`, name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT', 'QR_CODE'], credentials: {},
    fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true }, status: 'ACTIVE', statusChangedBy: 'API', statusReason: null,
    lastActivityAt: null, labels: {}, annotations: {}, version: 1, createdAt: at, updatedAt: at, ...over,
  };
}

function live(product: string, destination: string | null, members: (string | [string, ProviderStatus])[]): LiveSequence {
  return {
    product, destination, version: 1, updatedAt: null,
    providers: members.map((m) => (typeof m === 'string' ? { id: `prv_${m}`, name: m, status: 'ACTIVE' as const } : { id: `prv_${m[0]}`, name: m[0], status: m[1] })),
  };
}

const providers = [provider('A', 1), provider('B', 2), provider('C', 3, { status: 'MAINTENANCE' }), provider('Local', 4, { integration: 'qrlocal' })];
const qris = (integration: string) => integration !== 'qrlocal';

describe('importing sequences', () => {
  it('writes custom sequences, and a default only when its order is not Paystrator\'s own', () => {
    const r = importSequences(
      [
        // Paystrator's own: ACTIVE oldest first, a MAINTENANCE member left where it was.
        live('VIRTUAL_ACCOUNT', null, ['A', ['C', 'MAINTENANCE'], 'B', 'Local']),
        // QR_CODE takes QRIS integrations only, so without Local this is Paystrator's own too.
        live('QR_CODE', null, ['A', 'B']),
        live('EWALLET', null, []),
        live('VIRTUAL_ACCOUNT', 'BCA', ['B', 'A']),
        live('SEND_MONEY', null, ['B', 'A']),
      ],
      providers,
      { declared: new Set(), qris },
    );
    expect(r.sequences.map((s) => [s.product, s.destination, s.reason, s.providers])).toEqual([
      ['SEND_MONEY', null, 'default-reordered', ['B', 'A']],
      ['VIRTUAL_ACCOUNT', 'BCA', 'custom', ['B', 'A']],
    ]);
    expect(r.skipped).toEqual([]);
  });

  it('treats a default that lost an ACTIVE provider as set by hand, skips declared ones, and writes every default with all', () => {
    const r = importSequences([live('VIRTUAL_ACCOUNT', null, ['A', 'Local']), live('QR_CODE', null, ['A', 'B']), live('VIRTUAL_ACCOUNT', 'BCA', ['A'])], providers, {
      declared: new Set(['VIRTUAL_ACCOUNT/BCA']), all: true, qris,
    });
    expect(r.sequences.map((s) => [s.product, s.reason])).toEqual([['QR_CODE', 'default'], ['VIRTUAL_ACCOUNT', 'default-reordered']]);
    expect(r.skipped).toEqual([{ sequence: 'sequence VIRTUAL_ACCOUNT to BCA', why: 'already in git (drift --write sets it to the live order)' }]);
  });

  it('writes documents that parse back to the sequences, names quoted as needed and comments escaped', () => {
    const text = sequencesFile(
      [{ product: 'VIRTUAL_ACCOUNT', destination: 'BCA', providers: ['yes', 'Evil\u202eName: x'], reason: 'custom' }, { product: 'QR_CODE', destination: null, providers: ['A'], reason: 'default' }],
      { schemaRef: '../schemas/sequence.schema.json', environment: 'prod\nx' },
    );
    expect(text.startsWith('# yaml-language-server: $schema=../schemas/sequence.schema.json\n# Imported from the live routing sequences (environment prod\\nx).\n')).toBe(true);
    const docs = parseAllDocuments(text);
    expect(Array.isArray(docs) && docs.map((d) => d.toJS() as unknown)).toEqual([
      { apiVersion: 'paystrator-gitops/v1', kind: 'Sequence', spec: { product: 'VIRTUAL_ACCOUNT', destination: 'BCA', providers: ['yes', 'Evil\u202eName: x'] } },
      { apiVersion: 'paystrator-gitops/v1', kind: 'Sequence', spec: { product: 'QR_CODE', providers: ['A'] } },
    ]);
  });
});
