// `fees quote` on the example providers, and a fee change in a plan shown on a sample amount.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, workspace } from '../../helpers/cli.js';

describe('fees', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await workspace({}, { withExamples: true });
    expect((await runCli(['apply', '--auto-approve'], { cwd: dir })).code).toBe(0);
  });

  it('quotes every provider on an amount, cheapest first, with the rounding rule', async () => {
    const r = await runCli(['fees', 'quote', '--amount', '1500000'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Fees on Rp1.500.000 (live, environment sandbox), cheapest first:',
        '',
        '  Provider Name   Status  Fee rule                    Fee      VAT     Total',
        '  BCA Direct      ACTIVE  Rp4.000 flat, 11% VAT   Rp4.000    Rp440   Rp4.440',
        '  DANA QRIS       ACTIVE  0.7%, 11% VAT          Rp10.500  Rp1.155  Rp11.655',
        '  OVO             ACTIVE  1.5%, 11% VAT          Rp22.500  Rp2.475  Rp24.975',
        '  Xendit Main     ACTIVE  1.5%, 11% VAT          Rp22.500  Rp2.475  Rp24.975',
        '  Midtrans Cards  ACTIVE  2.9%, no VAT           Rp43.500      Rp0  Rp43.500',
        '',
        'Rounding: fee = amount × percent (or the flat fee), VAT = fee × VAT percent when VAT applies; each rounded half up to whole rupiah, total = fee + VAT.',
        '',
      ].join('\n'),
    );
  });

  it('narrows to a service or a provider, and gives exact amounts in JSON', async () => {
    const qr = await runCli(['fees', 'quote', '--amount', '1_000_001', '--service', 'QR_CODE', '--format', 'json'], { cwd: dir });
    const json = JSON.parse(qr.stdout) as { amount: string; quotes: { name: string; quote: Record<string, string> }[] };
    expect(json.amount).toBe('1000001');
    // 0.7% of 1,000,001 = 7,000.007 -> 7,000; 11% of 7,000 = 770. 1.5% = 15,000.015 -> 15,000; VAT 1,650.
    expect(json.quotes).toEqual([
      expect.objectContaining({ name: 'DANA QRIS', quote: { fee: '7000', vat: '770', total: '7770' } }),
      expect.objectContaining({ name: 'Xendit Main', quote: { fee: '15000', vat: '1650', total: '16650' } }),
    ]);
    const one = await runCli(['fees', 'quote', '--amount', '333', '--provider', 'DANA QRIS'], { cwd: dir });
    expect(one.stdout).toMatch(/ {2}DANA QRIS +ACTIVE +0\.7%, 11% VAT +Rp2 +Rp0 +Rp2\n/);
    const typo = await runCli(['fees', 'quote', '--amount', '1', '--provider', 'Dana Qris'], { cwd: dir });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('--provider "Dana Qris": no such provider live; did you mean "DANA QRIS"?');
  });

  it('refuses an amount that is not whole rupiah, rather than guessing', async () => {
    for (const bad of ['1.500.000', '1500000.5', '-5', 'Rp1000']) {
      const r = await runCli(['fees', 'quote', '--amount', bad], { cwd: dir });
      expect(r.code, bad).toBe(1);
      expect(r.stderr).toContain('is not a whole rupiah amount: write digits only, e.g. 1500000 (or 1_500_000)');
    }
    expect((await runCli(['fees', 'quote'], { cwd: dir })).stderr).toContain("required option '--amount <rupiah>' not specified");
  });

  it('quotes what git declares with --from git, and shows a fee change in the plan on a sample amount', async () => {
    const file = path.join(dir, 'providers/ovo.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('percent: "1.5"', 'percent: "2"'));
    const git = await runCli(['fees', 'quote', '--amount', '1000000', '--provider', 'OVO', '--from', 'git'], { cwd: dir });
    expect(git.stdout).toContain('Fees on Rp1.000.000 (git, environment sandbox), cheapest first:');
    expect(git.stdout).toMatch(/OVO +ACTIVE +2%, 11% VAT +Rp20\.000 +Rp2\.200 +Rp22\.200/);

    const plan = await runCli(['plan'], { cwd: dir });
    expect(plan.stdout).toContain('      spec.fee.percent: "1.5" -> "2"\n      # on Rp1.000.000: Rp16.650 -> Rp22.200 incl. VAT\n');
    const sample = await runCli(['plan', '--quote-amount', '250000'], { cwd: dir });
    expect(sample.stdout).toContain('      # on Rp250.000: Rp4.163 -> Rp5.550 incl. VAT\n');
    const bad = await runCli(['plan', '--quote-amount', '2.5'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--quote-amount: "2.5" is not a whole rupiah amount');
  });
});
