import { createInterface } from 'node:readline/promises';
import { ExitError } from '../../diagnostics.js';
import { applyAccountPlan } from '../../app/apply.js';
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
import { applyPrinter } from '../apply-phases.js';
import { resourceStale } from '../../kinds/registry.js';
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
    const printer = applyPrinter(io, plan, { environment: ws.envName, client, secrets: run.secrets });
    const r = await applyAccountPlan(plan, client, { environment: ws.envName, secrets: run.secrets, stores: ws.stores, audit, parallelism: o.parallelism }, printer);
    return r.failed ? 1 : 0;
  } finally {
    await run.connection.close();
  }
}
