// GitHub Actions step summaries: each command appends its report, in Markdown, to the file named
// by GITHUB_STEP_SUMMARY, and the run's summary page shows it.
import { appendFile, stat } from 'node:fs/promises';
import { redact } from '../text/redact.js';
import { assemble, md, STEP_SUMMARY_LIMIT, type MarkdownReport } from '../render/markdown.js';

/** Appends the report when running in Actions; returns whether it did. Never fails the command. */
export async function appendStepSummary(env: NodeJS.ProcessEnv, report: MarkdownReport | string): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  const used = await stat(file).then((s) => s.size, () => 0);
  const room = Math.max(0, STEP_SUMMARY_LIMIT - used);
  const text = typeof report === 'string' ? `${report.slice(0, room)}\n` : assemble(report, { limit: room }).text;
  if (text.length > room) return false;
  try {
    await appendFile(file, redact(`${text}\n`));
    return true;
  } catch {
    return false;
  }
}

/** apply's step summary: what it changed, and what failed, by provider. */
export function applySummaryMarkdown(env: string, r: { created: number; updated: number; statusChanges: number; failed: number; failures: { name: string; message: string }[] }): string {
  const head = `**Paystrator apply (${md(env)}): ${r.failed ? 'finished with failures' : 'complete'}: ${r.created} created, ${r.updated} updated, ${r.statusChanges} status changes, ${r.failed} failed.**`;
  return [head, ...r.failures.map((f) => `- ${md(f.name)}: ${md(f.message)}`)].join('\n');
}
