// The GitHub integration against a local server that answers like GitHub's REST API and records
// every request: what is created, updated and closed, retries, limits and escaping.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeGitHub, BOT, type FakeGitHub } from '../../test/servers/github.js';
import { runDir } from '../../test/helpers/cli.js';
import { ExitError } from '../diagnostics.js';
import { computeDrift } from '../drift/drift.js';
import type { DesiredProvider, LiveProvider, ProviderState } from '../model/state.js';
import { buildPlan } from '../plan/build.js';
import type { Plan } from '../plan/plan.js';
import { annotation, renderAnnotations } from '../render/annotations.js';
import { resolveGitHubContext } from './context.js';
import { GITHUB_BODY_LIMIT, md } from '../render/markdown.js';
import { publishDriftIssue, publishPlanComment, type PublishOptions } from '../app/publish.js';
import { appendStepSummary } from '../app/summary.js';
import { createGitHub } from './client.js';
import { Sensitive } from '../secrets/sensitive.js';
import { FieldPositions } from '../model/positions.js';

const TOKEN = 'ghs_test_token_not_secret';
const REPO = 'acme/payments-config';

function state(name: string, over: Partial<ProviderState> = {}): ProviderState {
  return {
    name, type: 'AGGREGATOR', integration: 'xendit', services: ['EWALLET'], credentials: { clientKey: { kind: 'plain', value: 'k' } },
    fee: { type: 'PERCENTAGE', percent: '1.5' }, tax: { vatPercent: '11', applyVat: true }, status: 'ACTIVE', labels: {}, ...over,
  };
}
const desired = (s: ProviderState): DesiredProvider => ({ state: s, file: `providers/${s.name.length}.yaml`, positions: FieldPositions.NONE, secretRefs: {} });
const live = (s: ProviderState): LiveProvider => ({
  id: `prv_${s.name.length}`, version: 1, state: { ...s, labels: { 'managed-by': 'paystrator-gitops' } }, statusChangedBy: 'API', statusReason: null,
  lastActivityAt: null, annotations: {}, credentialVersions: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
});

function plan(names: string[], percent = '2'): Plan {
  return buildPlan({
    environment: 'production', endpoint: 'https://paystrator.example/api', company: 'dummy-company', toolVersion: 'test',
    desired: names.map((n) => desired(state(n, { fee: { type: 'PERCENTAGE', percent } }))), live: names.map((n) => live(state(n))),
    prune: false, targets: [], ignore: [],
  });
}

