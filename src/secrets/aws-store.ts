import type { BatchGetSecretValueCommandOutput, ListSecretVersionIdsCommandOutput, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_TIMEOUT_MS, Limiter } from './http.js';
import { Sensitive } from './sensitive.js';
import { SecretStoreError, type SecretFailure, type SecretRequest, type SecretStore, type SecretWriteOptions, type SecretWriteResult } from './store.js';

export interface AwsStoreOptions {
  region: string;
  /** A Secrets Manager endpoint other than the region's (a VPC endpoint, LocalStack, tests). */
  endpoint?: string;
  timeoutMs?: number;
  /** Fixed credentials instead of the SDK's default chain (tests). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const BATCH_IDS = 20; // BatchGetSecretValue takes at most 20 ids per call
const MAX_PAGES = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const AUTH = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'CredentialsProviderError',
  'DecryptionFailure',
]);
const UNREACHABLE = new Set(['InternalServiceError', 'ThrottlingException', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout']);

/**
 * AWS Secrets Manager through the official SDK (credentials from its default chain: environment,
 * profile, SSO, web identity, instance role). A batch of unpinned names is read with
 * BatchGetSecretValue, 20 ids per call; a pinned `version` is read with GetSecretValue, as
 * VersionId when it is a UUID and as VersionStage (AWSCURRENT, AWSPREVIOUS, a custom label) otherwise.
 * Earlier versions (a rollback's target) are listed with ListSecretVersionIds.
 */
export class AwsSecretsManagerStore implements SecretStore {
  readonly type = 'aws-secrets-manager';
  readonly #label: string;
  readonly #limit = new Limiter(16);
  #client?: Promise<{ client: SecretsManagerClient; sdk: typeof import('@aws-sdk/client-secrets-manager') }>;

  constructor(private readonly opts: AwsStoreOptions) {
    this.#label = `AWS Secrets Manager (${opts.region}${opts.endpoint ? `, ${new URL(opts.endpoint).origin}` : ''})`;
  }

  async read(req: SecretRequest): Promise<Sensitive> {
    const { client, sdk } = await this.#sdk();
    const version = req.version === undefined ? {} : UUID.test(String(req.version)) ? { VersionId: String(req.version) } : { VersionStage: String(req.version) };
    try {
      const out = await this.#limit.run(() => client.send(new sdk.GetSecretValueCommand({ SecretId: req.name, ...version })));
      return secretOf(out, this.#label);
    } catch (e) {
      throw this.#failure(e, req);
    }
  }

  /**
   * The versions before AWSCURRENT, newest first (at most `limit`), as VersionIds to read with
   * `read({ name, version })`: where a rollback looks for the value that was live before a change
   * (apply --progressive). ListSecretVersionIds with IncludeDeprecated, since a version older than
   * AWSPREVIOUS keeps its value but loses its label (AWS keeps about 100 of them).
   */
  async earlierVersions(name: string, limit = 10): Promise<string[]> {
    const { client, sdk } = await this.#sdk();
    const versions: Array<{ id: string; created: number; current: boolean }> = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let res: ListSecretVersionIdsCommandOutput;
      try {
        res = await this.#limit.run(() => client.send(new sdk.ListSecretVersionIdsCommand({ SecretId: name, IncludeDeprecated: true, MaxResults: 100, ...(token ? { NextToken: token } : {}) })));
      } catch (e) {
        throw this.#failure(e, { name }, 'secretsmanager:ListSecretVersionIds');
      }
      for (const v of res.Versions ?? []) {
        if (typeof v.VersionId !== 'string' || !UUID.test(v.VersionId)) continue;
        versions.push({ id: v.VersionId, created: v.CreatedDate ? new Date(v.CreatedDate).getTime() : 0, current: (v.VersionStages ?? []).includes('AWSCURRENT') });
      }
      token = res.NextToken;
      if (!token) break;
      if (page === MAX_PAGES - 1) throw new SecretStoreError('unreachable', `${this.#label} kept paginating ListSecretVersionIds past ${MAX_PAGES} pages`);
    }
    const current = versions.find((v) => v.current);
    return versions
      .filter((v) => !v.current && (!current || v.created <= current.created))
      .sort((a, b) => b.created - a.created)
      .slice(0, limit)
      .map((v) => v.id);
  }

