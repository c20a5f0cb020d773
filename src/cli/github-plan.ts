// The plan command's GitHub side, kept here so plan.ts needs one call: the sticky pull-request
// comment (with --github-comment) and the step summary (whenever Actions asks for one).
import path from 'node:path';
import type { GitHubFlags } from '../github/context.js';
import { assemble } from '../render/markdown.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { appendStepSummary } from '../app/summary.js';
import type { Plan } from '../plan/plan.js';
import type { Io } from './io.js';

export const renderPlanMarkdownText = (plan: Plan, notices: readonly string[] = []) => assemble(renderPlanMarkdown(plan, notices), { collapsed: false }).text;

export async function planToGitHub(io: Io, plan: Plan, workspaceDir: string, o: GitHubFlags & { githubComment?: boolean; format: string }, notices: readonly string[] = []): Promise<void> {
  const say = o.format === 'json' ? (t: string) => io.err(t) : (t: string) => io.out(t);
  if (o.githubComment) {
    // Octokit and its plugins cost ~60 ms to load: only a run that comments pays for them.
    const { publishPlanComment } = await import('../app/publish.js');
    const r = await publishPlanComment(plan, {
      notices,
      env: io.env,
      flags: o,
      artifactDir: path.join(workspaceDir, '.paystrator', 'artifacts'),
      onWarning: (m) => io.err(io.style.yellow(`warning: ${m}`) + '\n'),
    });
    const verb = { created: 'Commented the plan on', updated: 'Updated the plan comment on', unchanged: 'The plan comment is up to date on' }[r.action];
    say(`\n${verb} pull request #${r.pr}: ${r.url}\n`);
    if (r.artifact) say(`The plan is too long for a comment (${r.omitted} sections left out); the full plan is in ${r.artifact}\n`);
  }
  await appendStepSummary(io.env, renderPlanMarkdown(plan, notices));
}
