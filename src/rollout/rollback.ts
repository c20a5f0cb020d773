// How a failed step of `apply --progressive` is undone (issue 18): each changed field back to the
// value it had before the step, read from the live state the plan was made against. A secret
// cannot be read back from the API (it answers masked), so it goes back to the store's previous
// version where the store keeps versions (Vault KV v2, AWS, GCP), checked against the fingerprint
// that was live; where the store keeps none (env, file, age), the provider goes into MAINTENANCE,
// so routing fails over to the next provider of its sequences. Never a silent half state: every
// action says what live will hold. A pure function; the orchestrator carries the actions out.
import type { ProviderPatch } from '../generated/api.js';
import type { LiveProvider, ProviderStatus, SecretRefTarget } from '../model/state.js';
import type { ProviderChange, ResourceChange } from '../plan/plan.js';

export type RollbackAction =
  /** Non-secret fields back to their values before the step. */
  | { kind: 'restore'; provider: string; id: string; body: ProviderPatch; fields: string[] }
  /** A secret back to the store version that was live (the fingerprint decides which). */
  | { kind: 'secret'; provider: string; id: string; field: string; ref: SecretRefTarget; liveFingerprint: string | null }
  /** The status back to what it was. */
  | { kind: 'status'; provider: string; id: string; status: ProviderStatus }
  /** Out of routing: what cannot be put back exactly. */
  | { kind: 'maintenance'; provider: string; id: string; because: string };

export interface RollbackInput {
  change: ProviderChange;
  /** The provider as it was live before the step (absent: the step created it). */
  before: LiveProvider | undefined;
  /** The provider's id now (a create's result). */
  id: string;
  /** Whether the store behind a secret reference keeps earlier versions to go back to. */
  versioned: (ref: SecretRefTarget) => boolean;
}

const fieldsOf = (c: ProviderChange) => new Set(c.fields.map((f) => f.field));

export function rollbackActions({ change, before, id, versioned }: RollbackInput): RollbackAction[] {
  const name = change.name;
  // A provider the step created did not exist: taking it out of routing is the way back (Paystrator has no delete).
  if (!before) return change.action === 'create' ? [{ kind: 'status', provider: name, id, status: 'INACTIVE' }] : [];
  const changed = fieldsOf(change);
  const out: RollbackAction[] = [];
  const body: ProviderPatch = {};
  const restored: string[] = [];
  if (changed.has('spec.services')) {
    body.services = before.state.services;
    restored.push('services');
  }
  if ([...changed].some((f) => f.startsWith('spec.fee'))) {
    body.fee = before.state.fee;
    restored.push('fee');
  }
  if ([...changed].some((f) => f.startsWith('spec.tax'))) {
    body.tax = before.state.tax;
    restored.push('tax');
  }
  const labelKeys = [...changed].filter((f) => f.startsWith('metadata.labels.')).map((f) => f.slice('metadata.labels.'.length));
  if (labelKeys.length) {
    body.labels = Object.fromEntries(labelKeys.map((k) => [k, before.state.labels[k] ?? null]));
    restored.push('labels');
  }
  const plain: Record<string, string> = {};
  const secretFields: string[] = [];
  for (const f of changed) {
    if (!f.startsWith('spec.credentials.')) continue;
    const field = f.slice('spec.credentials.'.length);
    const was = before.state.credentials[field];
    if (was?.kind === 'plain') plain[field] = was.value;
    else secretFields.push(field);
  }
  if (Object.keys(plain).length) {
    body.credentials = plain;
    restored.push(...Object.keys(plain).map((f) => `credentials.${f}`));
  }
  if (restored.length) out.push({ kind: 'restore', provider: name, id, body, fields: restored });

  const bindings = Object.fromEntries(change.operations.flatMap((op) => (op.kind === 'status' ? [] : Object.entries(op.secrets))));
  const unversioned: string[] = [];
  for (const field of secretFields.sort()) {
    const binding = bindings[field];
    const was = before.state.credentials[field];
    if (binding && versioned(binding.ref)) {
      out.push({ kind: 'secret', provider: name, id, field, ref: binding.ref, liveFingerprint: was?.kind === 'secret' ? was.fingerprint : null });
    } else {
      unversioned.push(field);
    }
  }
  if (changed.has('spec.status')) out.push({ kind: 'status', provider: name, id, status: before.state.status });
  if (unversioned.length) {
    out.push({ kind: 'maintenance', provider: name, id, because: `the previous value of ${unversioned.join(', ')} cannot be read back from its store (it keeps no versions)` });
  }
  return out;
}

