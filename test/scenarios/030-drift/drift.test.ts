// drift with the built CLI: apply, change providers live behind git's back, and see drift name
// each change (with who made it), find a secret rotated outside git without reading any secret,
// write the live values back into the files without touching anything else, and go quiet again.
//
// Changes over HTTP go through the sandbox API with the read-write key, so their status changes
// are made by API. Status changes by USER (the dashboard) or MONITOR (monitoring) are not reachable
// over the API; the second suite makes them with the sandbox store's own hook on the embedded
// environment's state file, which is what the dashboard and the monitor use.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSandboxStore } from '../../../src/sandbox/store/persistence.js';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const RO = 'psk_sandbox_ro_0000000000000000';

/** The fixture file with comments and formatting a person would have, to see they survive. */
const commented = (yaml: string) =>
  yaml
    .replace('  labels: { team: payments }', '  labels: { team: payments }    # owners: #payments-oncall')
    .replace(/ {2}fee: (.*)\n/, '  # Fee agreed with the provider; see the contract.\n  fee: $1   # per transaction\n');

describe('drift against an environment over HTTP', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  /** A CI drift job: read-only key, no access to the secret stores. */
  let ci: Record<string, string>;
  let original: string;

  const api = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    expect(res.status, `${method} ${url}`).toBeLessThan(300);
    return (await res.json()) as { id: string; version: number };
  };
  const byName = async (name: string) => {
    const page = (await (await fetch(`${sandbox.url}/v1/providers?q=${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${RO}` } })).json()) as { data: { id: string; name: string; version: number }[] };
    return page.data.find((p) => p.name === name)!;
  };

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]!, OTHER_SECRET: canaries()[1]! };
    ci = { PAYSTRATOR_API_KEY: RO };
    original = commented(providerYaml({ name: 'Xendit A' }));
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/a.yaml': original,
      'providers/b.yaml': providerYaml({ name: 'Xendit B', percent: '2', secretVar: 'OTHER_SECRET', services: ['QR_CODE'] }),
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, apply.stderr).toBe(0);
  });
  afterAll(() => sandbox.stop());

  it('finds no drift right after apply, with full coverage', async () => {
    const r = await runCli(['drift', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Secret values: compared by fingerprint with the secret stores.');
    expect(r.stdout).toContain('Coverage: 2 of 2 live providers managed by git (100%).');
    expect(r.stdout).toContain('No drift: live matches git (2 providers).');
  });

  it('names the fields changed live and who changed the status, with a read-only key and no secret store', async () => {
    const found = await byName('Xendit A');
    const a = await api('PATCH', `/v1/providers/${found.id}`, { fee: { type: 'PERCENTAGE', percent: '2.5' } }, { 'if-match': `"${found.version}"` });
    await api('POST', `/v1/providers/${a.id}/status`, { status: 'MAINTENANCE', reason: 'bank maintenance window' }, { 'if-match': `"${a.version}"` });

    const r = await runCli(['drift', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: ci });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('  ~ Xendit A  providers/a.yaml:5');
    expect(r.stdout).toContain('spec.fee.percent: git "1.5", live "2.5"');
    expect(r.stdout).toContain('spec.status:      git "ACTIVE", live "MAINTENANCE" (set by API: bank maintenance window)');
    expect(r.stdout).not.toContain('Xendit B');
    expect(r.stdout).toContain('Secret values: not compared (2 secret references could not be resolved); secrets changed outside git are still found from credential versions.');
    expect(r.stdout).toContain('Drift: 1 changed live, 0 missing live, 0 unmanaged.');
    expect(r.stderr).toMatch(/warning: .*cannot resolve secret \(store env, name XENDIT_SECRET\).*drift goes on without comparing secret values/);

    const json = await runCli(['drift', '--env', 'http', '--format', 'json'], { cwd: dir, env: ci });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.changed[0].fields).toEqual([
      { field: 'spec.fee.percent', git: '1.5', live: '2.5' },
      { field: 'spec.status', git: 'ACTIVE', live: 'MAINTENANCE', changedBy: 'API', reason: 'bank maintenance window' },
    ]);

    const mdOut = await runCli(['drift', '--env', 'http', '--format', 'markdown'], { cwd: dir, env: ci });
    expect(mdOut.stdout.split('\n')[0]).toBe('**Paystrator drift in <code>http</code>: 1 changed live, 0 missing live, 0 unmanaged.** Coverage 2/2 (100%).');
    expect(mdOut.stdout).toContain('| <code>spec\\.status</code> | &quot;ACTIVE&quot; | &quot;MAINTENANCE&quot; | API: bank maintenance window |');
  });

  it('writes the live values into the file, changing only those fields and keeping comments', async () => {
    const r = await runCli(['drift', '--env', 'http', '--write'], { cwd: dir, env: ci });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Wrote live values into 1 file:\n  providers/a.yaml: Xendit A (spec.fee.percent, spec.status)\n');
    const after = await readFile(path.join(dir, 'providers/a.yaml'), 'utf8');
    expect(after).toBe(original.replace('percent: "1.5" }   # per transaction', 'percent: "2.5" }   # per transaction').replace('status: ACTIVE', 'status: MAINTENANCE'));

    const again = await runCli(['drift', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: ci });
    expect(again.code, again.stdout).toBe(0);
    const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
    expect(plan.code, plan.stdout).toBe(0);
  });

  it('finds a secret rotated outside git from credential versions, never printing it, and does not write it', async () => {
    const b = await byName('Xendit B');
    await api('PATCH', `/v1/providers/${b.id}`, { credentials: { clientSecret: canaries()[3] } }, { 'if-match': `"${b.version}"` });
    const r = await runCli(['drift', '--env', 'http', '--detailed-exitcode', '--write'], { cwd: dir, env: ci });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('spec.credentials.clientSecret: changed outside git (live credential version 2; the last write by paystrator-gitops made version 1)');
    expect(r.stdout).toContain('Drift: 1 changed live (1 secret changed outside git), 0 missing live, 0 unmanaged.');
    expect(r.stdout).toContain('Not written:\n  Xendit B spec.credentials.clientSecret: a secret rotated outside git');
    // With the secrets resolvable, apply puts git's value back and records the new version.
    expect((await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['drift', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: ci })).code).toBe(0);
  });

  it('lists providers live but not in git and providers missing live, with coverage', async () => {
    await api('POST', '/v1/providers', {
      name: 'Made In Dashboard', type: 'AGGREGATOR', integration: 'xendit', services: ['EWALLET'],
      credentials: { clientKey: 'xnd_development_dash', clientSecret: canaries()[2] },
      fee: { type: 'PERCENTAGE', percent: '2' }, tax: { vatPercent: '11', applyVat: true },
    });
    await writeFile(path.join(dir, 'providers/c.yaml'), providerYaml({ name: 'Xendit C' }));
    const r = await runCli(['drift', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env: ci });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('  - Xendit C  providers/c.yaml:5\n      in git, missing live (apply creates it)');
    expect(r.stdout).toContain('  ? Made In Dashboard (ACTIVE)\n      live, not in git (unmanaged: import it to manage it, or leave it alone)');
    expect(r.stdout).toContain('Coverage: 2 of 3 live providers managed by git (66%).');
    expect(r.stdout).toContain('Drift: 0 changed live, 1 missing live, 1 unmanaged.');

    await writeFile(path.join(dir, 'providers/c.yaml'), '');
    const ignoring = await runCli(['drift', '--env', 'http', '--detailed-exitcode', '--ignore-unmanaged'], { cwd: dir, env: ci });
    expect(ignoring.code, ignoring.stdout).toBe(0);
    expect(ignoring.stdout).toContain('No drift: live matches git (2 providers; 1 unmanaged, not counted).');
  });
});

