// Hostile bytes and shapes in provider files, through the built CLI: each is one error at
// file:line (exit 1), never an internal error or a stack overflow, and nothing is applied.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaries, runCli, workspace } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const good = providerYaml({ name: 'Good One' });
const env = () => ({ XENDIT_SECRET: canaries()[0]! });

async function expectRefused(bad: Buffer | string, expected: RegExp) {
  const dir = await workspace({ 'paystrator.yaml': configYaml(), 'providers/good.yaml': good });
  const badFile = path.join(dir, 'providers/bad.yaml');
  await writeFile(badFile, bad);
  for (const args of [['validate'], ['plan'], ['apply', '--auto-approve']]) {
    const r = await runCli(args, { cwd: dir, env: env() });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
    expect(r.stderr).toMatch(expected);
    expect(r.stderr).not.toMatch(/internal error|Maximum call stack|RangeError|This is a bug/);
    expect(r.stdout).not.toMatch(/Apply complete/);
  }
  // Nothing was applied: without the bad file, the good provider is still to be created.
  await rm(badFile);
  const plan = await runCli(['plan'], { cwd: dir, env: env() });
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('+ create Good One');
  expect(plan.stdout).toContain('Plan: 1 to create');
}

const provider = (name: string) => providerYaml({ name });

describe('hostile input', () => {
  it('invalid UTF-8: an error at the line of the first bad byte, not U+FFFD applied live', async () => {
    const [head, tail] = provider('Caf\u00e9 Bytes').split('Caf\u00e9');
    const bytes = Buffer.concat([Buffer.from(head!), Buffer.from([0x43, 0x61, 0x66, 0xe9]), Buffer.from(tail!)]);
    await expectRefused(bytes, /providers\/bad\.yaml:5:\d+: the file is not valid UTF-8 \(byte 0xe9\)/);
  });

  it('UTF-16 (with or without a BOM): the file must be UTF-8', async () => {
    await expectRefused(Buffer.from(`\ufeff${provider('Wide Chars')}`, 'utf16le'), /providers\/bad\.yaml:1:1: .*YAML files must be UTF-8/);
    await expectRefused(Buffer.from(provider('Wide Chars'), 'utf16le'), /providers\/bad\.yaml:1:1: .*YAML files must be UTF-8/);
  });

  it('a UTF-8 BOM is fine', async () => {
    const dir = await workspace({ 'paystrator.yaml': configYaml(), 'providers/good.yaml': `\ufeff${good}` });
    const r = await runCli(['validate'], { cwd: dir, env: env() });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a 10,000-deep flow list: one error at its line', async () => {
    const text = provider('Deep List').replace('services: [VIRTUAL_ACCOUNT, EWALLET]', `services: ${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    await expectRefused(text, /providers\/bad\.yaml:10:\d+: YAML: nesting deeper than 64 levels/);
  });

  it('a 3,000-deep mapping: one error at its line', async () => {
    const text = provider('Deep Map').replace('labels: { team: payments }', `labels: ${'{ a: '.repeat(3_000)}x${' }'.repeat(3_000)}`);
    await expectRefused(text, /providers\/bad\.yaml:6:\d+: YAML: nesting deeper than 64 levels/);
  });

  it('a name ending in a no-break space fails the name pattern, whichever parser reads the file', async () => {
    await expectRefused(provider('Xendit Main\u00a0'), /providers\/bad\.yaml:5:\d+: metadata\.name: /);
    // The same file with an unrelated error too: the name error is still there.
    const both = provider('Xendit Main\u00a0').replace('applyVat: true', 'applyVat: "yes"');
    await expectRefused(both, /providers\/bad\.yaml:5:\d+: metadata\.name: [\s\S]*providers\/bad\.yaml:15:\d+: spec\.tax\.applyVat: /);
  });

  it('an implicit key over 1,024 characters', async () => {
    const text = provider('Long Key').replace('  labels: { team: payments }', `  labels:\n    ${'k'.repeat(1100)}: v`);
    await expectRefused(text, /providers\/bad\.yaml:7:\d+: YAML: /);
  });

  it('a !!binary secret: an error at its line, the value never printed', async () => {
    const text = provider('Binary Secret').replace(/clientSecret: .*/, 'clientSecret: !!binary c2VjcmV0LWJ5dGVz');
    await expectRefused(text, /providers\/bad\.yaml:13:\d+: spec\.credentials\.clientSecret: a !!binary value is not accepted/);
    const plain = provider('Binary Key').replace('clientKey: xnd_development_abc123', 'clientKey: !!binary eG5kX2RldmVsb3BtZW50');
    await expectRefused(plain, /providers\/bad\.yaml:12:\d+: spec\.credentials\.clientKey: a !!binary value is not accepted/);
  });
});
