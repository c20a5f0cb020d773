// One sticky pull-request comment per environment: found again by a hidden marker on its first
// line and edited in place, so every push updates the same comment instead of adding one.
import { gh, type GitHub } from './client.js';
import type { Repo } from './context.js';

/** Environment names are [a-z0-9-] by schema; anything else is replaced so a marker stays a comment. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');

export const planMarker = (env: string) => `<!-- paystrator-gitops:plan:${safe(env)} -->`;

export interface CommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string;
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { type?: string } | null;
}

/**
 * Creates or updates the comment whose body starts with `marker`. When several match (a
 * concurrent run, or someone quoting ours), the one a bot wrote first is ours; one we may not edit
 * is left alone and a new one is written.
 */
export async function upsertStickyComment(client: GitHub, repo: Repo, pr: number, marker: string, body: string): Promise<CommentResult> {
  if (!body.startsWith(marker)) throw new Error('the comment body must start with its marker');
  const comments = await gh(`list the comments of pull request #${pr}`, 'comment', () =>
    client.paginate(client.rest.issues.listComments, { ...repo, issue_number: pr, per_page: 100 }),
  );
  const ours = (comments as IssueComment[])
    .filter((c) => c.body?.startsWith(marker))
    .sort((a, b) => Number(b.user?.type === 'Bot') - Number(a.user?.type === 'Bot') || a.id - b.id);
  const existing = ours[0];
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.html_url };
    try {
      const res = await client.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
      return { action: 'updated', id: res.data.id, url: res.data.html_url };
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status !== 403 && status !== 404) {
        // The caught Octokit error goes back unchanged, so gh() classifies it like any other.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        return gh(`update comment ${existing.id} on pull request #${pr}`, 'comment', () => Promise.reject(e));
      }
    }
  }
  const res = await gh(`comment on pull request #${pr}`, 'comment', () => client.rest.issues.createComment({ ...repo, issue_number: pr, body }));
  return { action: 'created', id: res.data.id, url: res.data.html_url };
}
