// Drift: how the live account differs from git, as a plain value. Pure: it takes the desired and
// live models and returns a report; reading, printing and writing happen elsewhere.
import { lastWrite, type LastWrite } from '../apply/audit.js';
import { diffState, type FieldChange, type Json } from '../diff/diff.js';
import type { IgnoreRule } from '../generated/config.js';
import { ignoredBy } from '../plan/ignore.js';
import { credentialVersionAnnotation, fingerprintAnnotation } from '../live/read.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type ChangedBy,
  type CredentialState,
  type DesiredProvider,
  type LiveProvider,
  type ProviderState,
  type ProviderStatus,
} from '../model/state.js';
import { wanted } from '../plan/build.js';

export const DRIFT_FORMAT_VERSION = 1;

/** A field whose live value is not the one git declares. */
export interface DriftField {
  /** Dotted path in the provider file, e.g. spec.fee.percent. */
  field: string;
  /** Absent when git does not set the field. */
  git?: Json;
  /** Absent when the live provider has no value for it. */
  live?: Json;
  /** For spec.status: who set the live status, and why. */
  changedBy?: ChangedBy;
  reason?: string | null;
}

/**
 * How a secret credential differs, told without its value:
 * - rotated-live: the live credential version moved past the one our last write produced;
 * - store-differs: the secret store holds another value than the one last applied (fingerprints);
 * - unverified: paystrator-gitops never wrote this secret, so nothing says it matches git;
 * - missing-live: git declares the secret and the live provider has none.
 */
export type SecretDriftKind = 'rotated-live' | 'store-differs' | 'unverified' | 'missing-live';

export interface SecretDrift {
  field: string;
  kind: SecretDriftKind;
  liveVersion?: number;
  /** The credential version our last write produced. */
  writtenVersion?: number;
  updatedAt?: string;
}

export interface ProviderDrift {
  name: string;
  file: string;
  line?: number;
  id: string;
  liveVersion: number;
  updatedAt: string;
  fields: DriftField[];
  secrets: SecretDrift[];
  /** Differences that are not drift, such as a field kept by policy.ignore. */
  notes: string[];
  /** Where the live values last came from (the audit trail of our last write, or outside git). */
  lastWrite?: LastWrite;
}

/** A provider in sync with git, with something worth knowing (a value kept by policy.ignore). */
export interface NotedProvider {
  name: string;
  file: string;
  line?: number;
  notes: string[];
}

export interface MissingProvider {
  name: string;
  file: string;
  line?: number;
}

export interface LiveOnlyProvider {
  name: string;
  id: string;
  status: ProviderStatus;
  /** Carries the managed-by label: git managed it once and it was removed from git. */
  removedFromGit: boolean;
}

export interface SecretComparison {
  /** Whether secret values were compared by fingerprint, on top of credential versions. */
  fingerprints: boolean;
  /** Why they were not, when they were not. */
  reason?: string;
}

export interface DriftSummary {
  changed: number;
  missing: number;
  unmanaged: number;
  removedFromGit: number;
  /** Secrets changed outside git: rotated live, or different in the secret store. */
  secrets: number;
  inSync: number;
  /** Account settings (resources) that differ live. */
  resources?: number;
}

/**
 * How one account setting (a Webhooks or IpWhitelist document, an ApiKey) differs live, from its
 * kind's handler (src/kinds/): changed fields, and events worth knowing that git does not hold
 * (a webhook verification token rotated).
 */
export interface ResourceDrift {
  kind: string;
  name: string;
  file?: string;
  line?: number;
  id?: string;
  liveVersion?: number;
  /** Declared in git, absent live (an ApiKey): apply creates it. */
  missing?: true;
  fields: DriftField[];
  /** Changes made outside git that are not a field of the document (e.g. a token rotation). */
  events: string[];
  notes: string[];
  lastWrite?: LastWrite;
}

