// Runs that share one embedded sandbox state file are serialized (SPEC section 6): each run loads
// the whole file and rewrites it whole, so without the lock the later writer drops the earlier
// one's providers. The second run waits, saying so, and fails clearly when the wait runs out; a
// holder killed with SIGKILL blocks the next run only until its lock goes stale.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, tempDir, workspace } from '../../helpers/cli.js';
import { committedProviders, spawnCli } from '../../helpers/apply.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';
import { serveLocal, type LocalServer } from '../../servers/harness.js';
import { FakeVault } from '../../servers/vault.js';

const N = 20;
const files = (prefix: string, secretRef?: string) =>
  Object.fromEntries(
    Array.from({ length: N }, (_, i) => {
      const name = `${prefix} ${String(i).padStart(2, '0')}`;
      const yaml = providerYaml({ name });
      return [`providers/${prefix.toLowerCase()}-${i}.yaml`, secretRef ? yaml.replace('{ store: env, name: XENDIT_SECRET }', secretRef) : yaml];
    }),
  );

/** Polls a growing text for a pattern: bounded, for output a child writes to stderr. */
async function eventually(read: () => string, re: RegExp): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (re.test(read())) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

const WAITING = (file: string) => new RegExp(`Waiting up to \\d+s for another paystrator-gitops run that holds the sandbox state ${file.replaceAll('.', '\\.')} \\(pid \\d+ since [0-9T:.Z-]+\\)\\.\\.\\.\\n`);

