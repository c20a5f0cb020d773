import type {
  ApiKey,
  ApiKeyCreate,
  ApiKeyCreated,
  ApiKeyPage,
  ApiKeyPatch,
  ApiKeyRevoke,
  Company,
  Integration,
  IpWhitelist,
  IpWhitelistPut,
  MetricsReport,
  MetricsWindow,
  Problem,
  Provider,
  ProviderCreate,
  ProviderPage,
  ProviderPatch,
  Sequence,
  SequenceList,
  StatusChange,
  Webhooks,
  WebhooksPut,
  WebhookTestResult,
} from '../generated/api.js';
import { Sensitive } from '../secrets/sensitive.js';
import { ApiError, ApiUnavailableError } from './errors.js';
import { RetryingTransport, type RetriedError, type RetriedResponse, type RetryBudget, type RetryOptions } from './retry.js';
import { componentValidator, describeSchemaErrors } from './schema.js';
import type { HttpRequest, Transport } from './transport.js';

export const PAGE_SIZE = 1000;

export interface ListParams {
  q?: string;
  service?: string;
  status?: string;
}

/**
 * Body of a create or patch where secret credentials are still Sensitive: the client reveals them
 * only while serialising the request, so no other layer ever handles the plain value.
 */
export type WithSecrets<T> = Omit<T, 'credentials'> & { credentials?: Record<string, string | Sensitive> };

/** The Paystrator management API (SPEC 7), over any transport. */
export class PaystratorClient {
  /** Requests sent, for the plan summary and the bench. */
  requests = 0;
  readonly transport: Transport;
  /** Retries of this client's requests: one budget for a whole command run (retry.ts). */
  readonly retries: RetryBudget | undefined;

  /** Every request is retried as retry.ts describes unless `retry` is false. */
  constructor(
    transport: Transport,
    private readonly apiKey: Sensitive,
    retry: RetryOptions | false = {},
  ) {
    const retrying = retry === false ? undefined : new RetryingTransport(transport, retry);
    this.transport = retrying ?? transport;
    this.retries = retrying?.budget;
  }

  company(): Promise<Company> {
    return this.call('get company', { method: 'GET', path: '/v1/company' }, 'Company');
  }

  async integrations(): Promise<Integration[]> {
    const res = await this.call<{ data: Integration[] }>('list integrations', { method: 'GET', path: '/v1/integrations' });
    if (!Array.isArray(res.data)) throw new ApiUnavailableError('list integrations', 'the answer has no data array');
    return res.data;
  }

  /** Every provider, following the cursor, with the largest page the API allows. */
  listProviders(params: ListParams = {}): Promise<Provider[]> {
    return this.listProvidersAs((p) => p, params);
  }

