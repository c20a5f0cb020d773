import { describe, expect, it } from 'vitest';
import type { ChangeWindow } from '../generated/config.js';
import type { ProviderChange } from '../plan/plan.js';
import { changeKinds, checkWindows, clockFrom, decideWindows, describeTime, openAt, parseDuration } from './windows.js';

const harbolnas: ChangeWindow = { name: 'harbolnas-12-12', kind: 'deny', schedule: '0 0 12 12 *', duration: '24h', timeZone: 'Asia/Jakarta', allow: ['MAINTENANCE'] };

const change = (name: string, fields: { field: string; before?: unknown; after?: unknown }[], action: ProviderChange['action'] = 'update'): ProviderChange =>
  ({ name, action, fields, notes: [], operations: [{ kind: 'status', body: { status: 'ACTIVE' } }], id: 'prv_1', liveVersion: 1 }) as unknown as ProviderChange;

const maintenance = change('Xendit Main', [{ field: 'spec.status', before: 'ACTIVE', after: 'MAINTENANCE' }]);
const fee = change('BCA Direct', [{ field: 'spec.fee.percent', before: '1', after: '2' }]);

describe('change windows', () => {
  it('a deny window is open from its cron opening, in its time zone, for its duration', () => {
    expect(openAt(harbolnas, new Date('2026-12-11T16:59:00Z'))).toBeUndefined();
    const o = openAt(harbolnas, new Date('2026-12-12T10:00:00+07:00'));
    expect(o?.ends.toISOString()).toBe('2026-12-12T17:00:00.000Z');
    expect(openAt(harbolnas, new Date('2026-12-12T17:00:00Z'))).toBeUndefined();
    expect(describeTime(o!.ends, 'Asia/Jakarta')).toBe('2026-12-13 00:00 Asia/Jakarta (2026-12-12 17:00 UTC)');
  });

  it('refuses what allow does not list, lets through what it lists, names the window and its end', () => {
    const now = new Date('2026-12-12T03:00:00Z');
    const d = decideWindows([harbolnas], now, { changes: [maintenance, fee] });
    expect(d.refused).toBe(true);
    expect(d.blocked).toEqual([{ name: 'BCA Direct', kinds: ['FEE'] }]);
    expect(d.message).toBe('change window harbolnas-12-12 (deny) is open until 2026-12-13 00:00 Asia/Jakarta (2026-12-12 17:00 UTC): not allowed now: BCA Direct (FEE)');
    const only = decideWindows([harbolnas], now, { changes: [maintenance] });
    expect(only.refused).toBe(false);
    expect(only.allowed).toEqual(['Xendit Main']);
    expect(decideWindows([harbolnas], new Date('2026-12-13T03:00:00Z'), { changes: [fee] })).toEqual({ refused: false, open: [], blocked: [], allowed: [] });
  });

  it('with allow windows, outside all of them nothing may change', () => {
    const office: ChangeWindow = { name: 'office-hours', kind: 'allow', schedule: '0 9 * * 1-5', duration: '8h', timeZone: 'Asia/Jakarta' };
    const saturday = new Date('2026-12-05T05:00:00Z');
    const d = decideWindows([office], saturday, { changes: [maintenance] });
    expect(d.refused).toBe(true);
    expect(d.message).toContain('no allow window is open (the next, office-hours, opens 2026-12-07 09:00 Asia/Jakarta (2026-12-07 02:00 UTC))');
    expect(decideWindows([office], new Date('2026-12-07T03:00:00Z'), { changes: [fee] }).refused).toBe(false);
  });

  it('the vocabulary: STATUS covers every status change; a create is CREATE', () => {
    expect([...changeKinds(change('x', [{ field: 'spec.status', after: 'INACTIVE' }], 'deactivate'))]).toEqual(['DEACTIVATE']);
    expect([...changeKinds(change('x', [{ field: 'spec.status', after: 'ACTIVE' }]))]).toEqual(['ACTIVATE']);
    expect([...changeKinds(change('x', [{ field: 'spec.fee.percent' }], 'create'))]).toEqual(['CREATE']);
    expect(decideWindows([{ ...harbolnas, allow: ['STATUS'] }], new Date('2026-12-12T03:00:00Z'), { changes: [maintenance] }).refused).toBe(false);
  });

  it('config errors at their line: cron, duration, time zone', () => {
    const at = (i: number, field: string) => ({ field: `policy.windows[${i}].${field}` });
    const out = checkWindows(
      [
        { name: 'a', kind: 'deny', schedule: 'every day', duration: '24h' },
        { name: 'b', kind: 'deny', schedule: '0 0 * * *', duration: '1 day' },
        { name: 'c', kind: 'deny', schedule: '0 0 * * *', duration: '1h', timeZone: 'Mars/Olympus' },
      ],
      at,
    );
    expect(out.map((d) => `${d.field}: ${d.message}`)).toEqual([
      expect.stringMatching(/^policy\.windows\[0\]\.schedule: change window a: schedule "every day" is not a cron expression/),
      'policy.windows[1].duration: change window b: duration "1 day" is not a duration such as 24h, 90m or 1d12h',
      'policy.windows[2].timeZone: change window c: unknown time zone "Mars/Olympus" (an IANA name such as Asia/Jakarta or UTC)',
    ]);
    expect(parseDuration('1d12h')).toBe(36 * 3600_000);
  });

  it('the clock: PAYSTRATOR_NOW or the real time', () => {
    expect(clockFrom('2026-12-12T10:00:00+07:00').toISOString()).toBe('2026-12-12T03:00:00.000Z');
    expect(clockFrom(undefined, () => new Date(0)).getTime()).toBe(0);
    expect(() => clockFrom('tomorrow')).toThrow(/PAYSTRATOR_NOW="tomorrow" is not an ISO-8601 time/);
  });
});
