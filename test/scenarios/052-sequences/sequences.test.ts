// Routing sequences: declared in git by provider name, validated offline down to the line of a
// bad name, planned and applied after the providers, and kept by the sandbox by Paystrator's rules.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';

const sequence = (product: string, providers: string[], destination?: string) => `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: ${product}
${destination ? `  destination: ${destination}\n` : ''}  providers:
${providers.map((p) => `    - ${p}\n`).join('')}`;

describe('sequences in git, offline', () => {
  it('point a bad name at its file and line, in validate and in plan', async () => {
    const dir = await workspace(
      {
        'providers/routing.yaml': `# yaml-language-server: $schema=../schemas/sequence.schema.json\n${sequence('VIRTUAL_ACCOUNT', ['BCA Direct', 'Xendit Mian'])}---\n${sequence('QR_CODE', ['DANA QRIS', 'OVO'])}`,
      },
      { withExamples: true },
    );
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('error: providers/routing.yaml:8:7: spec.providers[1]: no provider named "Xendit Mian" in git; did you mean "Xendit Main"?\n');
    expect(v.stderr).toContain('error: providers/routing.yaml:16:7: spec.providers[1]: "OVO" does not offer QR_CODE (its services: EWALLET)\n');
    expect(v.stderr).toContain('2 errors.');
    const p = await runCli(['plan'], { cwd: dir });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('providers/routing.yaml:8:7: spec.providers[1]: no provider named "Xendit Mian"');
  });

  it('warn about a MAINTENANCE provider that stays listed, and refuse an INACTIVE one', async () => {
    const dir = await workspace({
      'paystrator.yaml': configYaml(),
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
      'providers/b.yaml': providerYaml({ name: 'Beta', status: 'MAINTENANCE' }),
      'providers/c.yaml': providerYaml({ name: 'Gamma', status: 'INACTIVE' }),
      'providers/routing.yaml': sequence('EWALLET', ['Alpha', 'Beta', 'Gamma']),
    });
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('providers/routing.yaml:7:7: warning: spec.providers[1]: "Beta" is in MAINTENANCE in git: it stays listed, and Paystrator skips it while routing until it is ACTIVE again');
    expect(v.stderr).toContain('error: providers/routing.yaml:8:7: spec.providers[2]: "Gamma" is INACTIVE in git: only ACTIVE providers can be in a routing sequence');
  });
});

describe('sequences planned and applied, against the sandbox over HTTP', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const answers: string[] = [];

  const get = async (url: string) => {
    const res = await fetch(`${sandbox.url}${url}`, { headers: { authorization: `Bearer ${RW}` } });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, json: JSON.parse(text) as { version: number; providers: { id: string; name: string }[] } };
  };
  const names = async (url: string) => (await get(url)).json.providers.map((p) => p.name);
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });
  const write = (file: string, text: string) => writeFile(path.join(dir, file), text);

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/a.yaml': providerYaml({ name: 'Alpha', services: ['VIRTUAL_ACCOUNT', 'QR_CODE'] }),
      'providers/b.yaml': providerYaml({ name: 'Beta', services: ['VIRTUAL_ACCOUNT'] }),
    });
  });
  afterAll(async () => {
    await capture('052 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  it('the sandbox adds each new ACTIVE provider to the default of its products; custom ones only exist once set', async () => {
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
    expect((await names('/v1/sequences/VIRTUAL_ACCOUNT')).sort()).toEqual(['Alpha', 'Beta']);
    expect(await names('/v1/sequences/QR_CODE')).toEqual(['Alpha']);
    expect(await names('/v1/sequences/EWALLET')).toEqual([]);
    expect((await get('/v1/sequences/VIRTUAL_ACCOUNT/BCA')).status).toBe(404);
  });

  it('plans declared sequences against live, applies them after the providers, then has nothing to do', async () => {
    await write('providers/routing.yaml', `${sequence('VIRTUAL_ACCOUNT', ['Beta', 'Alpha'])}---\n${sequence('VIRTUAL_ACCOUNT', ['Alpha'], 'BCA')}`);
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('  + create sequence VIRTUAL_ACCOUNT to BCA  providers/routing.yaml:12\n      providers: [Alpha]\n');
    expect(plan.stdout).toContain('Sequences: 1 to create,');
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('  ~ sequence VIRTUAL_ACCOUNT to BCA: set\n');
    expect(apply.stdout).toMatch(/Sequences complete: [12] set, [01] already as declared, 0 failed\./);
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['Beta', 'Alpha']);
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT/BCA')).toEqual(['Alpha']);
    const again = await cli('plan', '--detailed-exitcode');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git (2 providers, 2 sequences).');
  });

  it('foresees a new provider joining a declared default, and sets the declared list after creating it', async () => {
    await write('providers/c.yaml', providerYaml({ name: 'Gamma', services: ['VIRTUAL_ACCOUNT'] }));
    const plan = await cli('plan');
    expect(plan.stdout).toContain('      providers: [Beta, Alpha] + [Gamma] when applied -> [Beta, Alpha]\n');
    expect(plan.stdout).toContain('"Gamma" will join this default when applied (Paystrator adds new ACTIVE providers to it); apply then sets the declared list');
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['Beta', 'Alpha']);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses a saved plan whose sequence moved live, naming the sequence', async () => {
    await write('providers/routing.yaml', `${sequence('VIRTUAL_ACCOUNT', ['Alpha', 'Gamma', 'Beta'])}---\n${sequence('VIRTUAL_ACCOUNT', ['Alpha'], 'BCA')}`);
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    const seq = await get('/v1/sequences/VIRTUAL_ACCOUNT');
    const ids = seq.json.providers.map((p) => p.id).reverse();
    const res = await fetch(`${sandbox.url}/v1/sequences/VIRTUAL_ACCOUNT`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', 'if-match': `"${seq.json.version}"` },
      body: JSON.stringify({ providerIds: ids }),
    });
    answers.push(await res.text());
    expect(res.status).toBe(200);
    const r = await runCli(['apply', 'plan.json'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sequence VIRTUAL_ACCOUNT (default) changed live since the plan (version ${seq.json.version} -> ${seq.json.version + 1})`);
    expect(r.stderr).toContain('The saved plan is stale: nothing was applied.');
    // A fresh plan and apply converge.
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
    expect(await names('/v1/sequences/VIRTUAL_ACCOUNT')).toEqual(['Alpha', 'Gamma', 'Beta']);
  });
});
