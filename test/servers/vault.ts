// HashiCorp Vault's HTTP API, as much of it as a KV v2 reader and writer meets: token and AppRole
// auth, namespaces, `GET /v1/{mount}/data/{path}[?version=N]`, `POST /v1/{mount}/data/{path}`
// `{ options?: { cas }, data }` (a new version, check-and-set when `cas` is given), and Vault's
// error bodies (`{"errors":[...]}`, empty for a missing secret). https://developer.hashicorp.com/vault/api-docs
import { randomBytes, randomUUID } from 'node:crypto';
import { serveLocal, type IncomingCall, type LocalServer, type Reply } from './harness.js';

interface KvVersion {
  data: Record<string, unknown>;
  created: string;
  deleted?: string;
}

export interface FakeVaultOptions {
  /** KV v2 mounts, by path. */
  mounts?: string[];
  /** When set, every request must carry this X-Vault-Namespace. */
  namespace?: string;
}

export class FakeVault {
  readonly tokens = new Set<string>();
  readonly appRoles = new Map<string, { roleId: string; secretId: string }>();
  readonly kv = new Map<string, Map<string, KvVersion[]>>();
  /** Tokens whose policy allows `read` but not `create`/`update`. */
  readonly readOnlyTokens = new Set<string>();
  sealed = false;
  /** Reads of secret data, for tests that count them. */
  reads = 0;

  constructor(readonly opts: FakeVaultOptions = {}) {
    for (const m of opts.mounts ?? ['secret']) this.kv.set(m, new Map());
  }

  /** Writes a new version (as `vault kv put` does) and returns its number. */
  put(mount: string, path: string, data: Record<string, unknown>): number {
    const secrets = this.kv.get(mount);
    if (!secrets) throw new Error(`no mount ${mount}`);
    const versions = secrets.get(path) ?? [];
    versions.push({ data, created: new Date().toISOString() });
    secrets.set(path, versions);
    return versions.length;
  }

  /** Soft-deletes one version (`vault kv delete -versions=N`). */
  deleteVersion(mount: string, path: string, version: number): void {
    const v = this.kv.get(mount)?.get(path)?.[version - 1];
    if (v) v.deleted = new Date().toISOString();
  }

  handle(call: IncomingCall): Reply {
    const ns = call.headers['x-vault-namespace'];
    const note = `namespace=${typeof ns === 'string' ? ns : '-'}`;
    if (this.sealed) return errors(503, ['Vault is sealed'], note);
    if (this.opts.namespace !== undefined && ns !== this.opts.namespace) return errors(403, ['permission denied'], `${note} (wrong namespace)`);

    const login = /^\/v1\/auth\/([^/]+)\/login$/.exec(call.path);
    if (login && call.method === 'POST') return this.login(login[1]!, call.body, note);

    const token = call.headers['x-vault-token'];
    if (typeof token !== 'string' || !this.tokens.has(token)) return errors(403, ['permission denied'], `${note} token=${token ? 'unknown' : 'missing'}`);
    const tokenNote = `${note} token=valid`;

    const m = /^\/v1\/(.+?)\/data\/(.+)$/.exec(call.path);
    const secrets = m ? this.kv.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !secrets || (call.method !== 'GET' && call.method !== 'POST' && call.method !== 'PUT')) {
      return errors(404, [`no handler for route "${call.path.slice(4)}". route entry not found.`], tokenNote);
    }
    if (call.method !== 'GET') return this.write(secrets, decodeURIComponent(m[2]!), call.body, token, tokenNote);
    const versions = secrets.get(decodeURIComponent(m[2]!)) ?? [];
    const asked = call.query.get('version');
    if (asked !== null && !/^\d+$/.test(asked)) return errors(400, ['version must be an integer'], tokenNote);
    const n = asked === null || asked === '0' ? versions.length : Number(asked);
    const v = versions[n - 1];
    if (!v) return errors(404, [], tokenNote);
    const metadata = { created_time: v.created, custom_metadata: null, deletion_time: v.deleted ?? '', destroyed: false, version: n };
    if (v.deleted) return { status: 404, body: envelope({ data: null, metadata }), note: `${tokenNote} (version ${n} deleted)` };
    this.reads += 1;
    return { status: 200, body: envelope({ data: v.data, metadata }), note: `${tokenNote} version=${n}` };
  }

  /** KV v2 "Create/Update Secret": the answer is the new version's metadata, never the data. */
  private write(secrets: Map<string, KvVersion[]>, path: string, body: string, token: string, note: string): Reply {
    if (this.readOnlyTokens.has(token)) return errors(403, ['1 error occurred:\n\t* permission denied\n\n'], `${note} (read-only policy)`);
    let input: { data?: unknown; options?: { cas?: unknown } };
    try {
      input = JSON.parse(body) as typeof input;
    } catch {
      return errors(400, ['failed to parse JSON input'], note);
    }
    if (!input || typeof input.data !== 'object' || input.data === null || Array.isArray(input.data)) return errors(400, ['no data provided'], note);
    const versions = secrets.get(path) ?? [];
    const cas = input.options?.cas;
    if (cas !== undefined && cas !== versions.length) {
      return errors(400, ['check-and-set parameter did not match the current version'], `${note} cas=${String(cas)} current=${versions.length}`);
    }
    versions.push({ data: input.data as Record<string, unknown>, created: new Date().toISOString() });
    secrets.set(path, versions);
    const n = versions.length;
    return {
      status: 200,
      body: envelope({ created_time: versions[n - 1]!.created, custom_metadata: null, deletion_time: '', destroyed: false, version: n }),
      note: `${note} written version=${n}${cas !== undefined ? ` cas=${String(cas)}` : ''}`,
    };
  }

  private login(mount: string, body: string, note: string): Reply {
    let creds: { role_id?: unknown; secret_id?: unknown };
    try {
      creds = JSON.parse(body) as typeof creds;
    } catch {
      return errors(400, ['failed to parse JSON input'], note);
    }
    const role = this.appRoles.get(mount);
    if (!role) return errors(403, ['permission denied'], `${note} (no approle mount ${mount})`);
    if (typeof creds.role_id !== 'string' || !creds.role_id) return errors(400, ['missing role_id'], note);
    if (creds.role_id !== role.roleId || creds.secret_id !== role.secretId) return errors(400, ['invalid role or secret ID'], `${note} approle=refused`);
    const token = `hvs.${randomBytes(18).toString('base64url')}`;
    this.tokens.add(token);
    return {
      status: 200,
      body: {
        ...envelope(null),
        auth: {
          client_token: token,
          accessor: randomBytes(12).toString('base64url'),
          policies: ['default', 'paystrator-read'],
          token_policies: ['default', 'paystrator-read'],
          metadata: { role_name: 'paystrator' },
          lease_duration: 3600,
          renewable: true,
          entity_id: randomUUID(),
          token_type: 'service',
          orphan: true,
        },
      },
      note: `${note} approle=ok`,
    };
  }
}

function envelope(data: unknown) {
  return { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null };
}

function errors(status: number, list: string[], note: string): Reply {
  return { status, body: { errors: list }, note };
}

export async function serveVault(vault: FakeVault): Promise<LocalServer> {
  return serveLocal('vault', (call) => vault.handle(call));
}
