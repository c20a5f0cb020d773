// policy.rules through the built CLI: a failing per-document and account rule at file:line, a rule
// that does not compile, GitHub annotations, and plan refusing what validate refuses.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, workspace } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';

const rules = `policy:
  rules:
    - name: fee-ceiling
      match: { kind: Provider }
      expr: 'spec.fee.type != "PERCENTAGE" || double(spec.fee.percent) <= 2.0'
      message: percentage fees above 2% need finance approval
    - name: failover
      scope: account
      expr: '["VIRTUAL_ACCOUNT", "EWALLET"].all(s, providers.filter(p, s in p.spec.services && p.spec.status == "ACTIVE").size() >= 2)'
      message: every payment service keeps two ACTIVE providers for failover
`;

const env = { XENDIT_SECRET: 'xnd_secret_for_policy_tests' };

describe('policy rules', () => {
  it('name the failing rule at the document and at the account rule line, in validate and plan', async () => {
    const dir = await workspace({
      'paystrator.yaml': configYaml() + rules,
      'providers/a.yaml': providerYaml({ name: 'Alpha', percent: '2.5' }),
      'providers/b.yaml': providerYaml({ name: 'Beta', status: 'MAINTENANCE' }),
    });
    const v = await runCli(['validate'], { cwd: dir, env });
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('error: providers/a.yaml:2:1: policy: policy rule fee-ceiling: percentage fees above 2% need finance approval\n');
    expect(v.stderr).toContain('error: paystrator.yaml:13:7: policy.rules[1]: policy rule failover: every payment service keeps two ACTIVE providers for failover\n');
    expect(v.stderr).toContain('2 errors.');

    const gh = await runCli(['validate', '--format', 'github'], { cwd: dir, env: { ...env, GITHUB_WORKSPACE: dir } });
    expect(gh.code).toBe(1);
    expect(gh.stdout).toMatch(/::error file=providers\/a\.yaml,line=2,col=1[^\n]*::[^\n]*policy rule fee-ceiling/);
    expect(gh.stdout).toMatch(/::error file=paystrator\.yaml,line=13,col=7[^\n]*::[^\n]*policy rule failover/);

    const p = await runCli(['plan'], { cwd: dir, env });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain('providers/a.yaml:2:1: policy: policy rule fee-ceiling');
    expect(p.stdout).not.toContain('Plan:');
  });

  it('a warning rule is reported and passes', async () => {
    const dir = await workspace({
      'paystrator.yaml': configYaml() + rules.replace('for failover\n', 'for failover\n      severity: warning\n').replace('<= 2.0', '<= 3.0'),
      'providers/a.yaml': providerYaml({ name: 'Alpha', percent: '2.5' }),
    });
    const v = await runCli(['validate'], { cwd: dir, env });
    expect(v.code).toBe(0);
    expect(v.stderr).toContain('paystrator.yaml:13:7: warning: policy.rules[1]: policy rule failover: every payment service keeps two ACTIVE providers');
    expect(v.stdout).toContain('Valid: 1 provider');
  });

  it('a rule that does not compile, or names an unknown variable, is an error at its line', async () => {
    const dir = await workspace({
      'paystrator.yaml': configYaml() + rules.replace("double(spec.fee.percent) <= 2.0'", "double(spec.fee.percent) <=> 2.0'").replace("size() >= 2)'", "size() >= minimum)'"),
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
    });
    const v = await runCli(['validate'], { cwd: dir, env });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/error: paystrator\.yaml:11:13: policy\.rules\[0\]\.expr: policy rule fee-ceiling does not compile: /);
    expect(v.stderr).toMatch(/error: paystrator\.yaml:15:13: policy\.rules\[1\]\.expr: policy rule failover does not compile: Unknown variable: minimum/);
    expect(v.stderr).not.toContain('internal error');
  });

  it('a change window with a bad cron, duration, time zone or allow kind is an error at its line', async () => {
    const dir = await workspace({
      'paystrator.yaml': `${configYaml()}policy:
  windows:
    - { name: freeze, kind: deny, schedule: "every friday", duration: 24h }
    - { name: night, kind: deny, schedule: "0 22 * * *", duration: 8h, timeZone: Asia/Jakrta }
    - { name: sale, kind: deny, schedule: "0 0 11 11 *", duration: 24h, allow: [MAINTENANCE, REFUNDS] }
`,
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
    });
    const v = await runCli(['validate'], { cwd: dir, env });
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('error: paystrator.yaml:11:94: policy.windows[2].allow[1]: "REFUNDS" is not valid: must be one of MAINTENANCE, DEACTIVATE, ACTIVATE, STATUS,');
    expect(v.stderr).not.toContain('internal error');
    // Schema errors come first; with them fixed, the windows' own checks.
    await writeFile(path.join(dir, 'paystrator.yaml'), `${configYaml()}policy:
  windows:
    - { name: freeze, kind: deny, schedule: "every friday", duration: 24h }
    - { name: night, kind: deny, schedule: "0 22 * * *", duration: 8h, timeZone: Asia/Jakrta }
`);
    const fixed = await runCli(['validate'], { cwd: dir, env });
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toMatch(/error: paystrator\.yaml:9:\d+: policy\.windows\[0\]\.schedule: change window freeze: schedule "every friday" is not a cron expression/);
    expect(fixed.stderr).toMatch(/error: paystrator\.yaml:10:\d+: policy\.windows\[1\]\.timeZone: change window night: unknown time zone "Asia\/Jakrta"/);
  });
});
