// `init` as a new user runs it: what it writes, that it never overwrites, that the result validates
// and plans on the embedded sandbox, and that --dry-run's diff is the files it would write.
import { execFileSync } from 'node:child_process';
import { readdir, readFile, stat, symlink, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, tempDir } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const WRITTEN = [
  'package.json',
  '.github/CODEOWNERS',
  '.github/workflows/apply.yml',
  '.github/workflows/drift.yml',
  '.github/workflows/plan.yml',
  '.gitignore',
  'paystrator.yaml',
  'providers/xendit-main.yaml',
  'secrets/sandbox-fake-secrets.yaml',
];

async function files(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await files(dir, p)));
    else out.push(p);
  }
  return out.sort();
}

describe('init', () => {
  it('writes a config repository, says what to do next, and it validates and plans on the sandbox', async () => {
    const parent = await tempDir('init-');
    const r = await runCli(['init', 'payments-config'], { cwd: parent });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const f of WRITTEN) expect(r.stdout).toContain(`+ ${f}\n`);
    expect(r.stdout).toContain(`Wrote ${WRITTEN.length} files in payments-config.`);
    expect(r.stdout).toMatch(/Next:\n {2}cd payments-config\n {2}npm install\n {2}npx paystrator-gitops plan/);
    // What it wrote, as a diff, before the summary.
    expect(r.stdout).toContain('diff --git a/paystrator.yaml b/paystrator.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/paystrator.yaml\n@@ -0,0 +1,');
    expect(r.stdout.indexOf('+++ b/.gitignore')).toBeLessThan(r.stdout.indexOf('Wrote 9 files'));

    const dir = path.join(parent, 'payments-config');
    expect(await files(dir)).toEqual([...WRITTEN].sort());
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    const own = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('payments-config');
    expect(pkg.dependencies).toEqual({ 'paystrator-gitops': `^${own.version}` });
    expect(pkg.scripts).toMatchObject({ validate: 'paystrator-gitops validate', plan: 'paystrator-gitops plan' });
    expect((await readFile(path.join(dir, '.gitignore'), 'utf8')).split('\n')).toEqual(expect.arrayContaining(['node_modules/', '.paystrator/', 'plan.json']));
    expect(await readFile(path.join(dir, '.github/CODEOWNERS'), 'utf8')).toMatch(/^\/paystrator\.yaml\s+@/m);
    const config = parse(await readFile(path.join(dir, 'paystrator.yaml'), 'utf8'));
    expect(config.environments.sandbox.endpoint).toBe('embedded');
    expect(config.environments.production.apiKey).toEqual({ secretRef: { store: 'env', name: 'PAYSTRATOR_API_KEY' } });

    // The modelines name the schemas as installed: node_modules/paystrator-gitops is this package.
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(REPO_ROOT, path.join(dir, 'node_modules/paystrator-gitops'));
    for (const f of ['paystrator.yaml', 'providers/xendit-main.yaml']) {
      const line = (await readFile(path.join(dir, f), 'utf8')).split('\n')[0]!;
      const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(line);
      expect(m?.[1], f).toMatch(/node_modules\/paystrator-gitops\/schemas\/(provider|config)\.schema\.json$/);
      expect((await stat(path.resolve(path.dirname(path.join(dir, f)), m![1]!))).isFile()).toBe(true);
    }

    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('Valid: 1 provider (environment sandbox).');
    const plan = await runCli(['plan', '--detailed-exitcode'], { cwd: dir });
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('+ create Xendit Main');
    expect(plan.stdout).not.toContain('fake-sandbox');
    const envs = await runCli(['environments'], { cwd: dir });
    expect(envs.stdout).toBe('sandbox\nproduction\n');
  });

  it('never overwrites a file: existing ones are kept byte for byte and named', async () => {
    const dir = await tempDir('init-existing-');
    await writeFile(path.join(dir, 'paystrator.yaml'), '# mine\n');
    await writeFile(path.join(dir, 'package.json'), '{"name":"mine"}\n');
    const r = await runCli(['init', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('+++ ');
    expect(r.stdout).toContain('= paystrator.yaml exists: left as it is');
    expect(r.stdout).toContain('= package.json exists: left as it is');
    expect(r.stdout).toContain(`Wrote ${WRITTEN.length - 2} files in ., skipped 2 that already existed.`);
    expect(r.stdout).toContain('make sure it depends on paystrator-gitops');
    expect(await readFile(path.join(dir, 'paystrator.yaml'), 'utf8')).toBe('# mine\n');
    expect(await readFile(path.join(dir, 'package.json'), 'utf8')).toBe('{"name":"mine"}\n');

    const again = await runCli(['init'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Wrote 0 files in ., skipped 9 that already existed.');
    expect(again.stdout).not.toContain('+++ ');
    const dry = await runCli(['init', '--dry-run', '--detailed-exitcode'], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('');
  });

  it('refuses a target that is a file', async () => {
    const dir = await tempDir('init-file-');
    await writeFile(path.join(dir, 'taken'), 'x');
    const r = await runCli(['init', 'taken'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('taken is a file, not a folder');
    expect(r.stderr).not.toContain('internal error');
  });

  it('--dry-run prints a diff that git applies to an empty folder, and writes nothing', async () => {
    const dir = await tempDir('init-dry-');
    await writeFile(path.join(dir, 'paystrator.yaml'), '# mine\n');
    const r = await runCli(['init', '--dry-run', '--detailed-exitcode'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(await files(dir)).toEqual(['paystrator.yaml']);
    expect(r.stderr).toContain('paystrator.yaml exists: would be left as it is');
    expect(r.stderr).toContain(`Dry run: ${WRITTEN.length - 1} files would be created in .; nothing was written.`);
    expect(r.stdout).toContain('--- /dev/null\n+++ b/providers/xendit-main.yaml\n@@ -0,0 +1,');
    expect(r.stdout).not.toContain('b/paystrator.yaml');

    const patch = path.join(await tempDir('init-patch-'), 'init.patch');
    await writeFile(patch, r.stdout);
    const target = await tempDir('init-apply-');
    execFileSync('git', ['init', '-q'], { cwd: target });
    execFileSync('git', ['apply', '--check', patch], { cwd: target });
    execFileSync('git', ['apply', patch], { cwd: target });
    const real = await tempDir('init-real-');
    await runCli(['init'], { cwd: real });
    // The same files as a real run writes; package.json's name is each folder's own.
    const read = async (d: string, f: string) => (await readFile(path.join(d, f), 'utf8')).replace(/"name": "[^"]*"/, '"name": "x"');
    for (const f of WRITTEN.filter((f) => f !== 'paystrator.yaml')) expect(await read(target, f), f).toBe(await read(real, f));
  });

  const workflows = ['plan.yml', 'apply.yml', 'drift.yml'];
  it.each(workflows)('the %s it writes is a valid workflow, calls the action, and pins other actions by commit', async (f) => {
    const text = await readFile(path.join(REPO_ROOT, 'templates/init/.github/workflows', f), 'utf8');
    expect(validateWorkflow(text).errors).toEqual([]);
    const wf = parse(text) as { permissions: unknown; jobs: Record<string, { permissions: object; steps: { uses?: string; run?: string; with?: Record<string, string> }[] }> };
    expect(wf.permissions).toEqual({});
    const uses = Object.values(wf.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => !!u));
    const calls = Object.values(wf.jobs).flatMap((j) => j.steps).filter((s) => s.uses?.startsWith('paystrator-gitops/paystrator-gitops@'));
    // Every command runs through the action; the one the workflow is named after runs per matrix
    // entry, or for apply in the run the queue started for one environment.
    const environment = f === 'apply.yml' ? '${{ inputs.environment }}' : '${{ matrix.environment }}';
    expect(calls.find((s) => s.with?.command === f.replace('.yml', ''))?.with).toMatchObject({ environment });
    for (const s of Object.values(wf.jobs).flatMap((j) => j.steps)) expect(s.run ?? '').not.toMatch(/paystrator-gitops|npx|npm ci/);
    for (const u of uses.filter((u) => !u.startsWith('paystrator-gitops/'))) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    for (const line of text.split('\n').filter((l) => /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40}/.test(l))) expect(line).toMatch(/# v\d+\.\d+\.\d+$/);
    for (const s of Object.values(wf.jobs).flatMap((j) => j.steps)) expect(s.run ?? '').not.toMatch(/\$\{\{/);
  });
});
