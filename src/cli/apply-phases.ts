// How `apply` prints its phases (app/apply.ts runs them): the providers' progress, summary line,
// step summary and stats; each sequence and setting as it is written; each phase's summary.
import type { PaystratorClient } from '../api/client.js';
import type { ApplyResult } from '../apply/apply.js';
import type { ApplyListener } from '../app/apply.js';
import { appendStepSummary, applySummaryMarkdown } from '../app/summary.js';
import { resourceLabel } from '../kinds/apply.js';
import type { Plan } from '../plan/plan.js';
import type { ResolvedSecrets } from '../secrets/resolver.js';
import { escapeText as t } from '../text/escape.js';
import type { Io } from './io.js';
import { applyProgress, type Progress } from './progress.js';
import { recordStats } from './stats.js';

export function applyPrinter(io: Io, plan: Plan, ctx: { environment: string; client: PaystratorClient; secrets: ResolvedSecrets }): ApplyListener {
  let progress: Progress | undefined;
  const endProgress = () => {
    progress?.finish();
    progress = undefined;
  };
  return {
    phaseStarted(kind) {
      if (kind === 'Provider') progress = applyProgress(io, plan.changes);
      else io.out('\n');
    },
    step(s) {
      if (s.type === 'provider') {
        progress?.onEvent(s.event);
      } else if (s.type === 'sequence') {
        const e = s.event;
        if (e.phase === 'done') io.out(`  ~ sequence ${t(e.sequence)}: set\n`);
        if (e.phase === 'unchanged') io.out(`    sequence ${t(e.sequence)}: already as declared\n`);
        if (e.phase === 'failed') io.err(io.style.red(`  ! sequence ${t(e.sequence)}: failed: ${e.message ?? ''}`) + '\n');
      } else {
        const e = s.event;
        const what = resourceLabel(e);
        const msg = e.message ? t(e.message) : '';
        if (e.phase === 'done') io.out(`  ~ ${what}: ${msg || 'set'}\n`);
        if (e.phase === 'unchanged') io.out(`    ${what}: ${msg || 'already as declared'}\n`);
        if (e.phase === 'info') io.out(`    ${what}: ${msg}\n`);
        if (e.phase === 'failed') io.err(io.style.red(`  ! ${what}: failed: ${msg}`) + '\n');
      }
    },
    phaseAborted(kind) {
      if (kind === 'Provider') endProgress();
    },
    async phaseFinished(o) {
      if (o.kind === 'Provider') {
        endProgress();
        recordStats(io, { command: 'apply', apiRequests: ctx.client.requests, secretReads: ctx.secrets.reads, providers: plan.changes.length });
        io.out('\n' + summaryLine(io, o.result) + '\n');
        await appendStepSummary(io.env, applySummaryMarkdown(ctx.environment, o.result));
        if (o.retryBudgetExhausted) {
          io.err('The API kept failing and the retry budget is spent, so the apply stopped. Run it again later (the same plan or a fresh one): what was done is not repeated and nothing is duplicated.\n');
        }
      } else if (o.status === 'held') {
        io.err(io.style.red(`Sequences not applied (${o.pending}): a provider change failed, and a sequence may name that provider. Fix it and apply again.`) + '\n');
      } else if (o.kind === 'Sequence') {
        const r = o.result;
        const text = `Sequences ${r.failed ? 'finished with failures' : 'complete'}: ${r.written} set, ${r.unchanged} already as declared, ${r.failed} failed.`;
        io.out('\n' + (r.failed ? io.style.red(text) : io.style.green(text)) + '\n');
      } else {
        const r = o.result;
        const text = `${o.kind} ${r.failed ? 'finished with failures' : 'complete'}: ${r.written} set, ${r.unchanged} already as declared, ${r.failed} failed.`;
        io.out((r.failed ? io.style.red(text) : io.style.green(text)) + '\n');
      }
    },
  };
}

function summaryLine(io: Io, r: ApplyResult): string {
  const bad = r.failed > 0 || r.skipped.length > 0;
  const counts = [`${r.created} created`, `${r.updated} updated`, `${r.statusChanges} status changes`, `${r.failed} failed`, ...(r.skipped.length ? [`${r.skipped.length} not attempted`] : [])];
  const retried = r.retries ? ` (${r.retries} ${r.retries === 1 ? 'retry' : 'retries'} of failed requests)` : '';
  const text = `Apply ${bad ? 'finished with failures' : 'complete'}: ${counts.join(', ')}.${retried}`;
  return bad ? io.style.red(text) : io.style.green(text);
}
