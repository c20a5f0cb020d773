import { describe, expect, it } from 'vitest';
import type { Provider } from '../generated/api.js';
import { plain } from './style.js';
import { absoluteTime, lastActivity, listRows, relativeTime, renderListJson, renderListText, serviceLabel } from './list.js';

const NOW = new Date('2026-03-10T12:00:00Z');

function p(name: string, over: Partial<Provider> = {}): Provider {
  return {
    id: `prv_${name}`, name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT'], credentials: {},
    fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true }, status: 'ACTIVE', statusChangedBy: 'USER',
    statusReason: null, lastActivityAt: null, labels: {}, annotations: {}, version: 1, createdAt: '', updatedAt: '', ...over,
  };
}

const LIVE = [
  p('Xendit Main', { services: ['QR_CODE', 'VIRTUAL_ACCOUNT', 'EWALLET'], labels: { 'managed-by': 'paystrator-gitops' }, lastActivityAt: '2026-03-07T09:30:00Z' }),
  p('BCA Direct', { type: 'DIRECT', services: ['SEND_MONEY', 'VIRTUAL_ACCOUNT'], status: 'MAINTENANCE', statusChangedBy: 'MONITOR', lastActivityAt: '2026-03-10T11:58:00Z' }),
  p('xendit backup', { status: 'INACTIVE', labels: { 'managed-by': 'paystrator-gitops' } }),
  p('OVO', { type: 'DIRECT', services: ['EWALLET'] }),
];

describe('the provider list', () => {
  it('searches names case-insensitively, and every filter given must match', () => {
    const names = (f: Parameters<typeof listRows>[2]) => listRows(LIVE, new Set(), f).map((r) => r.name);
    expect(names({})).toEqual(['Xendit Main', 'BCA Direct', 'xendit backup', 'OVO']);
    expect(names({ search: 'XENDIT' })).toEqual(['Xendit Main', 'xendit backup']);
    expect(names({ search: 'xendit', status: 'active' })).toEqual(['Xendit Main']);
    expect(names({ service: 'virtual_account', status: 'MAINTENANCE' })).toEqual(['BCA Direct']);
    expect(names({ search: 'o', service: 'EWALLET' })).toEqual(['OVO']);
    expect(names({ search: 'nothing' })).toEqual([]);
  });

  it('tells whether git manages each provider', () => {
    const git = listRows(LIVE, new Set(['Xendit Main', 'OVO']), {}).map((r) => [r.name, r.git]);
    expect(git).toEqual([
      ['Xendit Main', 'managed'],
      ['BCA Direct', 'unmanaged'],
      ['xendit backup', 'removed'],
      ['OVO', 'declared'],
    ]);
  });

  it('gives last activity relative and absolute', () => {
    expect(relativeTime('2026-03-10T11:59:40Z', NOW)).toBe('just now');
    expect(relativeTime('2026-03-10T11:58:00Z', NOW)).toBe('2 minutes ago');
    expect(relativeTime('2026-03-10T07:00:00Z', NOW)).toBe('5 hours ago');
    expect(relativeTime('2026-03-09T10:00:00Z', NOW)).toBe('yesterday');
    expect(relativeTime('2026-03-07T09:30:00Z', NOW)).toBe('3 days ago');
    expect(relativeTime('2025-12-01T00:00:00Z', NOW)).toBe('3 months ago');
    expect(relativeTime('2024-01-01T00:00:00Z', NOW)).toBe('2 years ago');
    expect(absoluteTime('2026-03-07T09:30:12.345Z')).toBe('2026-03-07 09:30 UTC');
    expect(lastActivity(null, NOW)).toBe('never');
  });

  it('renders the dashboard columns', () => {
    const rows = listRows(LIVE, new Set(['Xendit Main']), {});
    expect(renderListText(rows, LIVE.length, NOW, plain)).toBe(
      [
        'Provider Name  Provider    Services                            Status       Last Activity                         Git',
        'Xendit Main    AGGREGATOR  Virtual Account, QR Code, E-Wallet  ACTIVE       3 days ago (2026-03-07 09:30 UTC)     managed',
        'BCA Direct     DIRECT      Virtual Account, Send Money         MAINTENANCE  2 minutes ago (2026-03-10 11:58 UTC)  not in git',
        'xendit backup  AGGREGATOR  Virtual Account                     INACTIVE     never                                 removed from git',
        'OVO            DIRECT      E-Wallet                            ACTIVE       never                                 not in git',
        '',
        '4 providers: 2 ACTIVE, 1 MAINTENANCE, 1 INACTIVE; 1 managed by git.',
        '',
      ].join('\n'),
    );
    expect(renderListText(listRows(LIVE, new Set(), { search: 'zzz' }), 4, NOW, plain)).toBe('No provider matches (4 providers live).\n');
    expect(renderListText(listRows(LIVE, new Set(), { search: 'ovo' }), 4, NOW, plain)).toContain('1 of 4 providers: 1 ACTIVE');
    expect(serviceLabel('BANK_TRANSFER')).toBe('Bank Transfer');
  });

  it('in JSON, keeps codes and timestamps as they are', () => {
    const json = JSON.parse(renderListJson(listRows(LIVE, new Set(['Xendit Main']), { status: 'ACTIVE' }), 4)) as { total: number; providers: Record<string, unknown>[] };
    expect(json.total).toBe(4);
    expect(json.providers[0]).toEqual({
      name: 'Xendit Main', id: 'prv_Xendit Main', type: 'AGGREGATOR', services: ['QR_CODE', 'VIRTUAL_ACCOUNT', 'EWALLET'], status: 'ACTIVE',
      statusChangedBy: 'USER', lastActivityAt: '2026-03-07T09:30:00Z', git: 'managed', managedByGit: true,
      lastWrite: { source: 'unknown', summary: 'no paystrator-gitops apply recorded' },
    });
  });
});
