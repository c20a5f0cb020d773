// Every file the tool writes is previewed as a unified diff: drift --write and import print the
// diff of what they write, and with --dry-run print it and write nothing. The printed preview is a
// patch: saved from stdout, `git apply --check` takes it on the untouched tree, and applying it
// gives byte for byte what the real run writes.
import { execFileSync } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, tempDir, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const RO = 'psk_sandbox_ro_0000000000000000';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });

async function gitWorkspace(files: Record<string, string>): Promise<string> {
  const dir = await workspace(files);
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'config');
  return dir;
}

/** A copy of the committed tree with the patch applied: what the real run must write. */
async function applied(dir: string, patch: string): Promise<string> {
  const file = path.join(await tempDir('patch-'), 'preview.patch');
  await writeFile(file, patch);
  git(dir, 'apply', '--check', file);
  const copy = await tempDir('applied-');
  git(copy, 'clone', '-q', dir, '.');
  git(copy, 'apply', file);
  return copy;
}

async function filesUnder(dir: string, sub: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(path.join(dir, sub), { recursive: true, withFileTypes: true })).filter((e) => e.isFile())) {
    const rel = path.relative(dir, path.join(f.parentPath, f.name));
    out[rel] = await readFile(path.join(dir, rel), 'utf8');
  }
  return out;
}

/** Person-written formatting that a write must keep: comments, flow maps, quoting. */
const commented = (yaml: string) =>
  yaml
    .replace('  labels: { team: payments }', '  labels: { team: payments }    # owners: #payments-oncall')
    .replace(/ {2}fee: (.*)\n/, '  # Fee agreed with the provider; see the contract.\n  fee: $1   # per transaction\n');

describe('drift --write previews the drifted scalars, and --dry-run writes nothing', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const ci = { PAYSTRATOR_API_KEY: RO };

  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.status, `${method} ${url}`).toBeLessThan(300);
    return (await res.json()) as { id: string; version: number; data: { id: string; name: string; version: number }[] };
  };

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]!, OTHER_SECRET: canaries()[1]! };
    dir = await gitWorkspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/a.yaml': commented(providerYaml({ name: 'Xendit A' })),
      'providers/b.yaml': providerYaml({ name: 'Xendit B', percent: '2', secretVar: 'OTHER_SECRET', services: ['QR_CODE'] }),
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);
    const page = await api('GET', `/v1/providers?q=${encodeURIComponent('Xendit A')}`);
    const a = page.data.find((p) => p.name === 'Xendit A')!;
    const patched = await api('PATCH', `/v1/providers/${a.id}`, { fee: { type: 'PERCENTAGE', percent: '2.5' } }, { 'if-match': `"${a.version}"` });
    await api('POST', `/v1/providers/${patched.id}/status`, { status: 'MAINTENANCE', reason: 'bank maintenance window' }, { 'if-match': `"${patched.version}"` });
  });
  afterAll(() => sandbox.stop());

  it('nothing to write: the dry run prints no diff and exits 0', async () => {
    const clean = await gitWorkspace({ 'paystrator.yaml': configYaml() });
    const r = await runCli(['drift', '--write', '--dry-run', '--detailed-exitcode'], { cwd: clean });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('diff --git');
  });

  let patch = '';
  it('--dry-run prints exactly the drifted scalars of the commented file, and writes nothing', async () => {
    const before = await filesUnder(dir, 'providers');
    const r = await runCli(['drift', '--env', 'http', '--write', '--dry-run', '--detailed-exitcode'], { cwd: dir, env: ci });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('Dry run: 1 file would be changed; nothing was written.');
    expect(r.stdout).not.toContain('\x1b[');
    patch = r.stdout.slice(r.stdout.indexOf('diff --git'));
    expect(patch).toBe(
      [
        'diff --git a/providers/a.yaml b/providers/a.yaml',
        '--- a/providers/a.yaml',
        '+++ b/providers/a.yaml',
        '@@ -12,6 +12,6 @@',
        '     clientKey: xnd_development_abc123',
        '     clientSecret: { secretRef: { store: env, name: XENDIT_SECRET } }',
        '   # Fee agreed with the provider; see the contract.',
        '-  fee: { type: PERCENTAGE, percent: "1.5" }   # per transaction',
        '+  fee: { type: PERCENTAGE, percent: "2.5" }   # per transaction',
        '   tax: { vatPercent: "11", applyVat: true }',
        '-  status: ACTIVE',
        '+  status: MAINTENANCE',
        '',
      ].join('\n'),
    );
    expect(await filesUnder(dir, 'providers')).toEqual(before);
    expect(git(dir, 'status', '--porcelain')).toBe('');
  });

  it('with --format json, stdout is the report alone and the preview goes to stderr', async () => {
    const r = await runCli(['drift', '--env', 'http', '--write', '--dry-run', '--format', 'json'], { cwd: dir, env: ci });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { drift: boolean }).drift).toBe(true);
    expect(r.stderr).toContain(patch);
  });

  it('the real run writes what the dry run showed, byte for byte, and prints the same diff', async () => {
    const expected = await applied(dir, patch);
    const r = await runCli(['drift', '--env', 'http', '--write'], { cwd: dir, env: ci });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(patch);
    expect(r.stdout).toContain('Wrote live values into 1 file:');
    expect(await filesUnder(dir, 'providers')).toEqual(await filesUnder(expected, 'providers'));
  });

  it('--quiet writes without the diff', async () => {
    const r = await runCli(['drift', '--env', 'http', '--write', '--quiet'], { cwd: dir, env: ci });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('diff --git');
  });

  it('--dry-run without --write is refused', async () => {
    const r = await runCli(['drift', '--env', 'http', '--dry-run'], { cwd: dir, env: ci });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('use drift --write --dry-run');
  });
});

