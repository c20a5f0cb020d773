// What the one-per-environment setting kinds (Webhooks, IpWhitelist) share: one object live, one
// document in git, written whole with a conditional PUT.
import { ApiError } from '../api/errors.js';
import { auditAnnotations, type AuditContext } from '../apply/audit.js';
import type { DeclaredDocument } from '../load/documents.js';
import type { ResourceChange, ResourceKindName } from '../plan/plan.js';

/** The single declaration of a one-per-environment kind (the loader refused a second). */
export function only<D>(declared: readonly DeclaredDocument<D>[]): DeclaredDocument<D> | undefined {
  return declared[0];
}

/** The change skeleton of a one-per-environment setting. */
export function settingChange(kind: ResourceKindName, d: DeclaredDocument, liveVersion: number): Omit<ResourceChange, 'action' | 'fields' | 'notes' | 'operations'> {
  return { kind, name: kind, file: d.file, line: d.line, liveVersion };
}

/** Annotations a write carries: the audit trail (apply/audit.ts) for the version it produces, plus the kind's own. */
export function writeAnnotations(audit: AuditContext | undefined, producesVersion: number, own: Record<string, string> = {}): Record<string, string | null> {
  return { ...(audit ? auditAnnotations(audit, producesVersion) : {}), ...own };
}

/**
 * A conditional write whose 412 may be our own earlier attempt landing (a retried request): read
 * again, and if live already holds what we wanted it was written; otherwise someone else changed
 * it and nothing is overwritten.
 */
export async function conditionalWrite<T>(write: () => Promise<T>, reread: () => Promise<T>, holds: (live: T) => boolean, what: string): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 412)) throw e;
    const now = await reread();
    if (holds(now)) return now;
    throw new Error(`${what} changed live while applying; nothing was overwritten. Run plan again.`, { cause: e });
  }
}

export const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
