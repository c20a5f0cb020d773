import type { FieldChange } from '../diff/diff.js';
import { DEFAULT_QUOTE_AMOUNT, feeEffectLine } from '../fees/effect.js';
import { moneyLine, volumeEffect } from '../fees/volume.js';
import { adoptionOnlySummary } from '../import/adoption.js';
import { renderSequenceLines, sequenceSummary } from './sequences.js';
import { renderResourceLines, resourceSummary } from './resources.js';
import { formatValue } from './values.js';

export { formatValue } from './values.js';
import { escapeText as t } from '../text/escape.js';
import { hasChanges, type Plan, type ProviderChange } from '../plan/plan.js';
import { plain, type Style } from './style.js';

export interface RenderOptions {
  /** The sample amount a fee or VAT change is shown on (whole rupiah); 1,000,000 by default. */
  quoteAmount?: bigint;
}

function fieldLine(c: FieldChange, action: ProviderChange['action'], width: number): string {
  const label = `${t(c.field)}:`.padEnd(width + 1);
  if (c.sensitive) return `${label} ${action === 'create' ? '(sensitive)' : c.pending ? '(sensitive: no fingerprint live yet; written once to record it)' : '(sensitive value changed)'}`;
  if (action === 'create') return `${label} ${formatValue(c.after)}`;
  return `${label} ${formatValue(c.before)} -> ${formatValue(c.after)}`;
}

const symbols = { create: '+', update: '~', deactivate: '-', noop: ' ' } as const;

export function renderPlanText(plan: Plan, style: Style = plain, opts: RenderOptions = {}): string {
  const out: string[] = [];
  // Names, notes and the company come from live or from files: each is escaped where it goes in.
  out.push(style.bold(`Plan for environment "${t(plan.environment)}" (${t(plan.endpoint)}, company ${t(plan.company)})`), '');
  const paint = { create: style.green, update: style.yellow, deactivate: style.red, noop: style.dim };
  for (const c of plan.changes) {
    if (c.action === 'noop' && c.notes.length === 0) continue;
    const where = c.file ? style.dim(`  ${t(c.file)}${c.line ? `:${c.line}` : ''}`) : '';
    const verb = c.action === 'noop' ? 'unchanged' : c.action;
    out.push(paint[c.action](`  ${symbols[c.action]} ${verb} ${t(c.name)}`) + where);
    const width = Math.max(0, ...c.fields.map((f) => f.field.length));
    for (const f of c.fields) out.push(`      ${fieldLine(f, c.action, width)}`);
    if (c.pricing) out.push(style.dim(`      # ${feeEffectLine(c.pricing, opts.quoteAmount ?? DEFAULT_QUOTE_AMOUNT)}`));
    if (c.pricing && c.volume) out.push(style.dim(`      # ${moneyLine(volumeEffect({ transactions: BigInt(c.volume.transactions), amount: BigInt(c.volume.amount) }, c.pricing.before, c.pricing.after))}`));
    for (const n of c.notes) out.push(style.dim(`      # ${t(n)}`));
  }
  const sequences = plan.sequences ?? [];
  // Right after the header, the section's own blank line would double the header's.
  out.push(...renderSequenceLines(sequences, style).slice(out.length === 2 ? 1 : 0));
  const resources = plan.resources ?? [];
  out.push(...renderResourceLines(resources, style).slice(out.length === 2 ? 1 : 0));
  if (plan.unmanaged.length) {
    out.push('', style.dim(`  Unmanaged (live, not in git, never touched): ${plan.unmanaged.map((u) => `${t(u.name)} (${t(u.status)})`).join(', ')}`));
  }
  const s = plan.summary;
  if (!hasChanges(plan)) {
    if (out.length > 2) out.push('');
    const seqs = sequences.length ? `, ${sequences.length} sequence${sequences.length === 1 ? '' : 's'}` : '';
    const settings = resources.length ? `, ${resources.length} setting${resources.length === 1 ? '' : 's'}` : '';
    out.push(style.green(`No changes. Live matches git (${s.noop} provider${s.noop === 1 ? '' : 's'}${seqs}${settings}).`));
  } else {
    out.push('', style.bold(`Plan: ${s.create} to create, ${s.update} to update, ${s.deactivate} to deactivate, ${s.noop} unchanged.`));
    if (sequences.length) out.push(style.bold(sequenceSummary(sequences)));
    if (resources.length) out.push(style.bold(resourceSummary(resources)));
    const adoption = adoptionOnlySummary(plan);
    if (adoption) out.push(adoption);
  }
  for (const c of plan.checks ?? []) out.push(style.dim(`Check skipped: ${c}.`));
  return out.join('\n') + '\n';
}
