// A holding group's scheduled check in one run (SPEC 5, issue 17 §2): three environments on two
// served sandboxes, one with drift and one whose API key is wrong. Each environment keeps its own
// section, error, exit code contribution and GitHub issue; the files they share are read once.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../servers/github.js';
import { canaries, capture, githubTokenCanary, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { providerYaml } from '../../helpers/fixtures.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const REPO = 'acme/payments-config';

const config = (one: string, two: string) => `environments:
  alpha:
    endpoint: ${one}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: ALPHA_KEY } }
    providers: providers/shared/*.yaml
  beta:
    endpoint: ${two}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: BETA_KEY } }
    providers: [providers/shared/*.yaml, providers/beta/*.yaml]
  gamma:
    endpoint: ${one}
    apiKey: { secretRef: { store: env, name: GAMMA_KEY } }
    providers: providers/shared/*.yaml
secretStores:
  env: { type: env }
`;

const section = (stdout: string, name: string) => {
  const start = stdout.indexOf(`==> environment ${name} <==\n`);
  expect(start, `no section for ${name}:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const next = stdout.indexOf('\n==> environment ', start + 1);
  return stdout.slice(start, next < 0 ? undefined : next);
};

describe('drift, plan, validate and list over several environments in one run', () => {
  let one: ServedSandbox;
  let two: ServedSandbox;
  let gh: FakeGitHub;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    [one, two] = await Promise.all([serveSandbox(), serveSandbox()]);
    gh = await startFakeGitHub(githubTokenCanary());
    dir = await workspace({
      'paystrator.yaml': config(one.url, two.url),
      'providers/shared/a.yaml': providerYaml({ name: 'Xendit Shared' }),
      'providers/shared/b.yaml': providerYaml({ name: 'Xendit Backup', percent: '2', services: ['QR_CODE'] }),
      'providers/beta/c.yaml': providerYaml({ name: 'Xendit Beta Only', percent: '1.25', services: ['EWALLET'] }),
    });
    env = { ALPHA_KEY: RW, BETA_KEY: RW, GAMMA_KEY: 'psk_sandbox_rw_not_a_real_key_000', XENDIT_SECRET: canaries()[0]! };
    for (const e of ['alpha', 'beta']) {
      const r = await runCli(['apply', '--env', e, '--auto-approve'], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(0);
    }
    // Drift in beta only: a provider git declares that is not live.
    await writeFile(path.join(dir, 'providers/beta/d.yaml'), providerYaml({ name: 'Xendit Beta New', services: ['EWALLET'] }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop(), gh?.stop()]);
  });

  it('drift --all-environments --detailed-exitcode: three sections in order, the broken one\'s error, exit 1', async () => {
    const r = await runCli(['drift', '--all-environments', '--detailed-exitcode'], { cwd: dir, env });
    expect(r.code).toBe(1);
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('==> environment '));
    expect(headers).toEqual(['==> environment alpha <==', '==> environment beta <==', '==> environment gamma <==']);
    expect(section(r.stdout, 'alpha')).toContain('No drift: live matches git (2 providers).');
    expect(section(r.stdout, 'beta')).toMatch(/Xendit Beta New +providers\/beta\/d\.yaml:\d+\n +in git, missing live/);
    expect(section(r.stdout, 'beta')).toContain('Drift: 0 changed live, 1 missing live, 0 unmanaged.');
    // The error is gamma's, said once and named as gamma's; the key itself is never shown.
    const gammaErrors = r.stderr.split('\n').filter((l) => l.startsWith('[gamma] error: '));
    expect(gammaErrors).toHaveLength(1);
    expect(gammaErrors[0]).toMatch(/401|unauthori[sz]ed|API key/i);
    expect(r.stderr).not.toMatch(/^\[(alpha|beta)\] error/m);
    expect(r.stdout + r.stderr).not.toContain(env.GAMMA_KEY);
    const summary = r.stdout.slice(r.stdout.indexOf('drift of 3 environments, 1 failed:'));
    expect(summary.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['alpha no', 'beta drift', 'gamma failed:']);
  });

  it('without the broken environment: exit 2 with --detailed-exitcode, 0 without', async () => {
    const detailed = await runCli(['drift', '--env', 'alpha', '--env', 'beta', '--detailed-exitcode'], { cwd: dir, env });
    expect(detailed.code, detailed.stderr).toBe(2);
    expect(detailed.stdout).toMatch(/drift of 2 environments:\n {2}alpha {2}no drift\n {2}beta {3}drift\n$/);
    const plain = await runCli(['drift', '--env', 'beta', '--env', 'alpha'], { cwd: dir, env });
    expect(plain.code, plain.stderr).toBe(0);
    // In the order given, not the config's.
    expect(plain.stdout.indexOf('==> environment beta')).toBeLessThan(plain.stdout.indexOf('==> environment alpha'));
  });

  it('--format json: one document, each environment with its exit code contribution and report, valid against its schema', async () => {
    const r = await runCli(['drift', '--all-environments', '--detailed-exitcode', '--format', 'json'], { cwd: dir, env });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { command: string; environments: { name: string; exitCode: number; report: { drift?: boolean } | null; messages: string[] }[] };
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(await readFile(path.join(REPO_ROOT, 'schemas/multi-environment-report.schema.json'), 'utf8')) as object);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.command).toBe('drift');
    expect(doc.environments.map((e) => [e.name, e.exitCode, e.report?.drift ?? null])).toEqual([['alpha', 0, false], ['beta', 2, true], ['gamma', 1, null]]);
    expect(doc.environments[2]!.messages[0]).toMatch(/^error: /);
    expect(r.stderr).toMatch(/^\[gamma\] error: /m);
  });

  it('opens one drift issue for the environment with drift, and none for the others', async () => {
    const summary = path.join(dir, 'step-summary.md');
    await writeFile(summary, '');
    const gh_env = { ...env, GITHUB_ACTIONS: 'true', GITHUB_TOKEN: githubTokenCanary(), GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: REPO, GITHUB_SERVER_URL: 'https://github.test', GITHUB_RUN_ID: '7', GITHUB_STEP_SUMMARY: summary };
    const r = await runCli(['drift', '--env', 'alpha', '--env', 'beta', '--github-issue'], { cwd: dir, env: gh_env });
    expect(r.code, r.stderr).toBe(0);
    // The job's step summary holds both reports, whole and in the order given.
    const text = await readFile(summary, 'utf8');
    await capture('step summary', text);
    expect(text.indexOf('alpha')).toBeGreaterThanOrEqual(0);
    expect(text.indexOf('alpha')).toBeLessThan(text.indexOf('beta'));
    expect(text).toContain('Xendit Beta New');
    expect(section(r.stdout, 'alpha')).toContain('No drift and no open drift issue.');
    expect(section(r.stdout, 'beta')).toMatch(/Opened drift issue #\d+/);
    const issues = gh.repoIssues(REPO).filter((i) => i.labels.includes('drift'));
    expect(issues.map((i) => [i.title, i.state])).toEqual([['Drift in Paystrator environment beta', 'open']]);
  });

  it('refuses --all-environments with --env, and an --env-parallelism that is not a count', async () => {
    const both = await runCli(['drift', '--all-environments', '--env', 'alpha'], { cwd: dir, env });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--all-environments runs every environment of paystrator.yaml');
    const zero = await runCli(['drift', '--all-environments', '--env-parallelism', '0'], { cwd: dir, env });
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('--env-parallelism must be a whole number from 1 to 1000');
    const unknown = await runCli(['drift', '--env', 'alpha', '--env', 'delta'], { cwd: dir, env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown environment "delta"');
    expect(unknown.stdout).toBe('');
  });

  it('validate takes --env more than once; an error in one environment\'s files fails it alone', async () => {
    const ok = await runCli(['validate', '--env', 'alpha', '--env', 'beta'], { cwd: dir, env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Valid: 2 providers (environment alpha).');
    expect(ok.stdout).toContain('Valid: 4 providers (environment beta).');
    const broken = path.join(dir, 'providers/beta/broken.yaml');
    await writeFile(broken, providerYaml({ name: 'Broken', percent: '101' }));
    try {
      const bad = await runCli(['validate', '--env', 'alpha', '--env', 'beta'], { cwd: dir, env });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^\[beta\] error: providers\/beta\/broken\.yaml:\d+:\d+: spec\.fee\.percent: /m);
      expect(bad.stderr).not.toMatch(/^\[alpha\] error/m);
      expect(bad.stdout).toMatch(/alpha +valid\n +beta +failed: providers\/beta\/broken\.yaml:/);
    } finally {
      await rm(broken);
    }
  });

  it('list shows each environment\'s table', async () => {
    const r = await runCli(['list', '--env', 'alpha', '--env', 'beta', '--format', 'json'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { environments: { name: string; report: { total: number } }[] };
    expect(doc.environments.map((e) => [e.name, e.report.total])).toEqual([['alpha', 2], ['beta', 3]]);
  });

  it('plan saves one plan per environment with --out-dir, refuses one --out for several, and apply stays one environment', async () => {
    const single = await runCli(['plan', '--env', 'alpha', '--env', 'beta', '--out', 'plan.json'], { cwd: dir, env });
    expect(single.code).toBe(1);
    expect(single.stderr).toContain('with several environments use --out-dir DIR');
    const r = await runCli(['plan', '--env', 'alpha', '--env', 'beta', '--out-dir', 'plans', '--detailed-exitcode'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(2);
    expect(section(r.stdout, 'beta')).toContain('Saved the plan to plans/beta.plan.json.');
    expect(r.stdout).toMatch(/plan of 2 environments:\n {2}alpha {2}no changes\n {2}beta {3}changes\n$/);
    const refused = await runCli(['apply', '--env', 'alpha', '--env', 'beta', '--auto-approve'], { cwd: dir, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('apply works on one environment at a time');
    // Each saved plan is a real one: beta's applies, and its drift is gone.
    const apply = await runCli(['apply', '--env', 'beta', 'plans/beta.plan.json'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);
    const after = await runCli(['drift', '--env', 'alpha', '--env', 'beta', '--detailed-exitcode'], { cwd: dir, env });
    expect(after.code, after.stdout).toBe(0);
    await capture('plans/alpha.plan.json', await readFile(path.join(dir, 'plans/alpha.plan.json'), 'utf8'));
  });
});