  /**
   * PutSecretValue, which makes the new version AWSCURRENT; CreateSecret when there is no such
   * secret yet. With `key`, the current JSON secret's other properties are kept (read, merge, put:
   * Secrets Manager has no check-and-set, so a concurrent writer between the two is not detected).
   */
  async write(name: string, value: Sensitive, opts: SecretWriteOptions = {}): Promise<SecretWriteResult> {
    const { client, sdk } = await this.#sdk();
    let text = value.reveal();
    if (opts.key !== undefined) {
      let current: Record<string, unknown> = {};
      try {
        const out = await this.#limit.run(() => client.send(new sdk.GetSecretValueCommand({ SecretId: name })));
        const parsed = parseObject(out.SecretString);
        if (!parsed) throw new SecretStoreError('invalid', `secret ${name} is not a JSON object, so key ${opts.key} cannot be set in it`);
        current = parsed;
      } catch (e) {
        if (e instanceof SecretStoreError) throw e;
        if (errorName(e) !== 'ResourceNotFoundException') throw this.#failure(e, { name }, 'secretsmanager:GetSecretValue (to keep its other keys) and secretsmanager:PutSecretValue');
      }
      text = JSON.stringify({ ...current, [opts.key]: value.reveal() });
    }
    const put = () => this.#limit.run(() => client.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: text })));
    try {
      return { version: (await put()).VersionId };
    } catch (e) {
      if (errorName(e) !== 'ResourceNotFoundException') throw this.#failure(e, { name }, 'secretsmanager:PutSecretValue');
    }
    try {
      return { version: (await this.#limit.run(() => client.send(new sdk.CreateSecretCommand({ Name: name, SecretString: text })))).VersionId };
    } catch (e) {
      // Created by someone else between our two calls: it exists now, so put the value in it.
      if (errorName(e) !== 'ResourceExistsException') throw this.#failure(e, { name }, 'secretsmanager:CreateSecret');
    }
    try {
      return { version: (await put()).VersionId };
    } catch (e) {
      throw this.#failure(e, { name }, 'secretsmanager:PutSecretValue');
    }
  }

  async readMany(requests: SecretRequest[]): Promise<Array<Sensitive | SecretStoreError>> {
    const out = new Array<Sensitive | SecretStoreError>(requests.length);
    const single = (i: number) =>
      this.read(requests[i]!).then(
        (v) => void (out[i] = v),
        (e: unknown) => void (out[i] = e instanceof SecretStoreError ? e : this.#failure(e, requests[i])),
      );
    const unpinned = requests.flatMap((r, i) => (r.version === undefined ? [i] : []));
    const chunks: number[][] = [];
    for (let n = 0; n < unpinned.length; n += BATCH_IDS) chunks.push(unpinned.slice(n, n + BATCH_IDS));
    await Promise.all([
      ...requests.flatMap((r, i) => (r.version !== undefined ? [single(i)] : [])),
      ...chunks.map(async (chunk) => {
        const leftover = await this.#batch(chunk.map((i) => requests[i]!.name), (id, v) => {
          for (const i of chunk) if (requests[i]!.name === id) out[i] = v;
        });
        await Promise.all(chunk.filter((i) => leftover.has(requests[i]!.name)).map(single));
      }),
    ]);
    return out;
  }

  /** One BatchGetSecretValue call, paginated. Returns the ids it could not settle (read them one by one). */
  async #batch(ids: string[], settle: (id: string, v: Sensitive | SecretStoreError) => void): Promise<Set<string>> {
    const { client, sdk } = await this.#sdk();
    const open = new Set(ids);
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let res: BatchGetSecretValueCommandOutput;
      try {
        res = await this.#limit.run(() => client.send(new sdk.BatchGetSecretValueCommand({ SecretIdList: ids, ...(token ? { NextToken: token } : {}) })));
      } catch (e) {
        // Policies written before BatchGetSecretValue existed allow only GetSecretValue: use it.
        if (errorName(e) === 'AccessDeniedException' && page === 0) return open;
        const failure = this.#failure(e);
        for (const id of open) settle(id, failure);
        return new Set();
      }
      for (const v of res.SecretValues ?? []) {
        const id = [...open].find((i) => i === v.Name || i === v.ARN);
        if (id === undefined) continue;
        open.delete(id);
        try {
          settle(id, secretOf(v, this.#label));
        } catch (e) {
          settle(id, e as SecretStoreError);
        }
      }
      for (const err of res.Errors ?? []) {
        if (err.SecretId === undefined || !open.has(err.SecretId)) continue;
        open.delete(err.SecretId);
        settle(err.SecretId, this.#failure({ name: err.ErrorCode ?? 'Error' }, { name: err.SecretId }));
      }
      token = res.NextToken;
      if (!token || open.size === 0) return open;
    }
    throw new SecretStoreError('unreachable', `${this.#label} kept paginating BatchGetSecretValue past ${MAX_PAGES} pages`);
  }

  #sdk() {
    this.#client ??= (async () => {
      // The SDK warns on stderr about its future Node 22 requirement; the CLI's output is its own.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      // Loaded on first use: most workspaces never touch AWS, and the SDK is the heaviest import.
      const sdk = await import('@aws-sdk/client-secrets-manager');
      const timeout = this.opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const client = new sdk.SecretsManagerClient({
        region: this.opts.region,
        ...(this.opts.endpoint ? { endpoint: this.opts.endpoint } : {}),
        ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
        maxAttempts: 3,
        requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true },
      });
      return { client, sdk };
    })();
    return this.#client;
  }

  /** Maps an SDK error to a store failure by its name: the SDK's message repeats the server's text. */
  #failure(e: unknown, req?: SecretRequest, needs = 'secretsmanager:GetSecretValue'): SecretStoreError {
    const name = errorName(e);
    const code = (e as { code?: unknown }).code;
    const version = req?.version === undefined ? '' : ` version ${req.version}`;
    let kind: SecretFailure;
    let why: string;
    if (name === 'ResourceNotFoundException') {
      kind = 'not-found';
      why = `no such secret${version ? ` or${version}` : ''} (${name})`;
    } else if (AUTH.has(name)) {
      kind = 'auth';
      why =
        name === 'CredentialsProviderError'
          ? 'no AWS credentials found (environment, profile, SSO, web identity or instance role)'
          : name === 'AccessDeniedException' || name === 'DecryptionFailure'
            ? `access denied (${name}): the caller needs ${needs}${name === 'DecryptionFailure' ? ' and kms:Decrypt' : ''} on this secret`
            : `AWS refused the credentials (${name})`;
    } else if (UNREACHABLE.has(name) || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'ETIMEDOUT') {
      kind = 'unreachable';
      why = `cannot reach ${this.#label}: ${code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : name === 'TimeoutError' || code === 'ETIMEDOUT' ? 'no answer in time' : name}`;
    } else if (name === 'InvalidRequestException') {
      kind = 'not-found';
      why = `the secret${version} cannot be read now: it is scheduled for deletion or has no such version (${name})`;
    } else if (/^[A-Za-z]+(Exception|Error|Failure)?$/.test(name) && name !== 'Error') {
      kind = 'invalid';
      why = `${this.#label} rejected the request (${name})`;
    } else {
      kind = 'unreachable';
      why = `${this.#label} failed (${typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'network error'})`;
    }
    return new SecretStoreError(kind, why);
  }
}

function errorName(e: unknown): string {
  const name = (e as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : 'Error';
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function secretOf(v: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined }, label: string): Sensitive {
  if (typeof v.SecretString === 'string') return new Sensitive(v.SecretString);
  if (v.SecretBinary) return new Sensitive(Buffer.from(v.SecretBinary).toString('utf8'));
  throw new SecretStoreError('invalid', `${label} returned a secret with neither SecretString nor SecretBinary`);
}
