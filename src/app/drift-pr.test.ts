import { describe, expect, it } from 'vitest';
import { computeDrift } from '../drift/drift.js';
import { desiredProvider, liveProvider, providerState } from '../../test/helpers/states.js';
import { driftPrBody } from './drift-pr.js';
import { GITHUB_BODY_LIMIT } from '../render/markdown.js';
import { FieldPositions } from '../model/positions.js';

const report = () => {
  const s = providerState('Alpha');
  return computeDrift({
    environment: 'production', endpoint: 'https://paystrator.example/api', company: 'dummy-company', toolVersion: 'test',
    desired: [desiredProvider(s, { file: 'providers/alpha.yaml', positions: FieldPositions.NONE, secretRefs: {} })],
    live: [liveProvider({ ...s, status: 'MAINTENANCE' }, {})],
    ignore: [], secrets: { fingerprints: false, reason: 'test' }, now: new Date('2026-02-01T00:00:00Z'),
  });
};

describe('the drift pull request body', () => {
  it('holds the report and the whole diff in a fenced diff block', () => {
    const patch = 'diff --git a/a.yaml b/a.yaml\n--- a/a.yaml\n+++ b/a.yaml\n@@ -1,1 +1,1 @@\n-status: ACTIVE\n+status: MAINTENANCE\n';
    const { body, cut } = driftPrBody(report(), patch, { artifact: '/x/paystrator-drift-pr-production.diff' });
    expect(cut).toBe(false);
    expect(body).toMatch(/^<!-- paystrator-gitops:drift-pr:production -->\n/);
    expect(body).toContain('Alpha');
    expect(body).toContain('```diff\n' + patch + '```\n');
  });

  it('a diff with a backtick fence inside cannot close the block', () => {
    const patch = '+  note: "```"\n+  other: "````"\n';
    expect(driftPrBody(report(), patch, { artifact: 'a.diff' }).body).toContain('`````diff\n' + patch + '`````\n');
  });

  it('a diff too long for GitHub is cut between lines, with a note naming the artifact', () => {
    const line = '+  fee: { type: PERCENTAGE, percent: "2.5" }   # a comment that makes the line long enough\n';
    const patch = 'diff --git a/a.yaml b/a.yaml\n' + line.repeat(2000);
    const { body, cut } = driftPrBody(report(), patch, { artifact: '/tmp/paystrator-drift-pr-production.diff', runUrl: 'https://github.test/acme/c/actions/runs/1' });
    expect(cut).toBe(true);
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT - 100);
    expect(body).toMatch(/\*\*The diff is too long for GitHub: \d+ lines are not shown\.\*\*/);
    expect(body).toContain('The full diff is in paystrator\\-drift\\-pr\\-production\\.diff, in the artifacts of [this workflow run](https://github.test/acme/c/actions/runs/1)');
    const block = body.slice(body.indexOf('```diff\n') + 8, body.lastIndexOf('```'));
    expect(block.split('\n').slice(1, -1).every((l) => l === line.trimEnd())).toBe(true);
  });
});
