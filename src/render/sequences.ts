// The sequence part of a plan in text, in the same shape as the provider part.
import type { Style } from './style.js';
import { escapeText as t } from '../text/escape.js';
import { describeSequence } from '../model/sequence.js';
import type { SequenceChange } from '../sequences/plan.js';
import { routingMoneyLine } from '../fees/routing.js';

/** The money line of a sequence change that puts another provider first, from the plan's figures. */
export function sequenceMoneyLine(c: SequenceChange): string | undefined {
  const m = c.money;
  if (!m) return undefined;
  return routingMoneyLine({ from: m.from, to: m.to, volume: { transactions: BigInt(m.transactions), amount: BigInt(m.amount) }, before: BigInt(m.before), after: BigInt(m.after), delta: BigInt(m.delta) });
}

const names = (list: readonly string[]) => `[${list.map(t).join(', ')}]`;

export function renderSequenceLines(changes: readonly SequenceChange[], style: Style): string[] {
  const shown = changes.filter((c) => c.action !== 'noop' || c.notes.length);
  if (!shown.length) return [];
  const out = ['', style.bold('  Routing sequences:')];
  for (const c of shown) {
    const where = style.dim(`  ${t(c.file)}:${c.line}`);
    if (c.action === 'create') {
      out.push(style.green(`  + create sequence ${t(describeSequence(c))}`) + where, `      providers: ${names(c.after)}`);
    } else if (c.action === 'update') {
      const joining = c.joining?.length ? ` + ${names(c.joining)} when applied` : '';
      out.push(style.yellow(`  ~ update sequence ${t(describeSequence(c))}`) + where, `      providers: ${names(c.before ?? [])}${joining} -> ${names(c.after)}`);
    } else {
      out.push(style.dim(`    unchanged sequence ${t(describeSequence(c))}`) + where);
    }
    const money = sequenceMoneyLine(c);
    if (money) out.push(style.dim(`      # ${t(money)}`));
    for (const n of c.notes) out.push(style.dim(`      # ${t(n)}`));
  }
  return out;
}

export function sequenceSummary(changes: readonly SequenceChange[]): string {
  const count = (a: SequenceChange['action']) => changes.filter((c) => c.action === a).length;
  return `Sequences: ${count('create')} to create, ${count('update')} to update, ${count('noop')} unchanged.`;
}
