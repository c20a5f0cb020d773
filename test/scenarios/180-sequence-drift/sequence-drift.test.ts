// Sequences changed live are drift: a reorder made through the API (as the dashboard's Sequence
// Management would), a member put in MAINTENANCE (skipped at routing) and a custom sequence git
// does not declare are each named by `drift` (exit 2), in text, Markdown and the published JSON;
// `drift --write` brings git to the live order without losing the file's comments, and then
// plan has nothing to do.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport } from '../../../src/generated/drift-report.js';
import { canaries, capture, runCli, serveSandbox, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const RW = 'psk_sandbox_rw_0000000000000000';

const ROUTING = `# Routing agreed with treasury, 2026-11.
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
  providers:
    - Alpha   # cheapest
    - Beta
    # the fallback
    - Gamma
---
apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: VIRTUAL_ACCOUNT
  destination: BCA
  providers: [Beta, Alpha]   # BCA's own rail first
`;

interface Seq { version: number; providers: { id: string; name: string }[] }

describe('sequence drift against the sandbox over HTTP', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  let env: Record<string, string>;
  const answers: string[] = [];
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
    return JSON.parse(text) as unknown;
  };
  const sequence = (url: string) => api('GET', url) as Promise<Seq>;

  beforeAll(async () => {
    sandbox = await serveSandbox();
    env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: sandbox.url }),
      'providers/alpha.yaml': providerYaml({ name: 'Alpha' }),
      'providers/beta.yaml': providerYaml({ name: 'Beta' }),
      'providers/gamma.yaml': providerYaml({ name: 'Gamma' }),
      'providers/routing.yaml': ROUTING,
    });
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code, apply.stderr).toBe(0);
  });
  afterAll(async () => {
    await capture('180 sandbox answers', answers.join('\n'));
    await sandbox.stop();
  });

  it('finds nothing while live is as declared', async () => {
    const r = await cli('drift', '--detailed-exitcode');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('No drift: live matches git (3 providers, 2 sequences).');
  });

  it('names a reorder made live, and a custom sequence made live that git does not declare', async () => {
    const seq = await sequence('/v1/sequences/VIRTUAL_ACCOUNT');
    const byName = new Map(seq.providers.map((p) => [p.name, p.id]));
    await api('PUT', '/v1/sequences/VIRTUAL_ACCOUNT', { providerIds: ['Gamma', 'Alpha', 'Beta'].map((n) => byName.get(n)) }, { 'if-match': `"${seq.version}"` });
    await api('PUT', '/v1/sequences/EWALLET/OVO', { providerIds: [byName.get('Beta')] }, { 'if-none-match': '*' });

    const r = await cli('drift', '--detailed-exitcode');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain([
      '  Routing sequences:',
      '  ~ sequence VIRTUAL_ACCOUNT (default)  providers/routing.yaml:5',
      '      git:  [Alpha, Beta, Gamma]',
    ].join('\n'));
    expect(r.stdout).toMatch(/ {6}live: \[Gamma, Alpha, Beta\] \(version \d+, changed \S+ by API\)\n {6}"Gamma" moved: position 3 in git, 1 live\n/);
    expect(r.stdout).toContain('  ? sequence EWALLET to OVO [Beta]\n      live, not in git (unmanaged: import it to manage it, or leave it alone)\n');
    expect(r.stdout).toContain('Drift: 0 changed live, 0 missing live, 0 unmanaged, 2 sequences differ.');
    expect(r.stdout).not.toContain('VIRTUAL_ACCOUNT to BCA');

    const ignoring = await cli('drift', '--detailed-exitcode', '--ignore-unmanaged');
    expect(ignoring.code).toBe(2);
    expect(ignoring.stdout).toContain('1 sequence differs.');

    const md = await cli('drift', '--format', 'markdown');
    expect(md.stdout).toContain('**sequence changed live** VIRTUAL\\_ACCOUNT \\(default\\)');
    expect(md.stdout).toContain('- "Gamma" moved: position 3 in git, 1 live');
    expect(md.stdout).toContain('**unmanaged sequences** (live, not in git)');
  });

  it('reports a member in MAINTENANCE, skipped at routing, in the published JSON too', async () => {
    const beta = ((await api('GET', '/v1/providers?q=Beta')) as { data: { id: string; name: string; version: number }[] }).data.find((p) => p.name === 'Beta')!;
    await api('POST', `/v1/providers/${beta.id}/status`, { status: 'MAINTENANCE', reason: 'bank downtime' }, { 'if-match': `"${beta.version}"` });

    const r = await cli('drift', '--detailed-exitcode');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('      "Beta" (position 3) is in MAINTENANCE live (set by API): Paystrator skips it at routing\n');
    expect(r.stdout).toMatch(/~ sequence VIRTUAL_ACCOUNT to BCA {2}providers\/routing\.yaml:15\n {6}git: {2}\[Beta, Alpha\]\n {6}live: \[Beta, Alpha\] [^\n]*\n {6}"Beta" \(position 1\) is in MAINTENANCE live \(set by API\)/);

    const json = await cli('drift', '--format', 'json');
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(JSON.parse(await readFile(path.join(REPO_ROOT, 'schemas/drift-report.schema.json'), 'utf8')) as object);
    const report = JSON.parse(json.stdout) as DriftReport;
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.drift).toBe(true);
    expect(report.sequences).toMatchObject({ declared: 2, inSync: 0, drifted: 3, missing: [] });
    expect(report.sequences.changed.map((c) => [c.destination, c.live, c.differences.map((d) => `${d.kind} ${d.provider}`)])).toEqual([
      [null, ['Gamma', 'Alpha', 'Beta'], ['maintenance Beta', 'moved Gamma']],
      ['BCA', ['Beta', 'Alpha'], ['maintenance Beta']],
    ]);
    expect(report.sequences.unmanaged).toEqual([expect.objectContaining({ product: 'EWALLET', destination: 'OVO', live: ['Beta'] })]);
  });

  it('drift --write previews, then writes the live order into git, keeping the comments, and plan is clean', async () => {
    const before = await readFile(path.join(dir, 'providers/routing.yaml'), 'utf8');
    const dry = await cli('drift', '--write', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/\n\+\+\+ b\/\S*providers\/routing\.yaml\n/);
    expect(dry.stdout).toContain('-    - Alpha   # cheapest\n-    - Beta\n     # the fallback\n     - Gamma\n+    - Alpha   # cheapest\n+    - Beta\n');
    expect(dry.stderr).toContain('Dry run: 2 files would be changed; nothing was written.');
    expect(await readFile(path.join(dir, 'providers/routing.yaml'), 'utf8')).toBe(before);

    const w = await cli('drift', '--write');
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('  providers/routing.yaml: sequence VIRTUAL_ACCOUNT (default) (spec.providers: the live order)\n');
    expect(w.stdout).toContain('Sequences missing live or live but not in git are not written: apply creates the first, import adopts the second.');
    expect(await readFile(path.join(dir, 'providers/routing.yaml'), 'utf8')).toBe(ROUTING.replace(
      '    - Alpha   # cheapest\n    - Beta\n    # the fallback\n    - Gamma\n',
      '    # the fallback\n    - Gamma\n    - Alpha   # cheapest\n    - Beta\n',
    ));

    const plan = await cli('plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toContain('No changes. Live matches git (3 providers, 2 sequences).');
    // What is left is the custom sequence git does not declare; MAINTENANCE is now git's too.
    const drift = await cli('drift', '--detailed-exitcode');
    expect(drift.code).toBe(2);
    expect(drift.stdout).toContain('# "Beta" (position 3) is in MAINTENANCE live (set by API): Paystrator skips it at routing (not counted: git or policy.ignore expects it)');
    expect(drift.stdout).toContain('Drift: 0 changed live, 0 missing live, 0 unmanaged, 1 sequence differs.');
    expect((await cli('drift', '--detailed-exitcode', '--ignore-unmanaged')).code).toBe(0);
  });

  it('says why a live order it cannot write stays out of git', async () => {
    await writeFile(path.join(dir, 'providers/routing.yaml'), ROUTING);
    const seq = await sequence('/v1/sequences/VIRTUAL_ACCOUNT');
    const created = (await api('POST', '/v1/providers', {
      name: 'Made In Dashboard', type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT'],
      credentials: { clientKey: 'xnd_development_abc123', clientSecret: canaries()[1]! },
      fee: { type: 'PERCENTAGE', percent: '1' }, tax: { vatPercent: '11', applyVat: true },
    }, { 'idempotency-key': 'made-in-dashboard' })) as { id: string };
    const now = await sequence('/v1/sequences/VIRTUAL_ACCOUNT');
    expect(now.providers.map((p) => p.name)).toEqual([...seq.providers.map((p) => p.name), 'Made In Dashboard']);
    expect(created.id).toBe(now.providers.at(-1)!.id);
    const w = await cli('drift', '--write');
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('  sequence VIRTUAL_ACCOUNT (default) spec.providers: live lists "Made In Dashboard", which git does not declare: import it first\n');
    expect(await readFile(path.join(dir, 'providers/routing.yaml'), 'utf8')).toBe(ROUTING);
  });
});