describe('GitHub integration', () => {
  let gh: FakeGitHub;
  let opts: PublishOptions;
  let dir: string;

  beforeEach(async () => {
    gh = await startFakeGitHub(TOKEN);
    gh.addPullRequest(REPO, 7);
    dir = await mkdtemp(path.join(runDir(), 'gh-'));
    const event = path.join(dir, 'event.json');
    await writeFile(event, JSON.stringify({ pull_request: { number: 7, head: { sha: 'abcdef1234567890' } } }));
    opts = {
      env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: REPO, GITHUB_EVENT_PATH: event, GITHUB_RUN_ID: '99', GITHUB_SERVER_URL: 'https://github.test' },
      flags: {},
      artifactDir: path.join(dir, 'artifacts'),
      retryBaseMs: 1,
    };
  });
  afterEach(() => gh.stop());

  const writes = () => gh.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path} ${r.status}`);

  it('masks every resolved value in what it sends GitHub, whichever call sends it', async () => {
    const secret = new Sensitive(`resolved-${Math.random().toString(36).slice(2)}`);
    const client = createGitHub({ token: new Sensitive(TOKEN), apiUrl: gh.url, retryBaseMs: 1 });
    await client.rest.issues.createComment({ owner: 'acme', repo: 'payments-config', issue_number: 7, body: `a live name quoting ${secret.reveal()}` });
    expect(gh.commentsOn(REPO, 7).map((c) => c.body)).toEqual(['a live name quoting (sensitive)']);
  });

  it('creates the plan comment once, then updates it in place; an unchanged plan writes nothing', async () => {
    const first = await publishPlanComment(plan(['Alpha']), opts);
    expect(first).toMatchObject({ action: 'created', pr: 7 });
    const second = await publishPlanComment(plan(['Alpha'], '3'), opts);
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    const third = await publishPlanComment(plan(['Alpha'], '3'), opts);
    expect(third.action).toBe('unchanged');

    expect(writes()).toEqual([`POST /repos/${REPO}/issues/7/comments 201`, `PATCH /repos/${REPO}/issues/comments/${first.id} 200`]);
    const comments = gh.commentsOn(REPO, 7);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.split('\n')[0]).toBe('<!-- paystrator-gitops:plan:production -->');
    // The summary is the first thing a reader sees; the details are collapsed.
    expect(body.split('\n\n')[1]).toBe('**Paystrator plan for <code>production</code>: 0 to create, 1 to update, 0 to deactivate, 0 unchanged.**');
    expect(body).toContain('<details><summary>Plan details</summary>');
    expect(body).toContain('| <code>spec\\.fee\\.percent</code> | &quot;1\\.5&quot; | &quot;3&quot; |');
    expect(body).toContain('commit abcdef1 · [workflow run](https://github.test/acme/payments-config/actions/runs/99)');
    expect(gh.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  });

  it('keeps one comment per environment, found across pages of other comments', async () => {
    for (let i = 0; i < 150; i++) gh.addComment(REPO, 7, `comment ${i}`, { login: 'dev', type: 'User' });
    await publishPlanComment(plan(['Alpha']), opts);
    const staging = { ...plan(['Alpha']), environment: 'staging' };
    await publishPlanComment(staging, opts);
    await publishPlanComment(plan(['Alpha'], '4'), opts);
    const ours = gh.commentsOn(REPO, 7).filter((c) => c.body.startsWith('<!-- paystrator-gitops:plan:'));
    expect(ours.map((c) => c.body.split('\n')[0])).toEqual(['<!-- paystrator-gitops:plan:production -->', '<!-- paystrator-gitops:plan:staging -->']);
    expect(ours[0]!.body).toContain('&quot;4&quot;');
    // The list was read page by page (100 per page), following GitHub's Link header.
    expect(gh.requests.filter((r) => r.method === 'GET' && r.query.page === '2')).toHaveLength(3);
  });

  it('does not edit a look-alike comment someone else wrote', async () => {
    const fake = gh.addComment(REPO, 7, '<!-- paystrator-gitops:plan:production -->\nPlan: nothing to see here', { login: 'mallory', type: 'User' });
    const r = await publishPlanComment(plan(['Alpha']), opts);
    expect(r.action).toBe('created');
    expect(gh.comments.find((c) => c.id === fake.id)!.body).toContain('nothing to see here');
    // From then on, the bot's own comment is the one updated.
    expect((await publishPlanComment(plan(['Alpha'], '5'), opts)).action).toBe('updated');
    expect(gh.commentsOn(REPO, 7).filter((c) => c.user.login === BOT.login)).toHaveLength(1);
  });

  it('retries a 502 and succeeds', async () => {
    gh.failNext({ method: 'GET', path: /\/comments$/, status: 502, times: 2 });
    gh.failNext({ method: 'POST', path: /\/comments$/, status: 502, times: 1 });
    const r = await publishPlanComment(plan(['Alpha']), opts);
    expect(r.action).toBe('created');
    expect(gh.requests.map((q) => `${q.method} ${q.status}`)).toEqual(['GET 502', 'GET 502', 'GET 200', 'POST 502', 'POST 201']);
    expect(gh.commentsOn(REPO, 7)).toHaveLength(1);
  });

  it('gives up after the retries, with an error that says what failed', async () => {
    gh.failNext({ method: 'GET', status: 502, times: 10 });
    const err = await publishPlanComment(plan(['Alpha']), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as Error).message).toBe('GitHub: list the comments of pull request #7 failed: 502 Server Error');
    expect(gh.requests).toHaveLength(4);
  });

  it('explains a missing permission and a bad token', async () => {
    gh.failNext({ method: 'POST', status: 403 });
    const denied = (await publishPlanComment(plan(['Alpha']), opts).catch((e: unknown) => e)) as ExitError;
    expect(denied.message).toMatch(/comment on pull request #7 failed: 403/);
    expect(denied.hint).toContain('pull-requests: write');
    const bad = (await publishPlanComment(plan(['Alpha']), { ...opts, env: { ...opts.env, GITHUB_TOKEN: 'wrong' } }).catch((e: unknown) => e)) as ExitError;
    expect(bad.message).toMatch(/401 Bad credentials/);
    expect(bad.message).not.toContain('wrong');
  });

  it('renders provider names inert: no HTML, no Markdown, no mention', async () => {
    await publishPlanComment(plan(['<img src=x>', '**bold**', '@octocat [x](https://evil.test)']), opts);
    const body = gh.commentsOn(REPO, 7)[0]!.body;
    expect(body).toContain('**update** &lt;img src\\=x&gt;');
    expect(body).toContain('**update** \\*\\*bold\\*\\*');
    expect(body).toContain('**update** @&#8203;octocat \\[x\\]\\(https\\://evil\\.test\\)');
    for (const raw of ['<img', '**bold**', '@octocat', '[x](']) expect(body).not.toContain(raw);
  });

  it('cuts a plan longer than a comment between providers, says so, and keeps the whole plan in an artifact', async () => {
    const names = Array.from({ length: 700 }, (_, i) => `Provider ${String(i).padStart(3, '0')} ${'x'.repeat(80)}`);
    const r = await publishPlanComment(plan(names), opts);
    const body = gh.commentsOn(REPO, 7)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    expect(r.omitted).toBeGreaterThan(0);
    expect(body).toContain(`**This plan is too long for GitHub: ${r.omitted} of 700 sections are not shown.**`);
    expect(body).toContain('paystrator\\-plan\\-production\\.md, in the artifacts of [this workflow run]');
    expect(body.trimEnd().endsWith('</sub>')).toBe(true);
    expect((body.match(/<details>/g) ?? []).length).toBe((body.match(/<\/details>/g) ?? []).length);
    expect(r.artifact).toBe(path.join(opts.artifactDir, 'paystrator-plan-production.md'));
    const full = await readFile(r.artifact!, 'utf8');
    expect(full).toContain('Provider 699');
  });

  it('opens a drift issue, updates it when the drift changes, and closes it when drift is gone', async () => {
    const report = (percent: string | null) =>
      computeDrift({
        environment: 'production', endpoint: 'x', company: 'dummy-company', toolVersion: 't', ignore: [], secrets: { fingerprints: false, reason: 'test' },
        desired: [desired(state('Alpha'))], live: [live(state('Alpha', percent ? { fee: { type: 'PERCENTAGE', percent } } : {}))],
      });
    const opened = await publishDriftIssue(report('2'), opts);
    expect(opened).toMatchObject({ action: 'opened', number: 8 });
    const issue = gh.repoIssues(REPO).find((i) => i.number === 8)!;
    expect(issue).toMatchObject({ title: 'Drift in Paystrator environment production', state: 'open', labels: ['drift'] });
    expect(issue.body.split('\n')[0]).toBe('<!-- paystrator-gitops:drift:production -->');
    expect(issue.body).toContain('| <code>spec\\.fee\\.percent</code> | &quot;1\\.5&quot; | &quot;2&quot; |');
    expect(gh.repoLabels(REPO).has('drift')).toBe(true);

    expect((await publishDriftIssue(report('2'), opts)).action).toBe('unchanged');
    expect((await publishDriftIssue(report('3'), opts)).action).toBe('updated');
    expect(issue.body).toContain('&quot;3&quot;');
    const closed = await publishDriftIssue(report(null), opts);
    expect(closed).toMatchObject({ action: 'closed', number: 8 });
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(gh.commentsOn(REPO, 8).map((c) => c.body.slice(0, 30))).toEqual(['The drift changed: **Paystrato', 'No drift any more: **Paystrato']);
    expect((await publishDriftIssue(report(null), opts)).action).toBe('none');
    expect(writes()).toEqual([
      `POST /repos/${REPO}/labels 201`,
      `POST /repos/${REPO}/issues 201`,
      `PATCH /repos/${REPO}/issues/8 200`,
      `POST /repos/${REPO}/issues/8/comments 201`,
      `POST /repos/${REPO}/issues/8/comments 201`,
      `PATCH /repos/${REPO}/issues/8 200`,
    ]);
    // Drift appearing again opens a new issue rather than reopening the closed one.
    expect((await publishDriftIssue(report('2'), opts)).number).toBe(9);
  }, 30_000);
});

describe('GitHub context', () => {
  it('reads the repository and pull request from Actions, and flags override them', async () => {
    const dir = await mkdtemp(path.join(runDir(), 'gh-'));
    const event = path.join(dir, 'event.json');
    await writeFile(event, JSON.stringify({ pull_request: { number: 12, head: { sha: 'f00d' } } }));
    const env = { GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'a/b', GITHUB_EVENT_PATH: event };
    expect(await resolveGitHubContext(env, {}, { needPr: true })).toMatchObject({ repo: { owner: 'a', repo: 'b' }, pr: 12, sha: 'f00d', apiUrl: 'https://api.github.com' });
    expect(await resolveGitHubContext({ ...env, MY_TOKEN: 'u' }, { githubRepo: 'c/d', githubPr: 3, githubTokenEnv: 'MY_TOKEN' }, { needPr: true })).toMatchObject({ repo: { owner: 'c', repo: 'd' }, pr: 3 });
  });

  it('says what is missing', async () => {
    await expect(resolveGitHubContext({}, {}, { needPr: false })).rejects.toThrow('no GitHub token: the environment variable GITHUB_TOKEN is not set');
    await expect(resolveGitHubContext({ GITHUB_TOKEN: 't' }, {}, { needPr: false })).rejects.toThrow(/--github-repo owner\/name/);
    await expect(resolveGitHubContext({ GITHUB_TOKEN: 't', GITHUB_REPOSITORY: 'a/b' }, {}, { needPr: true })).rejects.toThrow(/--github-pr NUMBER/);
    await expect(resolveGitHubContext({ GITHUB_TOKEN: 't' }, { githubRepo: 'not a repo' }, { needPr: false })).rejects.toThrow(/owner\/name/);
  });
});

describe('annotations and summaries', () => {
  it('writes each diagnostic as a workflow command on its line, escaped so it cannot start another', () => {
    const d = { severity: 'error' as const, message: 'bad value\n::add-mask::x, 100%', file: 'providers/a,b.yaml', line: 3, col: 5, field: 'spec.fee.percent' };
    expect(annotation(d, { baseDir: '/repo/infra', repoDir: '/repo' })).toBe(
      '::error file=infra/providers/a%2Cb.yaml,line=3,col=5,title=paystrator-gitops::spec.fee.percent: bad value\\n::add-mask::x, 100%25',
    );
    // A live name quoted in a message: one inert line whatever it holds.
    expect(annotation({ severity: 'error', message: 'name "Evil\x1b[2J\u202e" taken' }, { baseDir: '/r', repoDir: '/r' })).toBe('::error title=paystrator-gitops::name "Evil\\e[2J\\u202e" taken');
    expect(renderAnnotations([{ severity: 'warning', message: 'no files' }], { baseDir: '/r', repoDir: '/r' })).toBe('::warning title=paystrator-gitops::no files\n');
  });

  it('appends to GITHUB_STEP_SUMMARY when Actions sets it, and does nothing otherwise', async () => {
    const dir = await mkdtemp(path.join(runDir(), 'gh-'));
    const file = path.join(dir, 'summary.md');
    expect(await appendStepSummary({}, 'x')).toBe(false);
    expect(await appendStepSummary({ GITHUB_STEP_SUMMARY: file }, `first ${md('<b>')}`)).toBe(true);
    expect(await appendStepSummary({ GITHUB_STEP_SUMMARY: file }, 'second')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('first &lt;b&gt;\n\nsecond\n\n');
  });
});
