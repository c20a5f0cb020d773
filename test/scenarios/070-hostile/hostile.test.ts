// Outside text is untrusted (SPEC 6): the built CLI against an API that echoes requests back and
// quotes the key, a GitHub that quotes the token, and live names built to take over a terminal or
// forge a line in a CI log. No resolved value is printed, and every control character shows as an
// inert escape; our own output (colours, newlines) is unchanged, and JSON stays exact.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyCanary, canaries, githubTokenCanary, runCli, workspace, type CliResult } from '../../helpers/cli.js';
import { configYaml, providerYaml } from '../../helpers/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from '../../servers/github.js';
import { startHostileApi, type HostileApi } from '../../servers/hostile-api.js';

const CLEAR = 'Evil\x1b[2J\x1b]0;pwned\x07';
const CLEAR_SHOWN = 'Evil\\e[2J\\e]0;pwned\\a';
const FORGE = 'Forge\nerror: providers/fake.yaml:1:1: forged';
const FORGE_SHOWN = 'Forge\\nerror: providers/fake.yaml:1:1: forged';
const RTL = 'Bank \u202eLIVE';
const RTL_SHOWN = 'Bank \\u202eLIVE';

const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

/** No raw control or bidi character (NO_COLOR is set, so not even our own colours), and no forged line. */
function expectInert(r: CliResult): void {
  // eslint-disable-next-line no-control-regex
  expect(all(r)).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  expect(all(r).split('\n').some((l) => l.startsWith('error: providers/fake.yaml'))).toBe(false);
}

