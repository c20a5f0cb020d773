// The API key part of a plan: a pure function of the declared keys, the live keys and the key
// the run itself calls with. It carries the requests apply sends; a key's value is in none of
// them (apply gets it from the create's answer and writes it straight to the sink).
import { error, ExitError, type Diagnostic } from '../diagnostics.js';
import type { ApiKeyCreate, ApiKeyPatch, ApiKeyRevoke, Permissions as ApiPermissions } from '../generated/api.js';
import { MANAGED_BY_VALUE } from '../model/state.js';
import {
  CREATE_ANNOTATIONS, KEY_MANAGED_ANNOTATION, KEY_SINK_ANNOTATION, PENDING_SINK, REPLAY_WINDOW_MS,
  createIdempotencyKey, describeSink, isManaged, lowers, permissionDiff,
  type ApiKeyStatus, type Capability, type DesiredApiKey, type LiveApiKey, type ValueSink,
} from '../model/api-key.js';
import { compareText } from '../text/order.js';

export type ApiKeyAction = 'create' | 'update' | 'revoke' | 'noop';

export type ApiKeyOperation =
  /** POST /v1/api-keys; replay-create: the same request again, for the value a stopped run never wrote to its sink. */
  | { kind: 'create' | 'replay-create'; idempotencyKey: string; body: ApiKeyCreate }
  /** The value the create just answered, into the sink (never planned: only where it goes). */
  | { kind: 'write-sink'; body: ValueSink }
  /** PATCH /v1/api-keys/{id}, If-Match: the live version, or the one the create just answered. */
  | { kind: 'update'; body: ApiKeyPatch }
  | { kind: 'revoke'; body: ApiKeyRevoke };

export interface PermissionChange {
  product: string;
  before: Capability;
  after: Capability;
}

export interface ApiKeyChange {
  name: string;
  action: ApiKeyAction;
  file?: string;
  line?: number;
  id?: string;
  liveVersion?: number;
  permissions: PermissionChange[];
  status?: { before: ApiKeyStatus | null; after: ApiKeyStatus };
  /** The key this run calls the API with. */
  caller?: true;
  notes: string[];
  operations: ApiKeyOperation[];
}

export interface UnmanagedApiKey {
  name: string;
  id: string;
  prefix: string;
}

export interface ApiKeyPlan {
  changes: ApiKeyChange[];
  /** Live ACTIVE keys git never managed: reported, never touched. */
  unmanaged: UnmanagedApiKey[];
}

export interface ApiKeyPlanInput {
  environment: string;
  company: string;
  desired: readonly DesiredApiKey[];
  live: readonly LiveApiKey[];
  /** Company.apiKey.id: the key the run calls with (null for the sandbox's dashboard session). */
  callerKeyId: string | null;
  prune: boolean;
  /** Declared keys whose file `import` wrote from the live key of that name: taken over. */
  imported?: ReadonlySet<string>;
  now: Date;
}

const REVOKE_REASON = 'declared REVOKED in git (paystrator-gitops)';
const PRUNE_REASON = 'removed from git (paystrator-gitops --prune)';

/** The permissions a PATCH sends: only the products that change, NONE for those git leaves out (the API merges per product). */
function patchOf(diff: readonly PermissionChange[]): ApiPermissions {
  return Object.fromEntries(diff.map((d) => [d.product, d.after]));
}

function show(diff: readonly PermissionChange[]): string {
  return diff.map((d) => `${d.product} ${d.before} -> ${d.after}`).join(', ');
}

/** The live key a name stands for: the one not revoked, else the newest revoked one. Several not revoked: a problem. */
function pick(list: readonly LiveApiKey[]): LiveApiKey | LiveApiKey[] {
  const active = list.filter((k) => k.status !== 'REVOKED');
  if (active.length > 1) return active;
  return active[0] ?? [...list].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0]!;
}

