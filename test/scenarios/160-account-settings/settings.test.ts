// Webhooks and the IP whitelist as code (SPEC 3b), with the built CLI against the sandbox over
// HTTP: declare, apply (Test & Save against a loopback receiver), a clean plan; changes made live
// through the API (and a token rotation) found by drift and written back; a saved plan that went
// stale; the lockout guard; a test delivery answered 500; import of a fresh account.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml } from '../../helpers/fixtures.js';
import { serveWebhookReceiver, type WebhookReceiver } from '../../servers/webhook-receiver.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const ADDRESS = '203.0.113.1';
const env = { PAYSTRATOR_API_KEY: RW };

const webhooks = (urls: Record<string, string>) =>
  `apiVersion: paystrator-gitops/v1\nkind: Webhooks\nspec:\n  urls:\n${Object.entries(urls).map(([s, u]) => `    ${s}: ${u}\n`).join('')}`;
const whitelist = (addresses: string[]) => `apiVersion: paystrator-gitops/v1\nkind: IpWhitelist\nspec:\n  addresses: [${addresses.join(', ')}]\n`;

async function api(sandbox: ServedSandbox, method: string, p: string, body?: unknown): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  let ifMatch: string | undefined;
  if (method === 'PUT') ifMatch = (await fetch(`${sandbox.url}${p}`, { headers: { authorization: `Bearer ${RW}` } })).headers.get('etag') ?? undefined;
  const res = await fetch(`${sandbox.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...(ifMatch ? { 'if-match': ifMatch } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status, `${method} ${p}`).toBe(200);
  return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await serveWebhookReceiver();
});
afterAll(() => receiver.stop());

describe('webhooks and the IP whitelist, declared and kept', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });

  beforeAll(async () => {
    sandbox = await serveSandbox();
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/webhooks.yaml': webhooks({ SEND_MONEY: receiver.urlFor(200), VIRTUAL_ACCOUNT: receiver.urlFor(202) }),
      'providers/ip-whitelist.yaml': whitelist([ADDRESS, '198.51.100.7']),
    });
  });
  afterAll(() => sandbox.stop());

  it('plans, applies with a test event per URL, then has nothing to do', async () => {
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('  Account settings:\n  ~ update Webhooks  providers/webhooks.yaml:1\n');
    expect(plan.stdout).toContain(`      spec.urls.SEND_MONEY:      (none) -> "${receiver.urlFor(200)}"`);
    expect(plan.stdout).toContain('  ~ update IpWhitelist  providers/ip-whitelist.yaml:1\n      spec.addresses: [203.0.113.1] -> [198.51.100.7, 203.0.113.1]');
    expect(plan.stdout).toContain('Settings: 0 to create, 2 to update, 0 unchanged.');

    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain(`    Webhooks: test event to SEND_MONEY (${receiver.urlFor(200)}): HTTP 200\n`);
    expect(apply.stdout).toContain(`    Webhooks: test event to VIRTUAL_ACCOUNT (${receiver.urlFor(202)}): HTTP 202\n`);
    // The whitelist goes last: after it, this run might no longer be let in.
    expect(apply.stdout.indexOf('IpWhitelist complete')).toBeGreaterThan(apply.stdout.indexOf('Webhooks complete'));

    const again = await cli('plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git (0 providers, 2 settings).');
    const live = await api(sandbox, 'GET', '/v1/webhooks');
    expect(live.annotations).toMatchObject({ 'paystrator-gitops/token-version': '1', 'paystrator-gitops/applied-version': String(live.version) });
  });

  it('finds changes made live and a token rotation; --write takes the values, apply records the rotation', async () => {
    await api(sandbox, 'PUT', '/v1/webhooks', { urls: { SEND_MONEY: receiver.urlFor(201), VIRTUAL_ACCOUNT: receiver.urlFor(202) } });
    await api(sandbox, 'PUT', '/v1/ip-whitelist', { addresses: [ADDRESS, '198.51.100.7', '198.51.100.8'] });
    await api(sandbox, 'POST', '/v1/webhooks/verification-token/rotate');

    const drift = await cli('drift', '--detailed-exitcode');
    expect(drift.code, drift.stderr).toBe(2);
    expect(drift.stdout).toContain(`  ~ Webhooks  providers/webhooks.yaml:1\n      spec.urls.SEND_MONEY: git "${receiver.urlFor(200)}", live "${receiver.urlFor(201)}"\n      verification token rotated: version 1 -> 2 at `);
    expect(drift.stdout).toContain('  ~ IpWhitelist  providers/ip-whitelist.yaml:1\n      spec.addresses: git [198.51.100.7, 203.0.113.1], live [198.51.100.7, 198.51.100.8, 203.0.113.1]');
    expect(drift.stdout).toContain('2 settings changed live');
    const json = JSON.parse((await cli('drift', '--format', 'json')).stdout);
    expect(json.resources.map((r: { kind: string }) => r.kind)).toEqual(['Webhooks', 'IpWhitelist']);
    expect(json.summary.resources).toBe(2);

    const write = await cli('drift', '--write');
    expect(write.stdout).toContain('Wrote live values into 2 files:');
    expect(await readFile(path.join(dir, 'providers/webhooks.yaml'), 'utf8')).toContain(`SEND_MONEY: "${receiver.urlFor(201)}"`);
    expect(await readFile(path.join(dir, 'providers/ip-whitelist.yaml'), 'utf8')).toContain('198.51.100.8');

    // The token is not in git: what is left is the rotation, which the plan acknowledges.
    const left = await cli('drift', '--detailed-exitcode');
    expect(left.code).toBe(2);
    expect(left.stdout).not.toContain('spec.urls');
    const plan = await cli('plan');
    expect(plan.stdout).toContain('verification token rotated: version 1 -> 2');
    expect(plan.stdout).toContain('apply records version 2');
    expect((await cli('apply', '--auto-approve')).code).toBe(0);
    expect((await cli('drift', '--detailed-exitcode')).code).toBe(0);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses a saved plan whose setting moved live, and a rerun of a landed plan has nothing left', async () => {
    await writeFile(path.join(dir, 'providers/ip-whitelist.yaml'), whitelist([ADDRESS, '198.51.100.9']));
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    const saved = JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8'));
    expect(saved.resources).toEqual([
      expect.objectContaining({ kind: 'Webhooks', action: 'noop' }),
      expect.objectContaining({ kind: 'IpWhitelist', action: 'update', operations: [{ kind: 'put', body: { addresses: ['198.51.100.9', ADDRESS] } }] }),
    ]);
    expect((await runCli(['show', 'plan.json'], { cwd: dir })).stdout).toContain('~ update IpWhitelist');

    await api(sandbox, 'PUT', '/v1/ip-whitelist', { addresses: [ADDRESS, '198.51.100.10'] });
    const stale = await cli('apply', 'plan.json');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/IpWhitelist changed live since the plan \(version \d+ -> \d+\)/);
    expect((await api(sandbox, 'GET', '/v1/ip-whitelist')).addresses).toContain('198.51.100.10');

    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    expect((await cli('apply', 'plan.json')).code).toBe(0);
    const rerun = await cli('apply', 'plan.json');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain('Already applied by an earlier run of this plan: IpWhitelist');
    expect(rerun.stdout).toContain('Nothing left to apply.');
  });

  it('a URL whose endpoint answers 500 fails the apply and keeps the URL that tested fine', async () => {
    const before = (await api(sandbox, 'GET', '/v1/webhooks')).urls.SEND_MONEY as string;
    await writeFile(path.join(dir, 'providers/webhooks.yaml'), webhooks({ SEND_MONEY: `${receiver.url}/fail`, VIRTUAL_ACCOUNT: receiver.urlFor(202) }));
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`  ! Webhooks: failed: test event to SEND_MONEY (${receiver.url}/fail): HTTP 500; its previous URL ${before} was restored (Test & Save keeps only a URL that answers 2xx)`);
    expect(apply.stdout).toContain('Webhooks finished with failures: 0 set, 0 already as declared, 1 failed.');
    expect((await api(sandbox, 'GET', '/v1/webhooks')).urls.SEND_MONEY).toBe(before);
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(2);
  });
});

describe('the lockout guard', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });

  beforeAll(async () => {
    sandbox = await serveSandbox();
    dir = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }), 'providers/ip.yaml': whitelist(['198.51.100.7']) });
  });
  afterAll(() => sandbox.stop());

  it('refuses a whitelist without the address the run calls from, and passes with --allow-lockout', async () => {
    const plan = await cli('plan');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(`unsafe plan: the IP whitelist would no longer hold ${ADDRESS}, the address the API sees this run calling from (requestAddress)`);
    expect(plan.stderr).toContain('run again with --allow-lockout');
    expect((await cli('apply', '--auto-approve')).code).toBe(1);
    expect((await api(sandbox, 'GET', '/v1/ip-whitelist')).addresses).toEqual([ADDRESS]);

    await writeFile(path.join(dir, 'providers/ip.yaml'), 'apiVersion: paystrator-gitops/v1\nkind: IpWhitelist\nspec:\n  addresses: []\n');
    expect((await cli('plan')).stderr).toContain('unsafe plan: the IP whitelist would be empty');

    await writeFile(path.join(dir, 'providers/ip.yaml'), whitelist(['198.51.100.7']));
    const saved = await cli('plan', '--allow-lockout', '--out', 'plan.json');
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stderr).toContain('(allowed by --allow-lockout)');
    expect(JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')).overrides.allowLockout).toBe(true);
    // The saved plan keeps the override; the whitelist is written last, and then the door is shut.
    const apply = await cli('apply', 'plan.json');
    expect(apply.code, apply.stderr).toBe(0);
    const after = await cli('plan');
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('IP address not whitelisted');
  });
});

describe('import of a fresh account', () => {
  let sandbox: ServedSandbox;
  afterAll(() => sandbox.stop());

  it('writes the settings with --kind, and the plan of what it wrote is clean', async () => {
    sandbox = await serveSandbox();
    await api(sandbox, 'PUT', '/v1/webhooks', { urls: { QR_CODE: receiver.urlFor(200) } });
    const dir = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }) });
    // --all-kinds (API keys too) round-trips in scenario 161.
    const imported = await runCli(['import', '--kind', 'Webhooks', '--kind', 'IpWhitelist', '--env', 'http'], { cwd: dir, env });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('Account settings:\n  + providers/webhooks.yaml  Webhooks\n  + providers/ip-whitelist.yaml  IpWhitelist\n');
    expect(await readFile(path.join(dir, 'providers/webhooks.yaml'), 'utf8')).toContain(`QR_CODE: ${receiver.urlFor(200)}`);
    expect(await readFile(path.join(dir, 'providers/ip-whitelist.yaml'), 'utf8')).toContain(`- ${ADDRESS}`);
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes. Live matches git (0 providers, 2 settings).');
    const twice = await runCli(['import', '--kind', 'Webhooks', '--env', 'http'], { cwd: dir, env });
    expect(twice.stdout).toContain('  = providers/webhooks.yaml:2  Webhooks: skipped, already in git');
  });
});
