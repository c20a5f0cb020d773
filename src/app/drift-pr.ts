// drift --github-pr: the pull request body (the drift report, then the same unified diff the
// terminal shows, in a fenced block, cut to GitHub's limit with the full diff written as a
// workflow artifact) and the files it commits.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DriftReport } from '../drift/drift.js';
import { driftSummaryMarkdown, renderDriftMarkdown } from '../render/drift.js';
import type { PlannedFile } from '../drift/write.js';
import { repositoryPath, repositoryRoot } from '../files/repo-root.js';
import { redact } from '../text/redact.js';
import { createGitHub } from '../github/client.js';
import { resolveGitHubContext, type GitHubFlags } from '../github/context.js';
import { assemble, GITHUB_BODY_LIMIT, md } from '../render/markdown.js';
import { syncDriftPullRequest, type DriftPullRequestResult } from '../github/pull-request.js';

export interface DriftPrOptions {
  env: NodeJS.ProcessEnv;
  flags: GitHubFlags;
  artifactDir: string;
  /** The config folder: file paths in the report are relative to it. */
  baseDir: string;
  onWarning?: (message: string) => void;
}

export interface DriftPrPublished extends DriftPullRequestResult {
  /** The full diff, written when the body could not hold it. */
  artifact?: string;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
export const driftPrMarker = (env: string) => `<!-- paystrator-gitops:drift-pr:${safe(env)} -->`;

/** A fence longer than any backtick run in the text, so the diff cannot close it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The body: the report (cut between sections to half the limit), then as much of the diff as fits, cut between lines. */
export function driftPrBody(report: DriftReport, patch: string, where: { artifact: string; runUrl?: string }): { body: string; cut: boolean } {
  const limit = GITHUB_BODY_LIMIT - 200;
  const head = assemble(renderDriftMarkdown(report), { marker: driftPrMarker(report.environment), limit: Math.floor(limit / 2), collapsed: false }).text.trimEnd();
  const intro = '\n\n### What merging writes back\n\n';
  const f = fence(patch);
  const room = limit - head.length - intro.length - 2 * f.length - 'diff\n\n\n'.length - 400;
  if (patch.length <= room) return { body: `${head}${intro}${f}diff\n${patch}${f}\n`, cut: false };
  const lines = patch.split('\n');
  let kept = '';
  for (const l of lines) {
    if (kept.length + l.length + 1 > room) break;
    kept += `${l}\n`;
  }
  const from = where.runUrl ? `the artifacts of [this workflow run](${where.runUrl})` : "the workflow run's artifacts";
  const note = `**The diff is too long for GitHub: ${lines.length - kept.split('\n').length + 1} lines are not shown.** The full diff is in ${md(path.basename(where.artifact))}, in ${from}; the branch holds every change.`;
  return { body: `${head}${intro}${f}diff\n${kept}${f}\n\n${note}\n`, cut: true };
}

export async function publishDriftPullRequest(report: DriftReport, files: readonly PlannedFile[], patch: string, opts: DriftPrOptions): Promise<DriftPrPublished> {
  const ctx = await resolveGitHubContext(opts.env, opts.flags, { needPr: false });
  const artifact = path.join(opts.artifactDir, `paystrator-drift-pr-${safe(report.environment)}.diff`);
  const { body, cut } = driftPrBody(report, patch, { artifact, ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}) });
  if (cut) {
    await mkdir(path.dirname(artifact), { recursive: true });
    await writeFile(artifact, redact(patch));
  }
  const root = repositoryRoot(opts.baseDir);
  const client = createGitHub({ token: ctx.token, apiUrl: ctx.apiUrl, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}) });
  const result = await syncDriftPullRequest(client, ctx.repo, {
    environment: report.environment,
    files: files.map((f) => ({ path: repositoryPath(root, opts.baseDir, f.file), content: f.after })),
    body,
    summary: driftSummaryMarkdown(report),
  });
  return { ...result, ...(cut ? { artifact } : {}) };
}