export interface DriftReport {
  formatVersion: typeof DRIFT_FORMAT_VERSION;
  tool: { name: 'paystrator-gitops'; version: string };
  environment: string;
  endpoint: string;
  company: string;
  checkedAt: string;
  secrets: SecretComparison;
  changed: ProviderDrift[];
  noted: NotedProvider[];
  missing: MissingProvider[];
  /** Live providers that are not in git, including the ones removed from git. */
  unmanaged: LiveOnlyProvider[];
  /** Live providers declared in git, out of the live providers (without the ones git retired). */
  coverage: { managed: number; total: number; retired: number };
  summary: DriftSummary;
  /** Whether unmanaged providers count as drift (false with --ignore-unmanaged). */
  countsUnmanaged: boolean;
  /** The account settings git declares, each with what differs live; absent when git declares none. */
  resources?: ResourceDrift[];
  drift: boolean;
}

export interface DriftInput {
  environment: string;
  endpoint: string;
  company: string;
  toolVersion: string;
  desired: DesiredProvider[];
  live: LiveProvider[];
  ignore: IgnoreRule[];
  secrets: SecretComparison;
  /** Count live providers that are not in git as drift (the default). */
  countUnmanaged?: boolean;
  now?: Date;
}

function withoutSecrets(s: ProviderState): ProviderState {
  const credentials: Record<string, CredentialState> = {};
  for (const [f, c] of Object.entries(s.credentials)) if (c.kind === 'plain') credentials[f] = c;
  return { ...s, credentials };
}

export { ignoredBy };

function toDriftField(c: FieldChange, live: LiveProvider): DriftField {
  // diffState speaks plan's language (before = live, after = git).
  const f: DriftField = { field: c.field };
  if (c.after !== undefined) f.git = c.after;
  if (c.before !== undefined) f.live = c.before;
  if (c.field === 'spec.status') {
    f.changedBy = live.statusChangedBy;
    f.reason = live.statusReason;
  }
  return f;
}

function secretDrift(d: DesiredProvider, live: LiveProvider, compareFingerprints: boolean): SecretDrift[] {
  const out: SecretDrift[] = [];
  for (const field of Object.keys(d.secretRefs).sort()) {
    const path = `spec.credentials.${field}`;
    const liveCred = live.state.credentials[field];
    const liveVersion = live.credentialVersions[field];
    if (liveCred?.kind !== 'secret' || liveVersion === undefined) {
      out.push({ field: path, kind: 'missing-live' });
      continue;
    }
    const recorded = live.annotations[credentialVersionAnnotation(field)];
    const written = recorded !== undefined && /^[0-9]+$/.test(recorded) ? Number(recorded) : undefined;
    if (written === undefined) {
      out.push({ field: path, kind: 'unverified', liveVersion });
      continue;
    }
    // Only a version past ours is a rotation: a write of an unchanged value does not bump the
    // version, so the live one can lag behind what we recorded without anyone else touching it.
    if (liveVersion > written) {
      out.push({ field: path, kind: 'rotated-live', liveVersion, writtenVersion: written });
      continue;
    }
    if (compareFingerprints) {
      const want = d.state.credentials[field];
      const have = live.annotations[fingerprintAnnotation(field)];
      if (want?.kind === 'secret' && want.fingerprint !== null && want.fingerprint !== have) {
        out.push({ field: path, kind: 'store-differs', liveVersion, writtenVersion: written });
      }
    }
  }
  return out;
}

