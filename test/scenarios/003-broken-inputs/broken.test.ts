// Bad input of any kind: exit 1, an error naming file, line and field, and nothing changed live.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canaries, runCli, workspace } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const good = providerYaml({ name: 'Good One' });

async function expectRejected(files: Record<string, string>, expected: RegExp) {
  const dir = await workspace({ 'paystrator.yaml': configYaml(), 'providers/good.yaml': good, ...files });
  const env = { XENDIT_SECRET: canaries()[0]! };
  const validate = await runCli(['validate'], { cwd: dir, env });
  expect(validate.code).toBe(1);
  expect(validate.stderr).toMatch(expected);
  const apply = await runCli(['apply', '--auto-approve'], { cwd: dir, env });
  expect(apply.code).toBe(1);
  expect(apply.stderr).toMatch(expected);
  // Nothing was written: the good provider is still to be created.
  const plan = await runCli(['plan', '--target', 'Good One'], { cwd: dir, env: { ...env } });
  if (plan.code === 0) expect(plan.stdout).toContain('+ create Good One');
  return { validate, apply };
}

describe('broken inputs', () => {
  beforeAll(() => undefined);

  it('invalid YAML', async () => {
    await expectRejected({ 'providers/bad.yaml': 'apiVersion: paystrator-gitops/v1\nkind: Provider\nmetadata: { name: "x"\nspec: [\n' }, /providers\/bad\.yaml:\d+:\d+: /);
  });

  it('a schema violation deep in a nested field', async () => {
    const text = providerYaml({ name: 'Deep' }).replace('applyVat: true', 'applyVat: "yes"');
    await expectRejected({ 'providers/deep.yaml': text }, /providers\/deep\.yaml:15:\d+: spec\.tax\.applyVat: /);
  });

  it('a duplicate name across two files', async () => {
    const r = await expectRejected({ 'providers/dup.yaml': providerYaml({ name: 'Good One' }) }, /providers\/dup\.yaml:5:\d+: metadata\.name: .*Good One/);
    expect(r.validate.stderr).toMatch(/providers\/good\.yaml:5:\d+: metadata\.name: /);
  });

  it('an unsupported service', async () => {
    await expectRejected(
      { 'providers/svc.yaml': providerYaml({ name: 'BCA', integration: 'bca', type: 'DIRECT', services: ['VIRTUAL_ACCOUNT', 'QR_CODE'] }) },
      /providers\/svc\.yaml:10:\d+: spec\.services\[1\]: .*QR_CODE/,
    );
  });

  it('a float-looking fee', async () => {
    const text = providerYaml({ name: 'Float' }).replace('percent: "1.5"', 'percent: 0.30000000000000004');
    await expectRejected({ 'providers/float.yaml': text }, /providers\/float\.yaml:14:\d+: spec\.fee\.percent: .*0\.30000000000000004/);
  });

  it('a literal secret, without echoing it', async () => {
    // Not a canary: the input file holds it on purpose, and the canary check scans input files too.
    const literal = `literal-${Math.random().toString(36).slice(2)}`;
    const text = providerYaml({ name: 'Literal' }).replace(/clientSecret: .*/, `clientSecret: ${literal}`);
    const { validate } = await expectRejected({ 'providers/literal.yaml': text }, /providers\/literal\.yaml:13:\d+: spec\.credentials\.clientSecret: .*secretRef/);
    expect(validate.stderr).not.toContain(literal);
  });

  it('a missing secret names the reference and changes nothing', async () => {
    const dir = await workspace({ 'paystrator.yaml': configYaml(), 'providers/good.yaml': good });
    const r = await runCli(['apply', '--auto-approve'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/providers\/good\.yaml:13:\d+: spec\.credentials\.clientSecret: cannot resolve secret \(store env, name XENDIT_SECRET\): environment variable XENDIT_SECRET is not set/);
    const plan = await runCli(['plan'], { cwd: dir, env: { XENDIT_SECRET: canaries()[0]! } });
    expect(plan.stdout).toContain('+ create Good One');
  });

  it('a bad config and bad flags', async () => {
    const dir = await workspace({ 'paystrator.yaml': configYaml().replace('endpoint: embedded', 'endpoint: ftp://nowhere'), 'providers/good.yaml': good });
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/paystrator\.yaml:3:\d+: environments\.sandbox\.endpoint: /);

    const flags = await runCli(['apply', '--parallelism', 'lots'], { cwd: dir });
    expect(flags.code).toBe(1);
    expect(flags.stderr).toContain('--parallelism must be a whole number');

    const unknownEnv = await runCli(['plan', '--env', 'prod'], { cwd: await workspace({ 'paystrator.yaml': configYaml(), 'providers/good.yaml': good }) });
    expect(unknownEnv.code).toBe(1);
    expect(unknownEnv.stderr).toMatch(/prod/);
    await writeFile(path.join(dir, 'x'), '');
  });
});
