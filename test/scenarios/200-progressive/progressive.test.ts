// apply --progressive end to end, over HTTP against a sandbox simulating traffic (seeded): fee
// changes pass their analyses one step at a time and land; a credential change to a value the
// sandbox's integrations reject fails its analysis, is rolled back to the previous secret version
// in Vault (KV v2 fake), and the report and rollback record say what live holds. Counts and
// texts only, never timings: the analysis window is one second here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { providerYaml } from '../../helpers/fixtures.js';
import { FakeVault, serveVault } from '../../servers/vault.js';
import type { LocalServer } from '../../servers/harness.js';
import { serveWebhookReceiver } from '../../servers/webhook-receiver.js';

const RW = 'psk_sandbox_rw_0000000000000000';

const vaultProvider = (name: string, percent: string) =>
  providerYaml({ name, services: ['EWALLET'], percent }).replace(
    'clientSecret: { secretRef: { store: env, name: XENDIT_SECRET } }',
    `clientSecret: { secretRef: { store: vault, name: payments/${name.toLowerCase().replaceAll(' ', '-')}, key: clientSecret } }`,
  );

const config = (url: string, vault: string) => `environments:
  http:
    endpoint: ${url}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: providers/**/*.yaml
secretStores:
  env: { type: env }
  vault: { type: vault, address: ${vault}, mount: secret, token: { secretRef: { store: env, name: VAULT_TOKEN } } }
policy:
  rollout: { interval: 1s, minSuccessRate: 0.9, minTransactions: 5 }
`;

interface Row {
  providerName: string;
  service: string;
  transactions: number;
  successes: number;
}

async function metrics(url: string): Promise<Row[]> {
  const res = await fetch(`${url}/v1/metrics?window=1h`, { headers: { authorization: `Bearer ${RW}` } });
  return ((await res.json()) as { data: Row[] }).data;
}

