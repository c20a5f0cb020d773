// apply --progressive with account settings (issue 18: "account settings in their own step"),
// over HTTP with a seeded traffic sandbox. Webhooks and API keys are one step after the
// providers, applied through their kind handlers and judged over every service. A settings change
// cannot hurt simulated payments by itself (the simulator routes by providers and sequences
// only), so the failing case makes the traffic fail by what it does see: the live EWALLET
// sequence is set, outside git, to route first to a provider whose credential the sandbox
// rejects. The settings step then fails its analysis and is rolled back: webhook URL and key
// permissions put back with If-Match, the key the step created revoked (it cannot be
// un-created), and the report and rollback record say so.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxStateCanaries } from '../../helpers/canary-scan.js';
import { canaries, registerCanaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { listProviders, RW } from '../../helpers/apply.js';
import { providerYaml } from '../../helpers/fixtures.js';
import { serveWebhookReceiver, type WebhookReceiver } from '../../servers/webhook-receiver.js';

const config = (url: string) => `environments:
  http:
    endpoint: ${url}
    client: dummy-company
    apiKey: { secretRef: { store: env, name: PAYSTRATOR_API_KEY } }
    providers: providers/**/*.yaml
secretStores:
  env: { type: env }
  files: { type: file, dir: sinks }
policy:
  rollout: { interval: 1s, minSuccessRate: 0.9, minTransactions: 5 }
`;

const webhooks = (url: string) => `apiVersion: paystrator-gitops/v1\nkind: Webhooks\nspec:\n  urls:\n    EWALLET: ${url}\n`;
const key = (name: string, permissions: string, sink: string) => `---
apiVersion: paystrator-gitops/v1
kind: ApiKey
metadata: { name: ${name} }
spec:
  permissions: ${permissions}
  status: ACTIVE
  valueSink: { store: files, name: ${sink} }
`;

interface LiveKey {
  id: string;
  name: string;
  status: string;
  permissions: Record<string, string>;
}

describe('apply --progressive: the account settings step', () => {
  const [good, bad] = canaries() as [string, string];
  let sandbox: ServedSandbox;
  let receiver: WebhookReceiver;
  let dir: string;
  const env = { PAYSTRATOR_API_KEY: RW, GOOD_SECRET: good, BAD_SECRET: bad };

  const call = async (method: string, p: string, body?: unknown, ifMatch?: number) => {
    const res = await fetch(`${sandbox.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...(ifMatch !== undefined ? { 'if-match': `"${ifMatch}"` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    expect(res.status, `${method} ${p}`).toBeLessThan(300);
    return (await res.json()) as Record<string, unknown>;
  };
  /** The live EWALLET sequence, set the way the dashboard would (outside git: git declares no sequence). */
  const route = async (...names: string[]) => {
    const ids = new Map((await listProviders(sandbox.url)).map((p) => [p.name, p.id]));
    const now = (await call('GET', '/v1/sequences/EWALLET')) as { version: number };
    await call('PUT', '/v1/sequences/EWALLET', { providerIds: names.map((n) => ids.get(n)) }, now.version);
  };
  const keys = async () => ((await call('GET', '/v1/api-keys')) as { data: LiveKey[] }).data;
  const registerKeyValues = async () => {
    const sinks = path.join(dir, 'sinks');
    const values = await Promise.all((await readdir(sinks)).filter((f) => f.endsWith('.secret')).map((f) => readFile(path.join(sinks, f), 'utf8')));
    await registerCanaries([...values, ...sandboxStateCanaries(await readFile(sandbox.dataFile, 'utf8'))]);
  };

  beforeAll(async () => {
    sandbox = await serveSandbox(['--traffic-rate', '400', '--seed', '5'], { env: { PAYSTRATOR_SANDBOX_REJECT_CREDENTIALS: bad }, dataName: 'state.secret.json' });
    receiver = await serveWebhookReceiver();
    dir = await workspace({
      'paystrator.yaml': config(sandbox.url),
      'providers/good.yaml': providerYaml({ name: 'Wallet Good', services: ['EWALLET'], secretVar: 'GOOD_SECRET' }),
      'providers/rejected.yaml': providerYaml({ name: 'Wallet Rejected', services: ['EWALLET'], secretVar: 'BAD_SECRET' }),
      'sinks/.keep': '',
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    await route('Wallet Good', 'Wallet Rejected');
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
  });

  it('a webhooks change and a new API key: one settings step, judged over every service, passes and lands', async () => {
    await writeFile(path.join(dir, 'providers/settings.yaml'), webhooks(receiver.urlFor(200)) + key('Backend', '{ EWALLET: READ }', 'backend.secret'));
    const r = await runCli(['apply', '--env', 'http', '--auto-approve', '--progressive'], { cwd: dir, env });
    await registerKeyValues();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('[1/1] account settings (Webhooks, ApiKey "Backend") (watching EWALLET)\n');
    expect(r.stdout).toContain(`    Webhooks: test event to EWALLET (${receiver.urlFor(200)}): HTTP 200\n`);
    expect(r.stdout).toMatch(/ {4}ApiKey "Backend": created \(psk_[a-z0-9_]+\.\.\.\); its value is in files\/backend\.secret\n/);
    expect(r.stdout).toMatch(/^ {2}pass: \d+ transactions, [\d.]+% succeeded$/m);
    expect(r.stdout).toContain('Progressive apply complete: 1 step applied and judged healthy.');
    expect((await keys()).find((k) => k.name === 'Backend')).toMatchObject({ status: 'ACTIVE', permissions: { EWALLET: 'READ' } });
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout).toBe(0);
  }, 60_000);

  it('a settings step whose analysis fails is rolled back: URL and permissions put back, the created key revoked, and said', async () => {
    // Payments now fail on their first try: the live sequence puts the rejected provider first.
    await route('Wallet Rejected', 'Wallet Good');
    await writeFile(
      path.join(dir, 'providers/settings.yaml'),
      webhooks(receiver.urlFor(201)) + key('Backend', '{ EWALLET: READ_WRITE }', 'backend.secret') + key('Reporting', '{ EWALLET: READ }', 'reporting.secret'),
    );
    const r = await runCli(['apply', '--env', 'http', '--auto-approve', '--progressive'], { cwd: dir, env });
    await registerKeyValues();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('[1/1] account settings (Webhooks, ApiKey "Reporting", ApiKey "Backend") (watching EWALLET)\n');
    expect(r.stdout).toMatch(/^ {2}FAIL: success rate [\d.]+% \(\d+ of \d+\) is below 90\.0%/m);
    // Undone in the reverse of the apply order: the keys, then the webhooks.
    const holds = [
      'ApiKey "Reporting": created by the step, which cannot be undone: revoked instead (its value stays in its sink, refused by Paystrator)',
      'ApiKey "Backend": permissions back to EWALLET READ',
      'Webhooks: EWALLET back to the URL before the step',
    ];
    for (const h of holds) expect(r.stdout).toContain(`  rolled back: ${h}\n`);
    expect(r.stdout).toContain(`Live now holds:\n${holds.map((h) => `  - ${h}\n`).join('')}`);
    expect(r.stderr).toContain('Progressive apply stopped at step 1 (account settings (Webhooks, ApiKey "Reporting", ApiKey "Backend")): rolled back.');

    const record = JSON.parse(await readFile(path.join(dir, '.paystrator/rollback-http.json'), 'utf8')) as { step: { kind: string; services: string[] }; actions: { action: string; ok: boolean }[]; liveHolds: string[] };
    expect(record.step).toMatchObject({ kind: 'settings', services: ['EWALLET'] });
    expect(record.actions.map((a) => a.ok)).toEqual([true, true, true]);
    expect(record.liveHolds).toEqual(holds);

    // Live read back: what the record says.
    const live = (await call('GET', '/v1/webhooks')) as { urls: Record<string, string> };
    expect(live.urls).toEqual({ EWALLET: receiver.urlFor(200) });
    const now = await keys();
    expect(now.find((k) => k.name === 'Backend')).toMatchObject({ status: 'ACTIVE', permissions: { EWALLET: 'READ' } });
    expect(now.find((k) => k.name === 'Reporting')).toMatchObject({ status: 'REVOKED' });
    const journal = JSON.parse(await readFile(path.join(dir, '.paystrator/rollout-http.json'), 'utf8')) as { pending?: unknown };
    expect(journal.pending).toBeUndefined();
  }, 60_000);
});
