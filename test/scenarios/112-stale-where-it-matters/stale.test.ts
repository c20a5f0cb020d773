// A busy account: a saved plan waits for approval while providers move live. Through the built
// CLI against the sandbox over HTTP, moving providers through the API as someone else would: a
// provider the plan does not touch and that serves no service it changes no longer makes the plan
// stale (reported instead); one it touches, or one that counts for a changed service, does.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';

describe('a saved plan is stale only where it matters', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const answers: string[] = [];
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });
  const api = async (method: string, url: string, body?: unknown, ifMatch?: number) => {
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...(ifMatch !== undefined ? { 'if-match': `"${ifMatch}"` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, json: JSON.parse(text) as { data: { id: string; name: string; version: number; status: string }[] } & { version: number; status: string } };
  };
  /** Someone else (the dashboard, a script) moves a provider's status through the API. */
  const flip = async (name: string, status: string) => {
    const p = (await api('GET', `/v1/providers?q=${encodeURIComponent(name)}`)).json.data.find((x) => x.name === name)!;
    const r = await api('POST', `/v1/providers/${p.id}/status`, { status, reason: 'moved by someone else' }, p.version);
    expect(r.status).toBe(200);
  };
  const write = (name: string, text: string) => writeFile(path.join(dir, 'providers', name), text);

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/alpha.yaml': providerYaml({ name: 'Alpha', services: ['VIRTUAL_ACCOUNT'] }),
      'providers/beta.yaml': providerYaml({ name: 'Beta', services: ['VIRTUAL_ACCOUNT'] }),
      'providers/gamma.yaml': providerYaml({ name: 'Gamma', services: ['QR_CODE'] }),
      'providers/delta.yaml': providerYaml({ name: 'Delta', services: ['EWALLET'] }),
    });
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
  });
  afterAll(async () => {
    await capture('112 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  /** The plan under review: Alpha into MAINTENANCE (VIRTUAL_ACCOUNT coverage) and a new fee for Delta. */
  const savePlan = async (file: string) => {
    await write('alpha.yaml', providerYaml({ name: 'Alpha', services: ['VIRTUAL_ACCOUNT'], status: 'MAINTENANCE' }));
    await write('delta.yaml', providerYaml({ name: 'Delta', services: ['EWALLET'], percent: '2' }));
    const r = await cli('plan', '--out', file);
    expect(r.code).toBe(0);
  };

  it('an untouched provider serving no changed service moves: reported, and the plan applies', async () => {
    await savePlan('plan1.json');
    await flip('Gamma', 'MAINTENANCE');
    const r = await cli('apply', 'plan1.json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Moved since the plan, not touched by it: Gamma (version 1 -> 2, now MAINTENANCE)');
    expect(r.stdout).toMatch(/Apply complete: 0 created, 1 updated, 1 status changes, 0 failed/);
  });

  it('a provider that counts for the coverage of a service the plan changes makes it stale', async () => {
    await write('alpha.yaml', providerYaml({ name: 'Alpha', services: ['VIRTUAL_ACCOUNT'] }));
    await write('delta.yaml', providerYaml({ name: 'Delta', services: ['EWALLET'] }));
    await write('gamma.yaml', providerYaml({ name: 'Gamma', services: ['QR_CODE'], status: 'MAINTENANCE' }));
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
    await savePlan('plan2.json');
    await flip('Beta', 'MAINTENANCE');
    const r = await cli('apply', 'plan2.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Beta changed live since the plan \(version \d+ -> \d+\)/);
    expect(r.stderr).toContain('The saved plan is stale: nothing was applied.');
    await flip('Beta', 'ACTIVE');
  });

  it('a provider the plan changes makes it stale', async () => {
    await savePlan('plan3.json');
    await flip('Delta', 'MAINTENANCE');
    const r = await cli('apply', 'plan3.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Delta changed live since the plan \(version \d+ -> \d+\)/);
    expect(r.stderr).not.toContain('Gamma');
  });
});
