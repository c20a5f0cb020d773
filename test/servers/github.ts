// A local stand-in for GitHub's REST API: the endpoints paystrator-gitops calls (issue comments,
// issues, labels, pull requests, and the Git Data API's refs, commits, trees and blobs, with
// their state kept so a second run sees the first run's branch and pull request), answering as GitHub does (status codes, JSON shapes, Link pagination, the
// 65,536-character body limit), recording every request, and failing on demand for retry tests.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
  status: number;
  authorization: string | undefined;
}

export interface User {
  login: string;
  type: 'Bot' | 'User';
}

export interface Comment {
  id: number;
  issue_number: number;
  body: string;
  user: User;
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  labels: string[];
  user: User;
  pull_request?: { url: string };
  /** Pull requests opened through the pulls API. */
  head?: { ref: string };
  base?: { ref: string };
}

interface GitCommit {
  tree: string;
  parents: string[];
  message: string;
}

const sha1 = (kind: string, text: string) => createHash('sha1').update(`${kind} ${text}`).digest('hex');

interface Failure {
  method?: string;
  path?: RegExp;
  status: number;
  times: number;
}

export const BOT: User = { login: 'github-actions[bot]', type: 'Bot' };
const BODY_LIMIT = 65_536;

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly issues = new Map<string, Issue[]>();
  readonly comments: (Comment & { repo: string })[] = [];
  readonly labels = new Map<string, Set<string>>();
  readonly blobs = new Map<string, string>();
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, GitCommit>();
  /** Per repository: full ref name (refs/heads/main) to commit sha. */
  readonly refs = new Map<string, Map<string, string>>();
  private failures: Failure[] = [];
  private readonly recordOf = new WeakMap<IncomingMessage, RecordedRequest>();
  private nextId = 1000;
  private server: Server | undefined;
  url = '';
  /**
   * Hostile mode: every request is refused with a 401 whose message quotes the Authorization
   * header back, as a misbehaving proxy or gateway might; the CLI must not print the token.
   */
  quoteTokenIn401 = false;

  constructor(readonly token: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => this.send(res, req, 500, { message: String(e) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The next `times` requests matching method and path get this status (e.g. 502). */
  failNext(f: { method?: string; path?: RegExp; status?: number; times?: number }): void {
    this.failures.push({ status: 502, times: 1, ...f });
  }

  /** A pull request (an issue with a pull_request field, as GitHub lists them). */
  addPullRequest(repo: string, number: number): void {
    this.repoIssues(repo).push({ number, title: `PR ${number}`, body: '', state: 'open', state_reason: null, labels: [], user: { login: 'dev', type: 'User' }, pull_request: { url: `${this.url}/repos/${repo}/pulls/${number}` } });
  }

  addComment(repo: string, issue: number, body: string, user: User): Comment {
    const c = { id: this.nextId++, issue_number: issue, body, user, repo };
    this.comments.push(c);
    return c;
  }

  commentsOn(repo: string, issue: number): Comment[] {
    return this.comments.filter((c) => c.repo === repo && c.issue_number === issue);
  }

  repoRefs(repo: string): Map<string, string> {
    let refs = this.refs.get(repo);
    if (!refs) this.refs.set(repo, (refs = new Map()));
    return refs;
  }

  private putBlob(content: string): string {
    const sha = sha1('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  private putTree(files: Map<string, string>): string {
    const sha = sha1('tree', JSON.stringify([...files].sort(([a], [b]) => a.localeCompare(b))));
    this.trees.set(sha, files);
    return sha;
  }

  private putCommit(c: GitCommit): string {
    const sha = sha1('commit', JSON.stringify([c, this.commits.size]));
    this.commits.set(sha, c);
    return sha;
  }

  /** A repository whose default branch `main` holds these files in one commit. */
  seedRepository(repo: string, files: Record<string, string>): string {
    const tree = this.putTree(new Map(Object.entries(files).map(([p, text]) => [p, this.putBlob(text)])));
    const sha = this.putCommit({ tree, parents: [], message: 'initial' });
    this.repoRefs(repo).set('refs/heads/main', sha);
    return sha;
  }

  /** A file as a branch holds it, or undefined. */
  fileAt(repo: string, branch: string, file: string): string | undefined {
    const sha = this.repoRefs(repo).get(`refs/heads/${branch}`);
    const commit = sha ? this.commits.get(sha) : undefined;
    const blob = commit ? this.trees.get(commit.tree)?.get(file) : undefined;
    return blob ? this.blobs.get(blob) : undefined;
  }

  repoIssues(repo: string): Issue[] {
    let list = this.issues.get(repo);
    if (!list) this.issues.set(repo, (list = []));
    return list;
  }

  private send(res: ServerResponse, req: IncomingMessage, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const rec = this.recordOf.get(req);
    if (rec) rec.status = status;
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private page<T>(req: IncomingMessage, res: ServerResponse, items: T[], query: Record<string, string>, path: string, map: (t: T) => unknown): void {
    const perPage = Math.min(100, Number(query.per_page ?? 30) || 30);
    const page = Math.max(1, Number(query.page ?? 1) || 1);
    const pages = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number) => {
      const q = new URLSearchParams({ ...query, per_page: String(perPage), page: String(p) });
      return `<${this.url}${path}?${q.toString()}>`;
    };
    const links: string[] = [];
    if (page < pages) links.push(`${link(page + 1)}; rel="next"`, `${link(pages)}; rel="last"`);
    if (page > 1) links.push(`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`);
    this.send(res, req, 200, items.slice((page - 1) * perPage, page * perPage).map(map), links.length ? { link: links.join(', ') } : {});
  }

  private issueJson(repo: string, i: Issue): unknown {
    return {
      id: i.number + 500_000,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.state_reason,
      labels: i.labels.map((name) => ({ name })),
      user: i.user,
      html_url: `https://github.test/${repo}/${i.pull_request ? 'pull' : 'issues'}/${i.number}`,
      ...(i.pull_request ? { pull_request: i.pull_request } : {}),
    };
  }

  private pullJson(repo: string, i: Issue): unknown {
    const head = i.head?.ref ?? '';
    return {
      ...(this.issueJson(repo, i) as object),
      html_url: `https://github.test/${repo}/pull/${i.number}`,
      head: { ref: head, label: `${repo.split('/')[0]}:${head}`, sha: this.repoRefs(repo).get(`refs/heads/${head}`) ?? null },
      base: { ref: i.base?.ref ?? 'main' },
    };
  }

  private gitData(req: IncomingMessage, res: ServerResponse, method: string, pathname: string, query: Record<string, string>, body: Record<string, unknown> | undefined): boolean {
    const unprocessable = (message: string) => (this.send(res, req, 422, { message }), true);
    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/([^/]+\/[^/]+)$/.exec(pathname)) && method === 'GET') {
      const [owner, name] = m[1]!.split('/') as [string, string];
      this.send(res, req, 200, { name, full_name: m[1], owner: { login: owner }, default_branch: 'main' });
      return true;
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/git\/ref\/(.+)$/.exec(pathname)) && method === 'GET') {
      const ref = `refs/${decodeURIComponent(m[2]!)}`;
      const sha = this.repoRefs(m[1]!).get(ref);
      if (!sha) return false;
      this.send(res, req, 200, { ref, object: { sha, type: 'commit' } });
      return true;
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/git\/refs$/.exec(pathname)) && method === 'POST') {
      const refs = this.repoRefs(m[1]!);
      const ref = String(body?.ref ?? '');
      if (!ref.startsWith('refs/') || !this.commits.has(String(body?.sha))) return unprocessable('Reference update failed');
      if (refs.has(ref)) return unprocessable('Reference already exists');
      refs.set(ref, String(body!.sha));
      this.send(res, req, 201, { ref, object: { sha: body!.sha, type: 'commit' } });
      return true;
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/git\/refs\/(.+)$/.exec(pathname)) && (method === 'PATCH' || method === 'DELETE')) {
      const refs = this.repoRefs(m[1]!);
      const ref = `refs/${decodeURIComponent(m[2]!)}`;
      if (!refs.has(ref)) return unprocessable('Reference does not exist');
      if (method === 'DELETE') {
        refs.delete(ref);
        this.send(res, req, 204, undefined);
        return true;
      }
      const sha = String(body?.sha ?? '');
      const next = this.commits.get(sha);
      if (!next) return unprocessable('Object does not exist');
      // Without force, only a fast-forward, as GitHub does.
      if (body?.force !== true && !next.parents.includes(refs.get(ref)!)) return unprocessable('Update is not a fast forward');
      refs.set(ref, sha);
      this.send(res, req, 200, { ref, object: { sha, type: 'commit' } });
      return true;
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/git\/commits\/([0-9a-f]{40})$/.exec(pathname)) && method === 'GET') {
      const c = this.commits.get(m[2]!);
      if (!c) return false;
      this.send(res, req, 200, { sha: m[2], message: c.message, tree: { sha: c.tree }, parents: c.parents.map((sha) => ({ sha })) });
      return true;
    }
    if (/^\/repos\/[^/]+\/[^/]+\/git\/blobs$/.test(pathname) && method === 'POST') {
      if (typeof body?.content !== 'string' || (body.encoding !== undefined && body.encoding !== 'utf-8')) return unprocessable('Invalid request');
      this.send(res, req, 201, { sha: this.putBlob(body.content) });
      return true;
    }
    if (/^\/repos\/[^/]+\/[^/]+\/git\/trees$/.test(pathname) && method === 'POST') {
      const base = body?.base_tree === undefined ? new Map<string, string>() : this.trees.get(String(body.base_tree));
      if (!base || !Array.isArray(body?.tree)) return unprocessable('Invalid tree');
      const files = new Map(base);
      for (const e of body.tree as { path?: unknown; sha?: unknown; mode?: unknown; type?: unknown }[]) {
        if (typeof e.path !== 'string' || typeof e.sha !== 'string' || !this.blobs.has(e.sha) || e.mode !== '100644' || e.type !== 'blob') return unprocessable('Invalid tree entry');
        files.set(e.path, e.sha);
      }
      this.send(res, req, 201, { sha: this.putTree(files) });
      return true;
    }
    if (/^\/repos\/[^/]+\/[^/]+\/git\/commits$/.test(pathname) && method === 'POST') {
      const parents = Array.isArray(body?.parents) ? body.parents.map(String) : [];
      if (!this.trees.has(String(body?.tree)) || parents.some((p) => !this.commits.has(p))) return unprocessable('Invalid commit');
      const sha = this.putCommit({ tree: String(body!.tree), parents, message: String(body!.message ?? '') });
      this.send(res, req, 201, { sha, tree: { sha: body!.tree }, parents: parents.map((p) => ({ sha: p })) });
      return true;
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/pulls$/.exec(pathname))) {
      const repo = m[1]!;
      const pulls = () => this.repoIssues(repo).filter((i) => i.head);
      if (method === 'GET') {
        const state = query.state ?? 'open';
        const owner = repo.split('/')[0]!;
        const list = pulls().filter((i) => (state === 'all' || i.state === state) && (!query.head || query.head === `${owner}:${i.head!.ref}`));
        this.page(req, res, list, query, pathname, (i) => this.pullJson(repo, i));
        return true;
      }
      if (method === 'POST') {
        const head = String(body?.head ?? '');
        const base = String(body?.base ?? '');
        if (!this.repoRefs(repo).has(`refs/heads/${head}`) || !this.repoRefs(repo).has(`refs/heads/${base}`)) return unprocessable('Validation Failed: head or base does not exist');
        if (pulls().some((i) => i.state === 'open' && i.head!.ref === head)) return unprocessable(`Validation Failed: A pull request already exists for ${head}.`);
        const number = this.repoIssues(repo).reduce((n, i) => Math.max(n, i.number), 0) + 1;
        const pr: Issue = {
          number, title: String(body?.title ?? ''), body: String(body?.body ?? ''), state: 'open', state_reason: null, labels: [], user: BOT,
          pull_request: { url: `${this.url}/repos/${repo}/pulls/${number}` }, head: { ref: head }, base: { ref: base },
        };
        this.repoIssues(repo).push(pr);
        this.send(res, req, 201, this.pullJson(repo, pr));
        return true;
      }
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/pulls\/(\d+)$/.exec(pathname)) && method === 'PATCH') {
      const repo = m[1]!;
      const pr = this.repoIssues(repo).find((i) => i.head && i.number === Number(m![2]));
      if (!pr) return false;
      if (typeof body?.body === 'string') pr.body = body.body;
      if (typeof body?.title === 'string') pr.title = body.title;
      if (body?.state === 'open' || body?.state === 'closed') pr.state = body.state;
      this.send(res, req, 200, this.pullJson(repo, pr));
      return true;
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/labels$/.exec(pathname)) && method === 'POST') {
      const issue = this.repoIssues(m[1]!).find((i) => i.number === Number(m![2]));
      if (!issue) return false;
      const add = Array.isArray(body?.labels) ? body.labels.map(String) : [];
      for (const l of add) {
        this.repoLabels(m[1]!).add(l);
        if (!issue.labels.includes(l)) issue.labels.push(l);
      }
      this.send(res, req, 200, issue.labels.map((name) => ({ name })));
      return true;
    }
    return false;
  }

  private commentJson(c: Comment & { repo: string }): unknown {
    return { id: c.id, body: c.body, user: c.user, html_url: `https://github.test/${c.repo}/issues/${c.issue_number}#issuecomment-${c.id}` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      return this.send(res, req, 400, { message: 'Problems parsing JSON' });
    }
    const method = req.method ?? 'GET';
    const rec: RecordedRequest = { method, path: url.pathname, query, body, status: 0, authorization: req.headers.authorization };
    this.requests.push(rec);
    this.recordOf.set(req, rec);

    const failure = this.failures.find((f) => (!f.method || f.method === method) && (!f.path || f.path.test(url.pathname)) && f.times > 0);
    if (failure) {
      failure.times -= 1;
      return this.send(res, req, failure.status, { message: 'Server Error' });
    }
    const auth = req.headers.authorization ?? '';
    if (this.quoteTokenIn401) {
      return this.send(res, req, 401, { message: `Bad credentials: "${auth}" was revoked\nwarning: rotate ${auth.replace(/^\S+ /, '')} now`, documentation_url: 'https://docs.github.com/rest' });
    }
    if (auth !== `token ${this.token}` && auth !== `Bearer ${this.token}`) {
      return this.send(res, req, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    if (typeof body?.body === 'string' && body.body.length > BODY_LIMIT) {
      return this.send(res, req, 422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${BODY_LIMIT} characters)` }] });
    }

    if (this.gitData(req, res, method, url.pathname, query, body)) return;
    let m: RegExpExecArray | null;
    const notFound = () => this.send(res, req, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)) && method === 'PATCH') {
      const c = this.comments.find((x) => x.repo === m![1] && x.id === Number(m![2]));
      if (!c) return notFound();
      if (c.user.login !== BOT.login) return this.send(res, req, 403, { message: 'Resource not accessible by integration' });
      c.body = String(body?.body ?? '');
      return this.send(res, req, 200, this.commentJson(c));
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
      const [repo, n] = [m[1]!, Number(m[2])];
      if (!this.repoIssues(repo).some((i) => i.number === n)) return notFound();
      if (method === 'GET') return this.page(req, res, this.commentsOn(repo, n) as (Comment & { repo: string })[], query, url.pathname, (c) => this.commentJson(c));
      if (method === 'POST') return this.send(res, req, 201, this.commentJson(this.addComment(repo, n, String(body?.body ?? ''), BOT) as Comment & { repo: string }));
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)$/.exec(url.pathname))) {
      const repo = m[1]!;
      const issue = this.repoIssues(repo).find((i) => i.number === Number(m![2]));
      if (!issue) return notFound();
      if (method === 'GET') return this.send(res, req, 200, this.issueJson(repo, issue));
      if (method === 'PATCH') {
        if (typeof body?.body === 'string') issue.body = body.body;
        if (typeof body?.title === 'string') issue.title = body.title;
        if (body?.state === 'open' || body?.state === 'closed') issue.state = body.state;
        if (typeof body?.state_reason === 'string') issue.state_reason = body.state_reason;
        return this.send(res, req, 200, this.issueJson(repo, issue));
      }
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/issues$/.exec(url.pathname))) {
      const repo = m[1]!;
      if (method === 'GET') {
        const state = query.state ?? 'open';
        const labels = query.labels ? query.labels.split(',') : [];
        const list = this.repoIssues(repo).filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)));
        return this.page(req, res, list, query, url.pathname, (i) => this.issueJson(repo, i));
      }
      if (method === 'POST') {
        if (typeof body?.title !== 'string' || !body.title) return this.send(res, req, 422, { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] });
        const all = [...this.repoIssues(repo)];
        const issue: Issue = {
          number: all.reduce((n, i) => Math.max(n, i.number), 0) + 1,
          title: body.title,
          body: String(body.body ?? ''),
          state: 'open',
          state_reason: null,
          labels: Array.isArray(body.labels) ? body.labels.map(String) : [],
          user: BOT,
        };
        // Like GitHub, labels named on a new issue are created when missing.
        for (const l of issue.labels) this.repoLabels(repo).add(l);
        this.repoIssues(repo).push(issue);
        return this.send(res, req, 201, this.issueJson(repo, issue));
      }
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/labels\/([^/]+)$/.exec(url.pathname)) && method === 'GET') {
      const name = decodeURIComponent(m[2]!);
      return this.repoLabels(m[1]!).has(name) ? this.send(res, req, 200, { name, color: 'd93f0b' }) : notFound();
    }
    if ((m = /^\/repos\/([^/]+\/[^/]+)\/labels$/.exec(url.pathname)) && method === 'POST') {
      const labels = this.repoLabels(m[1]!);
      const name = String(body?.name ?? '');
      if (labels.has(name)) return this.send(res, req, 422, { message: 'Validation Failed', errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }] });
      labels.add(name);
      return this.send(res, req, 201, { name, color: body?.color ?? 'ededed', description: body?.description ?? null });
    }
    return notFound();
  }

  repoLabels(repo: string): Set<string> {
    let set = this.labels.get(repo);
    if (!set) this.labels.set(repo, (set = new Set()));
    return set;
  }
}

export async function startFakeGitHub(token: string): Promise<FakeGitHub> {
  return new FakeGitHub(token).start();
}
