// The sequence part of a drift report, in text and Markdown. Names come from git or from live:
// each is escaped (text) or passed through md() (Markdown).
import type { DriftReport } from '../generated/drift-report.js';
import { describeSequence } from '../model/sequence.js';
import type { ChangedSequence, SequenceDifference } from '../sequences/drift.js';
import { escapeText as t } from '../text/escape.js';
import { md, mdCode } from './markdown.js';
import type { Style } from './style.js';

type Esc = (s: string) => string;
const list = (names: readonly string[], e: Esc) => `[${names.map(e).join(', ')}]`;

/** One difference as a sentence; `e` escapes names for the output it goes to. */
export function describeDifference(d: SequenceDifference, e: Esc = t): string {
  const who = `"${e(d.provider)}"`;
  const by = d.changedBy ? ` (set by ${e(d.changedBy)})` : '';
  switch (d.kind) {
    case 'moved':
      return `${who} moved: position ${d.gitPosition} in git, ${d.livePosition} live`;
    case 'added-live':
      return `${who} added live at position ${d.livePosition}${d.inGit === false ? ' (no provider of that name in git: import it to keep it)' : ''}`;
    case 'removed-live': {
      const why = d.status === undefined ? '; it does not exist live' : d.status === 'ACTIVE' ? '' : `; it is ${d.status} live${by}`;
      return `${who} removed live (position ${d.gitPosition} in git)${why}`;
    }
    case 'maintenance':
      return `${who} (position ${d.livePosition}) is in MAINTENANCE live${by}: Paystrator skips it at routing${d.counts ? '' : ' (not counted: git or policy.ignore expects it)'}`;
    case 'inactive':
      return `${who} (position ${d.livePosition}) is INACTIVE live${by}: Paystrator does not route to it`;
  }
}

function liveLine(c: ChangedSequence, e: Esc): string {
  const when = c.updatedAt ? `, changed ${e(c.updatedAt)}${c.updatedBy ? ` by ${e(c.updatedBy)}` : ''}` : '';
  return `${list(c.live, e)} (version ${c.liveVersion}${when})`;
}

export function renderSequenceDriftText(r: DriftReport, style: Style): string[] {
  const q = r.sequences;
  if (!q.changed.length && !q.missing.length && !q.unmanaged.length) return [];
  const out = ['', style.bold('  Routing sequences:')];
  const at = (file: string, line: number | undefined) => style.dim(`  ${t(file)}${line ? `:${line}` : ''}`);
  for (const c of q.changed) {
    const head = `sequence ${t(describeSequence(c))}`;
    out.push((c.counts ? style.yellow(`  ~ ${head}`) : style.dim(`    ${head}`)) + at(c.file, c.line));
    out.push(`      git:  ${list(c.git, t)}`, `      live: ${liveLine(c, t)}`);
    for (const d of c.differences) out.push(d.counts ? `      ${describeDifference(d)}` : style.dim(`      # ${describeDifference(d)}`));
  }
  for (const m of q.missing) {
    out.push(style.red(`  - sequence ${t(describeSequence(m))}`) + at(m.file, m.line), `      in git ${list(m.git, t)}, missing live (apply creates it)`);
  }
  for (const u of q.unmanaged) {
    out.push(
      style.dim(`  ? sequence ${t(describeSequence(u))} ${list(u.live, t)}`),
      `      live, not in git (unmanaged${r.countsUnmanaged ? '' : ', not counted'}: import it to manage it, or leave it alone)`,
    );
  }
  return out;
}

/** For the summary line: what the sequence part adds, or nothing when git declares none. */
export function sequenceSummaryPart(r: DriftReport): string | undefined {
  const q = r.sequences;
  if (!q.declared) return undefined;
  if (!q.drifted) return undefined;
  return `${q.drifted} sequence${q.drifted === 1 ? '' : 's'} differ${q.drifted === 1 ? 's' : ''}`;
}

export function renderSequenceDriftMarkdown(r: DriftReport): string[] {
  const q = r.sequences;
  const blocks: string[] = [];
  for (const c of q.changed) {
    const where = mdCode(`${c.file}${c.line ? `:${c.line}` : ''}`);
    blocks.push([
      `**${c.counts ? 'sequence changed live' : 'sequence, with notes'}** ${md(describeSequence(c))} · ${where}`,
      '',
      `- git: ${list(c.git, md)}`,
      `- live: ${liveLine(c, md)}`,
      ...c.differences.map((d) => `- ${describeDifference(d, md)}`),
    ].join('\n'));
  }
  if (q.missing.length) {
    blocks.push(['**sequences missing live** (in git, not live: apply creates them)', '', ...q.missing.map((m) => `- ${md(describeSequence(m))} ${list(m.git, md)} · ${mdCode(`${m.file}${m.line ? `:${m.line}` : ''}`)}`)].join('\n'));
  }
  if (q.unmanaged.length) {
    blocks.push([`**unmanaged sequences** (live, not in git${r.countsUnmanaged ? '' : '; not counted as drift'})`, '', ...q.unmanaged.map((u) => `- ${md(describeSequence(u))} ${list(u.live, md)}`)].join('\n'));
  }
  return blocks;
}