export function planApiKeys(input: ApiKeyPlanInput): ApiKeyPlan {
  const byName = new Map<string, LiveApiKey[]>();
  for (const k of input.live) byName.set(k.name, [...(byName.get(k.name) ?? []), k]);
  const problems: Diagnostic[] = [];
  const changes: ApiKeyChange[] = [];
  const declared = new Set<string>();

  for (const d of input.desired) {
    declared.add(d.name);
    const at = { file: d.file, line: d.line, col: d.col };
    const where = { file: d.file, line: d.line };
    const list = byName.get(d.name);
    const picked = list ? pick(list) : undefined;
    if (Array.isArray(picked)) {
      problems.push(error(`${picked.length} live API keys are named "${d.name}" (${picked.map((k) => k.id).join(', ')}): the name must stand for one key; revoke or rename the others on the dashboard`, { ...at, field: 'metadata.name', rule: 'api-key-identity' }));
      continue;
    }
    const live = picked;
    if (!live) {
      if (d.status === 'REVOKED') {
        changes.push({ name: d.name, action: 'noop', ...where, permissions: [], notes: ['declared REVOKED and never created: nothing to do'], operations: [] });
        continue;
      }
      const sink = d.valueSink;
      if (!sink) {
        problems.push(error(`API key "${d.name}" does not exist live, and creating it needs spec.valueSink: the secret store and name its value is written to (the API shows a new key's value only once, in its answer to the create)`, {
          ...at, field: 'spec.valueSink', rule: 'api-key-value-sink',
        }));
        continue;
      }
      changes.push({
        name: d.name, action: 'create', ...where,
        permissions: permissionDiff({}, d.permissions), status: { before: null, after: 'ACTIVE' },
        notes: [`its value is written to ${describeSink(sink)}, and nowhere else`],
        operations: [
          { kind: 'create', idempotencyKey: createIdempotencyKey(input.company, input.environment, d.name), body: { name: d.name, permissions: { ...d.permissions }, annotations: { ...CREATE_ANNOTATIONS } } },
          { kind: 'write-sink', body: sink },
          { kind: 'update', body: { annotations: { [KEY_SINK_ANNOTATION]: describeSink(sink) } } },
        ],
      });
      continue;
    }
    const base = { name: d.name, ...where, id: live.id, liveVersion: live.version, ...(live.id === input.callerKeyId ? { caller: true as const } : {}) };
    if (live.status === 'REVOKED') {
      if (d.status === 'ACTIVE') {
        problems.push(error(`API key "${d.name}" is REVOKED live${live.revokedAt ? ` (since ${live.revokedAt})` : ''}, and revoking is final: declare a new key with another name, and set this one to status: REVOKED (or remove it from git)`, {
          ...at, field: 'spec.status', rule: 'api-key-revoked-final',
        }));
        continue;
      }
      changes.push({ ...base, action: 'noop', permissions: [], notes: [], operations: [] });
      continue;
    }
    const notes: string[] = [];
    const ops: ApiKeyOperation[] = [];
    const annotations: Record<string, string> = {};
    if (!isManaged(live)) {
      if (!input.imported?.has(d.name)) {
        problems.push(error(`API key "${d.name}" exists live but is not managed by paystrator-gitops, and naming it in a file does not take it over: give the declared key another name, or revoke the live one on the dashboard`, {
          ...at, field: 'metadata.name', rule: 'unmanaged',
        }));
        continue;
      }
      notes.push('adopts a key git did not manage until now (its file was written by import); its value stays where it is');
      annotations[KEY_MANAGED_ANNOTATION] = MANAGED_BY_VALUE;
    }
    if (d.status === 'REVOKED') {
      changes.push({
        ...base, action: 'revoke', permissions: [], status: { before: 'ACTIVE', after: 'REVOKED' }, notes: [...notes, 'revoking is final: the key is refused from then on'],
        operations: [{ kind: 'revoke', body: { reason: REVOKE_REASON, ...(Object.keys(annotations).length ? { annotations } : {}) } }],
      });
      continue;
    }
    if (live.annotations[KEY_SINK_ANNOTATION] === PENDING_SINK) {
      // Created by a run that stopped before it wrote the value to the sink: the API replays the
      // create's answer for the same Idempotency-Key (and body) for a while, and only then.
      const sink = d.valueSink;
      if (!sink) {
        problems.push(error(`a run created API key "${d.name}" (${live.createdAt}) and stopped before writing its value: replaying the create for that value needs spec.valueSink, the secret store and name it is written to`, {
          ...at, field: 'spec.valueSink', rule: 'api-key-value-sink',
        }));
        continue;
      }
      const age = input.now.getTime() - Date.parse(live.createdAt);
      if (!(age < REPLAY_WINDOW_MS)) {
        problems.push(error(`the value of API key "${d.name}" (created ${live.createdAt}) was never written to a sink: the run that created it stopped first, and the API replays a creation for 24 hours only. Revoke it (status: REVOKED) and declare a new key with another name`, {
          ...at, field: 'spec.valueSink', rule: 'api-key-value-lost',
        }));
        continue;
      }
      ops.push(
        { kind: 'replay-create', idempotencyKey: createIdempotencyKey(input.company, input.environment, d.name), body: { name: d.name, permissions: { ...live.permissions }, annotations: { ...CREATE_ANNOTATIONS } } },
        { kind: 'write-sink', body: sink },
      );
      notes.push(`a run created this key (${live.createdAt}) and stopped before writing its value: the create is replayed with the same Idempotency-Key to get the value again, which is written to ${describeSink(sink)}`);
      annotations[KEY_SINK_ANNOTATION] = describeSink(sink);
    }
    const diff = permissionDiff(live.permissions, d.permissions);
    if (diff.length || Object.keys(annotations).length) {
      ops.push({ kind: 'update', body: { ...(diff.length ? { permissions: patchOf(diff) } : {}), ...(Object.keys(annotations).length ? { annotations } : {}) } });
    }
    const action: ApiKeyAction = ops.some((o) => o.kind === 'replay-create') ? 'create' : ops.length ? 'update' : 'noop';
    changes.push({ ...base, action, permissions: diff, notes, operations: ops });
  }

  const unmanaged: UnmanagedApiKey[] = [];
  for (const live of input.live) {
    if (declared.has(live.name) || live.status === 'REVOKED') continue;
    if (!isManaged(live)) {
      unmanaged.push({ name: live.name, id: live.id, prefix: live.prefix });
      continue;
    }
    const base = { name: live.name, id: live.id, liveVersion: live.version, ...(live.id === input.callerKeyId ? { caller: true as const } : {}) };
    if (input.prune) {
      changes.push({ ...base, action: 'revoke', permissions: [], status: { before: 'ACTIVE', after: 'REVOKED' }, notes: ['removed from git', 'revoking is final: the key is refused from then on'], operations: [{ kind: 'revoke', body: { reason: PRUNE_REASON } }] });
    } else {
      changes.push({ ...base, action: 'noop', permissions: [], notes: ['removed from git; revoked only with --prune or policy.prune'], operations: [] });
    }
  }

  if (problems.length) throw new ExitError(problems);
  const order: Record<ApiKeyAction, number> = { revoke: 0, create: 1, update: 2, noop: 3 };
  // The run's own key last: once it is revoked or reduced, the run may not make another change.
  changes.sort((a, b) => Number(a.caller === true) - Number(b.caller === true) || order[a.action] - order[b.action] || compareText(a.name, b.name));
  unmanaged.sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
  return { changes, unmanaged };
}