describe('runs on one embedded state file', () => {
  const vault = new FakeVault();
  let vaultServer: LocalServer;
  // Holds A's secret read (made while A holds the lock) until B is seen waiting: the race is certain.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const aHoldsTheLock = new Promise<void>((resolve) => (reached = resolve));
  const token = `hvs.${canaries()[3]!}`;

  beforeAll(async () => {
    vault.tokens.add(token);
    vault.put('secret', 'payments/xendit', { clientSecret: `${canaries()[0]!}-vault` });
    vaultServer = await serveLocal('vault', async (call) => {
      if (call.path.includes('/data/')) {
        reached();
        await gate;
      }
      return vault.handle(call);
    });
  });
  afterAll(() => vaultServer.stop());

  it('serializes two racing applies of 20 providers each: the second waits, both succeed, all 40 are live', { timeout: 120_000 }, async () => {
    const shared = await tempDir('shared-state-');
    const dataFile = path.join(shared, 'sandbox.json');
    const base = configYaml({ dataFile });
    const dirA = await workspace({
      'paystrator.yaml': `${base}  vault: { type: vault, address: ${vaultServer.url}, mount: secret, token: { secretRef: { store: env, name: VAULT_TOKEN } } }\n`,
      ...files('Alpha', '{ store: vault, name: payments/xendit, key: clientSecret }'),
    });
    const dirB = await workspace({ 'paystrator.yaml': base, ...files('Beta') });

    const a = spawnCli(['apply', '--auto-approve'], { cwd: dirA, env: { VAULT_TOKEN: token } });
    await aHoldsTheLock;
    const b = spawnCli(['apply', '--auto-approve'], { cwd: dirB, env: { XENDIT_SECRET: canaries()[1]! } });
    const bWaited = await eventually(b.stderr, WAITING(dataFile));
    release();
    const [ra, rb] = await Promise.all([a.done, b.done]);

    expect(bWaited, rb.stderr).toBe(true);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    expect(ra.stdout).toContain(`Apply complete: ${N} created`);
    expect(rb.stdout).toContain(`Apply complete: ${N} created`);
    expect(rb.stderr.match(/Waiting up to/g)).toHaveLength(1);
    const live = (await committedProviders(dataFile)).map((p) => p.name).sort();
    expect(live).toHaveLength(2 * N);
    expect(live).toEqual(['Alpha', 'Beta'].flatMap((prefix) => Array.from({ length: N }, (_, i) => `${prefix} ${String(i).padStart(2, '0')}`)));
  });

  it('makes a CLI run wait for `sandbox --data` on the same file, then fail clearly, and go ahead once it stops', { timeout: 60_000 }, async () => {
    const server = await serveSandbox();
    const dir = await workspace({ 'paystrator.yaml': configYaml({ dataFile: server.dataFile }), ...files('Gamma') });
    const env = { XENDIT_SECRET: canaries()[0]!, PAYSTRATOR_LOCK_TIMEOUT_SECONDS: '1' };
    let r;
    try {
      r = await runCli(['plan'], { cwd: dir, env });
    } finally {
      await server.stop();
    }
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(WAITING(server.dataFile));
    expect(r.stderr).toContain(`error: another paystrator-gitops run holds the sandbox state ${server.dataFile} (pid `);
    expect(r.stderr).toContain(`; wait for it to finish, or remove ${server.dataFile}.lock if no run is active\n`);
    expect(r.stderr).not.toContain('internal error');

    // SIGTERM stopped the server, and it gave the file back.
    const after = await runCli(['plan'], { cwd: dir, env });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toBe('');
    expect(after.stdout).toContain(`Plan: ${N} to create`);
  });

  it('does not let a holder killed with SIGKILL block the next run: it waits, then takes the stale lock over', { timeout: 90_000 }, async () => {
    const dir = await workspace({ 'paystrator.yaml': configYaml(), ...files('Delta') });
    const dataFile = path.join(dir, '.paystrator', 'sandbox.json');
    const holder = spawnCli(['sandbox', '--port', '0', '--data', dataFile], { cwd: dir, env: {} });
    expect(await holder.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/)).toBe(true);
    holder.kill('SIGKILL');
    expect((await holder.done).signal).toBe('SIGKILL');

    const r = await runCli(['apply', '--auto-approve'], { cwd: dir, env: { XENDIT_SECRET: canaries()[0]! } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(WAITING(dataFile));
    expect(r.stdout).toContain(`Apply complete: ${N} created`);
    expect(await committedProviders(dataFile)).toHaveLength(N);
  });
});

describe('bad sandbox state files', () => {
  it('names the file and what to do: a directory, a truncated file, a path under a plain file; never "internal error"', async () => {
    const dir = await workspace({ 'paystrator.yaml': configYaml(), 'providers/e.yaml': providerYaml({ name: 'Epsilon' }) });
    const env = { XENDIT_SECRET: canaries()[0]! };

    const folder = path.join(dir, 'state-dir');
    await mkdir(folder);
    const served = await runCli(['sandbox', '--port', '0', '--data', folder], { cwd: dir, env: {} });
    expect(served.code).toBe(1);
    expect(served.stderr).toBe(
      `error: the sandbox state file ${folder} is a directory: point the environment's \`data:\` in paystrator.yaml (or \`sandbox --data\`) at a file, e.g. ${path.join(folder, 'sandbox.json')}\n`,
    );

    const state = path.join(dir, '.paystrator', 'sandbox.json');
    await mkdir(path.dirname(state), { recursive: true });
    await writeFile(state, '{"format":"paystrator-sandbox/v1","company":{"id":"dummy-company","name":"Dummy Company"},"providers":[\n{"id":"prv_0000');
    const truncated = await runCli(['plan'], { cwd: dir, env });
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toBe(
      `error: the sandbox state file ${state} is corrupt: it is not valid JSON (truncated or damaged?)\n` +
        `Move it aside to start afresh with the preloaded sandbox (mv ${state} ${state}.bad), or restore it from a copy.\n`,
    );

    await writeFile(path.join(dir, 'plain'), 'not a directory');
    const under = await workspace({ 'paystrator.yaml': configYaml({ dataFile: path.join(dir, 'plain', 'sandbox.json') }), 'providers/e.yaml': providerYaml({ name: 'Epsilon' }) });
    const blocked = await runCli(['apply', '--auto-approve'], { cwd: under, env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toBe(`error: cannot lock the sandbox state file ${path.join(dir, 'plain', 'sandbox.json')}: ${path.join(dir, 'plain')} is not a directory: point the state file at a path inside a directory\n`);
  });
});
