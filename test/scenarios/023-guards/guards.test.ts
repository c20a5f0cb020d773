// The apply guards of a payment account, against the sandbox served over HTTP: each refuses with
// its message and exit 1, changes nothing, and passes with its override. Ownership: what is not
// in git is never touched; what is removed from git is deactivated only with --prune.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Provider } from '../../../src/generated/api.js';
import { canaries, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { fileOf, httpConfig, listProviders, providerFiles, RW } from '../../helpers/apply.js';
import { providerYaml, type ProviderFixture } from '../../helpers/fixtures.js';

const mains = Array.from({ length: 10 }, (_, i) => `Main ${String(i + 1).padStart(2, '0')}`);
const qr: ProviderFixture[] = [{ name: 'QR A', services: ['QR_CODE'] }, { name: 'QR B', services: ['QR_CODE'] }];

async function versions(url: string): Promise<Map<string, number>> {
  return new Map((await listProviders(url)).map((p) => [p.name, p.version]));
}

describe('apply guards', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });
  const put = (p: ProviderFixture) => writeFile(path.join(dir, fileOf(p.name)), providerYaml(p));

  beforeAll(async () => {
    sandbox = await serveSandbox();
    dir = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), ...providerFiles([...mains.map((name) => ({ name })), ...qr]) });
    expect((await cli('apply', '--auto-approve')).stdout).toContain('12 created');
    // A provider someone set up in the dashboard: live, not in git.
    const res = await fetch(`${sandbox.url}/v1/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Theirs', type: 'AGGREGATOR', integration: 'xendit', services: ['QR_CODE'], status: 'INACTIVE',
        credentials: { clientKey: 'xnd_development_theirs', clientSecret: canaries()[1] }, fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true },
      }),
    });
    expect(res.status).toBe(201);
  }, 300_000);
  afterAll(() => sandbox.stop());

  it('refuses a plan that changes more than policy.maxChangePercent of live providers, unless --allow-large-change', async () => {
    for (const name of mains.slice(0, 7)) await put({ name, percent: '2' });
    const before = await versions(sandbox.url);
    const message = 'error: unsafe plan: the plan changes 7 of 13 live providers (53.8%), more than policy.maxChangePercent (50%)';

    const plan = await cli('plan', '--out', 'plan.json');
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain('Plan: 0 to create, 7 to update');
    expect(plan.stderr).toContain(message);
    expect(plan.stderr).toContain('Nothing was changed. If this is intended, review the plan and run again with --allow-large-change.');
    await expect(readFile(path.join(dir, 'plan.json'))).rejects.toThrow(/ENOENT/);

    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(message);
    expect(await versions(sandbox.url)).toEqual(before);

    // Allowed when planning: the saved plan records it, and applies without the flag again.
    const allowed = await cli('plan', '--allow-large-change', '--out', 'plan.json');
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('warning: the plan changes 7 of 13 live providers (53.8%), more than policy.maxChangePercent (50%) (allowed by --allow-large-change)');
    expect(JSON.parse(await readFile(path.join(dir, 'plan.json'), 'utf8')).overrides).toEqual({ allowLargeChange: true, allowServiceOutage: false });
    const applied = await cli('apply', 'plan.json');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 0 created, 7 updated, 0 status changes, 0 failed.');
  });

  it('refuses a plan that leaves a service with no ACTIVE provider, naming it and its providers, unless --allow-service-outage', async () => {
    await put({ ...qr[0]!, status: 'INACTIVE' });
    await put({ ...qr[1]!, status: 'MAINTENANCE' });
    const before = await versions(sandbox.url);
    const message = 'error: unsafe plan: QR_CODE would be left with no ACTIVE provider: QR A (ACTIVE -> INACTIVE), QR B (ACTIVE -> MAINTENANCE)';

    const plan = await cli('plan');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(message);
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(message);
    expect(apply.stderr).toContain('run again with --allow-service-outage');
    expect(await versions(sandbox.url)).toEqual(before);

    const allowed = await cli('apply', '--auto-approve', '--allow-service-outage');
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('(allowed by --allow-service-outage)');
    expect(allowed.stdout).toContain('Apply complete: 0 created, 0 updated, 2 status changes, 0 failed.');

    for (const p of qr) await put(p);
    expect((await cli('apply', '--auto-approve')).stdout).toContain('2 status changes');
  });

  it('leaves a provider removed from git alone without --prune, deactivates it with --prune, and guards the last one of a service', async () => {
    await rm(path.join(dir, fileOf('QR B')));
    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('# removed from git; deactivated only with --prune or policy.prune');

    await rm(path.join(dir, fileOf('QR A')));
    const refused = await cli('apply', '--auto-approve', '--prune');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error: unsafe plan: QR_CODE would be left with no ACTIVE provider: QR A (ACTIVE -> INACTIVE, removed from git), QR B (ACTIVE -> INACTIVE, removed from git)');

    const pruned = await cli('apply', '--auto-approve', '--prune', '--allow-service-outage');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('  - QR A: deactivated');
    expect(pruned.stdout).toContain('  - QR B: deactivated');
    const live = new Map((await listProviders(sandbox.url)).map((p) => [p.name, p]));
    // Deactivated, never deleted: there is no delete.
    expect(live.get('QR A')).toMatchObject({ status: 'INACTIVE', statusReason: 'removed from git (paystrator-gitops --prune)' });
    expect(live.get('QR B')).toMatchObject({ status: 'INACTIVE' });
  });

  it('limits a plan and its apply to --target providers', async () => {
    await put({ name: 'Main 09', percent: '3.5' });
    await put({ name: 'Main 10', percent: '3.5' });
    const r = await cli('apply', '--auto-approve', '--target', 'Main 09');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete: 0 created, 1 updated, 0 status changes, 0 failed.');
    const live = new Map((await listProviders(sandbox.url)).map((p) => [p.name, p]));
    expect(live.get('Main 09')!.fee).toEqual({ type: 'PERCENTAGE', percent: '3.5' });
    expect(live.get('Main 10')!.fee).toEqual({ type: 'PERCENTAGE', percent: '1.5' });
    const rest = await cli('plan');
    expect(rest.stdout).toContain('Plan: 0 to create, 1 to update, 0 to deactivate');
  });

  it('never touched the provider that is not in git, and reports it as unmanaged', async () => {
    const plan = await cli('plan');
    expect(plan.stdout).toContain('Unmanaged (live, not in git, never touched): Theirs (INACTIVE)');
    const theirs = (await listProviders(sandbox.url)).find((p) => p.name === 'Theirs') as Provider;
    expect(theirs.version).toBe(1);
    expect(theirs.labels['managed-by']).toBeUndefined();
  });
});

describe('policy.ignore with monitoring-driven MAINTENANCE flips', () => {
  it('reports a MAINTENANCE set by monitoring and does not revert it', { timeout: 300_000 }, async () => {
    const sandbox = await serveSandbox(['--maintenance-flip-rate', '0.5', '--maintenance-flip-interval-ms', '100', '--seed', '23']);
    const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    try {
      const names = Array.from({ length: 20 }, (_, i) => `Monitored ${String(i).padStart(2, '0')}`);
      const dir = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), ...providerFiles(names.map((name) => ({ name }))) });
      expect((await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env })).stdout).toContain('20 created');
      // About half are in MAINTENANCE by MONITOR at any moment; the chance that none is, 2^-20.
      const r = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/# status MAINTENANCE set by MONITOR is kept \(policy\.ignore\); git says ACTIVE/);
      expect(r.stdout).toContain('No changes. Live matches git (20 providers).');
      const live = await listProviders(sandbox.url);
      expect(live.some((p) => p.statusChangedBy === 'MONITOR')).toBe(true);
      // Nothing was ever set back by the apply: every status change since the create is the monitor's.
      for (const p of live) expect([p.statusChangedBy, p.status === 'ACTIVE' || p.statusChangedBy === 'MONITOR'], p.name).toEqual([expect.stringMatching(/^(API|MONITOR)$/), true]);
      expect(live.filter((p) => p.statusReason === 'declared in git (paystrator-gitops)')).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });
});
