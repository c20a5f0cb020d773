// Apply against the sandbox served over HTTP with faults injected: 10% 5xx, 5% dropped
// connections (half of the dropped writes after their commit) and 5% 429s with Retry-After.
// Live state read back must equal the desired state exactly, with every provider created once.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, workspace } from '../../helpers/cli.js';
import { committedProviders, fileOf, httpConfig, providerFiles, RW } from '../../helpers/apply.js';
import { providerYaml } from '../../helpers/fixtures.js';

const FAULTS = ['--error-rate', '0.1', '--drop-rate', '0.05', '--rate-429', '0.05', '--latency-ms', '0-2', '--seed', '20'];
const name = (i: number) => `Faulty ${String(i).padStart(3, '0')}`;
const services = (i: number) => (i % 3 === 0 ? ['QR_CODE'] : i % 3 === 1 ? ['VIRTUAL_ACCOUNT', 'EWALLET'] : ['EWALLET']);

describe('apply under injected faults', () => {
  it('200 creates and 100 updates under 10% 5xx, 5% dropped connections and 5% 429s converge exactly', { timeout: 300_000 }, async () => {
    const sandbox = await serveSandbox(FAULTS);
    const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    const want = new Map<string, { percent: string; services: string[] }>();
    let dir: string;
    try {
      const first = Array.from({ length: 100 }, (_, i) => ({ name: name(i), services: services(i), percent: '1.5' }));
      dir = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), ...providerFiles(first) });
      const setup = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
      expect(setup.stderr).toBe('');
      expect(setup.stdout).toContain('Apply complete: 100 created, 0 updated, 0 status changes, 0 failed.');

      // 100 updates (a new fee) and 200 creates, in one apply.
      for (let i = 0; i < 300; i++) {
        const p = { name: name(i), services: services(i), percent: i < 100 ? '2.75' : '1.25' };
        want.set(p.name, p);
        await writeFile(path.join(dir, fileOf(p.name)), providerYaml(p));
      }
      const apply = await runCli(['apply', '--env', 'http', '--auto-approve', '--allow-large-change'], { cwd: dir, env });
      expect(apply.stderr).toContain('(allowed by --allow-large-change)');
      expect(apply.stdout).toContain('Plan: 200 to create, 100 to update, 0 to deactivate, 0 unchanged.');
      expect(apply.stdout).toMatch(/Apply complete: 200 created, 100 updated, 0 status changes, 0 failed\. \(\d+ retries of failed requests\)/);
      expect(apply.code).toBe(0);

      // Read back through the API under the same faults: nothing left to do.
      const plan = await runCli(['plan', '--env', 'http', '--detailed-exitcode'], { cwd: dir, env });
      expect(plan.stdout).toContain('No changes. Live matches git (300 providers).');
      expect(plan.code).toBe(0);
    } finally {
      await sandbox.stop();
    }

    // What the sandbox committed, read from its state file: exactly the desired providers, once each.
    const live = await committedProviders(sandbox.dataFile);
    expect(live).toHaveLength(300);
    expect(new Set(live.map((p) => p.name)).size).toBe(300);
    for (const p of live) {
      const w = want.get(p.name)!;
      expect({ name: p.name, fee: p.fee, services: [...p.services].sort(), status: p.status, managedBy: p.labels['managed-by'] }).toEqual({
        name: p.name, fee: { type: 'PERCENTAGE', percent: w.percent }, services: [...w.services].sort(), status: 'ACTIVE', managedBy: 'paystrator-gitops',
      });
      // The secret was written once: a replayed or repeated write would have bumped its version.
      expect(p.credentials.clientSecret).toMatchObject({ secret: true, version: 1 });
    }
  });
});
