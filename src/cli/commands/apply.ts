import { createInterface } from 'node:readline/promises';
import { applyPlan, DEFAULT_PARALLELISM, type ApplyResult } from '../../apply/apply.js';
import { ExitError } from '../../diagnostics.js';
import { appendStepSummary, applySummaryMarkdown } from '../../app/summary.js';
import { mergeOverrides, raiseIfUnsafe } from '../../plan/checks.js';
import { hasChanges } from '../../plan/plan.js';
import { renderPlanText } from '../../render/plan.js';
import { readPlanFile } from '../../plan/planfile.js';
import { reconcileSavedPlan } from '../../plan/stale.js';
import { TOOL_VERSION } from '../../version.js';
import { computePlan, openWorkspace, settingFindings } from '../../app/workspace.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';
import { lockWaitNotice } from '../lock-notice.js';
import { applyProgress } from '../progress.js';
import { recordStats } from '../stats.js';
import { runSequencePhase } from '../sequence-phase.js';
import { runResourcePhase } from '../resource-phase.js';
import { applyOrder, resourceStale } from '../../kinds/registry.js';
import type { KindName } from '../../kinds/kind.js';
import { escapeText } from '../../text/escape.js';
import { error } from '../../diagnostics.js';
import { decideWindows } from '../../policy/windows.js';
import { auditContext, runClock } from '../audit-context.js';

export interface ApplyFlags {
  autoApprove?: boolean;
  parallelism?: number;
  target: string[];
  prune?: boolean;
  adopt?: string[];
  allowLargeChange?: boolean;
  allowServiceOutage?: boolean;
  allowLockout?: boolean;
  /** Apply inside a closed change window; the reason is recorded on every write. */
  overrideWindow?: string;
  /** One step at a time, each judged against live metrics (cli/progressive.ts). */
  progressive?: boolean;
}