describe('drift with status changes made by the dashboard (USER) and monitoring (MONITOR)', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    env = { XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': `${configYaml()}policy:\n  ignore:\n    - { field: status, when: { changedBy: MONITOR, value: MAINTENANCE } }\n`,
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
    });
    expect((await runCli(['apply', '--auto-approve'], { cwd: dir, env })).code).toBe(0);
  });

  const setStatus = async (changedBy: 'USER' | 'MONITOR', reason: string) => {
    const store = await openSandboxStore(path.join(dir, '.paystrator/sandbox.json'));
    await store.setStatusAs(store.getByName('Alpha')!.id, 'MAINTENANCE', changedBy, reason);
    await store.close();
  };

  it('keeps a MAINTENANCE set by monitoring, as policy.ignore says, and shows it as a note', async () => {
    await setStatus('MONITOR', 'health check failed');
    const r = await runCli(['drift', '--detailed-exitcode'], { cwd: dir, env });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('    Alpha  providers/a.yaml:5\n      # spec.status "MAINTENANCE" set by MONITOR is kept (policy.ignore status); git says "ACTIVE"');
    expect(r.stdout).toContain('No drift: live matches git (1 provider).');
  });

  it('reports the same status set by a person in the dashboard as drift, naming USER', async () => {
    await setStatus('USER', 'paused by ops');
    const r = await runCli(['drift', '--detailed-exitcode'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('spec.status: git "ACTIVE", live "MAINTENANCE" (set by USER: paused by ops)');
  });
});
