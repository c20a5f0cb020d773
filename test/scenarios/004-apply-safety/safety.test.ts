// apply asks before it writes, applies a saved plan exactly, and refuses a stale one.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { canaries, runCli, workspace } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

describe('apply safety', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    env = { XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': configYaml(),
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
      'providers/b.yaml': providerYaml({ name: 'Beta', percent: '2' }),
    });
  });

  it('refuses without a terminal or --auto-approve, changing nothing', async () => {
    const r = await runCli(['apply'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apply needs a confirmation and there is no terminal to ask on');
    expect(r.stderr).toContain('--auto-approve');
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir, env })).code).toBe(2);
  });

  it('applies a saved plan exactly, and the plan file holds no secret', async () => {
    const plan = await runCli(['plan', '--out', 'plan.json'], { cwd: dir, env });
    expect(plan.code).toBe(0);
    const saved = await readFile(path.join(dir, 'plan.json'), 'utf8');
    expect(saved).not.toContain(env.XENDIT_SECRET);
    expect(JSON.parse(saved).changes[0].operations[0].secrets.clientSecret.fingerprint).toMatch(/^scrypt-v1:/);

    // A file edited after the plan is not applied: the saved plan is what was reviewed.
    const apply = await runCli(['apply', 'plan.json'], { cwd: dir, env });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('2 created');
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir, env })).code).toBe(0);
  });

  it('refuses a stale plan and names the providers that moved', async () => {
    await runCli(['apply', '--auto-approve'], { cwd: dir, env });
    const file = path.join(dir, 'providers/a.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('percent: "1.5"', 'percent: "3"'));
    expect((await runCli(['plan', '--out', 'plan.json'], { cwd: dir, env })).code).toBe(0);

    // Meanwhile someone else changes Beta live, and Alpha's secret rotates.
    const other = path.join(dir, 'providers/b.yaml');
    await writeFile(other, (await readFile(other, 'utf8')).replace('percent: "2"', 'percent: "2.5"'));
    await runCli(['apply', '--auto-approve', '--target', 'Beta'], { cwd: dir, env });

    const r = await runCli(['apply', 'plan.json'], { cwd: dir, env: { XENDIT_SECRET: canaries()[1]! } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Alpha its desired state or one of its secrets changed since the plan/);
    // Beta is neither changed by the plan nor needed for the coverage of what it changes: reported, not a reason.
    expect(r.stdout).toMatch(/Moved since the plan, not touched by it: Beta \(version 1 -> 2, now ACTIVE\)/);
    expect(r.stderr).not.toContain('Beta');
    expect(r.stderr).toContain('Run plan again');
  });

  it('refuses a file that is not a plan', async () => {
    await writeFile(path.join(dir, 'plan.json'), '{"hello": 1}');
    const r = await runCli(['apply', 'plan.json'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('plan.json: not a plan file');
  });
});
