// A saved plan and sequences moved live since it was made: one the plan writes makes it stale,
// named, and nothing is applied; one it does not write is reported by apply, which goes on.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';

const sequence = (product: string, providers: string[]) =>
  `apiVersion: paystrator-gitops/v1\nkind: Sequence\nspec:\n  product: ${product}\n  providers:\n${providers.map((p) => `    - ${p}\n`).join('')}`;

describe('saved plans and sequences moved live', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const answers: string[] = [];
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });

  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    answers.push(text);
    expect(res.status, text).toBeLessThan(300);
    return JSON.parse(text) as { version: number; providers: { id: string; name: string }[] };
  };
  /** Reverses a live sequence, as someone in the dashboard would. */
  const reverse = async (product: string) => {
    const q = await api('GET', `/v1/sequences/${product}`);
    await api('PUT', `/v1/sequences/${product}`, { providerIds: q.providers.map((p) => p.id).reverse() }, { 'if-match': `"${q.version}"` });
  };
  const routing = (ewallet: string[]) => writeFile(path.join(dir, 'providers/routing.yaml'), `${sequence('VIRTUAL_ACCOUNT', ['Alpha', 'Beta'])}---\n${sequence('EWALLET', ewallet)}`);

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/alpha.yaml': providerYaml({ name: 'Alpha' }),
      'providers/beta.yaml': providerYaml({ name: 'Beta' }),
    });
    await routing(['Alpha', 'Beta']);
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
  });
  afterAll(async () => {
    await capture('182 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  it('applies a plan whose sequences moved only where it writes nothing, and says what moved', async () => {
    await routing(['Beta', 'Alpha']);
    const plan = await cli('plan', '--out', 'plan.json');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Sequences: 0 to create, 1 to update, 1 unchanged.');
    await reverse('VIRTUAL_ACCOUNT');
    const apply = await cli('apply', 'plan.json');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/Moved since the plan, not touched by it: sequence VIRTUAL_ACCOUNT \(default\) \(version \d+ -> \d+, now \[Beta, Alpha\]\)\n/);
    expect((await api('GET', '/v1/sequences/EWALLET')).providers.map((p) => p.name)).toEqual(['Beta', 'Alpha']);
    // Left as moved: drift names it.
    const drift = await cli('drift', '--detailed-exitcode');
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain('~ sequence VIRTUAL_ACCOUNT (default)');
  });

  it('refuses a plan whose sequence it writes moved live, naming it, and changes nothing', async () => {
    await routing(['Alpha', 'Beta']);
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    // Not to the declared order: that would be "already as declared", which a rerun accepts.
    const q = await api('GET', '/v1/sequences/EWALLET');
    await api('PUT', '/v1/sequences/EWALLET', { providerIds: [q.providers.find((p) => p.name === 'Beta')!.id] }, { 'if-match': `"${q.version}"` });
    const before = await api('GET', '/v1/sequences/EWALLET');
    const apply = await cli('apply', 'plan.json');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/sequence EWALLET \(default\) changed live since the plan \(version \d+ -> \d+\)/);
    expect(apply.stderr).toContain('The saved plan is stale: nothing was applied.');
    expect(await api('GET', '/v1/sequences/EWALLET')).toEqual(before);
  });
});