/** Compares live with git. With fingerprints, desired secret fingerprints must be filled in. */
export function computeDrift(input: DriftInput): DriftReport {
  const countsUnmanaged = input.countUnmanaged ?? true;
  const liveByName = new Map(input.live.map((l) => [l.state.name, l]));
  const desiredNames = new Set(input.desired.map((d) => d.state.name));
  const changed: ProviderDrift[] = [];
  const noted: NotedProvider[] = [];
  const missing: MissingProvider[] = [];
  let inSync = 0;

  for (const d of input.desired) {
    const name = d.state.name;
    const pos = d.positions['metadata.name'] ?? d.positions[''];
    const where = { file: d.file, ...(pos ? { line: pos.line } : {}) };
    const live = liveByName.get(name);
    if (!live) {
      missing.push({ name, ...where });
      continue;
    }
    const notes: string[] = [];
    const fields: DriftField[] = [];
    for (const c of diffState(withoutSecrets(wanted(d)), live.state)) {
      const f = toDriftField(c, live);
      const rule = ignoredBy(input.ignore, f, live);
      if (rule) {
        const by = f.field === 'spec.status' ? ` set by ${live.statusChangedBy}` : '';
        notes.push(`${f.field} ${JSON.stringify(f.live)}${by} is kept (policy.ignore ${rule.field}); git says ${JSON.stringify(f.git)}`);
        continue;
      }
      fields.push(f);
    }
    const secrets = secretDrift(d, live, input.secrets.fingerprints);
    if (!live.state.labels[MANAGED_BY_LABEL]) notes.push('not yet managed by paystrator-gitops: apply takes it over only from a file `import` wrote, or with `plan --adopt`');
    if (fields.length || secrets.length) {
      changed.push({ name, ...where, id: live.id, liveVersion: live.version, updatedAt: live.updatedAt, fields, secrets, notes, lastWrite: lastWrite(live.annotations, live.version) });
    } else {
      inSync += 1;
      if (notes.length) noted.push({ name, ...where, notes });
    }
  }

  const unmanaged: LiveOnlyProvider[] = [];
  let retired = 0;
  for (const live of input.live) {
    if (desiredNames.has(live.state.name)) continue;
    const removedFromGit = live.state.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
    // Deactivated after its removal from git: exactly what git asked for, not drift.
    if (removedFromGit && live.state.status === 'INACTIVE') {
      retired += 1;
      continue;
    }
    unmanaged.push({ name: live.state.name, id: live.id, status: live.state.status, removedFromGit });
  }

  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  changed.sort(byName);
  noted.sort(byName);
  missing.sort(byName);
  unmanaged.sort(byName);
  const summary: DriftSummary = {
    changed: changed.length,
    missing: missing.length,
    unmanaged: unmanaged.filter((u) => !u.removedFromGit).length,
    removedFromGit: unmanaged.filter((u) => u.removedFromGit).length,
    secrets: changed.reduce((n, c) => n + c.secrets.filter((s) => s.kind === 'rotated-live' || s.kind === 'store-differs').length, 0),
    inSync,
  };
  const managed = input.live.filter((l) => desiredNames.has(l.state.name)).length;
  return {
    formatVersion: DRIFT_FORMAT_VERSION,
    tool: { name: 'paystrator-gitops', version: input.toolVersion },
    environment: input.environment,
    endpoint: input.endpoint,
    company: input.company,
    checkedAt: (input.now ?? new Date()).toISOString(),
    secrets: input.secrets,
    changed,
    noted,
    missing,
    unmanaged,
    coverage: { managed, total: input.live.length - retired, retired },
    summary,
    countsUnmanaged,
    drift: summary.changed + summary.missing + summary.removedFromGit + (countsUnmanaged ? summary.unmanaged : 0) > 0,
  };
}

/** Whether one setting's drift counts (a field changed, an event, or missing live). */
export const resourceDrifted = (r: ResourceDrift) => r.missing === true || r.fields.length > 0 || r.events.length > 0;

/** The report with the account settings' drift added (computed per kind by src/kinds/). */
export function withResourceDrift(report: DriftReport, resources: readonly ResourceDrift[]): DriftReport {
  if (!resources.length) return report;
  const drifted = resources.filter(resourceDrifted).length;
  return { ...report, resources: [...resources], summary: { ...report.summary, resources: drifted }, drift: report.drift || drifted > 0 };
}

/** Coverage as a whole percentage, rounded down so 99.6% never shows as 100%. */
export function coveragePercent(r: DriftReport): number {
  return r.coverage.total === 0 ? 100 : Math.floor((r.coverage.managed / r.coverage.total) * 100);
}

/**
 * A digest of what drifted, leaving out when it was checked: the GitHub issue is updated only
 * when this changes.
 */
export function driftDigestInput(r: DriftReport): string {
  const resources = (r.resources ?? []).filter(resourceDrifted).map((x) => [x.kind, x.name, x.fields, x.events, x.missing === true]);
  return JSON.stringify([r.environment, r.company, r.changed.map((c) => [c.name, c.fields, c.secrets]), r.missing.map((m) => m.name), r.unmanaged, r.countsUnmanaged, ...(resources.length ? [resources] : [])]);
}
