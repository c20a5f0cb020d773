import { crc32c } from './crc32c.js';
import { commonFailure, DEFAULT_TIMEOUT_MS, Limiter, storeRequest } from './http.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretRequest, type SecretStore } from './store.js';
import type { CredentialSource } from './vault-store.js';

export const GCP_ENDPOINT = 'https://secretmanager.googleapis.com';

export interface GcpStoreOptions {
  project: string;
  endpoint?: string;
  /** An OAuth 2 access token (for example `gcloud auth print-access-token`), from another store. */
  accessToken: CredentialSource;
  timeoutMs?: number;
}

// Secret ids and version aliases are [A-Za-z0-9_-]; checking keeps a name from changing the route.
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const VERSION = /^(latest|[1-9][0-9]*|[A-Za-z][A-Za-z0-9_-]{0,62})$/;
const MAX_PAGES = 50;

/**
 * Google Cloud Secret Manager over its REST API:
 * `GET /v1/projects/{project}/secrets/{name}/versions/{version|latest}:access` with a bearer
 * token. The payload's CRC32C, when the answer carries one, is checked before the value is used.
 */
export class GcpSecretManagerStore implements SecretStore {
  readonly type = 'gcp-secret-manager';
  readonly #base: string;
  readonly #label: string;
  readonly #timeout: number;
  readonly #limit = new Limiter(16);
  #token?: Promise<Sensitive>;

  constructor(private readonly opts: GcpStoreOptions) {
    const url = new URL(opts.endpoint ?? GCP_ENDPOINT);
    this.#base = url.origin + url.pathname.replace(/\/+$/, '');
    this.#label = `GCP Secret Manager at ${url.origin}`;
    this.#timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async read({ name, version }: SecretRequest): Promise<Sensitive> {
    const v = version === undefined ? 'latest' : String(version);
    if (!SECRET_ID.test(name)) throw new SecretStoreError('invalid', 'a GCP secret id has only letters, digits, _ and - (at most 255)');
    if (!VERSION.test(v)) throw new SecretStoreError('invalid', 'a GCP secret version is a number, "latest" or an alias');
    const token = await this.#accessToken();
    const resource = `projects/${encodeURIComponent(this.opts.project)}/secrets/${name}/versions/${v}`;
    const res = await this.#limit.run(() =>
      storeRequest(this.#label, { method: 'GET', url: `${this.#base}/v1/${resource}:access`, headers: { authorization: `Bearer ${token.reveal()}` } }, this.#timeout),
    );
    if (res.status !== 200) throw this.#failure(res.status, res.json, v);
    const payload = (res.json as { payload?: { data?: unknown; dataCrc32C?: unknown } } | undefined)?.payload;
    if (!payload || typeof payload.data !== 'string') throw new SecretStoreError('invalid', `${this.#label} answered without a payload`);
    const bytes = Buffer.from(payload.data, 'base64');
    // The API sends the checksum as a decimal string (an int64 in JSON); a number compares the same.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    if (payload.dataCrc32C !== undefined && String(crc32c(bytes)) !== String(payload.dataCrc32C)) {
      throw new SecretStoreError('invalid', `${this.#label} sent a payload whose CRC32C does not match: it was corrupted in transit`);
    }
    return new Sensitive(bytes.toString('utf8'));
  }

  /**
   * The enabled versions before the newest enabled one (what `latest` reads), newest first, at
   * most `limit`: where a rollback looks for the value that was live before a change
   * (apply --progressive). `versions.list` with `filter=state:ENABLED`, followed page by page.
   */
  async earlierVersions(name: string, limit = 10): Promise<number[]> {
    if (!SECRET_ID.test(name)) throw new SecretStoreError('invalid', 'a GCP secret id has only letters, digits, _ and - (at most 255)');
    const token = await this.#accessToken();
    const numbers: number[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ filter: 'state:ENABLED', pageSize: '100', ...(pageToken ? { pageToken } : {}) });
      const url = `${this.#base}/v1/projects/${encodeURIComponent(this.opts.project)}/secrets/${name}/versions?${query.toString()}`;
      const res = await this.#limit.run(() => storeRequest(this.#label, { method: 'GET', url, headers: { authorization: `Bearer ${token.reveal()}` } }, this.#timeout));
      if (res.status !== 200) throw this.#failure(res.status, res.json, 'latest');
      const body = res.json as { versions?: Array<{ name?: unknown; state?: unknown }>; nextPageToken?: unknown } | undefined;
      for (const v of body?.versions ?? []) {
        const n = typeof v.name === 'string' ? /\/versions\/([1-9][0-9]*)$/.exec(v.name)?.[1] : undefined;
        if (n && (v.state === undefined || v.state === 'ENABLED')) numbers.push(Number(n));
      }
      pageToken = typeof body?.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
      if (!pageToken) return [...new Set(numbers)].sort((a, b) => b - a).slice(1, limit + 1);
    }
    throw new SecretStoreError('unreachable', `${this.#label} kept paginating the versions of ${name} past ${MAX_PAGES} pages`);
  }

  #accessToken(): Promise<Sensitive> {
    this.#token ??= this.opts.accessToken().catch((e: unknown) => {
      throw new SecretStoreError('auth', `cannot get the GCP access token: ${e instanceof SecretStoreError ? e.message : 'it could not be read'}`);
    });
    return this.#token;
  }

  #failure(status: number, body: unknown, version: string): SecretStoreError {
    // Google's error.status is a fixed enum (NOT_FOUND, PERMISSION_DENIED, ...): safe to show.
    // error.message is free text that names resources, so it is left out.
    const raw = (body as { error?: { status?: unknown } } | undefined)?.error?.status;
    const code = typeof raw === 'string' && /^[A-Z_]+$/.test(raw) ? raw : `HTTP ${status}`;
    if (code === 'FAILED_PRECONDITION') return new SecretStoreError('not-found', `version ${version} is disabled or destroyed (${code})`);
    const kind = commonFailure(status) ?? 'invalid';
    const why =
      kind === 'auth'
        ? status === 401
          ? `the access token was refused (${code}): it is invalid or expired`
          : `permission denied (${code}): the caller needs roles/secretmanager.secretAccessor on this secret`
        : kind === 'not-found'
          ? version === 'latest'
            ? `no such secret in project ${this.opts.project}, or it has no enabled version (${code})`
            : `no such secret or version ${version} in project ${this.opts.project} (${code})`
          : kind === 'unreachable'
            ? `${this.#label} failed (${code})`
            : `${this.#label} rejected the request (${code})`;
    return new SecretStoreError(kind, why);
  }
}