describe('against a hostile Paystrator API', () => {
  let api: HostileApi;
  let dir: string;
  let env: Record<string, string>;
  let secret: string;

  beforeAll(async () => {
    secret = canaries()[0]!;
    api = await startHostileApi(apiKeyCanary());
    env = { PAYSTRATOR_API_KEY: apiKeyCanary(), XENDIT_SECRET: secret };
    dir = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: api.url }),
      'providers/clear.yaml': providerYaml({ name: 'stored-clear' }),
      'providers/forge.yaml': providerYaml({ name: 'stored-forge', services: ['QR_CODE'] }),
      'providers/rtl.yaml': providerYaml({ name: 'stored-rtl', percent: '2' }),
      'providers/leak.yaml': providerYaml({ name: 'stored-leak', services: ['CREDIT_CARD'], integration: 'xendit' }),
    });
    const apply = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: dir, env });
    expect(apply.code, all(apply)).toBe(0);
  });
  afterAll(() => api.stop());

  describe('that shows live names holding control characters', () => {
    beforeAll(() => {
      api.modes = { names: { 'stored-clear': CLEAR, 'stored-forge': FORGE, 'stored-rtl': RTL } };
    });
    afterAll(() => {
      api.modes = {};
    });

    it('list shows each name escaped, in its column', async () => {
      const r = await runCli(['list', '--env', 'http'], { cwd: dir, env });
      expect(r.code, all(r)).toBe(0);
      expectInert(r);
      const line = r.stdout.split('\n').find((l) => l.startsWith(CLEAR_SHOWN));
      expect(line).toMatch(/^Evil\\e\[2J\\e\]0;pwned\\a +AGGREGATOR +Virtual Account, E-Wallet +ACTIVE/);
      expect(r.stdout).toContain(FORGE_SHOWN);
      expect(r.stdout).toContain(RTL_SHOWN);
    });

    it('list --format json keeps the names exact', async () => {
      const r = await runCli(['list', '--env', 'http', '--format', 'json'], { cwd: dir, env });
      expect(r.code, all(r)).toBe(0);
      expectInert(r);
      const names = (JSON.parse(r.stdout) as { providers: { name: string }[] }).providers.map((p) => p.name);
      expect(names.filter((n) => n !== 'stored-leak').sort()).toEqual([CLEAR, FORGE, RTL].sort());
    });

    it('drift and plan show the names escaped, and a name quoting a secret they resolved redacted', async () => {
      // Only runs that resolve the secret know its value: drift and plan do, list and import do not.
      api.modes.names!['stored-leak'] = `Leak ${secret}`;
      const drift = await runCli(['drift', '--env', 'http'], { cwd: dir, env });
      expect(drift.code, all(drift)).toBe(0);
      expectInert(drift);
      expect(drift.stdout).toContain(`? ${CLEAR_SHOWN} (ACTIVE)`);
      expect(drift.stdout).toContain(`? ${FORGE_SHOWN} (ACTIVE)`);
      expect(drift.stdout).toContain('? Leak (sensitive) (ACTIVE)');

      const summary = path.join(dir, 'step-summary.md');
      await writeFile(summary, '');
      const plan = await runCli(['plan', '--env', 'http'], { cwd: dir, env: { ...env, GITHUB_STEP_SUMMARY: summary } });
      expectInert(plan);
      const written = await readFile(summary, 'utf8');
      // eslint-disable-next-line no-control-regex
      expect(written).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(written).toContain('Evil\\\\e\\[2J\\\\e\\]0;pwned\\\\a');
      expect(written).toContain('Leak \\(sensitive\\)');
      expect(written).not.toContain(secret);
      expect(plan.stdout).toContain(CLEAR_SHOWN);
      expect(plan.stdout).toContain(FORGE_SHOWN);
      expect(plan.stdout).toContain(RTL_SHOWN);

      const md = await runCli(['plan', '--env', 'http', '--format', 'markdown'], { cwd: dir, env });
      expectInert(md);
      expect(md.stdout).toContain('Forge\\\\nerror\\: providers/fake\\.yaml\\:1\\:1\\: forged');

      const json = await runCli(['plan', '--env', 'http', '--format', 'json'], { cwd: dir, env });
      expectInert(json);
      expect(JSON.stringify(JSON.parse(json.stdout))).toContain(JSON.stringify(FORGE));
      expect(json.stdout).toContain('"Leak (sensitive)"');
      delete api.modes.names!['stored-leak'];
    });

    it('a drift issue shows the names escaped and inert', async () => {
      const gh = await startFakeGitHub(githubTokenCanary());
      try {
        const r = await runCli(['drift', '--env', 'http', '--github-issue'], {
          cwd: dir,
          env: { ...env, GITHUB_TOKEN: githubTokenCanary(), GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: 'acme/payments' },
        });
        expect(r.code, all(r)).toBe(0);
        expectInert(r);
        const [issue] = gh.repoIssues('acme/payments');
        // eslint-disable-next-line no-control-regex
        expect(issue!.body).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
        expect(issue!.body).toContain('- Evil\\\\e\\[2J\\\\e\\]0;pwned\\\\a (ACTIVE)');
        expect(issue!.body).toContain('- Forge\\\\nerror\\: providers/fake\\.yaml\\:1\\:1\\: forged (ACTIVE)');
        expect(issue!.body).toContain('- Bank \\\\u202eLIVE (ACTIVE)');
      } finally {
        await gh.stop();
      }
    });

    it('import writes the names as YAML escapes them and prints them escaped', async () => {
      delete api.modes.names!['stored-leak'];
      // A status reason is written into the imported file as a YAML comment, which YAML does not escape.
      api.modes.fields = { 'stored-rtl': { status: 'MAINTENANCE', statusChangedBy: 'USER', statusReason: 'down\x1b]0;pwned\x07 \u202eforever' } };
      const fresh = await workspace({ 'paystrator.yaml': configYaml({ httpUrl: api.url }) });
      const r = await runCli(['import', '--env', 'http'], { cwd: fresh, env });
      delete api.modes.fields;
      expect(r.code, all(r)).toBe(0);
      expectInert(r);
      expect(r.stdout).toContain(CLEAR_SHOWN);
      expect(r.stdout).toContain(FORGE_SHOWN);
      const files = await readdir(path.join(fresh, 'providers'));
      const texts = await Promise.all(files.map((f) => readFile(path.join(fresh, 'providers', f), 'utf8')));
      // YAML escapes C0 and DEL in a name; it keeps a bidi control as it is (validate then flags it).
      // eslint-disable-next-line no-control-regex
      expect(texts.join('\n')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(texts.join('\n')).toContain('Evil\\e[2J\\e]0;pwned\\a');
      expect(texts.join('\n')).toContain('status: MAINTENANCE # set by USER: down\\e]0;pwned\\a \\u202eforever');
    });
  });

  it('a 422 that echoes the request (body and key) prints neither, and its ANSI title is escaped', async () => {
    const w = await workspace({
      'paystrator.yaml': configYaml({ httpUrl: api.url }),
      'providers/new.yaml': providerYaml({ name: 'Echo Target' }),
    });
    api.modes = { echoWrites: true };
    try {
      const r = await runCli(['apply', '--env', 'http', '--auto-approve'], { cwd: w, env });
      expect(r.code).toBe(1);
      expect(api.log).toContain('422 POST /v1/providers');
      expect(all(r)).not.toContain(secret);
      expect(all(r)).not.toContain(apiKeyCanary());
      expect(r.stderr).toContain('"clientSecret":"(sensitive)"');
      expect(r.stderr).toContain('Authorization: Bearer (sensitive)');
      expect(r.stderr).toContain('422 \\e[31mValidation\\e[2J failed\\e]0;pwned\\a');
      expectInert(r);
    } finally {
      api.modes = {};
    }
  });

  it('a 401 that quotes the key does not print it', async () => {
    api.modes = { rejectKey: true };
    try {
      const r = await runCli(['plan', '--env', 'http'], { cwd: dir, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('401 Unauthorized: the API key in "Authorization: Bearer (sensitive)" is not valid');
      expect(all(r)).not.toContain(apiKeyCanary());
    } finally {
      api.modes = {};
    }
  });
});

describe('against a GitHub that quotes the token back', () => {
  let gh: FakeGitHub;
  afterAll(() => gh.stop());

  it('plan --github-comment fails without printing the token', async () => {
    gh = await startFakeGitHub(githubTokenCanary());
    gh.quoteTokenIn401 = true;
    const dir = await workspace({
      'paystrator.yaml': configYaml(),
      'providers/a.yaml': providerYaml({ name: 'Alpha' }),
      'event.json': JSON.stringify({ pull_request: { number: 7 } }),
    });
    const r = await runCli(['plan', '--github-comment'], {
      cwd: dir,
      env: {
        XENDIT_SECRET: canaries()[0]!,
        GITHUB_TOKEN: githubTokenCanary(),
        GITHUB_API_URL: gh.url,
        GITHUB_REPOSITORY: 'acme/payments',
        GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
      },
    });
    expect(r.code).toBe(1);
    expect(gh.requests.length).toBeGreaterThan(0);
    expect(all(r)).not.toContain(githubTokenCanary());
    expect(r.stderr).toContain('error: GitHub: list the comments of pull request #7 failed: 401 Bad credentials: "token (sensitive)" was revoked');
    // Neither the answer's second line nor Octokit's own log line of the failed request.
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:'))).toEqual([]);
  });
});

describe('validate', () => {
  it('refuses ESC, BEL and U+202E in names and label values at their line', async () => {
    const dir = await workspace({
      'paystrator.yaml': configYaml(),
      'providers/a.yaml': providerYaml({ name: 'Evil\x1b[2J\x1b]0;pwned\x07' }),
      'providers/b.yaml': providerYaml({ name: 'Bank \u202eLIVE' }),
      'providers/c.yaml': providerYaml({ name: 'Ok' }).replace('labels: { team: payments }', 'labels: { team: "pay\\nerror: providers/fake.yaml:1:1: forged" }'),
    });
    const r = await runCli(['validate'], { cwd: dir, env: {} });
    expect(r.code).toBe(1);
    const why = 'must be printable text: control characters, line separators and bidi overrides are not allowed';
    expect(r.stderr).toContain(`error: providers/a.yaml:5:9: metadata.name: ${why}`);
    expect(r.stderr).toContain(`error: providers/b.yaml:5:9: metadata.name: ${why}`);
    expect(r.stderr).toContain(`error: providers/c.yaml:6:19: metadata.labels.team: ${why}`);
    expectInert(r);
  });
});
