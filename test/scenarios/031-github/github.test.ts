// The built CLI as a GitHub Actions job would run it, against a local server that answers like
// GitHub's REST API: one sticky plan comment per environment, a drift issue opened, updated and
// closed, annotations for validate, step summaries, and provider names that render inert.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandboxStore } from '../../../src/sandbox/store/persistence.js';
import { startFakeGitHub, type FakeGitHub } from '../../servers/github.js';
import { canaries, capture, githubTokenCanary, runCli, workspace } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const REPO = 'acme/payments-config';

describe('paystrator-gitops in GitHub Actions', () => {
  let gh: FakeGitHub;
  let dir: string;
  let env: Record<string, string>;
  let summary: string;
  // The token is a canary: the scan fails the suite if any output of these runs shows it.
  let TOKEN: string;

  beforeAll(async () => {
    TOKEN = githubTokenCanary();
    gh = await startFakeGitHub(TOKEN);
    gh.addPullRequest(REPO, 42);
    dir = await workspace({
      'paystrator.yaml': configYaml(),
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
      'providers/evil.yaml': providerYaml({ name: '<img src=x onerror=alert(1)> **bold**', percent: '2' }),
      'event.json': JSON.stringify({ pull_request: { number: 42, head: { sha: '0123456789abcdef' } } }),
    });
    summary = path.join(dir, 'step-summary.md');
    await writeFile(summary, '');
    env = {
      XENDIT_SECRET: canaries()[0]!,
      GITHUB_ACTIONS: 'true',
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: dir,
      GITHUB_RUN_ID: '1234',
      GITHUB_SERVER_URL: 'https://github.test',
    };
  });
  afterAll(async () => {
    // The server's own record of what it was sent, with the token it checked said in words.
    const requests = gh.requests.map((r) => ({ ...r, authorization: r.authorization === `token ${TOKEN}` ? 'token (the canary token)' : r.authorization }));
    await capture('fake GitHub requests', JSON.stringify(requests, null, 1));
    await gh.stop();
  });

  const ourComments = () => gh.commentsOn(REPO, 42).filter((c) => c.body.startsWith('<!-- paystrator-gitops:plan:sandbox -->'));

  it('comments the plan once, then updates the same comment', async () => {
    const first = await runCli(['plan', '--github-comment'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Commented the plan on pull request #42: https:\/\/github\.test\/acme\/payments-config\/issues\/42#issuecomment-\d+/);
    expect(ourComments()).toHaveLength(1);
    expect(ourComments()[0]!.body).toContain('**Paystrator plan for <code>sandbox</code>: 2 to create, 0 to update, 0 to deactivate, 0 unchanged.**');

    const file = path.join(dir, 'providers/a.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('percent: "1.5"', 'percent: "1.75"'));
    gh.failNext({ method: 'GET', status: 502 });
    const second = await runCli(['plan', '--github-comment'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('Updated the plan comment on pull request #42');
    expect(ourComments()).toHaveLength(1);
    expect(ourComments()[0]!.body).toContain('&quot;1\\.75&quot;');
    const writes = gh.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(/\d+$/, 'N')}`);
    expect(writes).toEqual([`POST /repos/${REPO}/issues/42/comments`, `PATCH /repos/${REPO}/issues/comments/N`]);
    // The 502 was retried.
    expect(gh.requests.filter((r) => r.status === 502)).toHaveLength(1);
  });

  it('renders the provider names inert in the comment', () => {
    const body = ourComments()[0]!.body;
    expect(body).toContain('**create** &lt;img src\\=x onerror\\=alert\\(1\\)&gt; \\*\\*bold\\*\\*');
    expect(body).not.toContain('<img');
    expect(body).not.toContain('**bold**');
  });

  it('prints the plan as Markdown with --format markdown', async () => {
    const r = await runCli(['plan', '--format', 'markdown'], { cwd: dir, env: { XENDIT_SECRET: canaries()[0]! } });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('**Paystrator plan for <code>sandbox</code>: 2 to create, 0 to update, 0 to deactivate, 0 unchanged.**');
    expect(r.stdout).not.toContain('<details>');
  });

  it('opens a drift issue when drift appears, updates it when it changes, and closes it when it is gone', async () => {
    expect((await runCli(['apply', '--auto-approve'], { cwd: dir, env })).code).toBe(0);
    const clean = await runCli(['drift', '--github-issue'], { cwd: dir, env });
    expect(clean.stdout).toContain('No drift and no open drift issue.');

    const store = async (status: 'MAINTENANCE' | 'INACTIVE') => {
      const s = await openSandboxStore(path.join(dir, '.paystrator/sandbox.json'));
      await s.setStatusAs(s.getByName('Alpha')!.id, status, 'USER', 'changed in the dashboard');
      await s.close();
    };
    await store('MAINTENANCE');
    const opened = await runCli(['drift', '--github-issue', '--detailed-exitcode'], { cwd: dir, env });
    expect(opened.code, opened.stderr).toBe(2);
    expect(opened.stdout).toMatch(/Opened drift issue #43: https:\/\/github\.test\/acme\/payments-config\/issues\/43\./);
    const issue = gh.repoIssues(REPO).find((i) => i.number === 43)!;
    expect(issue).toMatchObject({ state: 'open', labels: ['drift'], title: 'Drift in Paystrator environment sandbox' });
    expect(issue.body).toContain('| <code>spec\\.status</code> | &quot;ACTIVE&quot; | &quot;MAINTENANCE&quot; | USER: changed in the dashboard |');

    const same = await runCli(['drift', '--github-issue'], { cwd: dir, env });
    expect(same.stdout).toContain('Drift issue #43 already describes this drift');

    await store('INACTIVE');
    const updated = await runCli(['drift', '--github-issue'], { cwd: dir, env });
    expect(updated.stdout).toContain('Updated drift issue #43');
    expect(issue.body).toContain('&quot;INACTIVE&quot;');

    // Accept the live value into git: the drift is gone and the issue is closed.
    expect((await runCli(['drift', '--write'], { cwd: dir, env })).code).toBe(0);
    const closed = await runCli(['drift', '--github-issue', '--detailed-exitcode'], { cwd: dir, env });
    expect(closed.code, closed.stdout).toBe(0);
    expect(closed.stdout).toContain('No drift: closed drift issue #43');
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(gh.commentsOn(REPO, 43).map((c) => c.body.split(':')[0])).toEqual(['The drift changed', 'No drift any more']);
    expect(gh.repoIssues(REPO).filter((i) => i.labels.includes('drift'))).toHaveLength(1);
    // Nine CLI runs in a row: more than the default per-test allowance on a loaded machine.
  }, 180_000);

  it('annotates validation errors on their lines, and every command wrote a step summary', async () => {
    await writeFile(path.join(dir, 'providers/bad.yaml'), providerYaml({ name: 'Bad', percent: '150' }));
    const r = await runCli(['validate', '--format', 'github'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=providers\/bad\.yaml,line=14,col=37,title=paystrator-gitops::spec\.fee\.percent: /m);

    const text = await readFile(summary, 'utf8');
    expect(text).toContain('**Paystrator plan for <code>sandbox</code>');
    expect(text).toContain('**Paystrator drift in <code>sandbox</code>');
    expect(text).toContain('**Paystrator validate (sandbox): 1 error.**');
    await rm(path.join(dir, 'providers/bad.yaml'));
  });

  it('says what is missing when run outside a pull request', async () => {
    const r = await runCli(['plan', '--github-comment'], { cwd: dir, env: { ...env, GITHUB_EVENT_PATH: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no pull request to comment on: run this on a pull_request event, or pass --github-pr NUMBER');
    const noToken = await runCli(['drift', '--github-issue'], { cwd: dir, env: { ...env, GITHUB_TOKEN: '' } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('no GitHub token: the environment variable GITHUB_TOKEN is not set');
  });
});