/** What the report says each action leaves live holding. */
export function describeAction(a: RollbackAction): string {
  switch (a.kind) {
    case 'restore':
      return `${a.provider}: ${a.fields.join(', ')} back to the values before the step`;
    case 'secret':
      return `${a.provider}: ${a.field} back to the store version that was live`;
    case 'status':
      return `${a.provider}: status back to ${a.status}`;
    case 'maintenance':
      return `${a.provider}: put into MAINTENANCE, so routing fails over (${a.because})`;
  }
}

/**
 * How a failed settings step is undone, per change: the webhook URLs and whitelist addresses back
 * to the list before the step, a key's permissions back (each with If-Match on the version read
 * then). Two things Paystrator cannot undo are said, not hidden: a key the step created exists
 * (and its value is in its sink), so it is revoked; a key the step revoked stays revoked.
 */
export type SettingRollback =
  | { kind: 'webhooks'; urls: Record<string, string | null> }
  | { kind: 'ip-whitelist'; addresses: string[] }
  | { kind: 'key-permissions'; name: string; id: string; permissions: Record<string, string> }
  | { kind: 'key-revoke'; name: string }
  | { kind: 'key-revoked'; name: string };

const PERMISSION = 'spec.permissions.';

export function settingRollbacks(changes: readonly ResourceChange[]): SettingRollback[] {
  const out: SettingRollback[] = [];
  for (const c of changes) {
    if (c.action === 'noop') continue;
    if (c.kind === 'Webhooks') {
      const urls = Object.fromEntries(
        c.fields.filter((f) => f.field.startsWith('spec.urls.')).map((f) => [f.field.slice('spec.urls.'.length), typeof f.before === 'string' ? f.before : null]),
      );
      if (Object.keys(urls).length) out.push({ kind: 'webhooks', urls });
    } else if (c.kind === 'IpWhitelist') {
      const f = c.fields.find((x) => x.field === 'spec.addresses');
      if (f && Array.isArray(f.before)) out.push({ kind: 'ip-whitelist', addresses: f.before.filter((a): a is string => typeof a === 'string') });
    } else if (c.action === 'create' || c.operations.some((o) => o.kind === 'create' || o.kind === 'replay-create')) {
      out.push({ kind: 'key-revoke', name: c.name });
    } else if (c.action === 'revoke') {
      out.push({ kind: 'key-revoked', name: c.name });
    } else {
      const permissions = Object.fromEntries(c.fields.filter((f) => f.field.startsWith(PERMISSION)).map((f) => [f.field.slice(PERMISSION.length), typeof f.before === 'string' ? f.before : 'NONE']));
      if (Object.keys(permissions).length && c.id) out.push({ kind: 'key-permissions', name: c.name, id: c.id, permissions });
    }
  }
  // Undone in the reverse of the order they were applied: the IP whitelist, applied last, first.
  const rank = (a: SettingRollback) => (a.kind === 'ip-whitelist' ? 0 : a.kind === 'webhooks' ? 2 : 1);
  return out.sort((a, b) => rank(a) - rank(b));
}

/** What the report says a setting's rollback leaves live holding. */
export function describeSettingRollback(a: SettingRollback): string {
  switch (a.kind) {
    case 'webhooks':
      return `Webhooks: ${Object.keys(a.urls).sort().join(', ')} back to the URL${Object.keys(a.urls).length === 1 ? '' : 's'} before the step`;
    case 'ip-whitelist':
      return `IpWhitelist: back to the ${a.addresses.length} address${a.addresses.length === 1 ? '' : 'es'} before the step`;
    case 'key-permissions':
      return `ApiKey "${a.name}": permissions back to ${Object.entries(a.permissions).sort(([x], [y]) => (x < y ? -1 : 1)).map(([p, v]) => `${p} ${v}`).join(', ')}`;
    case 'key-revoke':
      return `ApiKey "${a.name}": created by the step, which cannot be undone: revoked instead (its value stays in its sink, refused by Paystrator)`;
    case 'key-revoked':
      return `ApiKey "${a.name}": revoked by the step; revoking is final, it stays revoked`;
  }
}
