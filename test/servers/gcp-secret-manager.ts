// Google Cloud Secret Manager's REST API: `GET /v1/projects/{project}/secrets/{secret}/versions/
// {version|latest|alias}:access` with `Authorization: Bearer`, answering `{ name, payload: { data,
// dataCrc32C } }`, `GET .../versions` (versions.list: newest first, filter=state:ENABLED, pages),
// and Google's error body `{ error: { code, message, status } }`.
// https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets.versions/access
import { crc32c } from '../../src/secrets/crc32c.js';
import { serveLocal, type IncomingCall, type LocalServer, type Reply } from './harness.js';

interface GcpVersion {
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
}

export interface FakeSecretManagerOptions {
  projectId: string;
  projectNumber: string;
}

const ROUTE = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/:]+):access$/;
const LIST = /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions$/;

export class FakeSecretManager {
  /** Bearer tokens: 'ok' may read everything, 'denied' lacks secretmanager.versions.access. */
  readonly tokens = new Map<string, 'ok' | 'denied'>();
  readonly secrets = new Map<string, GcpVersion[]>();
  readonly aliases = new Map<string, Map<string, number>>();
  /** Secrets whose answers carry a wrong CRC32C, as a corrupted transfer would. */
  readonly corrupt = new Set<string>();
  reads = 0;
  /** versions.list calls. */
  lists = 0;

  constructor(readonly opts: FakeSecretManagerOptions) {}

  /** AddSecretVersion; returns the version number. */
  add(secret: string, data: string | Buffer): number {
    const versions = this.secrets.get(secret) ?? [];
    versions.push({ data: Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8'), state: 'ENABLED' });
    this.secrets.set(secret, versions);
    return versions.length;
  }

  private list(project: string, secret: string, q: URLSearchParams, grant: 'ok' | 'denied', note: string): Reply {
    this.lists += 1;
    return listVersions.call(this, project, secret, q, grant, note);
  }

  handle(call: IncomingCall): Reply {
    const auth = String(call.headers.authorization ?? '');
    const bearer = /^Bearer (\S+)$/.exec(auth)?.[1];
    const grant = bearer ? this.tokens.get(bearer) : undefined;
    const note = `auth=${!auth ? 'missing' : grant ? grant : 'invalid'}`;
    if (!grant) {
      return {
        ...google(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', note),
        headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      };
    }
    const list = LIST.exec(call.path);
    if (call.method === 'GET' && list) return this.list(list[1]!, list[2]!, call.query, grant, note);
    const m = ROUTE.exec(call.path);
    if (call.method !== 'GET' || !m) return google(404, 'NOT_FOUND', `The requested URL ${call.path} was not found on this server.`, note);
    const [, project, secret, version] = m as unknown as string[];
    const resource = `projects/${this.opts.projectNumber}/secrets/${secret}`;
    if (grant === 'denied') {
      return google(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.access' denied for resource '${resource}/versions/${version}' (or it may not exist).`, note);
    }
    if (project !== this.opts.projectId && project !== this.opts.projectNumber) return google(403, 'PERMISSION_DENIED', `Permission denied on resource project ${project}.`, note);
    const versions = this.secrets.get(secret!);
    if (!versions?.length) return google(404, 'NOT_FOUND', `Secret [${resource}] not found or has no versions.`, note);
    let n: number;
    if (version === 'latest') {
      n = versions.map((v, i) => (v.state === 'ENABLED' ? i + 1 : 0)).reduce((a, b) => Math.max(a, b), 0);
      if (!n) return google(400, 'FAILED_PRECONDITION', `Secret [${resource}] has no enabled versions.`, note);
    } else if (/^\d+$/.test(version!)) {
      n = Number(version);
    } else {
      const alias = this.aliases.get(secret!)?.get(version!);
      if (alias === undefined) return google(404, 'NOT_FOUND', `Secret Version [${resource}/versions/${version}] not found.`, note);
      n = alias;
    }
    const v = versions[n - 1];
    if (!v) return google(404, 'NOT_FOUND', `Secret Version [${resource}/versions/${n}] not found.`, note);
    if (v.state !== 'ENABLED') return google(400, 'FAILED_PRECONDITION', `Secret Version [${resource}/versions/${n}] is in ${v.state} state.`, note);
    this.reads += 1;
    const crc = crc32c(v.data) ^ (this.corrupt.has(secret!) ? 1 : 0);
    return {
      status: 200,
      body: { name: `${resource}/versions/${n}`, payload: { data: v.data.toString('base64'), dataCrc32C: String(crc >>> 0) } },
      note: `${note} version=${n}`,
    };
  }
}

/** versions.list: newest first, `filter=state:ENABLED` (the only filter this fake knows), pageSize pages. */
function listVersions(this: FakeSecretManager, project: string, secret: string, q: URLSearchParams, grant: 'ok' | 'denied', note: string): Reply {
  const resource = `projects/${this.opts.projectNumber}/secrets/${secret}`;
  if (grant === 'denied') return google(403, 'PERMISSION_DENIED', `Permission 'secretmanager.versions.list' denied for resource '${resource}' (or it may not exist).`, note);
  if (project !== this.opts.projectId && project !== this.opts.projectNumber) return google(403, 'PERMISSION_DENIED', `Permission denied on resource project ${project}.`, note);
  const versions = this.secrets.get(secret);
  if (!versions) return google(404, 'NOT_FOUND', `Secret [${resource}] not found.`, note);
  const filter = q.get('filter');
  if (filter !== null && filter !== 'state:ENABLED') return google(400, 'INVALID_ARGUMENT', `Invalid filter: ${filter}`, note);
  const rows = versions.map((v, i) => ({ name: `${resource}/versions/${i + 1}`, state: v.state })).reverse().filter((v) => filter === null || v.state === 'ENABLED');
  const size = Math.min(Number(q.get('pageSize') ?? '25') || 25, 25000);
  const offset = q.get('pageToken') ? Number(Buffer.from(q.get('pageToken')!, 'base64').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) return google(400, 'INVALID_ARGUMENT', 'Invalid page token.', note);
  const page = rows.slice(offset, offset + size);
  const next = offset + size < rows.length ? Buffer.from(String(offset + size)).toString('base64') : undefined;
  return { status: 200, body: { versions: page, ...(next ? { nextPageToken: next } : {}), totalSize: rows.length }, note: `${note} list=${page.length}` };
}

function google(code: number, status: string, message: string, note: string): Reply {
  return { status: code, body: { error: { code, message, status } }, note: `${note} error=${status}` };
}

export async function serveSecretManager(sm: FakeSecretManager): Promise<LocalServer> {
  return serveLocal('gcp-secret-manager', (call) => sm.handle(call));
}
