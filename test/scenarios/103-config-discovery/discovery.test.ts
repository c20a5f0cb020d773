// The config is found as git finds .git: here or in the nearest parent; paths in it stay relative
// to its own folder, whatever folder the command runs from.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, workspace } from '../../helpers/cli.js';

describe('config discovery', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await workspace({}, { withExamples: true });
    await mkdir(path.join(dir, 'providers/deep/deeper'), { recursive: true });
  });

  it('validates, plans and applies from a subfolder against the config above it', async () => {
    const sub = path.join(dir, 'providers/deep/deeper');
    const v = await runCli(['validate'], { cwd: sub });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('Valid: 5 providers (environment sandbox).');

    const apply = await runCli(['apply', '--auto-approve'], { cwd: sub });
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('5 created');
    // The sandbox state is the config folder's, so a run from the top sees what the subfolder applied.
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes.');
  });

  it('names the discovered config relative to where the command runs', async () => {
    const broken = await workspace({ 'paystrator.yaml': 'environments:\n  sandbox: { endpoint: embedded }\n', 'a/b/.keep': '' });
    const r = await runCli(['validate'], { cwd: path.join(broken, 'a/b') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(path.join('..', '..', 'paystrator.yaml'));
    expect(r.stderr).not.toContain('internal error');
  });

  it('without a config anywhere above: a clear error naming the folder and init, exit 1', async () => {
    const empty = await tempDir('noconfig-');
    // test/.tmp is inside this repository, whose own paystrator.yaml is a parent: --config is the
    // only way around it here, so the error is checked through a folder that has none above it.
    const r = await runCli(['plan'], { cwd: '/' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no paystrator.yaml in / or any parent; run paystrator-gitops init');
    expect(r.stderr).not.toContain('internal error');

    const given = await runCli(['plan', '--config', 'missing.yaml'], { cwd: empty });
    expect(given.code).toBe(1);
    expect(given.stderr).toContain('config file missing.yaml not found');
  });

  it('commands that need no config run outside a config repository', async () => {
    const r = await runCli(['init', '--dry-run'], { cwd: '/' });
    expect(r.code).toBe(0);
  });
});
