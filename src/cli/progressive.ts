// `apply --progressive`, printed: the step loop is src/app/progressive.ts; this file turns its
// events into lines, and its report into the exit code. Only the CLI writes output.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { interruptedStep, runProgressive, type RolloutEvent, type RolloutReport } from '../app/progressive.js';
import type { PlanRun, Workspace } from '../app/workspace.js';
import type { AuditContext } from '../apply/audit.js';
import { ExitError } from '../diagnostics.js';
import type { Plan } from '../plan/plan.js';
import type { MetricRow } from '../rollout/analysis.js';
import { readRef } from '../secrets/resolver.js';
import { escapeText as t } from '../text/escape.js';
import { resourceLabel } from '../kinds/apply.js';
import type { Io } from './io.js';

/** "60s", "5m", "500ms" (the config schema's pattern) in milliseconds. */
export function intervalMs(text: string): number {
  const m = /^([1-9][0-9]{0,5})(ms|s|m)$/.exec(text);
  if (!m) throw new ExitError(`policy.rollout.interval: "${text}" is not a duration like 60s, 5m or 500ms`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
}

function line(io: Io, e: RolloutEvent): void {
  const tag = (s: { index: number }, total?: number) => (s.index ? `[${s.index}${total ? `/${total}` : ''}]` : '[resumed]');
  switch (e.type) {
    case 'resumed':
      io.out(`Resuming at ${e.index ? `step ${e.index} ` : ''}(${t(e.step)}): an interrupted run applied it and did not judge it yet; judging it first, without writing it again.\n`);
      return;
    case 'setting': {
      const what = resourceLabel(e.event);
      const msg = e.event.message ? t(e.event.message) : '';
      if (e.event.phase === 'failed') io.err(io.style.red(`  ! ${what}: failed: ${msg}`) + '\n');
      else io.out(`    ${what}: ${msg || (e.event.phase === 'unchanged' ? 'already as declared' : 'set')}\n`);
      return;
    }
    case 'step':
      io.out(`\n${tag(e.step, e.total)} ${t(e.step.title)}${e.step.services.length ? ` (watching ${e.step.services.join(', ')})` : ''}\n`);
      return;
    case 'applied':
      io.out(e.failed.length ? io.style.red(`  applying failed: ${e.failed.map(t).join('; ')}`) + '\n' : '  applied\n');
      return;
    case 'waiting':
      io.out(`  watching live traffic for ${e.ms >= 1000 ? `${e.ms / 1000}s` : `${e.ms}ms`}${e.round > 1 ? ` (round ${e.round}: too few transactions so far to judge)` : ''}\n`);
      return;
    case 'verdict': {
      const f = `${e.figures.transactions} transactions, ${e.figures.successRate} succeeded`;
      if (e.outcome === 'pass') io.out(io.style.green(`  pass: ${f}`) + '\n');
      else if (e.outcome === 'wait') io.out(`  not judged: ${f}, too few to tell; the step stands\n`);
      else io.out(io.style.red(`  FAIL: ${e.reasons.map(t).join('; ')} (${f})`) + '\n');
      return;
    }
    case 'rollback':
      io.out(`  ${e.ok ? 'rolled back' : io.style.red('NOT rolled back')}: ${t(e.action)}${e.message ? ` (${t(e.message)})` : ''}\n`);
      return;
  }
}

/** Rows of GET /v1/metrics?window=1h, the fields analysis needs. */
async function readMetrics(run: PlanRun): Promise<MetricRow[]> {
  const report = await run.connection.client.metrics({ window: '1h' });
  return report.data.map((r) => ({ providerId: r.providerId, providerName: r.providerName, service: r.service, transactions: r.transactions, successes: r.successes }));
}

/** Where a progressive apply journals its progress: one file per environment. */
export const rolloutJournal = (ws: Workspace) => path.resolve(ws.config.dir, '.paystrator', `rollout-${ws.envName}.json`);

/** The step an interrupted progressive apply left unjudged in this workspace's environment. */
export const interruptedRollout = (ws: Workspace, company: string) => interruptedStep(rolloutJournal(ws), ws.envName, company);

export async function progressiveApply(io: Io, ws: Workspace, run: PlanRun, plan: Plan, opts: { audit?: AuditContext; parallelism?: number }): Promise<number> {
  const rollout = ws.config.config.policy.rollout ?? {};
  const ms = intervalMs(rollout.interval ?? '60s');
  const thresholds = { minSuccessRate: rollout.minSuccessRate ?? 0.97, minTransactions: rollout.minTransactions ?? 20 };
  io.out(`Progressive apply: one step at a time, each watched for ${rollout.interval ?? '60s'} (a step passes at a success rate of ${(thresholds.minSuccessRate * 100).toFixed(1)}% or more).\n`);
  const report: RolloutReport = await runProgressive(
    plan,
    {
      client: run.connection.client,
      secrets: run.secrets,
      live: run.live,
      readMetrics: () => readMetrics(run),
      versioned: (ref) => typeof ws.stores.get(ref.store)?.earlierVersions === 'function',
      liveSecret: async (ref, provider, field, fingerprint) => {
        const store = ws.stores.get(ref.store);
        if (!store?.earlierVersions || !fingerprint) return undefined;
        for (const version of await store.earlierVersions(ref.name)) {
          const value = await readRef({ ...ref, version }, ws.stores).catch(() => undefined);
          if (value && (await run.fingerprinter.fingerprint(provider, field, value, [fingerprint])) === fingerprint) return value;
        }
        return undefined;
      },
      sleep: (n) => sleep(n),
      stores: ws.stores,
      onEvent: (e) => line(io, e),
      ...(opts.audit ? { audit: opts.audit } : {}),
      ...(opts.parallelism ? { parallelism: opts.parallelism } : {}),
      journalFile: rolloutJournal(ws),
    },
    { intervalMs: ms, thresholds },
  );
  const passed = report.steps.filter((s) => s.outcome === 'pass' || s.outcome === 'unjudged').length;
  if (report.outcome === 'complete') {
    io.out('\n' + io.style.green(`Progressive apply complete: ${passed} step${passed === 1 ? '' : 's'} applied and judged healthy.`) + '\n');
    return 0;
  }
  const failed = report.steps.find((s) => s.outcome === 'fail');
  if (report.rollback) {
    const r = report.rollback;
    io.out(`\nStep ${r.step.index} (${t(r.step.title)}) failed its analysis: ${r.reasons.map(t).join('; ')}.\n`);
    io.out(`Figures: ${r.figures.transactions} transactions, ${r.figures.successes} succeeded (${r.figures.successRate}).\n`);
    io.out('Live now holds:\n' + r.liveHolds.map((h) => `  - ${t(h)}\n`).join(''));
    io.out(`Steps before it stay applied (${passed}). Rollback record: ${path.relative(process.cwd(), report.rollbackFile ?? '')}\n`);
  }
  io.err(io.style.red(`Progressive apply stopped at ${failed ? `step ${failed.index || 'resumed'} (${t(failed.title)})` : 'a step'}${report.outcome === 'failed' && !report.rollback ? ': applying it failed' : report.outcome === 'failed' ? ': and part of the rollback failed, see above' : ': rolled back'}.`) + '\n');
  return 1;
}
