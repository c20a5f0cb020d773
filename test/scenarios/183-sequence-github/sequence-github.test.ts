// A sequence reordered live, and nothing else, is drift in GitHub too: `drift --github-issue`
// opens an issue that names the move, `drift --github-pr` opens a pull request whose branch holds
// the live order (as drift --write writes it), and once git holds it the issue is closed.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandboxStore } from '../../../src/sandbox/store/persistence.js';
import { startFakeGitHub, type FakeGitHub } from '../../servers/github.js';
import { canaries, capture, githubTokenCanary, runCli, workspace } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const REPO = 'acme/payments-config';
const ROUTING = `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: EWALLET
  providers:
    - Alpha   # cheapest
    - Beta
`;

describe('sequence drift in GitHub: the issue and the pull request', () => {
  let gh: FakeGitHub;
  let dir: string;
  let env: Record<string, string>;
  let TOKEN: string;

  beforeAll(async () => {
    TOKEN = githubTokenCanary();
    gh = await startFakeGitHub(TOKEN);
    const files = {
      'paystrator.yaml': configYaml(),
      'providers/alpha.yaml': providerYaml({ name: 'Alpha' }),
      'providers/beta.yaml': providerYaml({ name: 'Beta' }),
      'providers/routing.yaml': ROUTING,
    };
    dir = await workspace(files);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    gh.seedRepository(REPO, files);
    env = { XENDIT_SECRET: canaries()[0]!, GITHUB_ACTIONS: 'true', GITHUB_TOKEN: TOKEN, GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: REPO, GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.test' };
    const apply = await runCli(['apply', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);
    // Reordered as the dashboard would: in the sandbox's own state.
    const store = await openSandboxStore(path.join(dir, '.paystrator/sandbox.json'));
    const q = store.sequence('EWALLET', null)!;
    store.saveSequence({ ...q, providerIds: [...q.providerIds].reverse(), version: q.version + 1, updatedAt: new Date().toISOString() });
    await store.close();
  });
  afterAll(async () => {
    const requests = gh.requests.map((r) => ({ ...r, authorization: r.authorization === `token ${TOKEN}` ? 'token (the canary token)' : r.authorization }));
    await capture('183 fake GitHub requests', JSON.stringify(requests, null, 1));
    await gh.stop();
  });

  it('opens a drift issue naming the move, and a pull request that writes the live order back', async () => {
    const issue = await runCli(['drift', '--github-issue', '--detailed-exitcode'], { cwd: dir, env });
    expect(issue.code, issue.stderr).toBe(2);
    expect(issue.stdout).toMatch(/Opened drift issue #\d+/);
    const opened = gh.repoIssues(REPO).find((i) => !i.head && i.labels.includes('drift'))!;
    expect(opened.body).toContain('**sequence changed live** EWALLET \\(default\\)');
    expect(opened.body).toContain('- "Alpha" moved: position 1 in git, 2 live');

    const pr = await runCli(['drift', '--github-pr', '--detailed-exitcode'], { cwd: dir, env });
    expect(pr.code, pr.stderr).toBe(2);
    expect(pr.stdout).toMatch(/Opened drift pull request #\d+ from paystrator-gitops\/drift-sandbox/);
    expect(gh.fileAt(REPO, 'paystrator-gitops/drift-sandbox', 'providers/routing.yaml')).toBe(ROUTING.replace('    - Alpha   # cheapest\n    - Beta\n', '    - Beta\n    - Alpha   # cheapest\n'));
  });

  it('closes the issue once git holds the live order', async () => {
    expect((await runCli(['drift', '--write'], { cwd: dir, env })).code).toBe(0);
    const closed = await runCli(['drift', '--github-issue', '--detailed-exitcode'], { cwd: dir, env });
    expect(closed.code, closed.stdout).toBe(0);
    expect(closed.stdout).toMatch(/No drift: closed drift issue #\d+/);
  });
});
