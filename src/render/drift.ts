// A drift report as text (terminal), Markdown (GitHub) or JSON. Secret values are never in a
// report to begin with: a secret shows as its kind of difference and its credential versions.
import { md, mdCode, mdValue, table, type MarkdownReport } from './markdown.js';
import { formatValue } from './plan.js';
import { plain, type Style } from './style.js';
import { escapeText as t } from '../text/escape.js';
import { coveragePercent, resourceDrifted, type DriftField, type DriftReport, type ResourceDrift, type SecretDrift } from '../drift/drift.js';

export function describeSecret(s: SecretDrift): string {
  switch (s.kind) {
    case 'rotated-live':
      return `changed outside git (live credential version ${s.liveVersion}; the last write by paystrator-gitops made version ${s.writtenVersion})`;
    case 'store-differs':
      return 'the secret store holds another value than the one last applied (apply writes it)';
    case 'unverified':
      return 'never written by paystrator-gitops, so it may not match git (apply writes it)';
    case 'missing-live':
      return 'declared in git, not set live (apply writes it)';
  }
}

const changedBy = (f: DriftField) => (f.changedBy ? `set by ${t(f.changedBy)}${f.reason ? `: ${t(f.reason)}` : ''}` : '');

export function secretsLine(r: DriftReport): string {
  return r.secrets.fingerprints
    ? 'Secret values: compared by fingerprint with the secret stores.'
    : `Secret values: not compared (${r.secrets.reason ?? 'not resolved'}); secrets changed outside git are still found from credential versions.`;
}

export function coverageLine(r: DriftReport): string {
  const retired = r.coverage.retired ? `; ${r.coverage.retired} retired by git (inactive) not counted` : '';
  return `Coverage: ${r.coverage.managed} of ${r.coverage.total} live provider${r.coverage.total === 1 ? '' : 's'} managed by git (${coveragePercent(r)}%)${retired}.`;
}

export function summaryLine(r: DriftReport): string {
  const s = r.summary;
  if (!r.drift) {
    const extra = s.unmanaged && !r.countsUnmanaged ? `; ${s.unmanaged} unmanaged, not counted` : '';
    return `No drift: live matches git (${s.inSync} provider${s.inSync === 1 ? '' : 's'}${extra}).`;
  }
  const parts = [`${s.changed} changed live${s.secrets ? ` (${s.secrets} secret${s.secrets === 1 ? '' : 's'} changed outside git)` : ''}`, `${s.missing} missing live`];
  parts.push(`${s.unmanaged} unmanaged${r.countsUnmanaged ? '' : ' (not counted)'}`);
  if (s.removedFromGit) parts.push(`${s.removedFromGit} removed from git but still live`);
  if (s.resources) parts.push(`${s.resources} setting${s.resources === 1 ? '' : 's'} changed live`);
  return `Drift: ${parts.join(', ')}.`;
}

const resourceName = (x: ResourceDrift) => (x.name === x.kind ? t(x.kind) : `${t(x.kind)} ${t(JSON.stringify(x.name))}`);

/** The account settings' part of a drift report (Webhooks, IpWhitelist, ApiKey), for the text report. */
export function renderResourceDriftLines(resources: readonly ResourceDrift[], style: Style): string[] {
  const out: string[] = [];
  const at = (x: ResourceDrift) => (x.file ? style.dim(`  ${t(x.file)}${x.line ? `:${x.line}` : ''}`) : '');
  for (const x of resources) {
    if (!resourceDrifted(x)) {
      if (x.notes.length) out.push(style.dim(`    ${resourceName(x)}`) + at(x), ...x.notes.map((n) => style.dim(`      # ${t(n)}`)));
      continue;
    }
    if (x.missing) {
      out.push(style.red(`  - ${resourceName(x)}`) + at(x), '      in git, missing live (apply creates it)');
      continue;
    }
    out.push(style.yellow(`  ~ ${resourceName(x)}`) + at(x));
    const width = Math.max(0, ...x.fields.map((f) => f.field.length));
    for (const f of x.fields) out.push(`      ${`${t(f.field)}:`.padEnd(width + 1)} git ${formatValue(f.git)}, live ${formatValue(f.live)}`);
    for (const e of x.events) out.push(`      ${t(e)}`);
    for (const n of x.notes) out.push(style.dim(`      # ${t(n)}`));
    if (x.lastWrite && x.lastWrite.source !== 'unknown') out.push(style.dim(`      # ${x.lastWrite.source === 'git' ? 'last applied from git: ' : ''}${t(x.lastWrite.summary)}`));
  }
  return out;
}

