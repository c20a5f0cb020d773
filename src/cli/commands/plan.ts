import type { GitHubFlags } from '../../github/context.js';
import { planToGitHub, renderPlanMarkdownText } from '../github-plan.js';
import { raiseIfUnsafe } from '../../plan/checks.js';
import { hasChanges } from '../../plan/plan.js';
import { serializePlan, writePlanFile } from '../../plan/planfile.js';
import { renderPlanText } from '../../render/plan.js';
import { computePlan, openWorkspace, settingFindings } from '../../app/workspace.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';
import { lockWaitNotice } from '../lock-notice.js';
import { recordStats } from '../stats.js';
import { decideWindows } from '../../policy/windows.js';
import { runClock } from '../audit-context.js';

export interface PlanFlags extends GitHubFlags {
  out?: string;
  target: string[];
  prune?: boolean;
  adopt: string[];
  detailedExitcode?: boolean;
  allowLargeChange?: boolean;
  allowServiceOutage?: boolean;
  allowLockout?: boolean;
  format: 'text' | 'json' | 'markdown';
  githubComment?: boolean;
  /** Sample amount for fee and VAT changes (whole rupiah). */
  quoteAmount?: bigint;
}

export async function planCommand(io: Io, g: GlobalOptions, o: PlanFlags): Promise<number> {
  const ws = await openWorkspace({ configPath: g.config, envName: g.env, onLockWait: lockWaitNotice(io) });
  const overrides = { allowLargeChange: o.allowLargeChange === true, allowServiceOutage: o.allowServiceOutage === true, ...(o.allowLockout ? { allowLockout: true as const } : {}) };
  const run = await computePlan(ws, { ...(o.prune ? { prune: true } : {}), targets: o.target, adopt: o.adopt, overrides });
  await run.connection.close();
  recordStats(io, { command: 'plan', apiRequests: run.connection.client.requests, secretReads: run.secrets.reads, providers: run.plan.changes.length });
  printDiagnostics(io, run.warnings);
  const window = decideWindows(ws.config.config.policy.windows, runClock(io.env), run.plan);
  const windowNote = window.message ? (window.refused ? `Apply would be refused now: ${window.message} (pass --override-window REASON to apply anyway).` : `Change window: ${window.message}.`) : undefined;
  const notices = windowNote ? [windowNote] : [];
  io.out(o.format === 'json' ? serializePlan(run.plan) : o.format === 'markdown' ? renderPlanMarkdownText(run.plan, notices) : renderPlanText(run.plan, io.style, o.quoteAmount === undefined ? {} : { quoteAmount: o.quoteAmount }));
  // Shown in full first, then refused: the reviewer sees exactly what tripped the check. Not saved.
  printDiagnostics(io, raiseIfUnsafe(run.plan, run.live, ws.policy, overrides, settingFindings(run)));
  // The window is a fact of now, not of the plan (apply decides again): JSON keeps stdout the plan
  // file alone and says it on stderr; markdown carries it inside the report.
  if (windowNote && o.format === 'text') io.out(`\n${windowNote}\n`);
  if (windowNote && o.format === 'json') io.err(`${windowNote}\n`);
  if (o.out) {
    await writePlanFile(o.out, run.plan);
    if (o.format !== 'json') io.out(`\nSaved the plan to ${o.out}. Apply exactly this plan with: paystrator-gitops apply ${o.out}\n`);
  }
  await planToGitHub(io, run.plan, ws.config.dir, o, notices);
  return o.detailedExitcode && hasChanges(run.plan) ? 2 : 0;
}
