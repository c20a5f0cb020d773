// One drift pull request per environment, labelled `drift`: the live values written back into
// the provider files (as drift --write does), committed through the Git Data API on a branch of
// its own, so keeping a change made live is one merge. Found by head branch and label; a new
// commit only when the files it would write change; closed, its branch deleted, when there is
// nothing left to write back.
import { gh, type GitHub } from './client.js';
import type { Repo } from './context.js';
import { DRIFT_LABEL, digestOf } from './issue.js';
import { compareText } from '../text/order.js';

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
export const driftBranch = (env: string) => `paystrator-gitops/drift-${safe(env)}`;
const digestLine = (digest: string) => `<!-- paystrator-gitops:files:${digest} -->`;

export interface DriftPullRequestInput {
  environment: string;
  /** Every file to write back, path relative to the repository root; none: close. */
  files: { path: string; content: string }[];
  /** The pull request body (already fitted to GitHub's limit, with room for one line). */
  body: string;
  /** One line for the comments posted on a change and on closing. */
  summary: string;
  /** The branch the pull request targets; the repository's default branch when absent. */
  base?: string;
}

export interface DriftPullRequestResult {
  action: 'opened' | 'updated' | 'unchanged' | 'closed' | 'none';
  branch: string;
  number?: number;
  url?: string;
  commit?: string;
}

interface Pull {
  number: number;
  body?: string | null;
  html_url: string;
  labels: { name?: string }[];
}

const status = (e: unknown) => (e as { status?: number }).status;

/** The files' digest: the pull request is re-committed only when what it writes changes. */
export function filesDigest(files: DriftPullRequestInput['files']): string {
  return digestOf(JSON.stringify([...files].sort((a, b) => compareText(a.path, b.path)).map((f) => [f.path, f.content])));
}

async function branchHead(client: GitHub, repo: Repo, branch: string): Promise<string | undefined> {
  try {
    const r = await client.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    return r.data.object.sha;
  } catch (e) {
    if (status(e) === 404) return undefined;
    return gh(`read branch ${branch}`, 'pull', () => Promise.reject(e instanceof Error ? e : new Error(String(e))));
  }
}

/** A commit on the base's head with the files replaced, and the branch pointed at it. */
async function commitFiles(client: GitHub, repo: Repo, base: string, branch: string, input: DriftPullRequestInput): Promise<string> {
  const baseSha = await branchHead(client, repo, base);
  if (!baseSha) return gh(`read branch ${base}`, 'pull', () => Promise.reject(Object.assign(new Error(`branch ${base} not found`), { status: 404 })));
  const baseCommit = await gh(`read commit ${baseSha.slice(0, 7)}`, 'pull', () => client.rest.git.getCommit({ ...repo, commit_sha: baseSha }));
  const tree: { path: string; mode: '100644'; type: 'blob'; sha: string }[] = [];
  for (const f of input.files) {
    const blob = await gh(`upload ${f.path}`, 'pull', () => client.rest.git.createBlob({ ...repo, content: f.content, encoding: 'utf-8' }));
    tree.push({ path: f.path, mode: '100644', type: 'blob', sha: blob.data.sha });
  }
  const newTree = await gh('create the tree', 'pull', () => client.rest.git.createTree({ ...repo, base_tree: baseCommit.data.tree.sha, tree }));
  const commit = await gh('create the commit', 'pull', () =>
    client.rest.git.createCommit({
      ...repo,
      message: `drift: keep the live values of environment ${input.environment}\n\n${input.summary}`,
      tree: newTree.data.sha,
      parents: [baseSha],
    }),
  );
  const sha = commit.data.sha;
  if (await branchHead(client, repo, branch)) {
    // The branch is this tool's own: always rebuilt on the base's head, so force is what is meant.
    await gh(`update branch ${branch}`, 'pull', () => client.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true }));
  } else {
    await gh(`create branch ${branch}`, 'pull', () => client.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha }));
  }
  return sha;
}

export async function syncDriftPullRequest(client: GitHub, repo: Repo, input: DriftPullRequestInput): Promise<DriftPullRequestResult> {
  const branch = driftBranch(input.environment);
  const open = (await gh(`list open pull requests from ${branch}`, 'pull', () =>
    client.paginate(client.rest.pulls.list, { ...repo, state: 'open', head: `${repo.owner}:${branch}`, per_page: 100 }),
  )) as Pull[];
  const byNumber = [...open].sort((a, b) => a.number - b.number);
  // The branch is this tool's own; a pull request from it whose label was taken off is still ours
  // (GitHub allows one open pull request per head branch, so a new one could not be opened).
  const pr = byNumber.find((p) => p.labels.some((l) => l.name === DRIFT_LABEL)) ?? byNumber[0];
  const labelled = pr?.labels.some((l) => l.name === DRIFT_LABEL) ?? false;

  if (!input.files.length) {
    if (!pr) return { action: 'none', branch };
    await gh(`comment on pull request #${pr.number}`, 'pull', () =>
      client.rest.issues.createComment({ ...repo, issue_number: pr.number, body: `Nothing to write back any more: ${input.summary} Closing.` }),
    );
    await gh(`close pull request #${pr.number}`, 'pull', () => client.rest.pulls.update({ ...repo, pull_number: pr.number, state: 'closed' }));
    try {
      await client.rest.git.deleteRef({ ...repo, ref: `heads/${branch}` });
    } catch (e) {
      // Deleted already (by hand, or by GitHub on close): that is what we wanted.
      if (status(e) !== 404 && status(e) !== 422) await gh(`delete branch ${branch}`, 'pull', () => Promise.reject(e instanceof Error ? e : new Error(String(e))));
    }
    return { action: 'closed', branch, number: pr.number, url: pr.html_url };
  }

  const digest = filesDigest(input.files);
  const body = `${input.body.trimEnd()}\n${digestLine(digest)}\n`;
  if (pr?.body?.includes(digestLine(digest))) return { action: 'unchanged', branch, number: pr.number, url: pr.html_url };

  const base =
    input.base ?? (await gh('read the repository', 'pull', () => client.rest.repos.get({ ...repo }))).data.default_branch;
  const commit = await commitFiles(client, repo, base, branch, input);
  const title = `Keep the live values of Paystrator environment ${input.environment}`;
  if (pr) {
    if (!labelled) await gh(`label pull request #${pr.number}`, 'pull', () => client.rest.issues.addLabels({ ...repo, issue_number: pr.number, labels: [DRIFT_LABEL] }));
    await gh(`update pull request #${pr.number}`, 'pull', () => client.rest.pulls.update({ ...repo, pull_number: pr.number, title, body }));
    await gh(`comment on pull request #${pr.number}`, 'pull', () =>
      client.rest.issues.createComment({ ...repo, issue_number: pr.number, body: `The drift changed: ${input.summary}` }),
    );
    return { action: 'updated', branch, number: pr.number, url: pr.html_url, commit };
  }
  const created = await gh('open the drift pull request', 'pull', () => client.rest.pulls.create({ ...repo, title, head: branch, base, body }));
  await gh(`label pull request #${created.data.number}`, 'pull', () =>
    client.rest.issues.addLabels({ ...repo, issue_number: created.data.number, labels: [DRIFT_LABEL] }),
  );
  return { action: 'opened', branch, number: created.data.number, url: created.data.html_url, commit };
}