async function confirm(io: Io, env: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`\nApply these changes to environment "${env}"? Only 'yes' is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

export async function applyCommand(io: Io, g: GlobalOptions, planFile: string | undefined, o: ApplyFlags): Promise<number> {
  const saved = planFile ? await readPlanFile(planFile, { toolVersion: TOOL_VERSION }) : undefined;
  if (saved && (o.target.length || o.prune || o.adopt?.length)) throw new ExitError('--target, --prune and --adopt shape a plan: pass them to `plan`, not with a saved plan');
  if (!saved && !o.autoApprove && !io.stdinIsTty) {
    throw new ExitError(
      'apply needs a confirmation and there is no terminal to ask on',
      'Pass --auto-approve, or review a saved plan: paystrator-gitops plan --out plan.json, then paystrator-gitops apply plan.json',
    );
  }
  const ws = await openWorkspace({ configPath: g.config, envName: g.env ?? saved?.environment, onLockWait: lockWaitNotice(io) });
  // A saved plan keeps the overrides it was reviewed with; flags given now may add to them.
  const overrides = mergeOverrides(saved?.overrides, { allowLargeChange: o.allowLargeChange === true, allowServiceOutage: o.allowServiceOutage === true, ...(o.allowLockout ? { allowLockout: true as const } : {}) });
  const run = await computePlan(ws, saved ? { ...saved.options, overrides, saved } : { ...(o.prune ? { prune: true } : {}), targets: o.target, adopt: o.adopt ?? [], overrides });
  try {
    printDiagnostics(io, run.warnings);
    let plan = run.plan;
    let alreadyApplied: string[] = [];
    if (saved) {
      const r = reconcileSavedPlan(saved, run.plan, run.live, { resourceStale: resourceStale() });
      if (r.movedUntouched.length) io.out(`Moved since the plan, not touched by it: ${r.movedUntouched.map(escapeText).join(', ')}\n`);
      if (r.moved.length) throw new ExitError(r.moved, 'The saved plan is stale: nothing was applied. Run plan again and review the new plan.');
      plan = r.plan;
      alreadyApplied = r.alreadyApplied;
      if (alreadyApplied.length) io.out(`Already applied by an earlier run of this plan: ${alreadyApplied.map(escapeText).join(', ')}\n`);
    } else {
      io.out(renderPlanText(plan, io.style));
    }
    // Checked again now, against live state as it is: a plan that was safe when made may not be.
    printDiagnostics(io, raiseIfUnsafe(plan, run.live, ws.policy, overrides, settingFindings(run, plan)));
    // A progressive apply killed in its last step's analysis left nothing to apply but that step to judge.
    const resume = o.progressive && (await (await import('../progressive.js')).interruptedRollout(ws, plan.company));
    if (!hasChanges(plan) && !resume) {
      if (saved) io.out(alreadyApplied.length ? 'Nothing left to apply.\n' : 'No changes. Nothing to apply.\n');
      return 0;
    }
    const now = runClock(io.env);
    const window = decideWindows(ws.config.config.policy.windows, now, plan);
    if (window.refused && !o.overrideWindow?.trim()) {
      throw new ExitError([error(`apply refused: ${window.message ?? 'a change window is closed'}`, { rule: 'change-window' })], 'Nothing was applied. Wait until the window ends, or pass --override-window REASON (recorded on everything this apply writes).');
    }
    if (window.message) io.out(`\n${window.refused ? `Change window overridden (${escapeText(o.overrideWindow!.trim())}): ` : 'Change window: '}${window.message}\n`);
    if (!saved && !o.autoApprove && !(await confirm(io, ws.envName))) {
      io.err('Apply cancelled. Nothing was changed.\n');
      return 1;
    }
    io.out(`\nApplying to environment "${ws.envName}"...\n`);
    if (o.progressive) {
      const audit = await auditContext(io.env, ws.config.dir, now, window.refused ? o.overrideWindow!.trim() : undefined);
      return await (await import('../progressive.js')).progressiveApply(io, ws, run, plan, { audit, ...(o.parallelism ? { parallelism: o.parallelism } : {}) });
    }
    const client = run.connection.client;
    const audit = await auditContext(io.env, ws.config.dir, now, window.refused ? o.overrideWindow!.trim() : undefined);
    // One phase per kind, in the registry's dependency order; a phase after a failed one is told
    // so (a sequence may name the provider that was not created).
    const phase = async (kind: KindName, earlierFailed: boolean): Promise<boolean> => {
      if (kind === 'Sequence') return runSequencePhase(io, plan, client, earlierFailed);
      if (kind !== 'Provider') return runResourcePhase(io, plan, kind, client, { environment: ws.envName, company: plan.company, audit, stores: ws.stores });
      const progress = applyProgress(io, plan.changes);
      let r: ApplyResult;
      try {
        r = await applyPlan(plan, client, run.secrets, { parallelism: o.parallelism ?? DEFAULT_PARALLELISM, onEvent: (e) => progress.onEvent(e), audit });
      } finally {
        progress.finish();
      }
      recordStats(io, { command: 'apply', apiRequests: client.requests, secretReads: run.secrets.reads, providers: plan.changes.length });
      io.out('\n' + summaryLine(io, r) + '\n');
      await appendStepSummary(io.env, applySummaryMarkdown(ws.envName, r));
      if (client.retries?.exhausted) {
        io.err('The API kept failing and the retry budget is spent, so the apply stopped. Run it again later (the same plan or a fresh one): what was done is not repeated and nothing is duplicated.\n');
      }
      return !(r.failed || r.skipped.length);
    };
    let failed = false;
    for (const kind of applyOrder()) if (!(await phase(kind, failed))) failed = true;
    return failed ? 1 : 0;
  } finally {
    await run.connection.close();
  }
}

function summaryLine(io: Io, r: ApplyResult): string {
  const bad = r.failed > 0 || r.skipped.length > 0;
  const counts = [`${r.created} created`, `${r.updated} updated`, `${r.statusChanges} status changes`, `${r.failed} failed`, ...(r.skipped.length ? [`${r.skipped.length} not attempted`] : [])];
  const retried = r.retries ? ` (${r.retries} ${r.retries === 1 ? 'retry' : 'retries'} of failed requests)` : '';
  const text = `Apply ${bad ? 'finished with failures' : 'complete'}: ${counts.join(', ')}.${retried}`;
  return bad ? io.style.red(text) : io.style.green(text);
}
