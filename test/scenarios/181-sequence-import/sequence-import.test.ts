// Adopting an account takes its routing too: `import` writes the custom sequences and the
// defaults whose order someone set by hand as `kind: Sequence` documents (the defaults Paystrator
// keeps by itself stay Paystrator's unless --all-sequences), the files validate, and after the
// adoption apply, plan and drift are clean.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml } from '../../helpers/fixtures.js';

const RW = 'psk_sandbox_rw_0000000000000000';
const NAMES = ['Alpha', 'Beta', 'Gamma'];

describe('import writes the live routing sequences, and the account round-trips to a clean plan', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const [secret] = canaries() as [string];
  const answers: string[] = [];
  const env = { PAYSTRATOR_API_KEY: RW, ...Object.fromEntries(NAMES.map((n) => [`${n.toUpperCase()}_CLIENT_SECRET`, secret])) };
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
    return JSON.parse(text) as { id: string; version: number; providers: { id: string; name: string }[] };
  };

  beforeAll(async () => {
    sandbox = await serveSandbox();
    const ids = new Map<string, string>();
    for (const name of NAMES) {
      const p = await api('POST', '/v1/providers', {
        name, type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT', 'EWALLET'],
        credentials: { clientKey: 'xnd_development_abc123', clientSecret: secret },
        fee: { type: 'PERCENTAGE', percent: '1.5' }, tax: { vatPercent: '11', applyVat: true },
      }, { 'idempotency-key': `create-${name}` });
      ids.set(name, p.id);
      // Creation order is what Paystrator's own default order follows: keep the timestamps apart.
      await new Promise((r) => setTimeout(r, 5));
    }
    const va = await api('GET', '/v1/sequences/VIRTUAL_ACCOUNT');
    await api('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { providerIds: ['Gamma', 'Alpha', 'Beta'].map((n) => ids.get(n)) }, { 'if-match': `"${va.version}"` });
    await api('PUT', '/v1/sequences/VIRTUAL_ACCOUNT/BCA', { providerIds: [ids.get('Beta'), ids.get('Alpha')] }, { 'if-none-match': '*' });
    dir = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: sandbox.url }) });
  });
  afterAll(async () => {
    await capture('181 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  it('writes the custom sequence and the hand-ordered default into one file, and leaves Paystrator\'s own default alone', async () => {
    const r = await cli('import');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Imported 2 routing sequences into providers/sequences.yaml:\n  + VIRTUAL_ACCOUNT (default): [Gamma, Alpha, Beta]\n  + VIRTUAL_ACCOUNT to BCA: [Beta, Alpha]\n');
    expect(r.stdout).not.toContain('EWALLET (default)');
    expect((await readdir(path.join(dir, 'providers'))).sort()).toEqual(['alpha.yaml', 'beta.yaml', 'gamma.yaml', 'sequences.yaml']);
    const text = await readFile(path.join(dir, 'providers/sequences.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=\S+\/schemas\/sequence\.schema\.json\n# Imported from the live routing sequences \(environment http\)\.\n/);
    expect(text).toContain([
      '# VIRTUAL_ACCOUNT (default): its order was set by hand (Paystrator lists ACTIVE providers oldest first).',
      'apiVersion: paystrator-gitops/v1',
      'kind: Sequence',
      'spec:',
      '  product: VIRTUAL_ACCOUNT',
      '  providers:',
      '    - Gamma',
      '    - Alpha',
      '    - Beta',
      '---',
      '# VIRTUAL_ACCOUNT to BCA: a custom sequence.',
      'apiVersion: paystrator-gitops/v1',
      'kind: Sequence',
      'spec:',
      '  product: VIRTUAL_ACCOUNT',
      '  destination: BCA',
      '  providers:',
      '    - Beta',
      '    - Alpha',
      '',
    ].join('\n'));
    const v = await cli('validate');
    expect(v.code, v.stderr).toBe(0);
  });

  it('plans the sequences unchanged, and after the adoption apply plan and drift are clean', async () => {
    const plan = await cli('plan');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Sequences: 0 to create, 0 to update, 2 unchanged.');
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    const again = await cli('plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('No changes. Live matches git (3 providers, 2 sequences).');
    const drift = await cli('drift', '--detailed-exitcode');
    expect(drift.code, drift.stdout).toBe(0);
    expect(drift.stdout).toContain('No drift: live matches git (3 providers, 2 sequences).');
  });

  it('skips sequences git declares on a second import, and writes Paystrator\'s own defaults with --all-sequences', async () => {
    const again = await cli('import');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('  = sequence VIRTUAL_ACCOUNT (default): skipped, already in git (drift --write sets it to the live order)\n');
    expect(again.stdout).toContain('Nothing to import: every live provider is already in git.');
    const all = await cli('import', '--all-sequences', '--dry-run');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/\+\+\+ b\/\S*providers\/sequences-2\.yaml\n/);
    expect(all.stdout).toContain('+# EWALLET (default): written with --all-sequences.\n');
    expect(all.stdout).toContain('+    - Alpha\n+    - Beta\n+    - Gamma\n');
    expect(all.stderr).toContain('Dry run: 1 file would be written');
  });
});
