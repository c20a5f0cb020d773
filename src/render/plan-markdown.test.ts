import { describe, expect, it } from 'vitest';
import type { Plan } from '../plan/plan.js';
import { planSummaryLine, renderPlanMarkdown } from './plan-markdown.js';

const base: Plan = {
  formatVersion: 1,
  tool: { name: 'paystrator-gitops', version: 'test' },
  environment: 'sandbox',
  endpoint: 'embedded sandbox',
  company: 'dummy-company',
  createdAt: '2026-01-01T00:00:00Z',
  inputsHash: 'x',
  options: { prune: false, targets: [] },
  overrides: { allowLargeChange: false, allowServiceOutage: false },
  changes: [{ name: 'Xendit', action: 'noop', fields: [], notes: [], operations: [] }],
  unmanaged: [],
  summary: { create: 0, update: 0, deactivate: 0, noop: 1, unmanaged: 0 },
};

describe('plan markdown', () => {
  it('says "no changes" only when neither providers nor sequences change', () => {
    expect(planSummaryLine(base)).toContain('no changes');
    const withSequence: Plan = {
      ...base,
      sequences: [{ product: 'EWALLET', destination: 'OVO', action: 'create', file: 'providers/routing.yaml', line: 3, after: ['<img src=x>', 'Xendit'], notes: [] }],
    };
    const line = planSummaryLine(withSequence);
    expect(line).not.toContain('no changes');
    expect(line).toContain('Sequences: 1 to create, 0 to update, 0 unchanged.');
    const body = renderPlanMarkdown(withSequence).blocks.join('\n');
    expect(body).toContain('create sequence EWALLET to OVO');
    // Provider names stay inert in the comment.
    expect(body).not.toContain('<img');
  });
});