describe('import previews the files it creates, and --dry-run writes nothing', () => {
  let sandbox: ServedSandbox;
  let dir: string;

  beforeAll(async () => {
    sandbox = await serveSandbox();
    for (const [name, percent] of [['Xendit Main', '1.50'], ['Xendit Backup', '2']] as const) {
      const res = await fetch(`${sandbox.url}/v1/providers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          name, type: 'AGGREGATOR', integration: 'xendit', services: ['QR_CODE', 'EWALLET'],
          credentials: { clientKey: 'xnd_development_P4k7', clientSecret: canaries()[0], webhookVerificationToken: canaries()[1] },
          fee: { type: 'PERCENTAGE', percent }, tax: { vatPercent: '11', applyVat: true }, labels: { team: 'payments' },
        }),
      });
      expect(res.status).toBe(201);
    }
    dir = await gitWorkspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }), 'providers/.gitkeep': '' });
  });
  afterAll(() => sandbox.stop());

  let patch = '';
  it('--dry-run prints a creation patch per file, writes nothing, and exits 2 with --detailed-exitcode', async () => {
    const r = await runCli(['import', '--env', 'http', '--dry-run', '--detailed-exitcode'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('Dry run: 2 files would be written from 2 live providers; nothing was written.');
    patch = r.stdout;
    expect(patch).toMatch(/^diff --git a\/providers\/xendit-main\.yaml b\/providers\/xendit-main\.yaml\nnew file mode 100644\n--- \/dev\/null\n\+\+\+ b\/providers\/xendit-main\.yaml\n@@ -0,0 \+1,20 @@\n/);
    expect(patch).toContain('+++ b/providers/xendit-backup.yaml');
    expect(patch).toContain('+    clientSecret: { secretRef: {');
    expect(await readdir(path.join(dir, 'providers'))).toEqual(['.gitkeep']);
  });

  it('the real run creates exactly what the dry run showed, and prints the same diff', async () => {
    const expected = await applied(dir, patch);
    const r = await runCli(['import', '--env', 'http'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith(patch)).toBe(true);
    expect(r.stdout).toContain('Imported 2 of 2 live providers');
    expect(await filesUnder(dir, 'providers')).toEqual(await filesUnder(expected, 'providers'));
  });

  it('--overwrite --dry-run shows what a rewrite changes; once written, a second dry run has nothing to show', async () => {
    const first = await runCli(['import', '--env', 'http', '--overwrite', '--dry-run', '--detailed-exitcode'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(first.code, first.stderr).toBe(2);
    // The secretRefs are kept, so their fill-in comments go: exactly that, nothing else.
    expect(first.stdout.split('\n').filter((l) => /^[-+](?![-+])/.test(l)).every((l) => l.startsWith('-    # fill in: '))).toBe(true);
    const real = await runCli(['import', '--env', 'http', '--overwrite', '--quiet'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(real.code, real.stderr).toBe(0);
    const again = await runCli(['import', '--env', 'http', '--overwrite', '--dry-run', '--detailed-exitcode'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('Dry run: 0 files would be written from 2 live providers; nothing was written.');
  });

  it('--overwrite --dry-run after a live change diffs against the file as it is', async () => {
    const page = (await (await fetch(`${sandbox.url}/v1/providers?q=Backup`, { headers: { authorization: `Bearer ${RW}` } })).json()) as { data: { id: string; version: number }[] };
    const b = page.data[0]!;
    const res = await fetch(`${sandbox.url}/v1/providers/${b.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', 'if-match': `"${b.version}"` },
      body: JSON.stringify({ fee: { type: 'PERCENTAGE', percent: '2.75' } }),
    });
    expect(res.status).toBe(200);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'imported');
    const r = await runCli(['import', '--env', 'http', '--overwrite', '--dry-run', '--detailed-exitcode'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('--- a/providers/xendit-backup.yaml\n+++ b/providers/xendit-backup.yaml\n');
    expect(r.stdout).toContain('-  fee: { type: PERCENTAGE, percent: "2" }\n+  fee: { type: PERCENTAGE, percent: "2.75" }\n');
    expect(r.stdout).not.toContain('xendit-main.yaml');
    const expected = await applied(dir, r.stdout);
    const real = await runCli(['import', '--env', 'http', '--overwrite', '--quiet'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RO } });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).not.toContain('diff --git');
    expect(await filesUnder(dir, 'providers')).toEqual(await filesUnder(expected, 'providers'));
  });

  it('a dry run in a sub-folder of the repository names paths from the repository root', async () => {
    const repo = await tempDir('repo-');
    await cp(dir, path.join(repo, 'config'), { recursive: true, filter: (src) => !src.includes(`${path.sep}.git`) && !src.includes(`${path.sep}providers${path.sep}xendit`) });
    git(repo, 'init', '-q');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'config');
    const r = await runCli(['import', '--env', 'http', '--dry-run'], { cwd: path.join(repo, 'config'), env: { PAYSTRATOR_API_KEY: RO } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+++ b/config/providers/xendit-main.yaml');
    const file = path.join(await tempDir('patch-'), 'sub.patch');
    await writeFile(file, r.stdout);
    git(repo, 'apply', '--check', file);
  });
});
