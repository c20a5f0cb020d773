// A holding group with one environment per client: the matrix a pull request builds from
// `environments --changed-since` holds exactly the clients it touches.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, workspace } from '../../helpers/cli.js';

const CLIENTS = Array.from({ length: 200 }, (_, i) => `client-${String(i + 1).padStart(3, '0')}`);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: cwd, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1' },
  });
}

function provider(name: string): string {
  return [
    'apiVersion: paystrator-gitops/v1',
    'kind: Provider',
    `metadata: { name: ${name} }`,
    'spec:',
    '  type: DIRECT',
    '  integration: ovo',
    '  services: [EWALLET]',
    '  credentials: { clientKey: k, clientSecret: { secretRef: { store: env, name: OVO } }, merchantId: "1", storeCode: A }',
    '  fee: { type: PERCENTAGE, percent: "1.5" }',
    '  tax: { vatPercent: "11", applyVat: true }',
    '  status: ACTIVE',
    '',
  ].join('\n');
}

const config = [
  'environments:',
  '  sandbox: { endpoint: embedded, providers: ["clients/client-001/**/*.yaml", "!clients/client-001/**/draft-*.yaml"] }',
  ...CLIENTS.map((c) => `  ${c}: { endpoint: "https://paystrator.example/api", client: ${c}, apiKey: { secretRef: { store: env, name: KEY } }, providers: "clients/${c}/**/*.yaml" }`),
  'secretStores:',
  '  env: { type: env }',
  '',
].join('\n');

describe('environments of a 200-client workspace', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await workspace({
      'paystrator.yaml': config,
      ...Object.fromEntries(CLIENTS.map((c) => [`clients/${c}/providers/ovo.yaml`, provider(`OVO ${c}`)])),
      'docs/notes.md': 'not desired state\n',
    });
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'all clients');
    git(dir, 'checkout', '-qb', 'change');
  });

  it('lists every environment in the order of paystrator.yaml', async () => {
    const text = await runCli(['environments'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual(['sandbox', ...CLIENTS]);

    const json = await runCli(['environments', '--format', 'json'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ include: ['sandbox', ...CLIENTS].map((environment) => ({ environment })) });
  });

  it('--out also writes the matrix to a file, for the workflow step that reads it; an unwritable one is an error', async () => {
    const out = path.join(await tempDir('environments-out-'), 'matrix.json');
    const r = await runCli(['environments', '--out', out], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['sandbox', ...CLIENTS]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual({ include: ['sandbox', ...CLIENTS].map((environment) => ({ environment })) });
    const bad = await runCli(['environments', '--format', 'json', '--out', path.join(out, 'not-a-folder', 'm.json')], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('cannot write the matrix file');
  });

  it('a commit touching three clients (an edit, a new file, a deletion) gives exactly those three', async () => {
    await writeFile(path.join(dir, 'clients/client-007/providers/ovo.yaml'), provider('OVO renamed'));
    await mkdir(path.join(dir, 'clients/client-123/providers/extra'), { recursive: true });
    await writeFile(path.join(dir, 'clients/client-123/providers/extra/dana.yaml'), provider('Another'));
    await rm(path.join(dir, 'clients/client-200/providers/ovo.yaml'));
    await writeFile(path.join(dir, 'docs/notes.md'), 'still not desired state\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'three clients');

    const r = await runCli(['environments', '--format', 'json', '--changed-since', 'main'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ include: [{ environment: 'client-007' }, { environment: 'client-123' }, { environment: 'client-200' }] });

    // Nothing changed since the branch's own tip.
    const none = await runCli(['environments', '--format', 'json', '--changed-since', 'HEAD'], { cwd: dir });
    expect(JSON.parse(none.stdout)).toEqual({ include: [] });
    const noneText = await runCli(['environments', '--changed-since', 'HEAD'], { cwd: dir });
    expect(noneText.stdout).toBe('');
    expect(noneText.stderr).toContain('no environment is touched by a change since HEAD');
  });

  it('uncommitted and untracked files count; the sandbox shares client-001\'s files, except its excluded drafts', async () => {
    await writeFile(path.join(dir, 'clients/client-001/providers/draft-x.yaml'), provider('Draft'));
    const draft = await runCli(['environments', '--changed-since', 'HEAD'], { cwd: dir });
    expect(draft.stdout.trim().split('\n')).toEqual(['client-001']);
    await writeFile(path.join(dir, 'clients/client-001/providers/new.yaml'), provider('New'));
    const r = await runCli(['environments', '--changed-since', 'HEAD'], { cwd: dir });
    expect(r.stdout.trim().split('\n')).toEqual(['sandbox', 'client-001']);
    await rm(path.join(dir, 'clients/client-001/providers/new.yaml'));
    await rm(path.join(dir, 'clients/client-001/providers/draft-x.yaml'));
  });

  it('a change to paystrator.yaml touches every environment', async () => {
    await writeFile(path.join(dir, 'paystrator.yaml'), config + '# a comment\n');
    const r = await runCli(['environments', '--format', 'json', '--changed-since', 'HEAD'], { cwd: dir });
    expect(JSON.parse(r.stdout).include).toHaveLength(201);
    git(dir, 'checkout', '-q', '--', 'paystrator.yaml');
  });

  it('an unknown ref, an option-like ref and a folder outside git are errors, exit 1', async () => {
    const bad = await runCli(['environments', '--changed-since', 'no-such-branch'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/git diff failed: .*no-such-branch/);
    expect(bad.stderr).not.toContain('internal error');

    const option = await runCli(['environments', '--changed-since=--output=/tmp/x'], { cwd: dir });
    expect(option.code).toBe(1);
    expect(option.stderr).toContain('--changed-since needs a git ref');

    const outside = await workspace({ 'paystrator.yaml': config });
    const r = await runCli(['environments', '--changed-since', 'main'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: path.dirname(outside) } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/git rev-parse failed: .*not a git repository/);
  });
});