describe('apply --progressive over HTTP with simulated traffic', () => {
  const [good1, good2, good3, bad, vaultToken] = canaries() as [string, string, string, string, string];
  const vault = new FakeVault();
  let v: LocalServer;
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  /** The provider the EWALLET sequence routes to first (found in the first test). */
  let busiest = '';

  beforeAll(async () => {
    vault.tokens.add(vaultToken);
    vault.put('secret', 'payments/wallet-first', { clientSecret: good1 });
    vault.put('secret', 'payments/wallet-second', { clientSecret: good2 });
    vault.put('secret', 'payments/wallet-third', { clientSecret: good3 });
    v = await serveVault(vault);
    sandbox = await serveSandbox(['--traffic-rate', '400', '--seed', '7'], { env: { PAYSTRATOR_SANDBOX_REJECT_CREDENTIALS: bad } });
    env = { PAYSTRATOR_API_KEY: RW, VAULT_TOKEN: vaultToken };
    dir = await workspace({
      'paystrator.yaml': config(sandbox.url, v.url),
      'providers/first.yaml': vaultProvider('Wallet First', '1.5'),
      'providers/second.yaml': vaultProvider('Wallet Second', '2'),
      'providers/third.yaml': vaultProvider('Wallet Third', '2.5'),
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    await v?.stop();
  });

  it('three fee changes: one step each, least traffic first, every analysis passes, all land', async () => {
    for (const [file, name, percent] of [['first', 'Wallet First', '1.6'], ['second', 'Wallet Second', '2.1'], ['third', 'Wallet Third', '2.6']] as const) {
      await import('node:fs/promises').then((fs) => fs.writeFile(path.join(dir, `providers/${file}.yaml`), vaultProvider(name, percent)));
    }
    // Steps are ordered by the traffic each provider carries: let some flow first (bounded wait).
    // Whoever the sequence puts first carries nearly all of it (the others see failovers only).
    busiest = '';
    for (let i = 0; i < 50 && !busiest; i++) {
      const rows = (await metrics(sandbox.url)).filter((m) => m.service === 'EWALLET');
      const top = rows.sort((a, b) => b.successes - a.successes)[0];
      if (top && top.successes >= 30) busiest = top.providerName;
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(busiest).not.toBe('');
    const r = await runCli(['apply', '--env', 'http', '--auto-approve', '--progressive'], { cwd: dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Progressive apply: one step at a time, each watched for 1s');
    expect(r.stdout.match(/^\[\d\/3\] provider Wallet /gm)).toHaveLength(3);
    // Least traffic first: the busiest provider's step comes last.
    expect(r.stdout).toContain(`[3/3] provider ${busiest}`);
    expect(r.stdout.match(/^ {2}pass: \d+ transactions, [\d.]+% succeeded$/gm)).toHaveLength(3);
    expect(r.stdout).toContain('Progressive apply complete: 3 steps applied and judged healthy.');
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout).toBe(0);
  }, 120_000);

  it('account settings are their own step: applied through their kind (Test & Save), judged over every service, and land', async () => {
    const fs = await import('node:fs/promises');
    const receiver = await serveWebhookReceiver();
    try {
      await fs.writeFile(path.join(dir, 'providers/webhooks.yaml'), `apiVersion: paystrator-gitops/v1\nkind: Webhooks\nspec:\n  urls:\n    EWALLET: ${receiver.urlFor(200)}\n`);
      const r = await runCli(['apply', '--env', 'http', '--auto-approve', '--progressive'], { cwd: dir, env });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`[1/1] account settings (Webhooks) (watching EWALLET)\n    Webhooks: test event to EWALLET (${receiver.urlFor(200)}): HTTP 200\n    Webhooks: 1 URL set\n  applied\n  watching live traffic for 1s\n`);
      expect(r.stdout).toMatch(/^ {2}pass: \d+ transactions, [\d.]+% succeeded$/m);
      expect(r.stdout).toContain('Progressive apply complete: 1 step applied and judged healthy.');
      expect(receiver.deliveries.map((d) => d.path)).toEqual(['/status/200']);
      const live = (await fetch(`${sandbox.url}/v1/webhooks`, { headers: { authorization: `Bearer ${RW}` } }).then((x) => x.json())) as { urls: Record<string, string> };
      expect(live.urls).toEqual({ EWALLET: receiver.urlFor(200) });
      const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
      expect(plan.code, plan.stdout).toBe(0);
    } finally {
      await receiver.stop();
    }
  }, 60_000);

  it('the plan shows what a fee change costs at the last 30 days\' volume, matching an integer reference', async () => {
    // The provider that carries the traffic, at its fee after the first test.
    const name = busiest;
    const [file, now] = ({ 'Wallet First': ['first', '1.6'], 'Wallet Second': ['second', '2.1'], 'Wallet Third': ['third', '2.6'] } as const)[name as 'Wallet First'];
    const to = (Number(now) + 0.4).toFixed(1);
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(dir, `providers/${file}.yaml`), vaultProvider(name, to)));
    const rows = (await fetch(`${sandbox.url}/v1/metrics?window=30d`, { headers: { authorization: `Bearer ${RW}` } }).then((r) => r.json())) as { data: (Row & { volume: string })[] };
    const plan = await runCli(['plan', '--env', 'http', '--out', 'money.json'], { cwd: dir, env });
    expect(plan.code, plan.stderr).toBe(0);
    const saved = JSON.parse(await readFile(path.join(dir, 'money.json'), 'utf8')) as { changes: { name: string; volume?: { transactions: string; amount: string } }[] };
    const volume = saved.changes.find((c) => c.name === name)!.volume!;
    // The plan's figures are the metrics' own (read at plan time, so at least what we read just before).
    const mine = rows.data.filter((r) => r.providerName === name);
    expect(BigInt(volume.transactions)).toBeGreaterThanOrEqual(BigInt(mine.reduce((n, r) => n + r.successes, 0)));
    // Integer reference: +0.4 percentage points with 11% VAT on the fee, each rounded half up to whole rupiah.
    const amount = BigInt(volume.amount);
    const charged = (bp: bigint) => {
      const fee = (amount * bp * 2n + 10_000n) / 20_000n;
      return fee + (fee * 11n * 2n + 100n) / 200n;
    };
    const delta = charged(BigInt(Math.round(Number(to) * 100))) - charged(BigInt(Math.round(Number(now) * 100)));
    const short = (v: bigint) => {
      for (const [unit, suffix] of [[1_000_000_000n, 'B'], [1_000_000n, 'M'], [1_000n, 'K']] as const) {
        if (v >= unit) {
          const tenths = (v * 10n * 2n + unit) / (2n * unit);
          return `Rp${tenths / 10n}${tenths % 10n ? `.${tenths % 10n}` : ''}${suffix}`;
        }
      }
      return `Rp${v}`;
    };
    const tx = BigInt(volume.transactions).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    expect(plan.stdout).toContain(`      # at last 30 days' volume (${tx} tx, ${short(amount)}): ${delta === 0n ? 'Rp0' : `+${short(delta)}`}/month\n`);
    await import('node:fs/promises').then((fs) => fs.writeFile(path.join(dir, `providers/${file}.yaml`), vaultProvider(name, now)));
  }, 60_000);

  it('a credential the integration rejects fails its step; the secret goes back to the Vault version that was live', async () => {
    // On the provider that carries the traffic: a rejected credential there stops payments.
    vault.put('secret', `payments/${busiest.toLowerCase().replaceAll(' ', '-')}`, { clientSecret: bad });
    const r = await runCli(['apply', '--env', 'http', '--auto-approve', '--progressive'], { cwd: dir, env });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`\\[1/1\\] provider ${busiest} \\(watching EWALLET\\)\\n {2}applied\\n`));
    // The harm shows as the provider serving nothing, or, when failover to the next one catches
    // part of it within the window, as the success rate: either fails the step.
    expect(r.stdout).toMatch(new RegExp(` {2}FAIL: (.*${busiest} served payments before the step and serves none after it|success rate [\\d.]+% \\(\\d+ of \\d+\\) is below 90\\.0%)`));
    expect(r.stdout).toContain(`  rolled back: ${busiest}: clientSecret back to the store version that was live\n`);
    expect(r.stdout).toContain(`Live now holds:\n  - ${busiest}: clientSecret back to the store version that was live\n`);
    expect(r.stderr).toContain(`Progressive apply stopped at step 1 (provider ${busiest}): rolled back.`);
    const record = JSON.parse(await readFile(path.join(dir, '.paystrator/rollback-http.json'), 'utf8')) as { step: { title: string }; reasons: string[]; figures: { transactions: number; successes: number }; actions: { ok: boolean }[] };
    expect(record.step.title).toBe(`provider ${busiest}`);
    expect(record.actions.every((a) => a.ok)).toBe(true);
    expect(record.figures.transactions).toBeGreaterThan(record.figures.successes);
    // Live has the good secret again: the first wallet serves payments once more, so routing no longer fails over past it.
    const before = (await metrics(sandbox.url)).find((m) => m.providerName === busiest && m.service === 'EWALLET')!;
    // Bounded wait: on a loaded machine the simulator may take longer than a second to route more.
    let after = before;
    for (let i = 0; i < 50 && after.successes <= before.successes; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      after = (await metrics(sandbox.url)).find((m) => m.providerName === busiest && m.service === 'EWALLET')!;
    }
    expect(after.successes).toBeGreaterThan(before.successes);
    // Git still says the rejected value: the next plan wants it again, and says so.
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain(`~ update ${busiest}`);
  }, 120_000);

});
