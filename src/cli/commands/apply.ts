import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { applyPlan, DEFAULT_PARALLELISM, type ApplyEvent } from '../../apply/apply.js';
import { ExitError, error } from '../../diagnostics.js';
import { hasChanges, type Plan } from '../../plan/plan.js';
import { renderPlanText } from '../../plan/render.js';
import { staleness } from '../../plan/stale.js';
import { computePlan, openWorkspace } from '../../workspace.js';
import type { GlobalOptions } from '../main.js';
import { printDiagnostics, type Io } from '../io.js';

export interface ApplyFlags {
  autoApprove?: boolean;
  parallelism?: number;
  target: string[];
  prune?: boolean;
}

async function readPlanFile(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ExitError([error(`cannot read plan file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file })]);
  }
  try {
    const plan = JSON.parse(text) as Plan;
    if (!plan || typeof plan !== 'object' || !Array.isArray(plan.changes) || typeof plan.inputsHash !== 'string') throw new Error('not a plan');
    return plan;
  } catch {
    throw new ExitError([error('not a plan file written by `paystrator-gitops plan --out`', { file })]);
  }
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
  const saved = planFile ? await readPlanFile(planFile) : undefined;
  if (saved && (o.target.length || o.prune)) throw new ExitError('--target and --prune shape a plan: pass them to `plan`, not with a saved plan');
  if (!saved && !o.autoApprove && !io.stdinIsTty) {
    throw new ExitError(
      'apply needs a confirmation and there is no terminal to ask on',
      'Pass --auto-approve, or review a saved plan: paystrator-gitops plan --out plan.json, then paystrator-gitops apply plan.json',
    );
  }
  const ws = await openWorkspace({ configPath: g.config, envName: g.env ?? saved?.environment });
  const run = await computePlan(ws, saved ? saved.options : { ...(o.prune ? { prune: true } : {}), targets: o.target });
  try {
    printDiagnostics(io, run.warnings);
    let plan = run.plan;
    if (saved) {
      const moved = staleness(saved, run.plan);
      if (moved.length) throw new ExitError(moved, 'The saved plan is stale: nothing was applied. Run plan again and review the new plan.');
      plan = saved;
    } else {
      io.out(renderPlanText(plan, io.style));
    }
    if (!hasChanges(plan)) {
      if (saved) io.out('No changes. Nothing to apply.\n');
      return 0;
    }
    if (!saved && !o.autoApprove && !(await confirm(io, ws.envName))) {
      io.err('Apply cancelled. Nothing was changed.\n');
      return 1;
    }
    const mark = { create: '+', update: '~', deactivate: '-', noop: ' ' } as const;
    const onEvent = (e: ApplyEvent) => {
      if (e.phase === 'done') io.out(`  ${mark[e.action]} ${e.name}: ${e.action === 'create' ? 'created' : e.action === 'deactivate' ? 'deactivated' : 'updated'}\n`);
      if (e.phase === 'failed') io.err(io.style.red(`  ! ${e.name}: failed: ${e.message ?? ''}`) + '\n');
    };
    io.out('\n');
    const r = await applyPlan(plan, run.connection.client, run.secrets, { parallelism: o.parallelism ?? DEFAULT_PARALLELISM, onEvent });
    const summary = `Apply ${r.failed ? 'finished with failures' : 'complete'}: ${r.created} created, ${r.updated} updated, ${r.statusChanges} status changes, ${r.failed} failed.`;
    io.out('\n' + (r.failed ? io.style.red(summary) : io.style.green(summary)) + '\n');
    return r.failed ? 1 : 0;
  } finally {
    await run.connection.close();
  }
}
