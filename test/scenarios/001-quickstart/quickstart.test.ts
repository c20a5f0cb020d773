// The README's quickstart, as a new user runs it, on a copy of the repository's own examples.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, workspace } from '../../helpers/cli.js';

describe('quickstart on the embedded sandbox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await workspace({}, { withExamples: true });
  });

  it('plans the example providers as creates, applies them, then has nothing to do', async () => {
    const plan = await runCli(['plan'], { cwd: dir });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    for (const name of ['Xendit Main', 'BCA Direct', 'Midtrans Cards', 'OVO', 'DANA QRIS']) expect(plan.stdout).toContain(`+ create ${name}`);
    expect(plan.stdout).toContain('spec.credentials.clientSecret:');
    expect(plan.stdout).toContain('(sensitive)');
    expect(plan.stdout).toContain('Plan: 5 to create, 0 to update, 0 to deactivate, 0 unchanged.');

    const apply = await runCli(['apply', '--auto-approve'], { cwd: dir });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 5 created, 0 updated, 0 status changes, 0 failed.');

    const again = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git (5 providers).');
  });

  it('shows exactly one field change when a fee is edited, and applies it', async () => {
    const file = path.join(dir, 'providers/ovo.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('percent: "1.5"', 'percent: "2.25"'));

    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('~ update OVO');
    expect(plan.stdout).toMatch(/spec\.fee\.percent: "1\.5" -> "2\.25"/);
    expect(plan.stdout).toContain('Plan: 0 to create, 1 to update, 0 to deactivate, 4 unchanged.');
    // One field changes; the only other arrow is the fee's effect on a sample amount.
    const changedLines = plan.stdout.split('\n').filter((l) => /^\s+spec\.|^\s+metadata\./.test(l));
    expect(changedLines).toEqual(['      spec.fee.percent: "1.5" -> "2.25"']);

    const json = JSON.parse((await runCli(['plan', '--format', 'json'], { cwd: dir })).stdout);
    expect(json.formatVersion).toBe(2);
    expect(json.changes.find((c: { name: string }) => c.name === 'OVO').fields).toEqual([{ field: 'spec.fee.percent', before: '1.5', after: '2.25' }]);

    const apply = await runCli(['apply', '--auto-approve'], { cwd: dir });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('0 created, 1 updated, 0 status changes, 0 failed');
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir })).code).toBe(0);
  });

  it('validates the examples offline', async () => {
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Valid: 5 providers (environment sandbox).');
  });
});
