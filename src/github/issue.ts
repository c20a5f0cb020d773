// One drift issue per environment, labelled `drift`: opened when drift appears, updated when what
// drifted changes, closed with a comment when live matches git again. Open issues are listed by
// label rather than searched: the search index lags, and a lagging index would open duplicates.
import { createHash } from 'node:crypto';
import { gh, type GitHub } from './client.js';
import type { Repo } from './context.js';

export const DRIFT_LABEL = 'drift';
const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
export const driftMarker = (env: string) => `<!-- paystrator-gitops:drift:${safe(env)} -->`;
const digestLine = (digest: string) => `<!-- paystrator-gitops:digest:${digest} -->`;

export const digestOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

export interface DriftIssueInput {
  environment: string;
  drift: boolean;
  /** The issue body, starting with the marker (see driftMarker). */
  body: string;
  /** Identifies what drifted, without timestamps: the issue is edited only when it changes. */
  digest: string;
  /** One line for the comments posted on a change and on closing. */
  summary: string;
}

export interface DriftIssueResult {
  action: 'opened' | 'updated' | 'unchanged' | 'closed' | 'none';
  number?: number;
  url?: string;
  /** Duplicates found and closed. */
  closedDuplicates: number[];
}

interface Issue {
  number: number;
  body?: string | null;
  html_url: string;
  pull_request?: unknown;
}

async function ensureLabel(client: GitHub, repo: Repo): Promise<void> {
  try {
    await client.rest.issues.getLabel({ ...repo, name: DRIFT_LABEL });
  } catch (e) {
    // The caught Octokit error goes back unchanged, so gh() classifies it like any other.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if ((e as { status?: number }).status !== 404) return gh(`read label ${DRIFT_LABEL}`, 'issue', () => Promise.reject(e));
    await gh(`create label ${DRIFT_LABEL}`, 'issue', () =>
      client.rest.issues.createLabel({ ...repo, name: DRIFT_LABEL, color: 'd93f0b', description: 'Live Paystrator configuration differs from git (paystrator-gitops drift)' }),
    ).catch((err: unknown) => {
      // Created meanwhile by another run: that is what we wanted.
      if (!/already_exists|422/.test(String((err as Error).message))) throw err;
    });
  }
}

export async function syncDriftIssue(client: GitHub, repo: Repo, input: DriftIssueInput): Promise<DriftIssueResult> {
  const marker = driftMarker(input.environment);
  if (!input.body.startsWith(marker)) throw new Error('the issue body must start with its marker');
  const body = `${input.body.trimEnd()}\n${digestLine(input.digest)}\n`;
  const open = (await gh(`list open issues labelled ${DRIFT_LABEL}`, 'issue', () =>
    client.paginate(client.rest.issues.listForRepo, { ...repo, labels: DRIFT_LABEL, state: 'open', per_page: 100 }),
  )) as Issue[];
  const ours = open.filter((i) => !i.pull_request && i.body?.startsWith(marker)).sort((a, b) => a.number - b.number);
  const [issue, ...duplicates] = ours;
  const closedDuplicates: number[] = [];
  for (const d of duplicates) {
    await gh(`comment on issue #${d.number}`, 'issue', () => client.rest.issues.createComment({ ...repo, issue_number: d.number, body: `Duplicate of #${issue!.number}.` }));
    await gh(`close issue #${d.number}`, 'issue', () => client.rest.issues.update({ ...repo, issue_number: d.number, state: 'closed', state_reason: 'not_planned' }));
    closedDuplicates.push(d.number);
  }

  if (!input.drift) {
    if (!issue) return { action: 'none', closedDuplicates };
    await gh(`comment on issue #${issue.number}`, 'issue', () =>
      client.rest.issues.createComment({ ...repo, issue_number: issue.number, body: `No drift any more: ${input.summary} Closing.` }),
    );
    await gh(`close issue #${issue.number}`, 'issue', () => client.rest.issues.update({ ...repo, issue_number: issue.number, state: 'closed', state_reason: 'completed' }));
    return { action: 'closed', number: issue.number, url: issue.html_url, closedDuplicates };
  }

  if (!issue) {
    await ensureLabel(client, repo);
    const res = await gh('open the drift issue', 'issue', () =>
      client.rest.issues.create({ ...repo, title: `Drift in Paystrator environment ${input.environment}`, body, labels: [DRIFT_LABEL] }),
    );
    return { action: 'opened', number: res.data.number, url: res.data.html_url, closedDuplicates };
  }
  if (issue.body?.includes(digestLine(input.digest))) return { action: 'unchanged', number: issue.number, url: issue.html_url, closedDuplicates };
  await gh(`update issue #${issue.number}`, 'issue', () => client.rest.issues.update({ ...repo, issue_number: issue.number, body }));
  await gh(`comment on issue #${issue.number}`, 'issue', () =>
    client.rest.issues.createComment({ ...repo, issue_number: issue.number, body: `The drift changed: ${input.summary}` }),
  );
  return { action: 'updated', number: issue.number, url: issue.html_url, closedDuplicates };
}
