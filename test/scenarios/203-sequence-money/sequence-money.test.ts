// The money line of a routing change, over HTTP: a sandbox with a month of synthesised traffic
// (seeded), then restarted with no live traffic so its 30-day metrics hold still. A reorder that
// puts the dearer provider first shows, under the sequence change, its fee difference on the
// product's 30-day volume, in text, Markdown and the saved plan's JSON; the figures equal an
// integer reference the test computes from the metrics it reads itself (BigInt arithmetic), and
// the metrics cost that plan exactly one request more than a no-op plan makes.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';

const routing = (providers: string[]) => `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: EWALLET
  providers: [${providers.join(', ')}]
`;

interface Row {
  providerName: string;
  service: string;
  successes: number;
  volume: string;
}

/** The EWALLET volume over 30 days, every provider together, as whole numbers. */
async function walletVolume(url: string): Promise<{ transactions: bigint; amount: bigint }> {
  const res = await fetch(`${url}/v1/metrics?window=30d`, { headers: { authorization: `Bearer ${RW}` } });
  expect(res.status).toBe(200);
  const rows = ((await res.json()) as { data: Row[] }).data.filter((r) => r.service === 'EWALLET');
  return {
    transactions: rows.reduce((n, r) => n + BigInt(r.successes), 0n),
    amount: rows.reduce((n, r) => n + BigInt(r.volume.split('.')[0]!), 0n),
  };
}

/** Fee at `bp` hundredths of a percent plus 11% VAT on the fee, each rounded half up to whole rupiah. */
const charged = (amount: bigint, bp: bigint) => {
  const fee = (amount * bp * 2n + 10_000n) / 20_000n;
  return fee + (fee * 11n * 2n + 100n) / 200n;
};

/** Rp8.2B: one decimal of the largest unit, half up, on the integer. */
function short(v: bigint, sign = false): string {
  const s = v < 0n ? '-' : sign ? '+' : '';
  const abs = v < 0n ? -v : v;
  for (const [unit, suffix] of [[1_000_000_000_000n, 'T'], [1_000_000_000n, 'B'], [1_000_000n, 'M'], [1_000n, 'K']] as const) {
    if (abs >= unit) {
      const tenths = (abs * 10n * 2n + unit) / (2n * unit);
      return `${s}Rp${tenths / 10n}${tenths % 10n ? `.${tenths % 10n}` : ''}${suffix}`;
    }
  }
  return `${s}Rp${abs}`;
}

const count = (n: bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** What the Markdown renderer escapes (render/markdown.ts md()). */
const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const mdEscape = (s: string) => s.replace(/[&<>"'\\`*_{}[\]()#+\-.!|~=^:$]/g, (c) => HTML[c] ?? `\\${c}`);

describe('the money a sequence change costs', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };

  beforeAll(async () => {
    const quiet = await serveSandbox();
    const dataFile = quiet.dataFile;
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: quiet.url }),
      'providers/cheap.yaml': providerYaml({ name: 'Wallet Cheap', services: ['EWALLET'], percent: '1.5' }),
      'providers/dear.yaml': providerYaml({ name: 'Wallet Dear', services: ['EWALLET'], percent: '2.1' }),
      'providers/routing.yaml': routing(['Wallet Cheap', 'Wallet Dear']),
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    await quiet.stop();
    // A month of traffic through [Cheap, Dear], written to the state file at once...
    const history = await serveSandbox(['--data', dataFile, '--traffic-rate', '5', '--traffic-history', '30', '--seed', '11']);
    await history.stop();
    // ...then served with none flowing, so the plan and the test read the same 30 days.
    sandbox = await serveSandbox(['--data', dataFile, '--traffic-rate', '0']);
    await writeFile(path.join(dir, 'paystrator.yaml'), configYaml({ httpUrl: sandbox.url }));
  }, 60_000);

  afterAll(() => sandbox?.stop());

  /** The API requests of the last run recorded in the stats file (PAYSTRATOR_GITOPS_STATS). */
  const lastRequests = async (file: string) => (JSON.parse((await readFile(file, 'utf8')).trim().split('\n').at(-1)!) as { apiRequests: number }).apiRequests;
  let noopRequests = 0;

  it('a plan that changes nothing has no money line', async () => {
    const stats = path.join(dir, 'noop-stats.jsonl');
    const r = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: { ...env, PAYSTRATOR_GITOPS_STATS: stats } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain("30 days' volume");
    noopRequests = await lastRequests(stats);
    expect(noopRequests).toBeGreaterThan(0);
  });

  it('putting the dearer provider first shows its fee difference on the product volume, as an integer reference says', async () => {
    await writeFile(path.join(dir, 'providers/routing.yaml'), routing(['Wallet Dear', 'Wallet Cheap']));
    // The window moves with the clock: an hour's bucket can leave it between two reads. Read
    // before and after the plan, and use a run where both agree (bounded).
    const stats = path.join(dir, 'money-stats.jsonl');
    let text = '';
    let volume = { transactions: 0n, amount: 0n };
    for (let attempt = 0; attempt < 3; attempt++) {
      volume = await walletVolume(sandbox.url);
      const r = await runCli(['plan', '--env', 'http', '--out', 'plan.json'], { cwd: dir, env: { ...env, PAYSTRATOR_GITOPS_STATS: stats } });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      text = r.stdout;
      const again = await walletVolume(sandbox.url);
      if (again.transactions === volume.transactions && again.amount === volume.amount) break;
    }
    expect(volume.transactions).toBeGreaterThan(1000n);
    // The metrics are one request more than a plan that moves no first provider makes.
    expect(await lastRequests(stats)).toBe(noopRequests + 1);
    const before = charged(volume.amount, 150n);
    const after = charged(volume.amount, 210n);
    const delta = after - before;
    expect(delta).toBeGreaterThan(0n);
    const line = `first provider: Wallet Cheap -> Wallet Dear; at last 30 days' volume (${count(volume.transactions)} tx, ${short(volume.amount)}): ${short(delta, true)}/month`;

    expect(text).toContain(`  ~ update sequence EWALLET (default)`);
    expect(text).toContain(`      providers: [Wallet Cheap, Wallet Dear] -> [Wallet Dear, Wallet Cheap]\n      # ${line}\n`);

    const saved = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')) as { sequences: { product: string; money?: Record<string, string> }[] };
    expect(saved.sequences.find((s) => s.product === 'EWALLET')!.money).toEqual({
      from: 'Wallet Cheap',
      to: 'Wallet Dear',
      transactions: volume.transactions.toString(),
      amount: volume.amount.toString(),
      before: before.toString(),
      after: after.toString(),
      delta: delta.toString(),
    });

    // The pull-request comment is rendered from the same saved plan.
    const md = await runCli(['show', 'plan.json', '--format', 'markdown'], { cwd: dir, env });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(mdEscape(`# ${line}`));
  }, 60_000);
});
