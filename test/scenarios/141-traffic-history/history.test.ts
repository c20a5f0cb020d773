// `sandbox --traffic-history DAYS`: a month of past traffic at start, so the 30-day window has data
// right away; a restart on the same state file keeps it and does not add it again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, tempDir, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RO = 'psk_sandbox_ro_0000000000000000';

interface Row {
  providerName: string;
  service: string;
  transactions: number;
  successes: number;
  volume: string;
}

async function metrics(url: string, window: string): Promise<{ from: string; data: Row[] }> {
  const res = await fetch(`${url}/v1/metrics?window=${window}`, { headers: { authorization: `Bearer ${RO}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { from: string; data: Row[] };
}

const sum = (rows: Row[]) => rows.reduce((n, r) => n + r.transactions, 0);

describe('synthesised traffic history', () => {
  let sandbox: ServedSandbox;
  let dataFile: string;

  beforeAll(async () => {
    const quiet = await serveSandbox();
    dataFile = quiet.dataFile;
    const dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: quiet.url }),
      'providers/wallet.yaml': providerYaml({ name: 'Wallet', services: ['EWALLET', 'VIRTUAL_ACCOUNT'] }),
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env: { PAYSTRATOR_API_KEY: 'psk_sandbox_rw_0000000000000000', XENDIT_SECRET: canaries()[0]! } });
    expect(apply.code, apply.stderr).toBe(0);
    await quiet.stop();
    // Rejected values from the environment (kept out of `ps`); no provider holds them.
    sandbox = await serveSandbox(['--data', dataFile, '--traffic-rate', '10', '--traffic-history', '30', '--seed', '3'], {
      env: { PAYSTRATOR_SANDBOX_REJECT_CREDENTIALS: `${canaries()[1]}\n${canaries()[2]}\n` },
    });
  });
  afterAll(() => sandbox?.stop());

  it('fills the 30-day window at the rate, and the last hour by the minute', async () => {
    expect(sandbox.output()).toContain('  traffic:        10 transactions per second through the sequences, 30 days of history, 2 rejected credentials, seed 3\n');
    const month = await metrics(sandbox.url, '30d');
    expect(month.data.map((r) => `${r.providerName} ${r.service}`).sort()).toEqual(['Wallet EWALLET', 'Wallet VIRTUAL_ACCOUNT']);
    // E-wallet and virtual account payments are 55% of 10 a second, for 30 days less the hour the window starts in.
    const expected = 10 * 0.55 * (30 * 86_400 - 3600);
    expect(sum(month.data)).toBeGreaterThan(expected * 0.9);
    expect(sum(month.data)).toBeLessThan(expected * 1.1);
    const hour = await metrics(sandbox.url, '1h');
    expect(sum(hour.data)).toBeGreaterThan(10 * 0.55 * 3000 * 0.9);
    expect(sum(hour.data)).toBeLessThan(sum(month.data));
  });

  it('keeps it across a restart without adding it again', async () => {
    const before = sum((await metrics(sandbox.url, '30d')).data);
    await sandbox.stop();
    sandbox = await serveSandbox(['--data', dataFile, '--traffic-rate', '10', '--traffic-history', '30', '--seed', '3']);
    const after = sum((await metrics(sandbox.url, '30d')).data);
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after).toBeLessThan(before * 1.01);
  });

  it('refuses history without a rate, and bad values, naming the flag', async () => {
    const dir = await tempDir();
    const none = await runCli(['sandbox', '--port', '0', '--data', `${dir}/s.json`, '--traffic-history', '3'], { cwd: dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--traffic-history synthesises past traffic at the --traffic-rate: give --traffic-rate N');
    const bad = await runCli(['sandbox', '--port', '0', '--data', `${dir}/s.json`, '--traffic-history', '31'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--traffic-history must be a whole number from 0 to 30');
    const rate = await runCli(['sandbox', '--port', '0', '--data', `${dir}/s.json`, '--traffic-rate', '1e3'], { cwd: dir });
    expect(rate.code).toBe(1);
    expect(rate.stderr).toContain('--traffic-rate must be a decimal number from 0 to 10000');
  });
});