export function renderDriftText(r: DriftReport, style: Style = plain): string {
  // Names, reasons, notes and the company come from live or from files: each is escaped here.
  const out: string[] = [style.bold(`Drift in environment "${t(r.environment)}" (${t(r.endpoint)}, company ${t(r.company)})`), ''];
  const at = (file: string, line: number | undefined) => `${t(file)}${line ? `:${line}` : ''}`;
  for (const c of r.changed) {
    out.push(style.yellow(`  ~ ${t(c.name)}`) + style.dim(`  ${at(c.file, c.line)}`));
    const width = Math.max(0, ...c.fields.map((f) => f.field.length), ...c.secrets.map((s) => s.field.length));
    for (const f of c.fields) {
      const by = changedBy(f);
      out.push(`      ${`${t(f.field)}:`.padEnd(width + 1)} git ${formatValue(f.git)}, live ${formatValue(f.live)}${by ? ` (${by})` : ''}`);
    }
    for (const s of c.secrets) out.push(`      ${`${t(s.field)}:`.padEnd(width + 1)} ${describeSecret(s)}`);
    for (const n of c.notes) out.push(style.dim(`      # ${t(n)}`));
    if (c.lastWrite && c.lastWrite.source !== 'unknown') out.push(style.dim(`      # ${c.lastWrite.source === 'git' ? 'last applied from git: ' : ''}${t(c.lastWrite.summary)}`));
  }
  for (const n of r.noted) {
    out.push(style.dim(`    ${t(n.name)}  ${at(n.file, n.line)}`), ...n.notes.map((x) => style.dim(`      # ${t(x)}`)));
  }
  for (const m of r.missing) {
    out.push(style.red(`  - ${t(m.name)}`) + style.dim(`  ${at(m.file, m.line)}`), '      in git, missing live (apply creates it)');
  }
  for (const u of r.unmanaged) {
    out.push(
      style.dim(`  ? ${t(u.name)} (${t(u.status)})`),
      u.removedFromGit
        ? '      removed from git, still live (plan --prune deactivates it)'
        : '      live, not in git (unmanaged: import it to manage it, or leave it alone)',
    );
  }
  out.push(...renderResourceDriftLines(r.resources ?? [], style));
  if (out.length > 2) out.push('');
  out.push(style.dim(secretsLine(r)), coverageLine(r), r.drift ? style.bold(style.yellow(summaryLine(r))) : style.green(summaryLine(r)));
  return out.join('\n') + '\n';
}

export function renderDriftJson(r: DriftReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

// Sentences of our own go into Markdown as they are; names, values and reasons through md().
export function driftSummaryMarkdown(r: DriftReport): string {
  return `**Paystrator drift in ${mdCode(r.environment)}: ${summaryLine(r).replace(/^Drift: /, '')}** Coverage ${r.coverage.managed}/${r.coverage.total} (${coveragePercent(r)}%).`;
}

export function renderDriftMarkdown(r: DriftReport): MarkdownReport {
  const blocks: string[] = [];
  for (const c of r.changed) {
    const rows = [
      ...c.fields.map((f) => [mdCode(f.field), mdValue(f.git), mdValue(f.live), f.changedBy ? `${md(f.changedBy)}${f.reason ? `: ${md(f.reason)}` : ''}` : '']),
      ...c.secrets.map((s) => [mdCode(s.field), '(sensitive)', describeSecret(s), '']),
    ];
    const lines = [`**changed live** ${md(c.name)} · ${mdCode(`${c.file}${c.line ? `:${c.line}` : ''}`)}`, '', table(['Field', 'Git', 'Live', 'Status set by'], rows)];
    if (c.notes.length) lines.push('', ...c.notes.map((n) => `- ${md(n)}`));
    blocks.push(lines.join('\n'));
  }
  if (r.noted.length) {
    blocks.push(['**in sync, with notes**', '', ...r.noted.flatMap((n) => n.notes.map((x) => `- ${md(n.name)}: ${md(x)}`))].join('\n'));
  }
  if (r.missing.length) {
    blocks.push(['**missing live** (in git, not live: apply creates them)', '', ...r.missing.map((m) => `- ${md(m.name)} · ${mdCode(`${m.file}${m.line ? `:${m.line}` : ''}`)}`)].join('\n'));
  }
  for (const x of (r.resources ?? []).filter(resourceDrifted)) {
    const where = x.file ? ` · ${mdCode(`${x.file}${x.line ? `:${x.line}` : ''}`)}` : '';
    const title = x.name === x.kind ? md(x.kind) : `${md(x.kind)} ${md(x.name)}`;
    if (x.missing) {
      blocks.push(`**missing live** ${title}${where} (in git, not live: apply creates it)`);
      continue;
    }
    const lines = [`**changed live** ${title}${where}`];
    if (x.fields.length) lines.push('', table(['Field', 'Git', 'Live'], x.fields.map((f) => [mdCode(f.field), mdValue(f.git), mdValue(f.live)])));
    if (x.events.length || x.notes.length) lines.push('', ...x.events.map((e) => `- ${md(e)}`), ...x.notes.map((n) => `- ${md(n)}`));
    blocks.push(lines.join('\n'));
  }
  const unmanaged = r.unmanaged.filter((u) => !u.removedFromGit);
  const removed = r.unmanaged.filter((u) => u.removedFromGit);
  if (removed.length) {
    blocks.push(['**removed from git, still live** (plan --prune deactivates them)', '', ...removed.map((u) => `- ${md(u.name)} (${md(u.status)})`)].join('\n'));
  }
  if (unmanaged.length) {
    blocks.push([`**unmanaged** (live, not in git${r.countsUnmanaged ? '' : '; not counted as drift'})`, '', ...unmanaged.map((u) => `- ${md(u.name)} (${md(u.status)})`)].join('\n'));
  }
  return {
    summary: driftSummaryMarkdown(r),
    intro: `${secretsLine(r)}${r.coverage.retired ? ` ${coverageLine(r)}` : ''}\n\nEnvironment ${mdCode(r.environment)} · company ${mdCode(r.company)} · checked ${r.checkedAt}`,
    detailsLabel: 'Drift details',
    blocks,
  };
}
