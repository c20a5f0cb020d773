// Carries out a plan. Every request is safe to repeat and to lose: creates carry an
// Idempotency-Key derived from the plan, updates and status changes carry If-Match, and the
// transport retries faults (api/retry.ts). So a crash at any point leaves live state that a rerun
// of the same plan (plan/stale.ts) or a fresh plan converges from, and a concurrent edit is never
// overwritten: it fails that provider with a conflict.
import { ApiError } from '../api/errors.js';
import type { PaystratorClient, WithSecrets } from '../api/client.js';
import type { Fee, Provider, ProviderCreate, ProviderPatch } from '../generated/api.js';
import { compareDecimal } from '../model/decimal.js';
import type { ResolvedSecrets } from '../secrets/resolver.js';
import type { Sensitive } from '../secrets/sensitive.js';
import type { Operation, Plan, ProviderChange, SecretBinding } from '../plan/plan.js';
import { credentialVersionAnnotation } from '../live/read.js';
import { auditAnnotations, type AuditContext } from './audit.js';

export interface ApplyEvent {
  name: string;
  action: ProviderChange['action'];
  phase: 'start' | 'done' | 'failed' | 'skipped';
  message?: string;
}

export interface ApplyResult {
  created: number;
  updated: number;
  statusChanges: number;
  failed: number;
  failures: { name: string; message: string }[];
  /** Changes not started, and why (an earlier failure, or the retry budget is spent). */
  skipped: { name: string; reason: string }[];
  /** Requests retried over the whole run. */
  retries: number;
}

export interface ApplyOptions {
  parallelism: number;
  /** Recorded on every write (audit.ts); absent: writes carry no audit trail. */
  audit?: AuditContext;
  onEvent?: (e: ApplyEvent) => void;
}

export { DEFAULT_PARALLELISM } from './defaults.js';

/** Runs `fn` over items with at most `limit` in flight. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function withSecrets(base: Record<string, string> | undefined, bindings: Record<string, SecretBinding>, secrets: ResolvedSecrets) {
  const out: Record<string, string | Sensitive> = { ...base };
  for (const [field, b] of Object.entries(bindings)) out[field] = secrets.get(b.ref);
  return out;
}

/** Takes a provider out of routing for some service: it stops being ACTIVE, or drops a service. */
export function reducesService(c: ProviderChange): boolean {
  return c.fields.some(
    (f) =>
      (f.field === 'spec.status' && f.before === 'ACTIVE' && f.after !== 'ACTIVE') ||
      (f.field === 'spec.services' && Array.isArray(f.before) && Array.isArray(f.after) && f.before.some((s) => !(f.after as unknown[]).includes(s))),
  );
}

const sameFee = (a: Fee, b: Fee) =>
  a.type === 'PERCENTAGE' ? b.type === 'PERCENTAGE' && compareDecimal(a.percent, b.percent) === 0 : b.type === 'FLAT' && a.currency === b.currency && compareDecimal(a.amount, b.amount) === 0;

const sameMap = (want: Record<string, string | null | undefined>, have: Record<string, string | undefined>) =>
  Object.entries(want).every(([k, v]) => (v === null ? have[k] === undefined : v === undefined || have[k] === v));

/** Whether the live provider shows this write: every field it sets has the value it sets. */
export function showsWrite(op: Operation, p: Provider): boolean {
  if (op.kind === 'status') return p.status === op.body.status && p.statusChangedBy === 'API' && p.statusReason === (op.body.reason ?? null);
  if (op.kind === 'create') return false;
  const b: ProviderPatch = op.body;
  if (b.services && [...b.services].sort().join() !== [...p.services].sort().join()) return false;
  if (b.fee && !sameFee(b.fee, p.fee)) return false;
  if (b.tax && !(compareDecimal(b.tax.vatPercent, p.tax.vatPercent) === 0 && b.tax.applyVat === p.tax.applyVat)) return false;
  if (b.credentials && !Object.entries(b.credentials).every(([k, v]) => p.credentials[k] === v)) return false;
  // Secret values cannot be read back, but their fingerprints travel in the same PATCH as annotations.
  return sameMap(b.labels ?? {}, p.labels) && sameMap(b.annotations ?? {}, p.annotations);
}

class Conflict extends Error {}

/**
 * Carries out a plan's provider changes: each provider's operations in order, providers in
 * parallel (at most `parallelism` at once). Changes that take a provider out of a service run
 * last, and only if everything before them succeeded: a new provider must be live before the one
 * it replaces is deactivated. A failure stops only its provider; when the retry budget is spent,
 * nothing new starts. Sequences name providers, so they belong in a later phase, after this.
 */
