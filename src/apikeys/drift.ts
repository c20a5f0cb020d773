// API key drift: how the live keys differ from git, as a plain value (pure, like drift/drift.ts).
import { KEY_SINK_ANNOTATION, PENDING_SINK, isManaged, permissionDiff, type ApiKeyStatus, type DesiredApiKey, type LiveApiKey } from '../model/api-key.js';
import type { PermissionChange } from './plan.js';
import { compareText } from '../text/order.js';

export interface ApiKeyDriftEntry {
  name: string;
  file: string;
  line: number;
  id: string;
  /** Products whose live capability is not git's: before = git, after = live. */
  permissions: PermissionChange[];
  status?: { git: ApiKeyStatus; live: ApiKeyStatus };
  updatedAt: string;
}

export interface ApiKeyDrift {
  changed: ApiKeyDriftEntry[];
  /** Declared ACTIVE, and no live key has the name. */
  missing: Array<{ name: string; file: string; line: number }>;
  /** Live keys not revoked that git does not declare; removedFromGit: git managed it once. */
  unmanaged: Array<{ name: string; id: string; prefix: string; removedFromGit: boolean }>;
  /** Not drift, worth knowing (a key whose value never reached its sink). */
  notes: Array<{ name: string; note: string }>;
}

export function driftApiKeys(desired: readonly DesiredApiKey[], live: readonly LiveApiKey[]): ApiKeyDrift {
  const byName = new Map<string, LiveApiKey[]>();
  for (const k of live) byName.set(k.name, [...(byName.get(k.name) ?? []), k]);
  const out: ApiKeyDrift = { changed: [], missing: [], unmanaged: [], notes: [] };
  const declared = new Set<string>();
  for (const d of desired) {
    declared.add(d.name);
    const list = byName.get(d.name) ?? [];
    const l = list.find((k) => k.status !== 'REVOKED') ?? [...list].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))[0];
    if (!l) {
      if (d.status === 'ACTIVE') out.missing.push({ name: d.name, file: d.file, line: d.line });
      continue;
    }
    const status = l.status !== d.status ? { git: d.status, live: l.status } : undefined;
    // A revoked key's permissions no longer mean anything, and cannot change.
    const permissions = l.status === 'REVOKED' || d.status === 'REVOKED' ? [] : permissionDiff(d.permissions, l.permissions);
    if (status || permissions.length) out.changed.push({ name: d.name, file: d.file, line: d.line, id: l.id, permissions, ...(status ? { status } : {}), updatedAt: l.updatedAt });
    if (l.status === 'ACTIVE' && l.annotations[KEY_SINK_ANNOTATION] === PENDING_SINK) {
      out.notes.push({ name: d.name, note: 'its value was never written to its sink (a run stopped after creating it): the next apply replays the create to write it' });
    }
  }
  for (const l of live) {
    if (declared.has(l.name) || l.status === 'REVOKED') continue;
    out.unmanaged.push({ name: l.name, id: l.id, prefix: l.prefix, removedFromGit: isManaged(l) });
  }
  out.unmanaged.sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
  return out;
}

export function hasApiKeyDrift(d: ApiKeyDrift, countUnmanaged = true): boolean {
  return d.changed.length > 0 || d.missing.length > 0 || (countUnmanaged && d.unmanaged.length > 0);
}
