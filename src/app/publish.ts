// What the commands publish to GitHub: the plan as a sticky pull-request comment, drift as an
// issue. Each returns what it did; the CLI prints it.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DriftReport } from '../drift/drift.js';
import { driftDigestInput } from '../drift/drift.js';
import { driftSummaryMarkdown, renderDriftMarkdown } from '../render/drift.js';
import type { Plan } from '../plan/plan.js';
import { redact } from '../text/redact.js';
import { TOOL_VERSION } from '../version.js';
import { createGitHub } from '../github/client.js';
import { planMarker, upsertStickyComment, type CommentResult } from '../github/comment.js';
import { resolveGitHubContext, type GitHubContext, type GitHubFlags } from '../github/context.js';
import { digestOf, driftMarker, syncDriftIssue, type DriftIssueResult } from '../github/issue.js';
import { assemble, GITHUB_BODY_LIMIT, md, type MarkdownReport } from '../render/markdown.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';

export interface PublishOptions {
  env: NodeJS.ProcessEnv;
  flags: GitHubFlags;
  /** Where a report too long for GitHub is written in full. */
  artifactDir: string;
  onWarning?: (message: string) => void;
  /** Test hook: shorter retry backoff. */
  retryBaseMs?: number;
}

/** The last line of a comment: which tool, commit and run wrote it. URLs come from Actions itself. */
function footer(ctx: GitHubContext): string {
  const parts = [`paystrator-gitops ${TOOL_VERSION}`];
  if (ctx.sha && /^[0-9a-f]{7,64}$/i.test(ctx.sha)) parts.push(`commit ${ctx.sha.slice(0, 7)}`);
  if (ctx.runUrl && /^https?:\/\/[^\s()<>]+$/.test(ctx.runUrl)) parts.push(`[workflow run](${ctx.runUrl})`);
  return `<sub>${parts.join(' · ')}</sub>`;
}

const artifactName = (kind: 'plan' | 'drift', env: string) => `paystrator-${kind}-${env.replace(/[^A-Za-z0-9._-]/g, '_')}.md`;

interface Fitted {
  body: string;
  omitted: number;
  /** The full report, written when the body had to be cut. */
  artifact?: string;
}

/**
 * The body, cut between whole sections to GitHub's limit when needed, with a note that says so
 * and where the whole report is; the whole report is then written to the artifact file.
 */
async function fit(report: MarkdownReport, marker: string, ctx: GitHubContext, opts: PublishOptions, kind: 'plan' | 'drift', env: string): Promise<Fitted> {
  const file = path.join(opts.artifactDir, artifactName(kind, env));
  const where = ctx.runUrl ? `the artifacts of [this workflow run](${ctx.runUrl})` : 'the workflow run\'s artifacts';
  const note = (omitted: number, total: number) =>
    `**This ${kind} is too long for GitHub: ${omitted} of ${total} sections are not shown.** The full ${kind} is in ${md(path.basename(file))}, in ${where}.`;
  const withFooter = { ...report, footer: footer(ctx) };
  // Room is kept for the digest line an issue body gets after this.
  const fitted = assemble(withFooter, { marker, limit: GITHUB_BODY_LIMIT - 100, truncatedNote: note });
  if (!fitted.omitted) return { body: fitted.text, omitted: 0 };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, redact(assemble(withFooter, { collapsed: false }).text));
  return { body: fitted.text, omitted: fitted.omitted, artifact: file };
}

export interface PlanCommentResult extends CommentResult, Omit<Fitted, 'body'> {
  pr: number;
}

export async function publishPlanComment(plan: Plan, opts: PublishOptions & { notices?: readonly string[] }): Promise<PlanCommentResult> {
  const ctx = await resolveGitHubContext(opts.env, opts.flags, { needPr: true });
  const marker = planMarker(plan.environment);
  const fitted = await fit(renderPlanMarkdown(plan, opts.notices ?? []), marker, ctx, opts, 'plan', plan.environment);
  const client = createGitHub({ token: ctx.token, apiUrl: ctx.apiUrl, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}), ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}) });
  const result = await upsertStickyComment(client, ctx.repo, ctx.pr!, marker, fitted.body);
  return { ...result, pr: ctx.pr!, omitted: fitted.omitted, ...(fitted.artifact ? { artifact: fitted.artifact } : {}) };
}

export interface DriftIssuePublished extends DriftIssueResult, Omit<Fitted, 'body'> {}

export async function publishDriftIssue(report: DriftReport, opts: PublishOptions): Promise<DriftIssuePublished> {
  const ctx = await resolveGitHubContext(opts.env, opts.flags, { needPr: false });
  const marker = driftMarker(report.environment);
  const fitted = await fit(renderDriftMarkdown(report), marker, ctx, opts, 'drift', report.environment);
  const client = createGitHub({ token: ctx.token, apiUrl: ctx.apiUrl, ...(opts.onWarning ? { onWarning: opts.onWarning } : {}), ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}) });
  const result = await syncDriftIssue(client, ctx.repo, {
    environment: report.environment,
    drift: report.drift,
    body: fitted.body,
    digest: digestOf(driftDigestInput(report)),
    summary: driftSummaryMarkdown(report),
  });
  return { ...result, omitted: fitted.omitted, ...(fitted.artifact ? { artifact: fitted.artifact } : {}) };
}