  /**
   * Every provider as `convert` makes it, each page converted as it arrives: at 10,000 providers
   * the API's objects then die young, instead of all ten pages of them living on into the old
   * generation beside what they were converted to (a plan's peak memory).
   */
  async listProvidersAs<T>(convert: (p: Provider) => T, params: ListParams = {}): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100_000; page++) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      for (const [k, v] of Object.entries(params)) if (v) query.set(k, String(v));
      if (cursor) query.set('cursor', cursor);
      const res: ProviderPage = await this.call('list providers', { method: 'GET', path: `/v1/providers?${query.toString()}` }, 'ProviderPage');
      for (const p of res.data) out.push(convert(p));
      cursor = res.nextCursor;
      if (!cursor) return out;
    }
    throw new ApiUnavailableError('list providers', 'pagination did not end');
  }

  async getProvider(id: string): Promise<Provider> {
    return this.call(`get provider ${id}`, { method: 'GET', path: `/v1/providers/${encodeURIComponent(id)}` }, 'Provider');
  }

  createProvider(body: WithSecrets<ProviderCreate>, idempotencyKey: string): Promise<Provider> {
    return this.call(
      `create provider "${body.name}"`,
      { method: 'POST', path: '/v1/providers', headers: { 'idempotency-key': idempotencyKey }, body: serialise(body) },
      'Provider',
    );
  }

  updateProvider(id: string, name: string, patch: WithSecrets<ProviderPatch>, version: number): Promise<Provider> {
    return this.call(
      `update provider "${name}"`,
      { method: 'PATCH', path: `/v1/providers/${encodeURIComponent(id)}`, headers: { 'if-match': `"${version}"` }, body: serialise(patch) },
      'Provider',
    );
  }

  setStatus(id: string, name: string, change: StatusChange, version: number): Promise<Provider> {
    return this.call(
      `set status of provider "${name}"`,
      { method: 'POST', path: `/v1/providers/${encodeURIComponent(id)}/status`, headers: { 'if-match': `"${version}"` }, body: JSON.stringify(change) },
      'Provider',
    );
  }

  /** Every routing sequence: each product's default, then the custom ones. */
  async listSequences(): Promise<Sequence[]> {
    const res: SequenceList = await this.call('list sequences', { method: 'GET', path: '/v1/sequences' }, 'SequenceList');
    return res.data;
  }

  /** One sequence; undefined for a destination that has none yet (404). */
  async getSequence(product: string, destination: string | null): Promise<Sequence | undefined> {
    try {
      return await this.call(`get sequence ${sequencePath(product, destination)}`, { method: 'GET', path: `/v1/sequences/${sequencePath(product, destination)}` }, 'Sequence');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && destination !== null) return undefined;
      throw e;
    }
  }

  /** Replaces a sequence: only if it is still at `version`, or, with 'absent', only if it does not exist yet. */
  putSequence(product: string, destination: string | null, providerIds: string[], expect: { version: number } | 'absent'): Promise<Sequence> {
    const path = sequencePath(product, destination);
    const headers: Record<string, string> = expect === 'absent' ? { 'if-none-match': '*' } : { 'if-match': `"${expect.version}"` };
    return this.call(`put sequence ${path}`, { method: 'PUT', path: `/v1/sequences/${path}`, headers, body: JSON.stringify({ providerIds }) }, 'Sequence');
  }

  /** The webhook URLs and the verification token's version (never the token). */
  getWebhooks(): Promise<Webhooks> {
    return this.call('get webhooks', { method: 'GET', path: '/v1/webhooks' }, 'Webhooks');
  }

  /** Replaces the webhook URLs, only if they are still at `version`. */
  putWebhooks(body: WebhooksPut, version: number): Promise<Webhooks> {
    return this.call('put webhooks', { method: 'PUT', path: '/v1/webhooks', headers: { 'if-match': `"${version}"` }, body: JSON.stringify(body) }, 'Webhooks');
  }

  /** One test delivery to the service's URL (the dashboard's Test & Save); `status` is the endpoint's answer. */
  testWebhook(service: string): Promise<WebhookTestResult> {
    return this.call(`test webhook ${service}`, { method: 'POST', path: '/v1/webhooks/test', body: JSON.stringify({ service }) }, 'WebhookTestResult');
  }

  /** Issues a new verification token (its version goes up by one); with `version`, only if the webhooks are still at it. */
  rotateWebhookToken(version?: number): Promise<Webhooks> {
    const headers: Record<string, string> = version === undefined ? {} : { 'if-match': `"${version}"` };
    return this.call('rotate webhook verification token', { method: 'POST', path: '/v1/webhooks/verification-token/rotate', headers }, 'Webhooks');
  }

  /** The whitelisted addresses, and the address the API sees this request come from. */
  getIpWhitelist(): Promise<IpWhitelist> {
    return this.call('get IP whitelist', { method: 'GET', path: '/v1/ip-whitelist' }, 'IpWhitelist');
  }

  putIpWhitelist(body: IpWhitelistPut, version: number): Promise<IpWhitelist> {
    return this.call('put IP whitelist', { method: 'PUT', path: '/v1/ip-whitelist', headers: { 'if-match': `"${version}"` }, body: JSON.stringify(body) }, 'IpWhitelist');
  }

  /** Every API key (values are never returned), following the cursor. */
  async listApiKeys(): Promise<ApiKey[]> {
    const out: ApiKey[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100_000; page++) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      const res: ApiKeyPage = await this.call('list API keys', { method: 'GET', path: `/v1/api-keys?${query.toString()}` }, 'ApiKeyPage');
      out.push(...res.data);
      cursor = res.nextCursor;
      if (!cursor) return out;
    }
    throw new ApiUnavailableError('list API keys', 'pagination did not end');
  }

  /**
   * Creates a key. The answer holds its value, the only time the API shows it: it comes back
   * wrapped, so no layer can print it by accident; only a secret sink's write reveals it.
   */
  async createApiKey(body: ApiKeyCreate, idempotencyKey: string): Promise<{ key: ApiKey; value: Sensitive }> {
    const created: ApiKeyCreated = await this.call(
      `create API key "${body.name}"`,
      { method: 'POST', path: '/v1/api-keys', headers: { 'idempotency-key': idempotencyKey }, body: JSON.stringify(body) },
      'ApiKeyCreated',
    );
    const { value, ...key } = created;
    return { key, value: new Sensitive(value) };
  }

  updateApiKey(id: string, name: string, patch: ApiKeyPatch, version: number): Promise<ApiKey> {
    return this.call(
      `update API key "${name}"`,
      { method: 'PATCH', path: `/v1/api-keys/${encodeURIComponent(id)}`, headers: { 'if-match': `"${version}"` }, body: JSON.stringify(patch) },
      'ApiKey',
    );
  }

  revokeApiKey(id: string, name: string, body: ApiKeyRevoke, version: number): Promise<ApiKey> {
    return this.call(
      `revoke API key "${name}"`,
      { method: 'POST', path: `/v1/api-keys/${encodeURIComponent(id)}/revoke`, headers: { 'if-match': `"${version}"` }, body: JSON.stringify(body) },
      'ApiKey',
    );
  }

  private async call<T>(
    operation: string,
    req: Omit<HttpRequest, 'headers'> & { headers?: Record<string, string> },
    schema?: string,
  ): Promise<T> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.apiKey.reveal()}`,
      accept: 'application/json',
      ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...req.headers,
    };
    let res: RetriedResponse;
    this.requests += 1;
    try {
      res = await this.transport.send({ ...req, headers });
    } catch (e) {
      const err = e as RetriedError & { code?: string };
      const tries = (err.attempts ?? 1) > 1 ? `, ${err.attempts} attempts${err.budgetExhausted ? '; the retry budget is spent' : ''}` : '';
      throw new ApiUnavailableError(operation, `cannot reach ${this.transport.description} (${err.code ?? err.message}${tries})`);
    }
    const parsed = parseJson(res.body);
    if (res.status >= 400) {
      const retryAfter = Number(res.headers['retry-after']);
      const error = new ApiError(operation, res.status, isProblem(parsed) ? parsed : undefined, Number.isFinite(retryAfter) ? retryAfter : undefined);
      error.mayHaveLanded = res.mayHaveLanded === true;
      throw error;
    }
    if (parsed === undefined) throw new ApiUnavailableError(operation, `the API answered ${res.status} with a body that is not JSON`);
    if (schema) {
      const validate = componentValidator(schema);
      if (!validate(parsed)) {
        throw new ApiUnavailableError(operation, `the API's answer does not match the ${schema} schema: ${describeSchemaErrors(validate.errors)}`);
      }
    }
    return parsed as T;
  }

  /** Transactions, success rate, p95 latency, volume and fees per provider and service over a recent window (SPEC 7). */
  metrics(params: MetricsParams): Promise<MetricsReport> {
    const query = new URLSearchParams({ window: params.window });
    if (params.provider !== undefined) query.set('provider', params.provider);
    if (params.service !== undefined) query.set('service', params.service);
    return this.call(`get metrics (${params.window})`, { method: 'GET', path: `/v1/metrics?${query.toString()}` }, 'MetricsReport');
  }
}

export interface MetricsParams {
  window: MetricsWindow;
  /** A provider id. */
  provider?: string;
  service?: string;
}

function sequencePath(product: string, destination: string | null): string {
  return destination === null ? encodeURIComponent(product) : `${encodeURIComponent(product)}/${encodeURIComponent(destination)}`;
}

function serialise(body: object): string {
  // JSON.stringify applies toJSON (which redacts) before a replacer sees the value, so look at the
  // holder's original property instead.
  return JSON.stringify(body, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    return original instanceof Sensitive ? original.reveal() : value;
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isProblem(v: unknown): v is Problem {
  return !!v && typeof v === 'object' && 'status' in v && 'title' in v;
}
