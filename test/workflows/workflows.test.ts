// The GitHub Actions workflows in .github/workflows: valid against GitHub's workflow schema
// (@action-validator/core), least-privilege, safe for pull requests from forks, and wired as the
// README says.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { glob } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';

const DIR = path.join(REPO_ROOT, '.github/workflows');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

interface Job {
  permissions?: Record<string, string> | string;
  if?: string;
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  steps?: { run?: string; uses?: string; env?: Record<string, string> }[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; paths?: string[] } | null>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
}

const text = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const load = (f: string) => parse(text(f)) as Workflow;
/** The write permissions each workflow needs, and no other. */
const WRITES: Record<string, string[]> = { 'ci.yml': [], 'plan.yml': ['pull-requests'], 'apply.yml': [], 'drift.yml': ['issues'], 'release.yml': ['contents', 'id-token', 'pull-requests'] };

describe('.github/workflows', () => {
  it('holds ci, plan, apply, drift and release', () => {
    expect(files).toEqual(['apply.yml', 'ci.yml', 'drift.yml', 'plan.yml', 'release.yml']);
  });

  it.each(files)('%s is a valid workflow', (f) => {
    const state = validateWorkflow(text(f));
    expect(state.errors).toEqual([]);
  });

  it.each(files)('%s grants each job only the permissions it needs', (f) => {
    const wf = load(f);
    // The workflow default is nothing (or read), so a job without its own block gets no writes.
    expect(wf.permissions === undefined ? 'missing' : wf.permissions).not.toBe('missing');
    expect(JSON.stringify(wf.permissions)).not.toMatch(/write/);
    const writes = new Set<string>();
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect(typeof job.permissions, `${f} job ${name} has its own permissions`).toBe('object');
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect(['read', 'write', 'none']).toContain(level);
        if (level === 'write') writes.add(scope);
      }
    }
    expect([...writes].sort()).toEqual(WRITES[f]);
  });

  it.each(files)('%s never puts event data into a shell command', (f) => {
    for (const job of Object.values(load(f).jobs)) {
      for (const step of job.steps ?? []) expect(step.run ?? '').not.toMatch(/\$\{\{\s*github\.(event|head_ref)/);
    }
  });

  it.each(files)('%s watches paths that exist', async (f) => {
    for (const trigger of Object.values(load(f).on)) {
      for (const pattern of trigger?.paths ?? []) {
        expect(await glob(pattern, { cwd: REPO_ROOT }), `${f}: ${pattern}`).not.toEqual([]);
      }
    }
  });

  it('ci runs the README\'s test command', () => {
    const steps = load('ci.yml').jobs.test!.steps!;
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual(['.ci/run']);
    expect(readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8')).toMatch(/^npm ci .*\n(?:.*\n)*npm test( -- .*)?$/m);
    expect(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain('npm test ');
  });

  it('plan runs on pull requests (never pull_request_target), and plans only those not from forks', () => {
    const wf = load('plan.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.on.pull_request!.paths).toEqual(['providers/**', 'paystrator.yaml']);
    expect(text('plan.yml').replace(/#.*$/gm, '')).not.toMatch(/pull_request_target/);
    const plan = wf.jobs.plan!;
    expect(plan.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    const run = plan.steps!.find((s) => s.run?.includes('plan'))!;
    expect(run.run).toContain('--github-comment');
    expect(run.env!.PAYSTRATOR_API_KEY).toBe('${{ secrets.PAYSTRATOR_READONLY_API_KEY }}');
    // The job without secrets validates every pull request, forks included.
    expect(wf.jobs.validate!.steps!.some((s) => s.run === 'npx paystrator-gitops validate --format github')).toBe(true);
    expect(JSON.stringify(wf.jobs.validate)).not.toContain('secrets.');
  });

  it('apply runs on main behind an environment, one at a time per environment, never cancelled', () => {
    const wf = load('apply.yml');
    expect(wf.on.push!.branches).toEqual(['main']);
    const apply = wf.jobs.apply!;
    expect(apply.environment).toBe('${{ matrix.environment }}');
    expect(apply.concurrency).toEqual({ group: 'paystrator-apply-${{ matrix.environment }}', 'cancel-in-progress': false });
    expect(apply.steps!.some((s) => s.run === 'npx paystrator-gitops apply plan.json')).toBe(true);
    // The read-write key is used only by the job behind the environment.
    expect(JSON.stringify(wf.jobs.plan)).not.toContain('secrets.PAYSTRATOR_API_KEY');
  });

  it('drift runs on a schedule and by hand, and keeps the drift issue', () => {
    const wf = load('drift.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const steps = wf.jobs.drift!.steps!;
    expect(steps.some((s) => s.run?.includes('drift --env "${{ matrix.environment }}" --github-issue'))).toBe(true);
  });
});
