// The account-settings part of a plan (Webhooks, IpWhitelist, ApiKey) in text, in the same shape
// as the provider part. Every kind renders through this one function: a ResourceChange carries its
// field diffs and notes, so a new kind needs no renderer of its own.
import type { FieldChange } from '../diff/diff.js';
import type { ResourceAction, ResourceChange } from '../plan/plan.js';
import { describeResource } from '../plan/stale-resources.js';
import { escapeText as t } from '../text/escape.js';
import { formatValue } from './values.js';
import type { Style } from './style.js';

const symbols: Record<ResourceAction, string> = { create: '+', update: '~', revoke: '-', noop: ' ' };

function fieldLine(c: FieldChange, action: ResourceAction, width: number): string {
  const label = `${t(c.field)}:`.padEnd(width + 1);
  if (c.sensitive) return `${label} ${action === 'create' ? '(sensitive)' : '(sensitive value changed)'}`;
  if (action === 'create' || c.before === undefined) return `${label} ${formatValue(c.after)}`;
  return `${label} ${formatValue(c.before)} -> ${formatValue(c.after)}`;
}

export function renderResourceLines(changes: readonly ResourceChange[], style: Style): string[] {
  const shown = changes.filter((c) => c.action !== 'noop' || c.notes.length);
  if (!shown.length) return [];
  const paint = { create: style.green, update: style.yellow, revoke: style.red, noop: style.dim };
  const out = ['', style.bold('  Account settings:')];
  for (const c of shown) {
    const where = c.file ? style.dim(`  ${t(c.file)}${c.line ? `:${c.line}` : ''}`) : '';
    const verb = c.action === 'noop' ? 'unchanged' : c.action;
    out.push(paint[c.action](`  ${symbols[c.action]} ${verb} ${t(describeResource(c))}`) + where);
    const width = Math.max(0, ...c.fields.map((f) => f.field.length));
    for (const f of c.fields) out.push(`      ${fieldLine(f, c.action, width)}`);
    for (const n of c.notes) out.push(style.dim(`      # ${t(n)}`));
  }
  return out;
}

export function resourceSummary(changes: readonly ResourceChange[]): string {
  const count = (a: ResourceAction) => changes.filter((c) => c.action === a).length;
  const revoke = count('revoke') ? `, ${count('revoke')} to revoke` : '';
  return `Settings: ${count('create')} to create, ${count('update')} to update${revoke}, ${count('noop')} unchanged.`;
}
