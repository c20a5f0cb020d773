import type { Provider } from '../generated/api.js';
import { ANNOTATION_PREFIX, type CredentialState, type LiveProvider } from '../model/state.js';

export const fingerprintAnnotation = (field: string) => `${ANNOTATION_PREFIX}fingerprint.${field}`;
/** The credential version our last write of the field produced. */
export const credentialVersionAnnotation = (field: string) => `${ANNOTATION_PREFIX}credential-version.${field}`;

/** Stands for the fingerprint of a secret rotated outside git: equal to no real fingerprint. */
export const ROTATED_OUTSIDE_GIT = 'rotated-outside-git';

/** The live provider in the same shape as the desired one. */
export function toLiveProvider(p: Provider): LiveProvider {
  const credentials: Record<string, CredentialState> = {};
  const credentialVersions: Record<string, number> = {};
  for (const [field, v] of Object.entries(p.credentials)) {
    if (v === undefined) continue;
    if (typeof v === 'string') {
      credentials[field] = { kind: 'plain', value: v };
    } else {
      // A version past the one our last write produced means someone else wrote the secret since:
      // the recorded fingerprint no longer describes the live value, which is some other one.
      const written = Number(p.annotations[credentialVersionAnnotation(field)]);
      const rotated = Number.isInteger(written) && v.version > written;
      credentials[field] = { kind: 'secret', fingerprint: rotated ? ROTATED_OUTSIDE_GIT : (p.annotations[fingerprintAnnotation(field)] ?? null) };
      credentialVersions[field] = v.version;
    }
  }
  return {
    id: p.id,
    version: p.version,
    state: {
      name: p.name,
      type: p.type,
      integration: p.integration,
      services: [...p.services].sort(),
      credentials,
      fee: p.fee.type === 'PERCENTAGE' ? { type: 'PERCENTAGE', percent: p.fee.percent } : { type: 'FLAT', amount: p.fee.amount, currency: p.fee.currency },
      tax: { vatPercent: p.tax.vatPercent, applyVat: p.tax.applyVat },
      status: p.status,
      labels: definedEntries(p.labels),
    },
    statusChangedBy: p.statusChangedBy,
    statusReason: p.statusReason,
    lastActivityAt: p.lastActivityAt,
    annotations: definedEntries(p.annotations),
    credentialVersions,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

function definedEntries(m: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = v;
  return out;
}
