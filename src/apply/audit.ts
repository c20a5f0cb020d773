// The audit trail: what every write of an apply records on the live object, and, read back, where
// a live value last came from. The context is a plain value built at the CLI (from the CI
// environment or the local git HEAD); nothing here reads the environment.
import { ANNOTATION_PREFIX } from '../model/state.js';

export const AUDIT_COMMIT = `${ANNOTATION_PREFIX}commit`;
export const AUDIT_RUN_URL = `${ANNOTATION_PREFIX}run-url`;
export const AUDIT_APPLIED_AT = `${ANNOTATION_PREFIX}applied-at`;
export const AUDIT_WINDOW_OVERRIDE = `${ANNOTATION_PREFIX}window-override`;
/** The live version our write produced: a later version means someone changed it outside git. */
export const AUDIT_APPLIED_VERSION = `${ANNOTATION_PREFIX}applied-version`;

export const AUDIT_ANNOTATIONS = [AUDIT_COMMIT, AUDIT_RUN_URL, AUDIT_APPLIED_AT, AUDIT_WINDOW_OVERRIDE, AUDIT_APPLIED_VERSION] as const;

export interface AuditContext {
  commit?: string;
  runUrl?: string;
  appliedAt: string;
  /** `apply --override-window REASON`. */
  windowOverride?: string;
}

/**
 * The annotations one write carries. A key this run has no value for is removed (null), so a
 * value from an earlier run never passes for this one's.
 */
export function auditAnnotations(ctx: AuditContext, producesVersion: number): Record<string, string | null> {
  return {
    [AUDIT_COMMIT]: ctx.commit ?? null,
    [AUDIT_RUN_URL]: ctx.runUrl ?? null,
    [AUDIT_APPLIED_AT]: ctx.appliedAt,
    [AUDIT_WINDOW_OVERRIDE]: ctx.windowOverride ?? null,
    [AUDIT_APPLIED_VERSION]: String(producesVersion),
  };
}

export interface LastWrite {
  /** 'git': the live version is the one our last apply wrote; 'outside-git': it moved past it since; 'unknown': no apply of ours recorded. */
  source: 'git' | 'outside-git' | 'unknown';
  commit?: string;
  runUrl?: string;
  appliedAt?: string;
  windowOverride?: string;
  /** A line for people: "commit abc1234, https://.../runs/1, 2026-12-01T10:00:00Z" or "changed outside git". */
  summary: string;
}

export function lastWrite(annotations: Record<string, string>, liveVersion: number): LastWrite {
  const applied = annotations[AUDIT_APPLIED_VERSION];
  const base = {
    ...(annotations[AUDIT_COMMIT] ? { commit: annotations[AUDIT_COMMIT] } : {}),
    ...(annotations[AUDIT_RUN_URL] ? { runUrl: annotations[AUDIT_RUN_URL] } : {}),
    ...(annotations[AUDIT_APPLIED_AT] ? { appliedAt: annotations[AUDIT_APPLIED_AT] } : {}),
    ...(annotations[AUDIT_WINDOW_OVERRIDE] ? { windowOverride: annotations[AUDIT_WINDOW_OVERRIDE] } : {}),
  };
  if (applied === undefined || !/^\d+$/.test(applied)) return { source: 'unknown', ...base, summary: 'no paystrator-gitops apply recorded' };
  const ours = [base.commit ? `commit ${base.commit.slice(0, 12)}` : undefined, base.runUrl, base.appliedAt ? `applied ${base.appliedAt}` : undefined].filter(Boolean).join(', ');
  if (liveVersion > Number(applied)) return { source: 'outside-git', ...base, summary: `changed outside git (version ${liveVersion}, after our write of version ${applied}${ours ? `: ${ours}` : ''})` };
  return { source: 'git', ...base, summary: ours || 'applied by paystrator-gitops' };
}
