import { describe, expect, it } from 'vitest';
import { auditAnnotations, lastWrite } from './audit.js';

describe('the audit trail', () => {
  const ctx = { commit: 'c'.repeat(40), runUrl: 'https://github.example/o/r/actions/runs/1', appliedAt: '2026-12-01T10:00:00.000Z' };

  it('removes the keys this run has no value for, so an earlier run value never passes for this one', () => {
    expect(auditAnnotations({ appliedAt: ctx.appliedAt }, 4)).toEqual({
      'paystrator-gitops/commit': null,
      'paystrator-gitops/run-url': null,
      'paystrator-gitops/applied-at': ctx.appliedAt,
      'paystrator-gitops/window-override': null,
      'paystrator-gitops/applied-version': '4',
    });
  });

  it('tells our last write from a change outside git by the live version', () => {
    const written = Object.fromEntries(Object.entries(auditAnnotations(ctx, 3)).filter((e): e is [string, string] => e[1] !== null));
    expect(lastWrite(written, 3)).toEqual({ source: 'git', ...ctx, summary: `commit cccccccccccc, ${ctx.runUrl}, applied ${ctx.appliedAt}` });
    expect(lastWrite(written, 4)).toMatchObject({ source: 'outside-git', commit: ctx.commit, summary: expect.stringMatching(/^changed outside git \(version 4, after our write of version 3: commit cccccccccccc/) });
    expect(lastWrite({}, 7)).toEqual({ source: 'unknown', summary: 'no paystrator-gitops apply recorded' });
  });
});
