// A plan as GitHub Markdown: for `plan --format markdown`, the pull-request comment and the step
// summary. Built from the same Plan value the text renderer shows.
import type { FieldChange } from '../diff/diff.js';
import { DEFAULT_QUOTE_AMOUNT, feeEffectLine } from '../fees/effect.js';
import { moneyLine, volumeEffect } from '../fees/volume.js';
import { hasChanges, type Plan, type ProviderChange } from '../plan/plan.js';
import { plain } from './style.js';
import { renderSequenceLines, sequenceSummary } from './sequences.js';
import { renderResourceLines, resourceSummary } from './resources.js';
import { md, mdCode, mdValue, table, type MarkdownReport } from './markdown.js';

const VERB = { create: 'create', update: 'update', deactivate: 'deactivate', noop: 'unchanged' } as const;

function cell(c: FieldChange, action: ProviderChange['action']): string[] {
  if (c.sensitive) return [mdCode(c.field), action === 'create' ? '' : '(sensitive)', action === 'create' ? '(sensitive)' : '(sensitive value changed)'];
  return [mdCode(c.field), action === 'create' ? '' : mdValue(c.before), mdValue(c.after)];
}

function changeBlock(c: ProviderChange): string {
  const where = c.file ? ` · ${mdCode(`${c.file}${c.line ? `:${c.line}` : ''}`)}` : '';
  const lines = [`**${VERB[c.action]}** ${md(c.name)}${where}`];
  if (c.fields.length) lines.push('', table(['Field', 'Live', 'Git'], c.fields.map((f) => cell(f, c.action))));
  // The money a fee change costs, as the text plan shows it: reviewers of a pull request see it in the comment.
  if (c.pricing) {
    const money = [feeEffectLine(c.pricing, DEFAULT_QUOTE_AMOUNT), ...(c.volume ? [moneyLine(volumeEffect({ transactions: BigInt(c.volume.transactions), amount: BigInt(c.volume.amount) }, c.pricing.before, c.pricing.after))] : [])];
    lines.push('', ...money.map((m) => `- ${md(m)}`));
  }
  if (c.notes.length) lines.push('', ...c.notes.map((n) => `- ${md(n)}`));
  return lines.join('\n');
}

export function planSummaryLine(plan: Plan): string {
  const s = plan.summary;
  const env = mdCode(plan.environment);
  if (!hasChanges(plan)) {
    return `**Paystrator plan for ${env}: no changes.** Live matches git (${s.noop} provider${s.noop === 1 ? '' : 's'}).`;
  }
  // A plan may change only routing sequences: the provider counts alone would read as "no changes".
  const sequences = plan.sequences?.length ? ` ${sequenceSummary(plan.sequences)}` : '';
  const settings = plan.resources?.length ? ` ${resourceSummary(plan.resources)}` : '';
  return `**Paystrator plan for ${env}: ${s.create} to create, ${s.update} to update, ${s.deactivate} to deactivate, ${s.noop} unchanged.**${sequences}${settings}`;
}

/** `notices`: what the run knows beside the plan itself, e.g. that a change window would refuse its apply now. */
export function renderPlanMarkdown(plan: Plan, notices: readonly string[] = []): MarkdownReport {
  const blocks = plan.changes.filter((c) => c.action !== 'noop' || c.notes.length > 0).map(changeBlock);
  const sequenceLines = renderSequenceLines(plan.sequences ?? [], plain).filter((l) => l.trim());
  if (sequenceLines.length) blocks.push(sequenceLines.map((l) => md(l.trim())).join('<br>\n'));
  const resourceLines = renderResourceLines(plan.resources ?? [], plain).filter((l) => l.trim());
  if (resourceLines.length) blocks.push(resourceLines.map((l) => md(l.trim())).join('<br>\n'));
  if (plan.unmanaged.length) {
    blocks.push(`**Unmanaged** (live, not in git, never touched): ${plan.unmanaged.map((u) => `${md(u.name)} (${md(u.status)})`).join(', ')}`);
  }
  for (const c of plan.checks ?? []) blocks.push(`**Check skipped:** ${md(c)}.`);
  // First, so a reviewer sees it before the details: approving a plan that cannot land wastes a window.
  for (const n of notices) blocks.unshift(`**${md(n)}**`);
  return {
    summary: planSummaryLine(plan),
    intro: `Environment ${mdCode(plan.environment)} · company ${mdCode(plan.company)} · ${md(plan.endpoint)}`,
    detailsLabel: 'Plan details',
    blocks,
  };
}