/**
 * The lockout guard: a plan must not revoke or reduce the key the run itself calls with (its
 * next run could not read or undo what it did). One message per change that would; the caller
 * (plan/checks.ts) refuses them unless --allow-lockout.
 */
export function lockoutMessages(changes: ReadonlyArray<{ name: string; id?: string; operations: ReadonlyArray<{ kind: string }>; permissions: readonly PermissionChange[] }>, callerKeyId: string | null): string[] {
  const out: string[] = [];
  for (const c of changes) {
    if (callerKeyId === null || c.id !== callerKeyId) continue;
    const revokes = c.operations.some((o) => o.kind === 'revoke');
    const reduced = c.permissions.filter((p) => lowers(p.before, p.after));
    if (!revokes && !reduced.length) continue;
    out.push(`this plan ${revokes ? 'revokes' : `reduces (${show(reduced)})`} the API key this run itself uses ("${c.name}"), which would lock this and later runs out; point the environment's apiKey at another key first`);
  }
  return out;
}

/** What a saved plan's API key part depends on, free of positions (hashed into Plan.inputsHash). */
export function apiKeyInputs(desired: readonly DesiredApiKey[]): unknown {
  return [...desired].sort((a, b) => compareText(a.name, b.name)).map((d) => [d.name, d.permissions, d.status, d.valueSink]);
}

export function hasApiKeyChanges(plan: ApiKeyPlan | undefined): boolean {
  return (plan?.changes ?? []).some((c) => c.action !== 'noop');
}