export async function applyPlan(plan: Plan, client: PaystratorClient, secrets: ResolvedSecrets, opts: ApplyOptions): Promise<ApplyResult> {
  const result: ApplyResult = { created: 0, updated: 0, statusChanges: 0, failed: 0, failures: [], skipped: [], retries: 0 };
  const work = plan.changes.filter((c) => c.operations.length > 0);
  const phases = [work.filter((c) => !reducesService(c)), work.filter(reducesService)];
  const skip = (c: ProviderChange, reason: string) => {
    result.skipped.push({ name: c.name, reason });
    opts.onEvent?.({ name: c.name, action: c.action, phase: 'skipped', message: reason });
  };

  for (const [i, phase] of phases.entries()) {
    if (i > 0 && result.failed > 0) {
      for (const c of phase) skip(c, 'not attempted: it takes a provider out of service, and an earlier change failed');
      continue;
    }
    await forEachLimit(phase, opts.parallelism, async (change) => {
      if (client.retries?.exhausted) return skip(change, 'not attempted: the retry budget is spent (the API keeps failing)');
      opts.onEvent?.({ name: change.name, action: change.action, phase: 'start' });
      let id = change.id;
      let version = change.liveVersion;
      try {
        for (const op of change.operations) {
          const p = await run(op, change.name, client, secrets, id, version, opts.audit);
          id = p.id;
          version = p.version;
          if (op.kind === 'create') result.created += 1;
          else if (op.kind === 'update') result.updated += 1;
          else result.statusChanges += 1;
        }
        opts.onEvent?.({ name: change.name, action: change.action, phase: 'done' });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        result.failed += 1;
        result.failures.push({ name: change.name, message });
        opts.onEvent?.({ name: change.name, action: change.action, phase: 'failed', message });
      }
    });
  }
  result.retries = client.retries?.retries ?? 0;
  return result;
}

/**
 * The plan records, with each secret it writes, the credential version the write will produce (one
 * past live), so drift can tell our writes from rotations outside git. The API bumps a version only
 * when the value changed: writing the value live already had (adopting an imported provider) keeps
 * it, and then the real version is recorded instead, in one more request that only this case makes.
 */
async function settleCredentialVersions(p: Provider, op: Operation, client: PaystratorClient, name: string, audit?: AuditContext): Promise<Provider> {
  if (op.kind === 'status') return p;
  const fix: Record<string, string | null> = {};
  for (const field of Object.keys(op.secrets)) {
    const v = p.credentials[field];
    const key = credentialVersionAnnotation(field);
    if (v && typeof v !== 'string' && p.annotations[key] !== String(v.version)) fix[key] = String(v.version);
  }
  return Object.keys(fix).length ? client.updateProvider(p.id, name, { annotations: { ...fix, ...(audit ? auditAnnotations(audit, p.version + 1) : {}) } }, p.version) : p;
}

/** A create cannot remove keys: the audit keys this run has no value for are left out. */
const present = (a: Record<string, string | null>) => Object.fromEntries(Object.entries(a).filter((e): e is [string, string] => e[1] !== null));

async function run(op: Operation, name: string, client: PaystratorClient, secrets: ResolvedSecrets, id: string | undefined, version: number | undefined, audit?: AuditContext): Promise<Provider> {
  // Sent with the write, never part of the plan: they change every run and are no desired state.
  const trail = (produces: number) => (audit ? auditAnnotations(audit, produces) : {});
  if (op.kind === 'create') {
    const body: WithSecrets<ProviderCreate> = { ...op.body, credentials: withSecrets(op.body.credentials, op.secrets, secrets), annotations: { ...op.body.annotations, ...present(trail(1)) } };
    return settleCredentialVersions(await client.createProvider(body, op.idempotencyKey), op, client, name, audit);
  }
  if (!id || version === undefined) throw new Error(`${name}: no live id to ${op.kind}`);
  try {
    if (op.kind === 'status') return await client.setStatus(id, name, audit ? { ...op.body, annotations: trail(version + 1) } : op.body, version);
    const credentials = op.body.credentials || Object.keys(op.secrets).length ? withSecrets(op.body.credentials, op.secrets, secrets) : undefined;
    const annotations = audit ? { annotations: { ...op.body.annotations, ...trail(version + 1) } } : {};
    return await settleCredentialVersions(await client.updateProvider(id, name, { ...op.body, ...(credentials ? { credentials } : {}), ...annotations }, version), op, client, name, audit);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 412) throw e;
    let now: Provider | undefined;
    try {
      now = await client.getProvider(id);
    } catch {
      // The conflict is the news; what it is now is only detail.
    }
    // Our own earlier attempt landed but its answer was lost: exactly one version later, and it shows our write.
    if (now && e.mayHaveLanded && now.version === version + 1 && showsWrite(op, now)) return now;
    const found = now ? `, found version ${now.version} updated ${now.updatedAt}${now.statusChangedBy !== 'API' ? ` (status set by ${now.statusChangedBy})` : ''}` : '';
    throw new Conflict(`conflict: ${name} was changed by someone else (expected version ${version}${found}); nothing was overwritten. Run plan again to see the change.`);
  }
}
