import type { Company, Integration, Problem, Provider, ProviderCreate, ProviderPage, ProviderPatch, StatusChange } from '../generated/api.js';
import { Sensitive } from '../secrets/sensitive.js';
import { ApiError, ApiUnavailableError } from './errors.js';
import { componentValidator, describeSchemaErrors } from './schema.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

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

  constructor(
    readonly transport: Transport,
    private readonly apiKey: Sensitive,
  ) {}

  company(): Promise<Company> {
    return this.call('get company', { method: 'GET', path: '/v1/company' }, 'Company');
  }

  async integrations(): Promise<Integration[]> {
    const res = await this.call<{ data: Integration[] }>('list integrations', { method: 'GET', path: '/v1/integrations' });
    if (!Array.isArray(res.data)) throw new ApiUnavailableError('list integrations', 'the answer has no data array');
    return res.data;
  }

  /** Every provider, following the cursor, with the largest page the API allows. */
  async listProviders(params: ListParams = {}): Promise<Provider[]> {
    const out: Provider[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100_000; page++) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
      if (cursor) query.set('cursor', cursor);
      const res: ProviderPage = await this.call('list providers', { method: 'GET', path: `/v1/providers?${query}` }, 'ProviderPage');
      out.push(...res.data);
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
    let res: HttpResponse;
    this.requests += 1;
    try {
      res = await this.transport.send({ ...req, headers });
    } catch (e) {
      throw new ApiUnavailableError(operation, `cannot reach ${this.transport.description} (${(e as { code?: string }).code ?? (e as Error).message})`);
    }
    const parsed = parseJson(res.body);
    if (res.status >= 400) {
      const retryAfter = Number(res.headers['retry-after']);
      throw new ApiError(operation, res.status, isProblem(parsed) ? parsed : undefined, Number.isFinite(retryAfter) ? retryAfter : undefined);
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
