// Carries out the API key part of a plan. A create's answer holds the key's value, the only time
// the API shows it: the next operation writes it to the sink at once, and only then does a PATCH
// record that it was (the sink annotation). A run killed in between leaves the key marked
// "pending", and the next plan replays the create with the same Idempotency-Key (plan.ts).
import type { ApiKey, ApiKeyCreate, ApiKeyPatch, ApiKeyRevoke } from '../generated/api.js';
import type { ResourceChange } from '../plan/plan.js';
import type { Sensitive } from '../secrets/sensitive.js';
import { SecretStoreError, type SecretStore } from '../secrets/store.js';
import { auditAnnotations, type AuditContext } from '../apply/audit.js';
import { describeSink, type ValueSink } from '../model/api-key.js';

/** What apply needs of the API (PaystratorClient has it). */
export interface ApiKeyApi {
  /** The value is Sensitive from the moment the answer is parsed (registered with the redactor). */
  createApiKey(body: ApiKeyCreate, idempotencyKey: string): Promise<{ key: ApiKey; value: Sensitive }>;
  updateApiKey(id: string, name: string, patch: ApiKeyPatch, version: number): Promise<ApiKey>;
  revokeApiKey(id: string, name: string, body: ApiKeyRevoke, version: number): Promise<ApiKey>;
}

/** A failure of one key's change, told as is: it names the key and the way back, never the value. */
export class ApiKeyApplyError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyApplyError';
  }
}

/** Writes a value to its sink; what it throws never holds the value. */
export async function writeSink(sink: ValueSink, value: Sensitive, stores: ReadonlyMap<string, SecretStore>): Promise<string | undefined> {
  const store = stores.get(sink.store);
  if (!store) throw new SecretStoreError('invalid', `no secret store named ${sink.store} in paystrator.yaml`);
  if (!store.write) throw new SecretStoreError('invalid', `secret store ${sink.store} (${store.type}) cannot be written`);
  return (await store.write(sink.name, value, sink.key !== undefined ? { key: sink.key } : {})).version;
}

function withAudit<T extends ApiKeyPatch | ApiKeyRevoke>(body: T, audit: AuditContext | undefined, producesVersion: number): T {
  return audit ? { ...body, annotations: { ...auditAnnotations(audit, producesVersion), ...body.annotations } } : body;
}

/** One key's operations, in order. Returns the key as the last answer left it. */
export async function applyApiKeyChange(change: ResourceChange, api: ApiKeyApi, stores: ReadonlyMap<string, SecretStore>, audit?: AuditContext): Promise<ApiKey | undefined> {
  let id = change.id;
  let version = change.liveVersion;
  let last: ApiKey | undefined;
  let value: Sensitive | undefined;
  for (const op of change.operations) {
    if (op.kind === 'create' || op.kind === 'replay-create') {
      const created = await api.createApiKey(op.body as unknown as ApiKeyCreate, op.idempotencyKey!);
      value = created.value;
      id = created.key.id;
      // A replay answers the key as it was created; what it is now is what the plan read.
      version = op.kind === 'replay-create' ? (change.liveVersion ?? created.key.version) : created.key.version;
      last = created.key;
      continue;
    }
    if (op.kind === 'write-sink') {
      const sink = op.body as unknown as ValueSink;
      if (!value) throw new Error(`API key change ${change.name} writes a sink before a create`);
      try {
        await writeSink(sink, value, stores);
      } catch (e) {
        const why = e instanceof SecretStoreError ? e.message : 'the store failed';
        throw new ApiKeyApplyError(
          change.name,
          `API key "${change.name}" was created (${id ?? 'no id'}), but its value could not be written to ${describeSink(sink)}: ${why}. ` +
            'Fix the store and run apply again within 24 hours: it replays the create with the same Idempotency-Key and writes the value; ' +
            'after that, set the key to status: REVOKED and declare a new one with another name',
        );
      }
      continue;
    }
    if (id === undefined || version === undefined) throw new Error(`API key change ${change.name} has no live id or version`);
    if (op.kind === 'update') last = await api.updateApiKey(id, change.name, withAudit(op.body as ApiKeyPatch, audit, version + 1), version);
    else if (op.kind === 'revoke') last = await api.revokeApiKey(id, change.name, withAudit(op.body as ApiKeyRevoke, audit, version + 1), version);
    else throw new Error(`unknown API key operation ${op.kind}`);
    version = last.version;
  }
  return last;
}
