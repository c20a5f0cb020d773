// Drift: how the live account differs from git, as a plain value. Pure: it takes the desired and
// live models and returns a report; reading, printing and writing happen elsewhere.
import { lastWrite } from '../apply/audit.js';
import { diffState, type FieldChange } from '../diff/diff.js';
import type { IgnoreRule } from '../generated/config.js';
import { ignoredBy } from '../plan/ignore.js';
import { credentialVersionAnnotation, fingerprintAnnotation } from '../live/read.js';
import {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type CredentialState,
  type DesiredProvider,
  type LiveProvider,
  type ProviderState,
} from '../model/state.js';
import { wanted } from '../plan/build.js';
// The report's types are the published schema's (schemas/drift-report.schema.json), generated:
// the JSON that drift prints cannot grow a field the schema does not describe.
import type {
  ChangedProvider,
  DriftReport,
  Field,
  LiveOnlyProvider,
  MissingProvider,
  NotedProvider,
  Resource,
  Secret,
} from '../generated/drift-report.js';
import { noSequences, sequenceDrift, type SequenceSection } from '../sequences/drift.js';
import type { DesiredSequence, LiveSequence } from '../model/sequence.js';
import { compareText } from '../text/order.js';

export const DRIFT_FORMAT_VERSION = 1;

export type { DriftReport, LiveOnlyProvider, MissingProvider, NotedProvider } from '../generated/drift-report.js';
/** A field whose live value is not the one git declares. */
export type DriftField = Field;
/**
 * How a secret credential differs, told without its value:
 * - rotated-live: the live credential version moved past the one our last write produced;
 * - store-differs: the secret store holds another value than the one last applied (fingerprints);
 * - unverified: paystrator-gitops never wrote this secret, so nothing says it matches git;
 * - missing-live: git declares the secret and the live provider has none.
 */
export type SecretDrift = Secret;
export type SecretDriftKind = Secret['kind'];
export type ProviderDrift = ChangedProvider;
export type SecretComparison = DriftReport['secrets'];
export type DriftSummary = DriftReport['summary'];
export type ResourceDrift = Resource;

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
  /** Declared sequences, and the live ones (read only when git declares any). */
  sequences?: readonly DesiredSequence[];
  liveSequences?: readonly LiveSequence[];
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
    const pos = d.positions.get('metadata.name') ?? d.positions.get('');
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

  const byName = <T extends { name: string }>(a: T, b: T) => compareText(a.name, b.name);
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
  // A MAINTENANCE member counts as sequence drift exactly when its provider's status does.
  const statusDrifted = new Set(changed.filter((c) => c.fields.some((f) => f.field === 'spec.status')).map((c) => c.name));
  const sequences: SequenceSection = input.sequences?.length
    ? sequenceDrift(input.sequences, input.liveSequences ?? [], input.live, { statusCounts: (n) => statusDrifted.has(n), gitProviders: desiredNames, countUnmanaged: countsUnmanaged })
    : noSequences();
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
    sequences,
    coverage: { managed, total: input.live.length - retired, retired },
    summary,
    countsUnmanaged,
    drift: summary.changed + summary.missing + summary.removedFromGit + (countsUnmanaged ? summary.unmanaged : 0) + sequences.drifted > 0,
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
  const q = r.sequences;
  const sequences = [q.changed.map((c) => [c.product, c.destination, c.live, c.differences]), q.missing.map((m) => [m.product, m.destination]), q.unmanaged.map((u) => [u.product, u.destination, u.live])];
  const resources = (r.resources ?? []).filter(resourceDrifted).map((x) => [x.kind, x.name, x.fields, x.events, x.missing === true]);
  return JSON.stringify([r.environment, r.company, r.changed.map((c) => [c.name, c.fields, c.secrets]), r.missing.map((m) => m.name), r.unmanaged, r.countsUnmanaged, ...(q.declared ? [sequences] : []), ...(resources.length ? [resources] : [])]);
}
