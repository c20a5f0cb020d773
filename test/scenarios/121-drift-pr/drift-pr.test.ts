// drift --github-pr through the built CLI against the recording GitHub server: a value changed
// live becomes a pull request (labelled drift, on its own branch, committed through the Git Data
// API) that writes it back as drift --write would; the same drift again leaves it alone, new drift
// adds a commit, and live matching git again closes it and deletes its branch.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../../servers/github.js';
import { canaries, capture, githubTokenCanary, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const RO = 'psk_sandbox_ro_0000000000000000';
const REPO = 'acme/payments-config';
const BRANCH = 'paystrator-gitops/drift-http';

describe('drift --github-pr: one pull request per environment that keeps the live values', () => {
  let sandbox: ServedSandbox;
  let gh: FakeGitHub;
  let dir: string;
  let env: Record<string, string>;
  let TOKEN: string;
  const original = providerYaml({ name: 'Xendit A' }).replace('  labels: { team: payments }', '  labels: { team: payments }    # owners: #payments-oncall');

  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.status, `${method} ${url}`).toBeLessThan(300);
    return (await res.json()) as { id: string; version: number; data: { id: string; name: string; version: number }[] };
  };
  const providerA = async () => (await api('GET', `/v1/providers?q=${encodeURIComponent('Xendit A')}`)).data.find((p) => p.name === 'Xendit A')!;
  const commits = () => gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/git/commits')).length;
  const pulls = () => gh.repoIssues(REPO).filter((i) => i.head);
  const drift = () => runCli(['drift', '--env', 'http', '--github-pr', '--detailed-exitcode'], { cwd: dir, env });

  beforeAll(async () => {
    sandbox = await serveSandbox();
    TOKEN = githubTokenCanary();
    gh = await startFakeGitHub(TOKEN);
    const files = {
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/a.yaml': original,
      'providers/b.yaml': providerYaml({ name: 'Xendit B', percent: '2', services: ['QR_CODE'] }),
    };
    dir = await workspace(files);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    gh.seedRepository(REPO, files);
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env: { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! } });
    expect(apply.code, apply.stderr).toBe(0);
    env = { PAYSTRATOR_API_KEY: RO, GITHUB_ACTIONS: 'true', GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.test' };
  });
  afterAll(async () => {
    const requests = gh.requests.map((r) => ({ ...r, authorization: r.authorization === `token ${TOKEN}` ? 'token (the canary token)' : r.authorization }));
    await capture('fake GitHub requests', JSON.stringify(requests, null, 1));
    await gh.stop();
    await sandbox.stop();
  });

  it('no drift and no pull request: nothing is opened', async () => {
    const r = await drift();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Nothing to write back and no open drift pull request.');
    expect(pulls()).toEqual([]);
  });

  it('a fee changed live opens a pull request labelled drift whose branch holds the live value, and whose body holds the diff', async () => {
    const a = await providerA();
    await api('PATCH', `/v1/providers/${a.id}`, { fee: { type: 'PERCENTAGE', percent: '2.5' } }, { 'if-match': `"${a.version}"` });
    const r = await drift();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain(`Opened drift pull request #1 from ${BRANCH}: https://github.test/${REPO}/pull/1.`);
    const [pr] = pulls();
    expect(pr).toMatchObject({ number: 1, state: 'open', labels: ['drift'], head: { ref: BRANCH }, base: { ref: 'main' } });
    // Exactly what drift --write would write: only the drifted scalar, the comment kept.
    expect(gh.fileAt(REPO, BRANCH, 'providers/a.yaml')).toBe(original.replace('percent: "1.5" }', 'percent: "2.5" }'));
    expect(gh.fileAt(REPO, BRANCH, 'providers/b.yaml')).toBe(gh.fileAt(REPO, 'main', 'providers/b.yaml'));
    expect(pr!.body).toMatch(/^<!-- paystrator-gitops:drift-pr:http -->/);
    expect(pr!.body).toContain('```diff\ndiff --git a/providers/a.yaml b/providers/a.yaml\n--- a/providers/a.yaml\n+++ b/providers/a.yaml\n');
    expect(pr!.body).toContain('-  fee: { type: PERCENTAGE, percent: "1.5" }\n+  fee: { type: PERCENTAGE, percent: "2.5" }\n');
    // The local checkout is not written: the pull request is the write.
    expect(await readFile(path.join(dir, 'providers/a.yaml'), 'utf8')).toBe(original);
  });

  it('the same drift again leaves the pull request and its branch alone', async () => {
    const before = commits();
    const body = pulls()[0]!.body;
    const r = await drift();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('Drift pull request #1 already writes back these values');
    expect(commits()).toBe(before);
    expect(pulls()[0]!.body).toBe(body);
  });

  it('new drift updates the same pull request with a new commit', async () => {
    const a = await providerA();
    await api('POST', `/v1/providers/${a.id}/status`, { status: 'MAINTENANCE', reason: 'bank maintenance window' }, { 'if-match': `"${a.version}"` });
    const before = commits();
    const r = await drift();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain(`Updated drift pull request #1 with a new commit on ${BRANCH}`);
    expect(commits()).toBe(before + 1);
    expect(pulls()).toHaveLength(1);
    expect(gh.fileAt(REPO, BRANCH, 'providers/a.yaml')).toBe(original.replace('percent: "1.5" }', 'percent: "2.5" }').replace('status: ACTIVE', 'status: MAINTENANCE'));
    expect(pulls()[0]!.body).toContain('-  status: ACTIVE\n+  status: MAINTENANCE\n');
    expect(gh.commentsOn(REPO, 1).map((c) => c.body)).toEqual([expect.stringMatching(/^The drift changed: /)]);
  });

  it('live matching git again closes the pull request with a comment and deletes its branch', async () => {
    let a = await providerA();
    await api('PATCH', `/v1/providers/${a.id}`, { fee: { type: 'PERCENTAGE', percent: '1.5' } }, { 'if-match': `"${a.version}"` });
    a = await providerA();
    await api('POST', `/v1/providers/${a.id}/status`, { status: 'ACTIVE', reason: 'back' }, { 'if-match': `"${a.version}"` });
    const r = await drift();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Nothing to write back: closed drift pull request #1 and deleted ${BRANCH}`);
    expect(pulls()[0]!.state).toBe('closed');
    expect(gh.repoRefs(REPO).has(`refs/heads/${BRANCH}`)).toBe(false);
    expect(gh.commentsOn(REPO, 1).at(-1)!.body).toMatch(/^Nothing to write back any more: /);
  });

  it('the token never appears in what GitHub was sent', () => {
    for (const r of gh.requests) expect(JSON.stringify(r.body ?? {})).not.toContain(TOKEN);
    expect(gh.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  });
});
