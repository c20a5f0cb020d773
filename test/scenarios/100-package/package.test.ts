// The package as a company installs it: `npm pack`, install the tarball into an empty folder with
// no network, `init` a config repository there, and run the commands from that folder only.
//
// No network: `npm install <tarball>` would ask the registry for every dependency's metadata, which
// the npm cache that `npm ci` filled does not hold (npm ci fetches tarballs only). So the new project
// gets a lockfile naming the tarball and this repository's own resolved production tree, and
// `npm ci --offline` installs it from the cache: the tree a fresh install resolves today.
//
// The install folder is under the OS temp dir, not test/.tmp: inside this repository, a dependency
// missing from the package would silently resolve from the repository's own node_modules. All the
// CLI's output is still captured for the canary scan.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, type CliResult } from '../../helpers/cli.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const TIMEOUT = 300_000;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      capture(`${path.basename(cmd)} ${args.join(' ')}`, `${stdout}\n--- stderr\n${stderr}`).then(() => resolve({ code, stdout, stderr }), reject);
    });
  });
}

interface LockEntry {
  version: string;
  name?: string;
  dev?: boolean;
  devOptional?: boolean;
  link?: boolean;
}

/** package.json and package-lock.json for a project that depends on the tarball alone. */
async function offlineProject(dir: string, tarball: string): Promise<void> {
  const lock = JSON.parse(await readFile(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const own = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const packages: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key || entry.dev || entry.devOptional || entry.link) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // This machine's npm omits registry URLs from lockfiles; the offline install needs them.
    packages[key] = { resolved: `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`, ...entry };
  }
  const integrity = 'sha512-' + createHash('sha512').update(await readFile(tarball)).digest('base64');
  const root = { name: 'payments-config', version: '1.0.0', private: true, dependencies: { 'paystrator-gitops': `file:${tarball}` } };
  packages['node_modules/paystrator-gitops'] = {
    version: own.version,
    resolved: `file:${tarball}`,
    integrity,
    license: own.license,
    dependencies: own.dependencies,
    bin: own.bin,
    engines: own.engines,
  };
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(root, null, 2) + '\n');
  await writeFile(path.join(dir, 'package-lock.json'), JSON.stringify({ name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages: { '': root, ...packages } }, null, 2));
}

describe('the npm package, installed and used from an empty folder', () => {
  let tmp: string;
  let dir: string;
  let tarball: string;
  let install: CliResult;
  let packed: string[] = [];
  const cli = (...args: string[]) => run(process.execPath, [path.join(dir, 'node_modules/paystrator-gitops/bin/paystrator-gitops.js'), ...args], dir);

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'paystrator-package-'));
    // --ignore-scripts: `prepare` would rebuild dist/ while other test files run the CLI from it.
    const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], REPO_ROOT);
    expect(pack.code, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
    tarball = path.join(tmp, info!.filename);
    packed = info!.files.map((f) => f.path);

    dir = path.join(tmp, 'payments-config');
    await mkdir(dir);
    await offlineProject(dir, tarball);
    install = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir);
  }, TIMEOUT);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ships the CLI, schemas, templates and licence, and no source maps or sources', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/paystrator-gitops.js', 'dist/cli/main.js', 'schemas/provider.schema.json', 'templates/init/gitignore', 'templates/init/.github/workflows/plan.yml']) {
      expect(packed).toContain(f);
    }
    expect(packed.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });

  it('installs with no network and no engine warning', () => {
    expect(install.stderr + install.stdout).not.toMatch(/EBADENGINE/);
    expect(install.code, install.stderr).toBe(0);
  });

  it('init, validate, plan, apply, then nothing to do', { timeout: TIMEOUT }, async () => {
    const init = await cli('init');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('= package.json exists: left as it is');
    expect(init.stdout).toContain('+ paystrator.yaml');

    const validate = await cli('validate');
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain('Valid: 1 provider (environment sandbox).');

    const plan = await cli('plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('+ create Xendit Main');
    expect(plan.stdout).toContain('Plan: 1 to create, 0 to update, 0 to deactivate, 0 unchanged.');

    const saved = await cli('plan', '--out', 'plan.json');
    expect(saved.code, saved.stderr).toBe(0);

    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 1 created, 0 updated, 0 status changes, 0 failed.');

    const again = await cli('plan', '--detailed-exitcode');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git (1 provider');
  });

  // `show` comes from the show/version work merged alongside this one.
  it('show renders the saved plan offline', { timeout: TIMEOUT }, async () => {
    const show = await cli('show', 'plan.json');
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('Xendit Main');
  });
});
