// Saved plans and the guards around them, through the built CLI against the sandbox over HTTP:
// a plan file edited by hand or written by another major version is refused (naming the file and
// both versions), numeric flags mean their digits or are refused, a git file naming a live
// provider git does not manage is refused until --adopt (recorded in the saved plan), the
// mass-change guard says when it does not apply, and `show` / `version` work offline.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, serveSandbox, tempDir, workspace, type ServedSandbox } from '../../helpers/cli.js';
import { fileOf, httpConfig, listProviders, providerFiles, RW } from '../../helpers/apply.js';
import { providerYaml } from '../../helpers/fixtures.js';

const names = ['Safe 1', 'Safe 2', 'Safe 3', 'Safe 4', 'Safe 5'];

describe('plan safety', () => {
  let sandbox: ServedSandbox;
  let dir: string;
  const env = { PAYSTRATOR_API_KEY: RW, XENDIT_SECRET: canaries()[0]! };
  const cli = (...args: string[]) => runCli([...args, '--env', 'http'], { cwd: dir, env });
  const versions = async () => new Map((await listProviders(sandbox.url)).map((p) => [p.name, p.version]));
  const planFile = () => path.join(dir, 'plan.json');
  const editPlan = async (edit: (p: Record<string, unknown> & { changes: Array<Record<string, unknown>> }) => void) => {
    const p = JSON.parse(await readFile(planFile(), 'utf8')) as Record<string, unknown> & { changes: Array<Record<string, unknown>> };
    edit(p);
    await writeFile(planFile(), JSON.stringify(p, null, 2));
  };

  beforeAll(async () => {
    sandbox = await serveSandbox();
    dir = await workspace({ 'paystrator.yaml': httpConfig(sandbox.url), ...providerFiles(names.map((name) => ({ name }))) });
    const r = await cli('apply', '--auto-approve');
    expect(r.stdout).toContain('5 created');
  }, 300_000);
  afterAll(() => sandbox.stop());

  it('refuses a saved plan edited by hand (a no-op rewritten into a deactivate), naming the file', async () => {
    await writeFile(path.join(dir, fileOf('Safe 1')), providerYaml({ name: 'Safe 1', percent: '2' }));
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    await editPlan((p) => {
      const c = p.changes.find((x) => x.name === 'Safe 2')!;
      Object.assign(c, {
        action: 'deactivate',
        fields: [{ field: 'spec.status', before: 'ACTIVE', after: 'INACTIVE' }],
        operations: [{ kind: 'status', body: { status: 'INACTIVE', reason: 'edited' } }],
      });
    });
    const before = await versions();
    const r = await cli('apply', 'plan.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: plan.json: digest: the plan file was changed after `plan --out` wrote it');
    expect(r.stdout).not.toContain('Already applied');
    expect(await versions()).toEqual(before);
  });

  it('refuses a plan written by another major version, naming both versions', async () => {
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    const ours = (JSON.parse(await readFile(planFile(), 'utf8')) as { tool: { version: string } }).tool.version;
    await editPlan((p) => (p.tool = { name: 'paystrator-gitops', version: '2.1.0' }));
    const r = await cli('apply', 'plan.json');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: plan.json: tool.version: this plan was written by paystrator-gitops 2.1.0; this is ${ours}: make a new plan with this version`);
    const show = await runCli(['show', 'plan.json'], { cwd: dir });
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('this plan was written by paystrator-gitops 2.1.0');
  });

  it('applies the untouched saved plan', async () => {
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    const r = await cli('apply', 'plan.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 created, 1 updated');
  });

  it('refuses numeric flags that are not plain digits (or plain decimals for rates)', async () => {
    for (const v of ['0x10', ' 5', '1e1', '5.0', '', '+5']) {
      const r = await cli('apply', '--auto-approve', '--parallelism', v);
      expect(r.code, v).toBe(1);
      expect(r.stderr, v).toContain(`--parallelism must be a whole number from 1 to 1000 (digits only), not "${v}"`);
    }
    const port = await runCli(['sandbox', '--port', '0x10'], { cwd: dir });
    expect(port.code).toBe(1);
    expect(port.stderr).toContain('--port must be a port number from 0 to 65535 (digits only), not "0x10"');
    const rate = await runCli(['sandbox', '--port', '0', '--error-rate', '1e-1'], { cwd: dir });
    expect(rate.code).toBe(1);
    expect(rate.stderr).toContain('--error-rate must be a decimal number from 0 to 1 (e.g. 0.25), not "1e-1"');
    const pr = await cli('plan', '--github-pr', '0x1');
    expect(pr.code).toBe(1);
    expect(pr.stderr).toContain('--github-pr must be a pull request number');
  });

  it('says the mass-change guard was skipped below policy.maxChangeMinLive, and applies it from there', async () => {
    for (const name of names.slice(0, 4)) await writeFile(path.join(dir, fileOf(name)), providerYaml({ name, percent: '2.5' }));
    const r = await cli('plan');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: 0 to create, 4 to update');
    expect(r.stdout).toContain('Check skipped: the mass-change guard applies from 10 live providers (policy.maxChangeMinLive); this account has 5.');
    await writeFile(path.join(dir, 'paystrator.yaml'), httpConfig(sandbox.url, 'policy:\n  maxChangePercent: 50\n  maxChangeMinLive: 5\n'));
    const strict = await cli('plan');
    expect(strict.code).toBe(1);
    expect(strict.stdout).not.toContain('Check skipped');
    expect(strict.stderr).toContain('error: unsafe plan: the plan changes 4 of 5 live providers (80%), more than policy.maxChangePercent (50%)');
    await writeFile(path.join(dir, 'paystrator.yaml'), httpConfig(sandbox.url));
    for (const name of names.slice(0, 4)) await writeFile(path.join(dir, fileOf(name)), providerYaml({ name, percent: name === 'Safe 1' ? '2' : '1.5' }));
  });

  it('refuses a file naming a live provider git does not manage, until --adopt, which a saved plan records', async () => {
    const res = await fetch(`${sandbox.url}/v1/providers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RW}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Xendit Main', type: 'AGGREGATOR', integration: 'xendit', services: ['VIRTUAL_ACCOUNT', 'EWALLET'], status: 'ACTIVE', labels: { team: 'payments' },
        credentials: { clientKey: 'xnd_development_abc123', clientSecret: canaries()[1] }, fee: { type: 'PERCENTAGE', percent: '1.5' }, tax: { vatPercent: '11', applyVat: true },
      }),
    });
    expect(res.status).toBe(201);
    await writeFile(path.join(dir, 'providers/x.yaml'), providerYaml({ name: 'Xendit Main' }));
    const before = await versions();
    const message =
      'error: providers/x.yaml:5:9: metadata.name: Xendit Main exists live but is not managed by paystrator-gitops; run `paystrator-gitops import` to bring it into git, or `plan --adopt "Xendit Main"` to take it over';
    const plan = await cli('plan');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(message);
    const apply = await cli('apply', '--auto-approve');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(message);
    expect(await versions()).toEqual(before);

    // A file import wrote names the live provider it came from: that one, and only that one, it may adopt.
    const header = (id: string) => `# Imported from the live provider ${id} (environment http).\n`;
    const id = ((await res.json()) as { id: string }).id;
    await writeFile(path.join(dir, 'providers/x.yaml'), header('prv_someone_else') + providerYaml({ name: 'Xendit Main' }));
    const wrongHeader = await cli('plan');
    expect(wrongHeader.code).toBe(1);
    expect(wrongHeader.stderr).toContain('Xendit Main exists live but is not managed by paystrator-gitops');
    await writeFile(path.join(dir, 'providers/x.yaml'), header(id) + providerYaml({ name: 'Xendit Main' }));
    const imported = await cli('plan');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('# adopts a provider that git did not manage until now (its file was written by import)');
    await writeFile(path.join(dir, 'providers/x.yaml'), providerYaml({ name: 'Xendit Main' }));

    const adopt = await cli('plan', '--adopt', 'Xendit Main', '--out', 'plan.json');
    expect(adopt.code).toBe(0);
    expect(adopt.stdout).toContain('~ update Xendit Main');
    expect(adopt.stdout).toContain('# adopts a provider that git did not manage until now (--adopt)');
    expect((JSON.parse(await readFile(planFile(), 'utf8')) as { options: { adopt: string[] } }).options.adopt).toEqual(['Xendit Main']);
    const applied = await cli('apply', 'plan.json');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('0 created, 1 updated');
    const live = (await listProviders(sandbox.url)).find((p) => p.name === 'Xendit Main')!;
    expect(live.labels['managed-by']).toBe('paystrator-gitops');
    // Managed now: no --adopt needed any more.
    expect((await cli('plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('shows a saved plan offline in text, json and markdown', async () => {
    await writeFile(path.join(dir, fileOf('Safe 3')), providerYaml({ name: 'Safe 3', percent: '3' }));
    expect((await cli('plan', '--out', 'plan.json')).code).toBe(0);
    const saved = await readFile(planFile(), 'utf8');
    // From a folder with no paystrator.yaml and with the sandbox stopped: nothing is reached.
    const elsewhere = await tempDir('show-');
    await writeFile(path.join(elsewhere, 'plan.json'), saved);
    await sandbox.stop();
    const text = await runCli(['show', 'plan.json'], { cwd: elsewhere });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('~ update Safe 3');
    expect(text.stdout).toMatch(/spec\.fee\.percent: "1\.5" -> "3"/);
    expect(text.stdout).toContain('Plan: 0 to create, 1 to update, 0 to deactivate, 5 unchanged.');
    expect(text.stdout).toContain('Apply exactly this plan with: paystrator-gitops apply plan.json');
    const json = await runCli(['show', 'plan.json', '--format', 'json'], { cwd: elsewhere });
    expect(json.code).toBe(0);
    expect(json.stdout).toBe(saved);
    const md = await runCli(['show', 'plan.json', '--format', 'markdown'], { cwd: elsewhere });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('Safe 3');
    expect(md.stdout).toMatch(/1 to update/);
    // Markdown escapes the punctuation; the line is there all the same.
    expect(md.stdout).toMatch(/\*\*Check skipped:\*\* the mass\\?-change guard applies from 10 live providers .*this account has 6\./);
    expect(text.stdout).toContain('Check skipped: the mass-change guard applies from 10 live providers (policy.maxChangeMinLive); this account has 6.');
    const missing = await runCli(['show', 'nope.json'], { cwd: elsewhere });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.json: cannot read plan file: no such file');
    await writeFile(path.join(elsewhere, 'broken.json'), '{\n  "formatVersion": 2,\n  "tool": \n}\n');
    const broken = await runCli(['show', 'broken.json'], { cwd: elsewhere });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.json:4:1: not a plan file: the file is not valid JSON/);
  });

  it('prints the tool, Node and plan format versions', async () => {
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8')) as { version: string };
    const text = await runCli(['version'], { cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`paystrator-gitops ${pkg.version}\nNode.js ${process.versions.node}\nplan format 2\n`);
    const json = await runCli(['version', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual({ tool: { name: 'paystrator-gitops', version: pkg.version }, node: process.versions.node, planFormatVersion: 2 });
  });
});
