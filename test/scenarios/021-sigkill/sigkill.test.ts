// Apply killed with SIGKILL at a random moment, then run again: the same saved plan, or a fresh
// plan. Each of 20 runs creates 10 providers and updates the 10 of the run before (a new fee, and
// for half of them a status change after it), so kills land between creates, between the two
// writes of one provider, and between a write and its answer. Every rerun must converge with no
// duplicate.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace } from '../../helpers/cli.js';
import { fileOf, httpConfig, listProviders, RW, spawnCli } from '../../helpers/apply.js';
import { providerYaml, type ProviderFixture } from '../../helpers/fixtures.js';
import { seededRandom } from '../../../src/sandbox/faults.js';

const RUNS = 20;
const BATCH = 10;
// Which apply is killed and which reruns it.
const MODES = [
  { killed: 'saved', rerun: 'saved' },
  { killed: 'saved', rerun: 'fresh' },
  { killed: 'fresh', rerun: 'fresh' },
] as const;

/** One lane of runs on its own sandbox and workspace; lanes run side by side. */
async function lane(id: number, runs: number, log: string[]): Promise<void> {
  const sandbox = await serveSandbox(['--latency-ms', '2-25', '--seed', String(21 + id)]);
  const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
  const random = seededRandom(2021 + id);
  const want = new Map<string, ProviderFixture>();
  try {
    const dir = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), 'providers/.keep': '' });
    const put = async (p: ProviderFixture) => {
      want.set(p.name, p);
      await writeFile(path.join(dir, fileOf(p.name)), providerYaml(p));
    };
    const applyArgs = (mode: 'saved' | 'fresh') => (mode === 'saved' ? ['apply', '--env', 'http', 'plan.json'] : ['apply', '--env', 'http', '--auto-approve', '--allow-large-change', '--parallelism', '4']);

    for (let run = 0; run < runs; run++) {
      const mode = MODES[(run + id) % MODES.length]!;
      for (let j = 0; j < BATCH; j++) await put({ name: `Run ${run} P${j}`, percent: '1.5' });
      if (run > 0) {
        for (let j = 0; j < BATCH; j++) await put({ name: `Run ${run - 1} P${j}`, percent: `${run + 2}.25`, status: j % 2 ? 'MAINTENANCE' : 'ACTIVE' });
      }
      if (mode.killed === 'saved') {
        const plan = await runCli(['plan', '--env', 'http', '--allow-large-change', '--out', 'plan.json'], { cwd: dir, env });
        expect(plan.code, plan.stderr).toBe(0);
      }

      // Kill either at a random moment from the start, or a random moment after writing began.
      const child = spawnCli(applyArgs(mode.killed), { cwd: dir, env });
      const anchored = random() < 0.7;
      if (anchored) await child.waitFor(/Applying to environment/);
      await new Promise((r) => setTimeout(r, Math.floor(random() * (anchored ? 250 : 1500))));
      child.kill('SIGKILL');
      const killed = await child.done;
      const finished = (killed.stdout.match(/: (created|updated)\n/g) ?? []).length;

      const rerun = await runCli(applyArgs(mode.rerun), { cwd: dir, env });
      const what = `lane ${id} run ${run}: ${mode.killed} apply killed (${killed.signal ?? `exit ${killed.code}`}) after ${finished}+ providers; ${mode.rerun} rerun: ${rerun.stdout.match(/Apply complete.*|Nothing left to apply\.|No changes\..*/)?.[0] ?? ''}`;
      log.push(what);
      expect(rerun.stderr.replace(/^warning: .*\n/gm, ''), what).toBe('');
      expect(rerun.code, what).toBe(0);

      // Live equals git exactly, each provider once.
      const live = await listProviders(sandbox.url);
      expect(live).toHaveLength(want.size);
      expect(new Set(live.map((p) => p.name)).size).toBe(want.size);
      for (const p of live) {
        const w = want.get(p.name)!;
        expect({ name: p.name, percent: p.fee.type === 'PERCENTAGE' ? p.fee.percent : null, status: p.status }, `${what}\n${killed.stdout}\n${rerun.stdout}`).toEqual({ name: w.name, percent: w.percent, status: w.status ?? 'ACTIVE' });
      }
    }
    const final = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(final.code).toBe(0);
    expect(final.stdout).toContain(`No changes. Live matches git (${runs * BATCH} providers).`);
  } finally {
    await sandbox.stop();
  }
}

describe('apply killed at a random moment', () => {
  it(`converges on rerun, with no duplicate, in ${RUNS} runs`, { timeout: 900_000 }, async () => {
    const log: string[] = [];
    try {
      await Promise.all([lane(0, RUNS / 2, log), lane(1, RUNS / 2, log)]);
    } finally {
      await capture('sigkill runs', log.join('\n'));
    }
    expect(log).toHaveLength(RUNS);
  });
});
