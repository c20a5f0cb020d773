// `show PLAN` and `version`: both offline. show reads a saved plan through planfile.ts (so a plan
// that apply would refuse is refused here too) and renders it as plan does, without the API or
// any secret store.
import { PLAN_FORMAT_VERSION } from '../../plan/plan.js';
import { readPlanFile, serializePlan } from '../../plan/planfile.js';
import { renderPlanText } from '../../render/plan.js';
import { TOOL_VERSION } from '../../version.js';
import { renderPlanMarkdownText } from '../github-plan.js';
import type { Io } from '../io.js';

export async function showCommand(io: Io, file: string, o: { format: 'text' | 'json' | 'markdown' }): Promise<number> {
  const plan = await readPlanFile(file, { toolVersion: TOOL_VERSION });
  if (o.format === 'json') io.out(serializePlan(plan));
  else if (o.format === 'markdown') io.out(renderPlanMarkdownText(plan));
  else {
    io.out(renderPlanText(plan, io.style));
    io.out(io.style.dim(`\nSaved ${plan.createdAt} by paystrator-gitops ${plan.tool.version}. Apply exactly this plan with: paystrator-gitops apply ${file}\n`));
  }
  return 0;
}

export function versionInfo() {
  return { tool: { name: 'paystrator-gitops', version: TOOL_VERSION }, node: process.versions.node, planFormatVersion: PLAN_FORMAT_VERSION };
}

export function versionCommand(io: Io, o: { format: 'text' | 'json' }): Promise<number> {
  const v = versionInfo();
  io.out(o.format === 'json' ? JSON.stringify(v, null, 2) + '\n' : `paystrator-gitops ${v.tool.version}\nNode.js ${v.node}\nplan format ${v.planFormatVersion}\n`);
  return Promise.resolve(0);
}
