// A fresh account, set up by hand over the API (providers, a custom sequence, webhooks, the
// whitelist, API keys), taken into git with `import --all-kinds`: the files validate as written
// (an API key needs no valueSink to exist), plan only takes the live resources over, and after
// that apply the plan is clean. A new key declared without valueSink is refused at its line.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, registerCanaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const ADDRESS = '203.0.113.1';
const NAMES = ['Alpha', 'Beta'];

describe('import --all-kinds of a fresh account round-trips to a clean plan', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const [secret] = canaries() as [string];
  const answers: string[] = [];
  const env = { PAYSTRATOR_API_KEY: RW, ...Object.fromEntries(NAMES.map((n) => [`${n.toUpperCase()}_CLIENT_SECRET`, secret])) };
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });

  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    let ifMatch: string | undefined;
    if (method === 'PUT' && !headers['if-none-match']) ifMatch = (await fetch(`${sandbox.url}${url}`, { headers: { authorization: `Bearer ${RW}` } })).headers.get('etag') ?? undefined;
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...(ifMatch ? { 'if-match': ifMatch } : {}), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // A create's answer holds the new key's value: the test saw it, the CLI must not.
    if (!url.startsWith('/v1/api-keys') || method === 'GET') answers.push(text);
    expect(res.status, text).toBeLessThan(300);
    return JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const liveKeys = async () => ((await api('GET', '/v1/api-keys')).data as Array<{ name: string; status: string; version: number; annotations: Record<string, string> }>)
    .map((k) => ({ name: k.name, status: k.status, version: k.version, managed: k.annotations['paystrator-gitops/managed-by'] ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));

  beforeAll(async () => {
    // The sandbox keeps key values in its state file: named .secret, which the canary scan skips.
    sandbox = await serveSandbox([], { dataName: 'state.secret.json' });
    const ids = new Map<string, string>();
    for (const name of NAMES) {
      const p = await api('POST', '/v1/providers', {
        name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT', 'EWALLET'],
        credentials: { clientKey: 'xnd_development_abc123', clientSecret: secret },
        fee: { type: 'PERCENTAGE', percent: '1.5' }, tax: { vatPercent: '11', applyVat: true },
      }, { 'idempotency-key': `create-${name}` });
      ids.set(name, p.id);
    }
    await api('PUT', '/v1/sequences/VIRTUAL_ACCOUNT/BCA', { providerIds: [ids.get('Beta'), ids.get('Alpha')] }, { 'if-none-match': '*' });
    await api('PUT', '/v1/webhooks', { urls: { QR_CODE: 'https://hooks.example.com/qr' } });
    await api('PUT', '/v1/ip-whitelist', { addresses: [ADDRESS, '198.51.100.7'] });
    const created = await api('POST', '/v1/api-keys', { name: 'Backend Integration', permissions: { SEND_MONEY: 'READ_WRITE', EWALLET: 'READ' } }, { 'idempotency-key': 'create-backend' });
    await registerCanaries([String(created.value)]);
    dir = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }) });
  });
  afterAll(async () => {
    await capture('161 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  it('writes every kind, API keys without valueSink, and validate accepts the files as written', async () => {
    const r = await cli('import', '--all-kinds', '--out-dir', 'providers/imported');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const files = (await readdir(path.join(dir, 'providers/imported'))).sort();
    expect(files).toEqual(expect.arrayContaining(['alpha.yaml', 'api-keys.yaml', 'beta.yaml', 'ip-whitelist.yaml', 'sequences.yaml', 'webhooks.yaml']));
    const keys = await readFile(path.join(dir, 'providers/imported/api-keys.yaml'), 'utf8');
    expect(keys).toContain('name: Backend Integration');
    expect(keys).toContain('# API keys imported from the live account. They have no valueSink: it is needed only to create a key');
    expect(keys).not.toMatch(/^ *valueSink:/m);
    const v = await cli('validate');
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('plans only the take-over (no create), and after that apply the plan is clean', async () => {
    const before = await liveKeys();
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).not.toContain('+ create');
    expect(plan.stdout).toContain('adopts a key git did not manage until now (its file was written by import)');
    expect(plan.stdout).toContain('Sequences: 0 to create, 0 to update, 1 unchanged.');
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const again = await cli('plan', '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git');
    // The take-over only marked the keys as managed: the same keys, none created or revoked.
    const after = await liveKeys();
    expect(after.map((k) => [k.name, k.status])).toEqual(before.map((k) => [k.name, k.status]));
    expect(after.every((k) => k.managed === 'paystrator-gitops')).toBe(true);
  });

  it('a new key without valueSink: plan exit 1 at its line, field spec.valueSink, and live is unchanged', async () => {
    const before = await liveKeys();
    await writeFile(path.join(dir, 'providers/new-key.yaml'), 'apiVersion: paystrator-gitops/v1\nkind: ApiKey\nmetadata: { name: Reporting }\nspec:\n  permissions: { SEND_MONEY: READ }\n');
    const v = await cli('validate');
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const plan = await cli('plan');
    expect(plan.code).toBe(1);
    expect(plan.stdout + plan.stderr).toContain('providers/new-key.yaml:3:');
    expect(plan.stdout + plan.stderr).toContain('spec.valueSink: API key "Reporting" does not exist live, and creating it needs spec.valueSink');
    expect(plan.stdout + plan.stderr).not.toContain('internal error');
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(1);
    expect(await liveKeys()).toEqual(before);
  });
});
