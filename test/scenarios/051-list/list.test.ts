// `list`: the dashboard's provider table in the terminal, on the embedded sandbox after the
// examples were applied, with activity recorded in the sandbox's state as Paystrator would.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, workspace } from '../../helpers/cli.js';

describe('list', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await workspace({}, { withExamples: true });
    expect((await runCli(['apply', '--auto-approve'], { cwd: dir })).code).toBe(0);
    // Activity and a monitoring flip, written where the embedded sandbox keeps its state.
    const file = path.join(dir, '.paystrator/sandbox.json');
    const state = JSON.parse(await readFile(file, 'utf8')) as { providers: Record<string, unknown>[] };
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    for (const p of state.providers) {
      if (p.name === 'Xendit Main') p.lastActivityAt = hoursAgo(3 * 24 + 1);
      if (p.name === 'OVO') Object.assign(p, { lastActivityAt: hoursAgo(5.5), status: 'MAINTENANCE', statusChangedBy: 'MONITOR' });
    }
    await writeFile(file, JSON.stringify(state));
    // Removed from git after it was applied: live still carries git's label.
    await rm(path.join(dir, 'providers/midtrans-cards.yaml'));
  });

  it('shows the dashboard columns and whether git manages each provider', async () => {
    const r = await runCli(['list'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Provider Name +Provider +Services +Status +Last Activity +Git$/);
    const row = (name: string) => lines.find((l) => l.startsWith(`${name} `))!;
    expect(row('Xendit Main')).toMatch(/^Xendit Main +AGGREGATOR +Virtual Account, QR Code, E-Wallet +ACTIVE +3 days ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) +managed$/);
    expect(row('OVO')).toMatch(/^OVO +DIRECT +E-Wallet +MAINTENANCE +5 hours ago \(.+ UTC\) +managed$/);
    expect(row('BCA Direct')).toMatch(/^BCA Direct +DIRECT +Virtual Account, Send Money +ACTIVE +never +managed$/);
    expect(row('Midtrans Cards')).toMatch(/ removed from git$/);
    expect(r.stdout).toContain('5 providers: 4 ACTIVE, 1 MAINTENANCE, 0 INACTIVE; 4 managed by git.');
  });

  it('searches names case-insensitively and combines filters', async () => {
    const names = async (...args: string[]) => {
      const r = await runCli(['list', '--format', 'json', ...args], { cwd: dir });
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { providers: { name: string }[] }).providers.map((p) => p.name).sort();
    };
    expect(await names('--search', 'DANA')).toEqual(['DANA QRIS']);
    expect(await names('--search', 'i')).toEqual(['BCA Direct', 'DANA QRIS', 'Midtrans Cards', 'Xendit Main']);
    expect(await names('--service', 'EWALLET')).toEqual(['DANA QRIS', 'OVO', 'Xendit Main']);
    expect(await names('--service', 'ewallet', '--status', 'active')).toEqual(['DANA QRIS', 'Xendit Main']);
    expect(await names('--service', 'EWALLET', '--status', 'ACTIVE', '--search', 'x')).toEqual(['Xendit Main']);
    const text = await runCli(['list', '--status', 'MAINTENANCE'], { cwd: dir });
    expect(text.stdout).toContain('1 of 5 providers: 0 ACTIVE, 1 MAINTENANCE, 0 INACTIVE; 1 managed by git.');
  });

  it('gives JSON with codes, timestamps and the git state', async () => {
    const r = await runCli(['list', '--format', 'json', '--search', 'midtrans'], { cwd: dir });
    const json = JSON.parse(r.stdout) as { total: number; providers: Record<string, unknown>[] };
    expect(json.total).toBe(5);
    expect(json.providers).toEqual([
      expect.objectContaining({ name: 'Midtrans Cards', type: 'AGGREGATOR', services: ['CREDIT_CARD'], status: 'ACTIVE', lastActivityAt: null, git: 'removed', managedByGit: false }),
    ]);
  });

  it('refuses a filter value that cannot match, with a suggestion', async () => {
    const r = await runCli(['list', '--status', 'ACTIV'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--status ACTIV is not a status; did you mean "ACTIVE"?');
    const s = await runCli(['list', '--service', 'QRCODE'], { cwd: dir });
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('--service QRCODE is not a service of the catalog; did you mean "QR_CODE"?');
  });
});
