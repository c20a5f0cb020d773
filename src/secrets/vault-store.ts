import { commonFailure, DEFAULT_TIMEOUT_MS, Limiter, segment, storeRequest } from './http.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore, type SecretWriteOptions, type SecretWriteResult } from './store.js';

/** A credential the store needs, fetched on first use (from another store, through the resolver). */
export type CredentialSource = () => Promise<Sensitive>;

export type VaultAuth =
  | { method: 'token'; token: CredentialSource }
  | { method: 'approle'; mount: string; roleId: CredentialSource; secretId: CredentialSource };

export interface VaultStoreOptions {
  address: string;
  /** The KV v2 secrets engine's mount path. */
  mount: string;
  namespace?: string;
  auth: VaultAuth;
  timeoutMs?: number;
}

/**
 * HashiCorp Vault, KV version 2, over its HTTP API: `GET /v1/{mount}/data/{name}[?version=N]`
 * with `X-Vault-Token` (and `X-Vault-Namespace`). A KV secret is a map of keys, so a reference
 * picks one with `key` (or the secret has a single key). With AppRole, the store logs in once,
 * on first use, at `POST /v1/auth/{mount}/login`.
 */
export class VaultStore implements SecretStore {
  readonly type = 'vault';
  readonly keyed = true;
  readonly #base: string;
  readonly #label: string;
  readonly #timeout: number;
  readonly #limit = new Limiter(16);
  #token?: Promise<Sensitive>;

  constructor(private readonly opts: VaultStoreOptions) {
    const url = new URL(opts.address);
    this.#base = url.origin + url.pathname.replace(/\/+$/, '');
    this.#label = `Vault at ${url.origin}`;
    this.#timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async read({ name, version }: SecretRequest): Promise<Sensitive> {
    let query = '';
    if (version !== undefined) {
      if (!/^[1-9][0-9]*$/.test(String(version))) throw new SecretStoreError('invalid', 'a Vault KV version must be a whole number from 1');
      query = `?version=${version}`;
    }
    const path = `${this.#path(this.opts.mount, 'mount')}/data/${this.#path(name, 'secret name')}${query}`;
    const token = await this.token();
    const res = await this.#limit.run(() =>
      storeRequest(this.#label, { method: 'GET', url: `${this.#base}/v1/${path}`, headers: this.#headers(token) }, this.#timeout),
    );
    if (res.status === 200) {
      const data = (res.json as { data?: { data?: unknown } } | undefined)?.data?.data;
      if (!data || typeof data !== 'object' || Array.isArray(data)) {
        throw new SecretStoreError('invalid', `${this.#label} answered without KV v2 data: is ${this.opts.mount} a KV version 2 mount?`);
      }
      return new Sensitive(JSON.stringify(data));
    }
    throw this.#failure(res.status, res.json, version === undefined ? 'no such secret' : `no such secret or version ${version} (or it was deleted)`);
  }

  /**
   * The versions before the current one, newest first (at most `limit`): where a rollback looks
   * for the value that was live before a change (apply --progressive). Deleted versions are
   * skipped by the reads that follow, not here.
   */
  async earlierVersions(name: string, limit = 10): Promise<number[]> {
    const path = `${this.#path(this.opts.mount, 'mount')}/data/${this.#path(name, 'secret name')}`;
    const token = await this.token();
    const res = await this.#limit.run(() => storeRequest(this.#label, { method: 'GET', url: `${this.#base}/v1/${path}`, headers: this.#headers(token) }, this.#timeout));
    if (res.status !== 200) throw this.#failure(res.status, res.json, 'no such secret');
    const current = (res.json as { data?: { metadata?: { version?: unknown } } } | undefined)?.data?.metadata?.version;
    if (typeof current !== 'number' || !Number.isInteger(current) || current < 1) return [];
    const out: number[] = [];
    for (let v = current - 1; v >= 1 && out.length < limit; v--) out.push(v);
    return out;
  }

