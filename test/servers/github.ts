// A local stand-in for GitHub's REST API: the endpoints paystrator-gitops calls (issue comments,
// issues, labels), answering as GitHub does (status codes, JSON shapes, Link pagination, the
// 65,536-character body limit), recording every request, and failing on demand for retry tests.
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
}

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
