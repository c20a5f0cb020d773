// The traffic simulator end to end: `sandbox --traffic-rate 200 --seed 7` over HTTP routes
// transactions through the sequences the CLI applied, `list` shows real last activity, a provider
// whose credential the sandbox rejects serves nothing and its traffic fails over, and the metrics
// add up and survive a restart. Counts only: never a timing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RO = 'psk_sandbox_ro_0000000000000000';
const RW = 'psk_sandbox_rw_0000000000000000';

interface Row {
  providerId: string;
  providerName: string;
  service: string;
  transactions: number;
  successes: number;
  successRate: string;
  p95LatencyMs: number;
  volume: string;
  feesCharged: string;
}

const bank = `apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: Bank Flat
spec:
  type: DIRECT
  integration: bca
  services: [VIRTUAL_ACCOUNT]
  credentials:
    clientKey: bca-client-7f3a
    clientSecret: { secretRef: { store: env, name: BANK_SECRET } }
    corporateId: KBBCAID001
    companyCode: "10234"
    apiSecret: { secretRef: { store: env, name: BANK_SECRET } }
  fee: { type: FLAT, amount: 4000, currency: IDR }
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;

async function metrics(url: string, query: string): Promise<{ window: string; data: Row[] }> {
  const res = await fetch(`${url}/v1/metrics?${query}`, { headers: { authorization: `Bearer ${RO}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { window: string; data: Row[] };
}

describe('simulated traffic over HTTP', () => {
  const [rejected, good, bankSecret] = canaries() as [string, string, string];
  let dataFile: string;
  let traffic: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    // Applied first without traffic, so both wallets are in the sequence before the first transaction.
    const quiet = await serveSandbox();
    dataFile = quiet.dataFile;
    env = { PAYSTRATOR_API_KEY: RW, FIRST_SECRET: rejected, SECOND_SECRET: good, BANK_SECRET: bankSecret };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: quiet.url }),
      'providers/first.yaml': providerYaml({ name: 'Wallet First', services: ['EWALLET'], secretVar: 'FIRST_SECRET' }),
      'providers/second.yaml': providerYaml({ name: 'Wallet Second', services: ['EWALLET'], secretVar: 'SECOND_SECRET', percent: '2' }),
      'providers/bank.yaml': bank,
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);
    // The order the sequence routes in: First, then Second.
    const seq = await fetch(`${quiet.url}/v1/sequences/EWALLET`, { headers: { authorization: `Bearer ${RO}` } });
    const ids = ((await seq.json()) as { providers: { id: string; name: string }[] }).providers;
    const first = ids.find((p) => p.name === 'Wallet First')!;
    const second = ids.find((p) => p.name === 'Wallet Second')!;
    const put = await fetch(`${quiet.url}/v1/sequences/EWALLET`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json' },
      body: JSON.stringify({ providerIds: [first.id, second.id] }),
    });
    expect(put.status).toBe(200);
    await quiet.stop();

    traffic = await serveSandbox(['--data', dataFile, '--traffic-rate', '200', '--seed', '7', '--reject-credential', rejected]);
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: traffic.url }),
      'providers/first.yaml': providerYaml({ name: 'Wallet First', services: ['EWALLET'], secretVar: 'FIRST_SECRET' }),
      'providers/second.yaml': providerYaml({ name: 'Wallet Second', services: ['EWALLET'], secretVar: 'SECOND_SECRET', percent: '2' }),
      'providers/bank.yaml': bank,
    });
    // Until both served providers show activity, which the sandbox writes once a second (bounded).
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${traffic.url}/v1/providers`, { headers: { authorization: `Bearer ${RO}` } });
      const live = ((await res.json()) as { data: { lastActivityAt: string | null }[] }).data;
      if (live.filter((p) => p.lastActivityAt !== null).length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(() => traffic?.stop());

  it('says how many credentials it rejects, never which', () => {
    expect(traffic.output()).toContain('  traffic:        200 transactions per second through the sequences, 1 rejected credential, seed 7\n');
    expect(traffic.output()).not.toContain(rejected);
  });

  it('shows real last activity in `list`, and none for the provider whose credential is rejected', async () => {
    const r = await runCli(['list', '--env', 'http'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const row = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `))!;
    expect(row('Wallet Second'), r.stdout).toMatch(/ACTIVE +(just now|\d+ (seconds?|minutes?) ago) \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) +managed$/);
    expect(row('Bank Flat')).toMatch(/ACTIVE +(just now|\d+ (seconds?|minutes?) ago) \(.+ UTC\) +managed$/);
    expect(row('Wallet First')).toMatch(/ACTIVE +never +managed$/);
    // Activity is not a configuration change: the plan stays clean.
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('adds up: the rejected provider fails everything it is offered, all of which fails over, and fees are exact', async () => {
    const { data } = await metrics(traffic.url, 'window=1h');
    const byName = Object.fromEntries(data.map((r) => [`${r.providerName} ${r.service}`, r]));
    expect(Object.keys(byName).sort()).toEqual(['Bank Flat VIRTUAL_ACCOUNT', 'Wallet First EWALLET', 'Wallet Second EWALLET']);
    const first = byName['Wallet First EWALLET']!;
    const second = byName['Wallet Second EWALLET']!;
    const flat = byName['Bank Flat VIRTUAL_ACCOUNT']!;
    expect(first.transactions).toBeGreaterThan(0);
    expect(first).toMatchObject({ successes: 0, successRate: '0.0000', volume: '0', feesCharged: '0' });
    expect(second.transactions).toBe(first.transactions);
    expect(second.successes).toBeGreaterThan(0);
    expect(Number(second.successRate)).toBeCloseTo(second.successes / second.transactions, 4);
    // Rp4.000 flat plus 11% VAT, for each transaction it served.
    expect(BigInt(flat.feesCharged)).toBe(BigInt(flat.successes) * 4440n);
    // Filters pick the same rows.
    const only = await metrics(traffic.url, `window=30d&provider=${second.providerId}&service=EWALLET`);
    expect(only.data.map((r) => r.providerName)).toEqual(['Wallet Second']);
    expect(only.data[0]!.transactions).toBeGreaterThanOrEqual(second.transactions);
  });

  it('keeps the metrics and the activity across a restart, counted exactly', async () => {
    await traffic.stop();
    const m = /Traffic simulated: (\d+) transactions, (\d+) served \((\d+) after a failover\), (\d+) failed/.exec(traffic.output());
    expect(m, traffic.output()).not.toBeNull();
    const [transactions, served, failedOver, failed] = m!.slice(1).map(Number) as [number, number, number, number];
    expect(served + failed).toBe(transactions);
    traffic = await serveSandbox(['--data', dataFile]);
    const { data } = await metrics(traffic.url, 'window=30d');
    expect(data.reduce((n, r) => n + r.successes, 0)).toBe(served);
    // Every e-wallet payment Second served came to it after First refused it.
    expect(data.find((r) => r.providerName === 'Wallet Second')!.successes).toBe(failedOver);
    const res = await fetch(`${traffic.url}/v1/providers?q=wallet`, { headers: { authorization: `Bearer ${RO}` } });
    const providers = ((await res.json()) as { data: { name: string; lastActivityAt: string | null }[] }).data;
    expect(providers.find((p) => p.name === 'Wallet Second')!.lastActivityAt).toEqual(expect.any(String));
    expect(providers.find((p) => p.name === 'Wallet First')!.lastActivityAt).toBeNull();
  });
});
