// The bench itself, small: `npm run bench` must keep working from a clean clone, and what it
// reports must hold whatever the size. Timings are not asserted (they belong to the bench).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, tempDir } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/paths.js';

interface Row { case: string; samples: number[]; ratio?: number; requests?: number | string; rssMb: number; note?: string }

function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench, at 200 providers', () => {
  let out: { code: number | null; stdout: string; stderr: string };
  let rows: Row[];
  const N = 200;
  const APPLY = 40;
  const LATENCY_N = 50;
  const STARTUP_RUNS = 3;
  const ENVS = 3;
  const PER_ENV = 5;

  beforeAll(async () => {
    const tsc = await node([path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'bench/tsconfig.json']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    const work = await tempDir('bench-');
    const results = path.join(work, 'results.json');
    out = await node([path.join(REPO_ROOT, 'bench/out/bench/bench.js'), '--providers', String(N), '--apply', String(APPLY), '--startup-runs', String(STARTUP_RUNS), '--latency-providers', String(LATENCY_N), '--environments', String(ENVS), '--env-providers', String(PER_ENV), '--work', work, '--out', results], {
      BENCH_SECRET_PREFIX: canaries()[0]!,
    });
    await capture('bench stdout', out.stdout);
    await capture('bench stderr', out.stderr);
    rows = (JSON.parse(await readFile(results, 'utf8')) as { rows: Row[] }).rows;
  }, 300_000);

  const row = (prefix: string) => {
    const r = rows.find((x) => x.case.startsWith(prefix));
    if (!r) throw new Error(`no row ${prefix} in ${rows.map((x) => x.case).join(', ')}`);
    return r;
  };

  it('runs every case three times and prints one table', () => {
    expect(out.code, out.stderr.slice(-2000)).toBe(0);
    expect(out.stdout).toMatch(/^\| case +\| median ms \| min +\| max +\| ratio +\| requests +\| peak RSS MB \|$/m);
    for (const c of ['1. validate', '2. no-op plan', '3. peer', '3b. no-op plan', '3b. peer', '4. floor', '5. apply', '5. floor', '6. apply', '9. no-op plan', '9. peer', '10. drift --all-environments', `10. ${ENVS} separate`, '11. no-op plan at', '11. no-op plan, whole account']) {
      const r = row(c);
      expect(r.samples, c).toHaveLength(3);
      for (const ms of r.samples) expect(ms, c).toBeGreaterThan(0);
      expect(r.rssMb, c).toBeGreaterThan(0);
      expect(out.stdout).toContain(`| ${r.case}`);
    }
  });

  it('times start-up against a bare node, every command in turn', () => {
    const cases = ['8. start-up: node -e 0', '8. start-up: --help', '8. start-up: validate', '8. start-up: no-op plan, embedded, fingerprintKey set', '8. start-up: no-op plan, embedded, no fingerprintKey'];
    for (const c of cases) {
      const r = row(c);
      expect(r.samples, c).toHaveLength(STARTUP_RUNS);
      for (const ms of r.samples) expect(ms, c).toBeGreaterThan(0);
      expect(out.stdout).toContain(`| ${r.case}`);
    }
    for (const c of cases.slice(1)) expect(row(c).ratio, c).toBeGreaterThan(0);
    // The targets of issue 17, stated in the notes whatever the timings were.
    expect(row('8. start-up: validate').note).toMatch(/^target <= 4\.0x: (met|not met)$/);
  });

  it('reports the request and secret-read counts the product promises', () => {
    expect(row('2. no-op plan').requests).toBeLessThanOrEqual(Math.ceil(N / 1000) + 2);
    expect(row('3. peer').requests).toBe(N + 1);
    // One read per distinct secret: the providers' N / 50, and policy.fingerprintKey.
    expect(row('7. secret reads').requests).toBe(`${N / 50 + 1} reads / ${N / 50 + 1} distinct`);
    // The creates, and the reads a plan needs: company, one page of the live list, sequences.
    expect(Number(row('5. apply').requests) - APPLY).toBeGreaterThanOrEqual(2);
    expect(Number(row('5. apply').requests) - APPLY).toBeLessThanOrEqual(3);
    expect(row('6. apply').note).toMatch(/429 surfaced: no$/);
    // With a round trip per request: the plan's reads stay one page and the company, the peer's one per provider.
    expect(row('9. no-op plan').requests).toBeLessThanOrEqual(Math.ceil(LATENCY_N / 1000) + 2);
    expect(row('9. peer').requests).toBe(LATENCY_N + 1);
    // Many environments in one run read what the separate runs read: per environment one page of
    // providers and the same constant (the company, ...), nothing more.
    const one = Number(row('10. drift --all-environments').requests);
    expect(row(`10. ${ENVS} separate`).requests).toBe(one);
    const perEnv = one / ENVS - Math.ceil(PER_ENV / 1000);
    expect(Number.isInteger(perEnv)).toBe(true);
    expect(perEnv).toBeGreaterThanOrEqual(1);
    expect(perEnv).toBeLessThanOrEqual(4);
    expect(row('10. drift --all-environments').note).toContain(`= ${ENVS} x (ceil(${PER_ENV}/1000) + ${perEnv}); the separate runs' ${one}: the same`);
    expect(row(`10. ${ENVS} separate`).note).toMatch(/^target >= 10x: (met|not met)$/);
    // The whole account (issue 15): a page of providers, then one request per other thing read
    // (company, sequences, a page of API keys, webhooks, whitelist), whatever the number of keys
    // and sequences; the providers-only plan of the same providers reads the pages and the company.
    expect(row('11. no-op plan at').requests).toBe(Math.ceil(N / 1000) + 1);
    const whole = row('11. no-op plan, whole account');
    expect(whole.case).toBe(`11. no-op plan, whole account at ${N} + 20 API keys`);
    expect(whole.requests).toBe(Math.ceil(N / 1000) + 5);
    expect(whole.ratio).toBeGreaterThan(0);
    expect(whole.note).toMatch(new RegExp(`^requests ${Math.ceil(N / 1000) + 5}, expected ${Math.ceil(N / 1000) + 5} = ceil\\(${N}/1000\\) \\+ 5 \\(company, sequences, API keys, webhooks, whitelist\\): met; providers only ${Math.ceil(N / 1000) + 1}; live matched git: ${N} providers, [1-9]\\d* sequences, 22 settings$`));
  });
});
