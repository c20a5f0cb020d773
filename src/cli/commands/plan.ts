import { writeFile } from 'node:fs/promises';
import { hasChanges } from '../../plan/plan.js';
import { renderPlanJson, renderPlanText } from '../../plan/render.js';
import { computePlan, openWorkspace } from '../../workspace.js';
import type { GlobalOptions } from '../main.js';
import { printDiagnostics, type Io } from '../io.js';

export interface PlanFlags {
  out?: string;
  target: string[];
  prune?: boolean;
  detailedExitcode?: boolean;
  format: 'text' | 'json';
}

export async function planCommand(io: Io, g: GlobalOptions, o: PlanFlags): Promise<number> {
  const ws = await openWorkspace({ configPath: g.config, envName: g.env });
  const run = await computePlan(ws, { ...(o.prune ? { prune: true } : {}), targets: o.target });
  await run.connection.close();
  printDiagnostics(io, run.warnings);
  io.out(o.format === 'json' ? renderPlanJson(run.plan) : renderPlanText(run.plan, io.style));
  if (o.out) {
    await writeFile(o.out, renderPlanJson(run.plan), { mode: 0o600 });
    if (o.format !== 'json') io.out(`\nSaved the plan to ${o.out}. Apply exactly this plan with: paystrator-gitops apply ${o.out}\n`);
  }
  return o.detailedExitcode && hasChanges(run.plan) ? 2 : 0;
}
