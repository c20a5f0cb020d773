// Change windows and the audit trail through the built CLI, against the sandbox over HTTP, with
// the clock pinned by PAYSTRATOR_NOW: a deny window refuses, its override is recorded on what it
// writes, an emergency MAINTENANCE change goes through, and every write's annotations read back.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const windows = `policy:
  windows:
    - { name: harbolnas-12-12, kind: deny, schedule: "0 0 12 12 *", duration: 24h, timeZone: Asia/Jakarta, allow: [MAINTENANCE] }
`;
const INSIDE = '2026-12-12T10:00:00+07:00';
const OUTSIDE = '2026-12-10T10:00:00+07:00';
const CI = { GITHUB_SHA: 'a'.repeat(40), GITHUB_SERVER_URL: 'https://github.example', GITHUB_REPOSITORY: 'acme/payments-config', GITHUB_RUN_ID: '4242' };

interface LiveProvider {
  name: string;
  status: string;
  version: number;
  annotations: Record<string, string>;
}

describe('change windows and the audit trail', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const answers: string[] = [];
  const cli = (now: string, ...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env: { ...env, PAYSTRATOR_NOW: now } });
  const live = async (name: string): Promise<LiveProvider> => {
    const res = await fetch(`${sandbox.url}/v1/providers?q=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${RW}` } });
    const text = await res.text();
    answers.push(text);
    const found = (JSON.parse(text) as { data: LiveProvider[] }).data.find((p) => p.name === name);
    if (!found) throw new Error(`${name} is not live`);
    return found;
  };

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]!, ...CI };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }) + windows,
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
      'providers/b.yaml': providerYaml({ name: 'Beta' }),
    });
  });
  afterAll(async () => {
    await capture('111 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  it('outside the window apply runs, and every write carries commit, run URL and applied-at', async () => {
    const r = await cli(OUTSIDE, 'apply', '--auto-approve');
    expect(r.code).toBe(0);
    const a = await live('Alpha');
    expect(a.annotations).toMatchObject({
      'paystrator-gitops/commit': CI.GITHUB_SHA,
      'paystrator-gitops/run-url': 'https://github.example/acme/payments-config/actions/runs/4242',
      'paystrator-gitops/applied-at': '2026-12-10T03:00:00.000Z',
      'paystrator-gitops/applied-version': String(a.version),
    });
    expect(a.annotations['paystrator-gitops/window-override']).toBeUndefined();
    // The trail changes every run, but it is no desired state: the next plan has nothing to do.
    const again = await cli(OUTSIDE, 'plan', '--detailed-exitcode');
    expect(again.code).toBe(0);
  });

  it('inside a deny window, plan warns and apply refuses, naming the window and when it ends', async () => {
    await writeFile(path.join(dir, 'providers/a.yaml'), providerYaml({ name: 'Alpha', percent: '2' }));
    const plan = await cli(INSIDE, 'plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Apply would be refused now: change window harbolnas-12-12 (deny) is open until 2026-12-13 00:00 Asia/Jakarta (2026-12-12 17:00 UTC): not allowed now: Alpha (FEE)');
    // The pull-request view says it too, and JSON keeps stdout the plan alone.
    const markdown = await cli(INSIDE, 'plan', '--format', 'markdown');
    // Markdown escapes its punctuation (md()), so the words stand with backslashes between them.
    expect(markdown.stdout).toContain('**Apply would be refused now\\: change window harbolnas\\-12\\-12 \\(deny\\) is open until 2026\\-12\\-13');
    const json = await cli(INSIDE, 'plan', '--format', 'json');
    expect((JSON.parse(json.stdout) as { environment: string }).environment).toBeTruthy();
    expect(json.stderr).toContain('Apply would be refused now: change window harbolnas-12-12 (deny)');
    const before = await live('Alpha');
    const r = await cli(INSIDE, 'apply', '--auto-approve');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apply refused: change window harbolnas-12-12 (deny) is open until 2026-12-13 00:00 Asia/Jakarta (2026-12-12 17:00 UTC): not allowed now: Alpha (FEE)');
    expect(r.stderr).toContain('--override-window REASON');
    expect((await live('Alpha')).version).toBe(before.version);
  });

  it('--override-window applies and records the reason on what it writes', async () => {
    const r = await cli(INSIDE, 'apply', '--auto-approve', '--override-window', 'INC-881: acquirer raised its fee');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Change window overridden (INC-881: acquirer raised its fee)');
    const a = await live('Alpha');
    expect(a.annotations['paystrator-gitops/window-override']).toBe('INC-881: acquirer raised its fee');
    expect(a.annotations['paystrator-gitops/applied-at']).toBe('2026-12-12T03:00:00.000Z');
  });

  it('an emergency MAINTENANCE change is allowed inside the window, and its status write carries the trail', async () => {
    await writeFile(path.join(dir, 'providers/b.yaml'), providerYaml({ name: 'Beta', status: 'MAINTENANCE' }));
    const r = await cli(INSIDE, 'apply', '--auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('every change of this plan is allowed in it (Beta)');
    const b = await live('Beta');
    expect(b.status).toBe('MAINTENANCE');
    expect(b.annotations).toMatchObject({ 'paystrator-gitops/applied-at': '2026-12-12T03:00:00.000Z', 'paystrator-gitops/applied-version': String(b.version), 'paystrator-gitops/commit': CI.GITHUB_SHA });
    expect(b.annotations['paystrator-gitops/window-override']).toBeUndefined();
  });

  it('drift and list --format json show where each live value last came from', async () => {
    const a = await live('Alpha');
    const res = await fetch(`${sandbox.url}/v1/providers/${(a as unknown as { id: string }).id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', 'if-match': `"${a.version}"` },
      body: JSON.stringify({ fee: { type: 'PERCENTAGE', percent: '2.75' } }),
    });
    answers.push(await res.text());
    expect(res.status).toBe(200);
    const list = await cli(INSIDE, 'list', '--format', 'json');
    expect(list.code).toBe(0);
    const rows = (JSON.parse(list.stdout) as { providers: { name: string; lastWrite: { source: string; commit?: string; runUrl?: string; summary: string } }[] }).providers;
    const byName = new Map(rows.map((r) => [r.name, r.lastWrite]));
    expect(byName.get('Beta')).toMatchObject({ source: 'git', commit: CI.GITHUB_SHA, runUrl: 'https://github.example/acme/payments-config/actions/runs/4242' });
    expect(byName.get('Alpha')).toMatchObject({ source: 'outside-git', summary: expect.stringMatching(/^changed outside git \(version \d+, after our write of version \d+/) });
    const drift = await cli(INSIDE, 'drift');
    expect(drift.stdout).toContain('spec.fee.percent:');
    expect(drift.stdout).toMatch(/# changed outside git \(version \d+, after our write of version \d+: commit aaaaaaaaaaaa, https:\/\/github\.example\/acme\/payments-config\/actions\/runs\/4242/);
  });
});
