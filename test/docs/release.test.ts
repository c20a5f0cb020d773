// What publishing needs: the licence text, the package's links, changesets, and a release workflow
// that publishes with provenance and pins the actions it runs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/paths.js';

const read = (f: string) => readFileSync(path.join(REPO_ROOT, f), 'utf8');

describe('release', () => {
  it('the package names its licence, repository, homepage and issue tracker, and ships LICENSE', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.repository.url).toBe('git+https://github.com/paystrator-gitops/paystrator-gitops.git');
    expect(pkg.homepage).toMatch(/^https:\/\/github\.com\/paystrator-gitops\/paystrator-gitops/);
    expect(pkg.bugs.url).toBe('https://github.com/paystrator-gitops/paystrator-gitops/issues');
    expect(pkg.files).toEqual(expect.arrayContaining(['bin', 'dist', 'schemas', 'templates']));
    const license = read('LICENSE');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(license).toContain('9. Accepting Warranty or Additional Liability.');
  });

  it('changesets runs in single-package mode with at least one pending changeset', () => {
    const config = JSON.parse(read('.changeset/config.json'));
    expect(config).toMatchObject({ baseBranch: 'main', access: 'public', fixed: [], linked: [] });
    const changesets = readdirSync(path.join(REPO_ROOT, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
    expect(changesets.length).toBeGreaterThan(0);
    for (const f of changesets) expect(read(`.changeset/${f}`)).toMatch(/^---\n"paystrator-gitops": (patch|minor|major)\n---\n/);
    expect(read('CHANGELOG.md')).toMatch(/^# paystrator-gitops\n/);
  });

  it('the release workflow publishes with provenance from main, on Node 24, with pinned actions', () => {
    const text = read('.github/workflows/release.yml');
    expect(validateWorkflow(text).errors).toEqual([]);
    const wf = parse(text) as { on: { push: { branches: string[] } }; permissions: object; jobs: { release: { permissions: object; steps: { uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }[] } } };
    expect(wf.on.push.branches).toEqual(['main']);
    expect(wf.permissions).toEqual({});
    expect(wf.jobs.release.permissions).toEqual({ contents: 'write', 'pull-requests': 'write', 'id-token': 'write' });
    const steps = wf.jobs.release.steps;
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))!.with!['node-version']).toBe(24);
    const changesets = steps.find((s) => s.uses?.startsWith('changesets/action@'))!;
    expect(changesets.env!.NPM_CONFIG_PROVENANCE).toBe('true');
    expect(changesets.with!['publish-script']).toBe('npm run release');
    for (const line of text.split('\n').filter((l) => /^\s*- uses: /.test(l))) expect(line).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    expect(JSON.parse(read('package.json')).scripts.release).toBe('npm run build && changeset publish');
  });
});