  /**
   * KV v2 write: `POST /v1/{mount}/data/{name}` `{ data }`, which makes a new version and answers
   * its number. A secret is a map of keys, so the value goes under `key` (default `value`). With a
   * `key`, the other keys of the current version are kept: the write is read-merge-write, guarded
   * by check-and-set (`options.cas`) so a concurrent writer's version is never silently replaced.
   */
  async write(name: string, value: Sensitive, opts: SecretWriteOptions = {}): Promise<SecretWriteResult> {
    const url = `${this.#base}/v1/${this.#path(this.opts.mount, 'mount')}/data/${this.#path(name, 'secret name')}`;
    const token = await this.token();
    const headers = this.#headers(token);
    const key = opts.key ?? 'value';
    for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
      let data: Record<string, unknown> = {};
      let cas: number | undefined;
      if (opts.key !== undefined) {
        const cur = await this.#limit.run(() => storeRequest(this.#label, { method: 'GET', url, headers }, this.#timeout));
        const body = cur.json as { data?: { data?: unknown; metadata?: { version?: unknown } } | null } | undefined;
        if (cur.status === 200 && body?.data?.data && typeof body.data.data === 'object' && !Array.isArray(body.data.data)) {
          data = body.data.data as Record<string, unknown>;
        } else if (cur.status !== 404) {
          throw this.#failure(cur.status, cur.json, 'no such secret', 'reading (to keep its other keys) and writing');
        }
        // A deleted latest version answers 404 with its metadata: the next write must name it.
        const v = body?.data?.metadata?.version;
        cas = typeof v === 'number' ? v : 0;
      }
      const payload = { ...(cas !== undefined ? { options: { cas } } : {}), data: { ...data, [key]: value.reveal() } };
      const res = await this.#limit.run(() => storeRequest(this.#label, { method: 'POST', url, headers, body: JSON.stringify(payload) }, this.#timeout));
      const version = (res.json as { data?: { version?: unknown } } | undefined)?.data?.version;
      if (res.status === 200 || res.status === 204) return typeof version === 'number' ? { version: String(version) } : {};
      if (res.status === 400 && cas !== undefined && isCasMismatch(res.json)) continue;
      throw this.#failure(res.status, res.json, `no KV v2 mount ${this.opts.mount}`, 'writing');
    }
    throw new SecretStoreError('unreachable', `${this.#label}: secret ${name} kept changing while it was being written (check-and-set failed ${CAS_ATTEMPTS} times)`);
  }

  /** The client token: the configured one, or one AppRole login shared by all reads. */
  private token(): Promise<Sensitive> {
    this.#token ??= this.#login();
    return this.#token;
  }

  async #login(): Promise<Sensitive> {
    const auth = this.opts.auth;
    if (auth.method === 'token') return credential(auth.token, 'the Vault token');
    const [roleId, secretId] = await Promise.all([credential(auth.roleId, 'the AppRole role_id'), credential(auth.secretId, 'the AppRole secret_id')]);
    const res = await storeRequest(
      this.#label,
      {
        method: 'POST',
        url: `${this.#base}/v1/auth/${this.#path(auth.mount, 'AppRole mount')}/login`,
        headers: this.opts.namespace ? { 'x-vault-namespace': this.opts.namespace } : {},
        body: JSON.stringify({ role_id: roleId.reveal(), secret_id: secretId.reveal() }),
      },
      this.#timeout,
    );
    const token = (res.json as { auth?: { client_token?: unknown } } | undefined)?.auth?.client_token;
    if (res.status === 200 && typeof token === 'string' && token) return new Sensitive(token);
    // Vault answers a wrong role_id or secret_id with 400 "invalid role or secret ID".
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw new SecretStoreError('auth', `${this.#label} refused the AppRole login (HTTP ${res.status}): check role_id and secret_id`);
    }
    throw this.#failure(res.status, res.json, `no AppRole auth method at auth/${auth.mount}`);
  }

  #headers(token: Sensitive): Record<string, string> {
    return { 'x-vault-token': token.reveal(), ...(this.opts.namespace ? { 'x-vault-namespace': this.opts.namespace } : {}) };
  }

  #path(p: string, what: string): string {
    return p
      .replace(/^\/+|\/+$/g, '')
      .split('/')
      .map((s) => segment(s, what))
      .join('/');
  }

  #failure(status: number, body: unknown, notFound: string, action = 'reading'): SecretStoreError {
    // Vault's `errors` strings are free text; only their count is safe to rely on, so say it ourselves.
    if (status === 503 && isVaultErrors(body)) return new SecretStoreError('unreachable', `${this.#label} is sealed or in standby (HTTP 503)`);
    const kind = commonFailure(status) ?? 'invalid';
    const why =
      kind === 'auth'
        ? `permission denied (HTTP ${status}): the token is invalid, expired, or its policy does not allow ${action} this path`
        : kind === 'not-found'
          ? notFound
          : kind === 'unreachable'
            ? `${this.#label} failed (HTTP ${status})`
            : `${this.#label} rejected the request (HTTP ${status})`;
    return new SecretStoreError(kind, why);
  }
}

const CAS_ATTEMPTS = 3;

/** Vault's answer to a stale `options.cas`; its wording is stable across versions (vault/sdk kv). */
function isCasMismatch(body: unknown): boolean {
  const list = isVaultErrors(body) ? (body as { errors: unknown[] }).errors : [];
  return list.some((e) => typeof e === 'string' && e.includes('check-and-set'));
}

function isVaultErrors(body: unknown): boolean {
  return !!body && typeof body === 'object' && Array.isArray((body as { errors?: unknown }).errors);
}

async function credential(source: CredentialSource, what: string): Promise<Sensitive> {
  try {
    return await source();
  } catch (e) {
    const reason = e instanceof SecretStoreError ? e.message : 'it could not be read';
    throw new SecretStoreError('auth', `cannot get ${what}: ${reason}`);
  }
}
