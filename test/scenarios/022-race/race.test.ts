// Two applies racing on the same providers, and a saved plan overtaken by a concurrent change.
// If-Match makes every write conditional on the version its plan read, so the later writer of a
// provider either saw the earlier write in its plan or fails with a conflict: no update is lost.
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, tempDir, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { fileOf, httpConfig, listProviders, providerFiles, RW, spawnCli } from '../../helpers/apply.js';
import { providerYaml } from '../../helpers/fixtures.js';

const N = 20;
const names = Array.from({ length: N }, (_, i) => `Race ${String(i).padStart(2, '0')}`);

async function withFee(dir: string, percent: string): Promise<void> {
  for (const name of names) await writeFile(path.join(dir, fileOf(name)), providerYaml({ name, percent }));
}

/** Per provider, the fee each plan shown in `stdout` started from ("before"). */
function planBefore(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of stdout.matchAll(/~ update (Race \d+)[^\n]*\n\s+spec\.fee\.percent: "([\d.]+)" -> /g)) out.set(m[1]!, m[2]!);
  return out;
}
const updated = (stdout: string) => new Set([...stdout.matchAll(/~ (Race \d+): updated/g)].map((m) => m[1]!));
const conflicted = (stderr: string) => new Set([...stderr.matchAll(/conflict: (Race \d+) was changed by someone else/g)].map((m) => m[1]!));

describe('concurrent applies', () => {
  let sandbox: ServedSandbox;
  const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
  let dirA: string;
  let dirB: string;

  beforeAll(async () => {
    // Slow answers hold the race open: A updates one provider at a time while B plans and writes.
    sandbox = await serveSandbox(['--latency-ms', '400']);
    dirA = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), ...providerFiles(names.map((name) => ({ name, percent: '1' }))) });
    const setup = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dirA, env });
    expect(setup.stdout).toContain(`${N} created`);
    dirB = await tempDir('ws-b-');
    await cp(dirA, dirB, { recursive: true });
    await withFee(dirA, '2');
    await withFee(dirB, '3');
  }, 300_000);
  afterAll(() => sandbox.stop());

  it('never loses an update: the later writer saw the earlier write, or reports a conflict and exits 1', { timeout: 300_000 }, async () => {
    const args = ['apply', '--env', 'http', '--auto-approve', '--allow-large-change'];
    const a = spawnCli([...args, '--parallelism', '1'], { cwd: dirA, env });
    // B starts once A has written: every provider A has not reached yet is contested.
    expect(await a.waitFor(/: updated\n/)).toBe(true);
    const b = spawnCli([...args, '--parallelism', '4'], { cwd: dirB, env });
    const [ra, rb] = await Promise.all([a.done, b.done]);

    const live = new Map((await listProviders(sandbox.url)).map((p) => [p.name, p]));
    const okA = updated(ra.stdout);
    const okB = updated(rb.stdout);
    const lostA = conflicted(ra.stderr);
    const lostB = conflicted(rb.stderr);
    const beforeB = planBefore(rb.stdout);
    expect(planBefore(ra.stdout)).toEqual(new Map(names.map((n) => [n, '1'])));
    for (const name of names) {
      // Each apply reports every provider exactly once: done, or a conflict.
      expect([okA.has(name), lostA.has(name)].filter(Boolean), `A on ${name}`).toHaveLength(1);
      expect([okB.has(name), lostB.has(name)].filter(Boolean), `B on ${name}`).toHaveLength(1);
      const fee = (live.get(name)!.fee as { percent: string }).percent;
      if (okA.has(name) && okB.has(name)) {
        // Both wrote: B's plan was made after A's write and showed it.
        expect(beforeB.get(name), name).toBe('2');
        expect(fee).toBe('3');
      } else if (okB.has(name)) {
        expect(fee).toBe('3');
      } else {
        expect(okA.has(name), name).toBe(true);
        expect(fee).toBe('2');
      }
    }
    // The race happened, and whoever lost one says so and fails.
    expect(lostA.size + lostB.size).toBeGreaterThan(0);
    expect(ra.code).toBe(lostA.size ? 1 : 0);
    expect(rb.code).toBe(lostB.size ? 1 : 0);
    if (lostB.size) expect(rb.stdout).toMatch(new RegExp(`${lostB.size} failed`));
  });

  it('refuses a saved plan overtaken by a change made since, naming each provider that moved and writing nothing', { timeout: 300_000 }, async () => {
    await withFee(dirA, '4');
    const plan = await runCli(['plan', '--env', 'http', '--allow-large-change', '--out', 'plan.json'], { cwd: dirA, env });
    expect(plan.code).toBe(0);
    // A person in the dashboard changes two providers after the plan was made.
    const before = new Map((await listProviders(sandbox.url)).map((p) => [p.name, p]));
    for (const name of ['Race 03', 'Race 11']) {
      const p = before.get(name)!;
      const res = await fetch(`${sandbox.url}/v1/providers/${p.id}/status`, {
        method: 'POST', headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', 'if-match': `"${p.version}"` }, body: JSON.stringify({ status: 'MAINTENANCE', reason: 'bank downtime' }),
      });
      expect(res.status).toBe(200);
    }
    const r = await runCli(['apply', '--env', 'http', 'plan.json'], { cwd: dirA, env });
    expect(r.code).toBe(1);
    const v = (name: string) => before.get(name)!.version;
    expect(r.stderr).toContain(`error: Race 03 changed live since the plan (version ${v('Race 03')} -> ${v('Race 03') + 1})`);
    expect(r.stderr).toContain(`error: Race 11 changed live since the plan (version ${v('Race 11')} -> ${v('Race 11') + 1})`);
    expect(r.stderr.match(/changed live since the plan/g)).toHaveLength(2);
    expect(r.stderr).toContain('The saved plan is stale: nothing was applied. Run plan again and review the new plan.');
    const after = await listProviders(sandbox.url);
    for (const p of after) expect(p.version, p.name).toBe(before.get(p.name)!.version + (['Race 03', 'Race 11'].includes(p.name) ? 1 : 0));
    expect(JSON.parse(await readFile(path.join(dirA, 'plan.json'), 'utf8')).changes).toHaveLength(N);
  });
});
