// Where a GitHub integration runs: token, repository, pull request, API and run URLs, taken from
// the GitHub Actions environment, with flags to override each.
import { readFile } from 'node:fs/promises';
import { ExitError } from '../diagnostics.js';
import { Sensitive } from '../secrets/sensitive.js';

export interface GitHubFlags {
  githubRepo?: string;
  githubPr?: number;
  /** Name of the environment variable that holds the token (default GITHUB_TOKEN). */
  githubTokenEnv?: string;
}

export interface Repo {
  owner: string;
  repo: string;
}

export interface GitHubContext {
  token: Sensitive;
  apiUrl: string;
  repo: Repo;
  /** The pull request, when there is one. */
  pr?: number;
  /** The commit the run is for: the pull request's head when there is one. */
  sha?: string;
  /** Link to this workflow run, when run in Actions. */
  runUrl?: string;
}

const REPO = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;

export function parseRepo(text: string, from: string): Repo {
  const m = REPO.exec(text.trim());
  if (!m) throw new ExitError(`${from} must be owner/name, not ${JSON.stringify(text)}`);
  return { owner: m[1]!, repo: m[2]! };
}

interface GitHubEvent {
  number?: unknown;
  pull_request?: { number?: unknown; head?: { sha?: unknown } };
  issue?: { number?: unknown; pull_request?: unknown };
}

async function readEvent(file: string): Promise<GitHubEvent> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as GitHubEvent;
  } catch (e) {
    throw new ExitError(`cannot read the GitHub event file GITHUB_EVENT_PATH=${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const positiveInt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined);

/**
 * Resolves the context. With `needPr`, a pull request number is required: from --github-pr, or
 * the pull_request (or pull-request comment) event GitHub Actions ran for.
 */
export async function resolveGitHubContext(env: NodeJS.ProcessEnv, flags: GitHubFlags, opts: { needPr: boolean }): Promise<GitHubContext> {
  const tokenVar = flags.githubTokenEnv ?? 'GITHUB_TOKEN';
  const token = env[tokenVar];
  if (!token) {
    throw new ExitError(
      `no GitHub token: the environment variable ${tokenVar} is not set`,
      `In GitHub Actions, pass it to the step: env: { ${tokenVar}: \${{ github.token }} }; or name another variable with --github-token-env.`,
    );
  }
  const repoText = flags.githubRepo ?? env.GITHUB_REPOSITORY;
  if (!repoText) throw new ExitError('no GitHub repository: pass --github-repo owner/name (GitHub Actions sets GITHUB_REPOSITORY)');
  const repo = parseRepo(repoText, flags.githubRepo ? '--github-repo' : 'GITHUB_REPOSITORY');

  const event = env.GITHUB_EVENT_PATH ? await readEvent(env.GITHUB_EVENT_PATH) : undefined;
  const pr =
    flags.githubPr ??
    positiveInt(event?.pull_request?.number) ??
    (event?.issue?.pull_request ? positiveInt(event.issue.number) : undefined) ??
    (() => {
      const m = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '');
      return m ? Number(m[1]) : undefined;
    })();
  if (opts.needPr && pr === undefined) {
    throw new ExitError('no pull request to comment on: run this on a pull_request event, or pass --github-pr NUMBER');
  }
  const headSha = event?.pull_request?.head?.sha;
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    token: new Sensitive(token),
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    repo,
    ...(pr !== undefined ? { pr } : {}),
    ...(typeof headSha === 'string' ? { sha: headSha } : env.GITHUB_SHA ? { sha: env.GITHUB_SHA } : {}),
    ...(env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY ? { runUrl: `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` } : {}),
  };
}
