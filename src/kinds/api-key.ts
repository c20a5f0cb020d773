// `kind: ApiKey` as a ResourceKind (kinds/kind.ts): load, read live, plan, lockout guard, apply,
// drift, write-back and import, each from the pure parts in this folder.
import type { FieldChange } from '../diff/diff.js';
import type { ResourceDrift } from '../drift/drift.js';
import type { ImportedFile, ResourceKind } from './kind.js';
import { validateApiKeyDocument } from '../load/api-keys.js';
import { toLiveApiKey, type Capability, type DesiredApiKey, type LiveApiKey } from '../model/api-key.js';
import type { ResourceChange } from '../plan/plan.js';
import { defaultResourceStale } from '../plan/stale-resources.js';
import { applyApiKeyChange } from '../apikeys/apply.js';
import { driftApiKeys } from '../apikeys/drift.js';
import { IMPORTED_FROM, importedApiKeys } from '../apikeys/import.js';
import { escapeText } from '../text/escape.js';
import { apiKeyInputs, lockoutMessages, planApiKeys, type ApiKeyChange, type ApiKeyPlan, type PermissionChange } from '../apikeys/plan.js';

const PERMISSION = 'spec.permissions.';

function fieldsOf(c: ApiKeyChange): FieldChange[] {
  const out: FieldChange[] = c.permissions.map((p) => ({ field: `${PERMISSION}${p.product}`, before: p.before, after: p.after }));
  if (c.status && c.action !== 'create') out.push({ field: 'spec.status', ...(c.status.before ? { before: c.status.before } : {}), after: c.status.after });
  return out;
}

/** The kind's plan as the framework's ResourceChange values; unmanaged keys are told as no-ops with a note. */
export function toResourceChanges(plan: ApiKeyPlan): ResourceChange[] {
  const out: ResourceChange[] = plan.changes.map((c) => ({
    kind: 'ApiKey',
    name: c.name,
    action: c.action,
    ...(c.file ? { file: c.file } : {}),
    ...(c.line ? { line: c.line } : {}),
    ...(c.id ? { id: c.id } : {}),
    ...(c.liveVersion !== undefined ? { liveVersion: c.liveVersion } : {}),
    fields: fieldsOf(c),
    notes: [...c.notes],
    operations: c.operations.map((o) => ({ ...o, body: { ...o.body } })),
  }));
  for (const u of plan.unmanaged) {
    out.push({ kind: 'ApiKey', name: u.name, action: 'noop', id: u.id, fields: [], notes: [`live (${u.prefix}...), not in git: never touched`], operations: [] });
  }
  return out;
}

function permissionsOf(fields: readonly FieldChange[]): PermissionChange[] {
  return fields.filter((f) => f.field.startsWith(PERMISSION)).map((f) => ({ product: f.field.slice(PERMISSION.length), before: (f.before ?? 'NONE') as Capability, after: (f.after ?? 'NONE') as Capability }));
}

function doneMessage(c: ResourceChange, key: { prefix: string } | undefined): string {
  const sink = c.operations.find((o) => o.kind === 'write-sink')?.body as { store: string; name: string } | undefined;
  if (c.operations.some((o) => o.kind === 'create')) return `created (${key?.prefix ?? '?'}...); its value is in ${sink?.store}/${sink?.name}`;
  if (c.operations.some((o) => o.kind === 'replay-create')) return `the create was replayed and its value written to ${sink?.store}/${sink?.name}`;
  if (c.operations.some((o) => o.kind === 'revoke')) return 'revoked';
  return 'set';
}

export const apiKeyKind: ResourceKind<DesiredApiKey, LiveApiKey[]> = {
  kind: 'ApiKey',
  // After the providers and sequences: a reduction of the run's own key (with --allow-lockout) comes last.
  after: ['Provider', 'Sequence'],
  document: {
    kind: 'ApiKey',
    cardinality: 'named',
    validate(file, doc, ctx) {
      const r = validateApiKeyDocument(file, doc, ctx.catalog, ctx.secretStoreConfigs);
      if (!r.value) return { diagnostics: r.diagnostics };
      return { diagnostics: r.diagnostics, value: r.value, name: r.value.name };
    },
  },
  changes: (plan) => (plan.resources ?? []).filter((r) => r.kind === 'ApiKey'),
  pending: (c) => c.action !== 'noop',
  // Hashed through declaredInputs.
  inputs: () => null,
  declaredInputs: (declared) => apiKeyInputs(declared.map((d) => d.value)),
  readLive: async (client) => (await client.listApiKeys()).map(toLiveApiKey),
  plan(declared, live, ctx) {
    return toResourceChanges(planApiKeys({
      environment: ctx.environment, company: ctx.company, desired: declared.map((d) => d.value), live,
      callerKeyId: ctx.caller?.id ?? null, prune: ctx.prune === true,
      ...(ctx.importedApiKeys ? { imported: ctx.importedApiKeys } : {}),
      // The replay window of a stopped create is the one thing the clock decides.
      now: new Date(),
    }));
  },
  guards(changes, _live, ctx) {
    return lockoutMessages(changes.map((c) => ({ name: c.name, ...(c.id ? { id: c.id } : {}), operations: c.operations, permissions: permissionsOf(c.fields) })), ctx.caller?.id ?? null).map((message) => ({ check: 'lockout' as const, message }));
  },
  stale: defaultResourceStale,
  async apply(change, client, ctx) {
    const key = await applyApiKeyChange(change, client, ctx.stores, ctx.audit);
    ctx.onEvent({ kind: 'ApiKey', name: change.name, phase: 'done', message: doneMessage(change, key) });
    return 'written';
  },
  drift(declared, live): ResourceDrift[] {
    const d = driftApiKeys(declared.map((x) => x.value), live);
    const out: ResourceDrift[] = [];
    for (const c of d.changed) {
      out.push({
        kind: 'ApiKey', name: c.name, file: c.file, line: c.line, id: c.id,
        fields: [
          ...c.permissions.map((p) => ({ field: `${PERMISSION}${p.product}`, git: p.before, live: p.after })),
          ...(c.status ? [{ field: 'spec.status', git: c.status.git, live: c.status.live }] : []),
        ],
        events: [], notes: d.notes.filter((n) => n.name === c.name).map((n) => n.note),
      });
    }
    for (const m of d.missing) out.push({ kind: 'ApiKey', name: m.name, file: m.file, line: m.line, missing: true, fields: [], events: [], notes: [] });
    for (const u of d.unmanaged) {
      out.push({ kind: 'ApiKey', name: u.name, id: u.id, fields: [], events: [u.removedFromGit ? `live (${u.prefix}...), removed from git: revoked only with --prune` : `live (${u.prefix}...), not in git`], notes: [] });
    }
    return out;
  },
  importFiles(live): ImportedFile[] {
    const imported = importedApiKeys(live);
    if (!imported.length) return [];
    return [{
      file: 'api-keys.yaml',
      // Each live id is named: plan takes over an unmanaged key only when its file says import wrote it from that key.
      header: [
        'API keys imported from the live account. They have no valueSink: it is needed only to create a key, and these exist (their values stay where they are).',
        ...imported.map((i) => `${IMPORTED_FROM} ${escapeText(i.key.id)} (${escapeText(i.key.prefix)}...).`),
      ].join('\n'),
      documents: imported.map((i) => i.document),
    }];
  },
};
