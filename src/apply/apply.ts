import { ApiError } from '../api/errors.js';
import type { PaystratorClient, WithSecrets } from '../api/client.js';
import type { ProviderCreate } from '../generated/api.js';
import type { ResolvedSecrets } from '../secrets/resolver.js';
import type { Sensitive } from '../secrets/sensitive.js';
import type { Operation, Plan, ProviderChange, SecretBinding } from '../plan/plan.js';

export interface ApplyEvent {
  name: string;
  action: ProviderChange['action'];
  phase: 'start' | 'done' | 'failed';
  message?: string;
}

export interface ApplyResult {
  created: number;
  updated: number;
  statusChanges: number;
  failed: number;
  failures: { name: string; message: string }[];
}

export interface ApplyOptions {
  parallelism: number;
  onEvent?: (e: ApplyEvent) => void;
}

export const DEFAULT_PARALLELISM = 8;

function withSecrets(base: Record<string, string> | undefined, bindings: Record<string, SecretBinding>, secrets: ResolvedSecrets) {
  const out: Record<string, string | Sensitive> = { ...base };
  for (const [field, b] of Object.entries(bindings)) out[field] = secrets.get(b.ref);
  return out;
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function explain(e: unknown, change: ProviderChange): string {
  if (e instanceof ApiError && e.status === 412) {
    return `${change.name} was changed by someone else after the plan (live version moved from ${change.liveVersion}); nothing was overwritten. Run plan again.`;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Carries out a plan's operations, a provider's own operations in order, providers in parallel.
 * A failure stops only that provider; the result says what was done.
 */
export async function applyPlan(plan: Plan, client: PaystratorClient, secrets: ResolvedSecrets, opts: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { created: 0, updated: 0, statusChanges: 0, failed: 0, failures: [] };
  const work = plan.changes.filter((c) => c.operations.length > 0);
  await forEachLimit(work, opts.parallelism, async (change) => {
    opts.onEvent?.({ name: change.name, action: change.action, phase: 'start' });
    let id = change.id;
    let version = change.liveVersion;
    try {
      for (const op of change.operations) {
        const done = await run(op, change, client, secrets, id, version);
        id = done.id;
        version = done.version;
        if (op.kind === 'create') result.created += 1;
        else if (op.kind === 'update') result.updated += 1;
        else result.statusChanges += 1;
      }
      opts.onEvent?.({ name: change.name, action: change.action, phase: 'done' });
    } catch (e) {
      const message = explain(e, change);
      result.failed += 1;
      result.failures.push({ name: change.name, message });
      opts.onEvent?.({ name: change.name, action: change.action, phase: 'failed', message });
    }
  });
  return result;
}

async function run(op: Operation, change: ProviderChange, client: PaystratorClient, secrets: ResolvedSecrets, id: string | undefined, version: number | undefined) {
  if (op.kind === 'create') {
    const body: WithSecrets<ProviderCreate> = { ...op.body, credentials: withSecrets(op.body.credentials, op.secrets, secrets) };
    const p = await client.createProvider(body, op.idempotencyKey);
    return { id: p.id, version: p.version };
  }
  if (!id || version === undefined) throw new Error(`${change.name}: no live id to ${op.kind}`);
  if (op.kind === 'update') {
    const credentials = op.body.credentials || Object.keys(op.secrets).length ? withSecrets(op.body.credentials, op.secrets, secrets) : undefined;
    const p = await client.updateProvider(id, change.name, { ...op.body, ...(credentials ? { credentials } : {}) }, version);
    return { id, version: p.version };
  }
  const p = await client.setStatus(id, change.name, op.body, version);
  return { id, version: p.version };
}
