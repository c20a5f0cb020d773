// The API key part of a plan in text, in the shape of the provider and sequence parts. Names
// come from files or live: each is escaped where it goes in. No value is ever here to show.
import type { Style } from './style.js';
import { escapeText as t } from '../text/escape.js';
import type { ApiKeyAction, ApiKeyChange, ApiKeyPlan } from '../apikeys/plan.js';

const SYMBOL: Record<ApiKeyAction, string> = { create: '+', update: '~', revoke: '-', noop: ' ' };

export function renderApiKeyLines(plan: ApiKeyPlan, style: Style): string[] {
  const shown = plan.changes.filter((c) => c.action !== 'noop' || c.notes.length);
  const out: string[] = [];
  if (shown.length) out.push('', style.bold('  API keys:'));
  const paint: Record<ApiKeyAction, (s: string) => string> = { create: style.green, update: style.yellow, revoke: style.red, noop: style.dim };
  for (const c of shown) {
    const where = c.file ? style.dim(`  ${t(c.file)}${c.line ? `:${c.line}` : ''}`) : '';
    const verb = c.action === 'noop' ? 'unchanged' : c.action;
    out.push(paint[c.action](`  ${SYMBOL[c.action]} ${verb} API key ${t(c.name)}`) + where);
    const width = Math.max(0, ...c.permissions.map((p) => p.product.length));
    for (const p of c.permissions) out.push(`      ${`${t(p.product)}:`.padEnd(width + 1)} ${c.action === 'create' && p.before === 'NONE' ? p.after : `${p.before} -> ${p.after}`}`);
    if (c.status && c.action !== 'create') out.push(`      status: ${c.status.before ?? '(none)'} -> ${c.status.after}`);
    for (const n of c.notes) out.push(style.dim(`      # ${t(n)}`));
  }
  if (plan.unmanaged.length) {
    out.push('', style.dim(`  Unmanaged API keys (live, not in git, never touched): ${plan.unmanaged.map((u) => `${t(u.name)} (${t(u.prefix)}...)`).join(', ')}`));
  }
  return out;
}

export function apiKeySummary(plan: ApiKeyPlan): string {
  const count = (a: ApiKeyAction) => plan.changes.filter((c: ApiKeyChange) => c.action === a).length;
  return `API keys: ${count('create')} to create, ${count('update')} to update, ${count('revoke')} to revoke, ${count('noop')} unchanged.`;
}
