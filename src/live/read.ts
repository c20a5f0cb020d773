import type { Provider } from '../generated/api.js';
import type { Intern } from '../text/intern.js';
import { ANNOTATION_PREFIX, type CredentialState, type LiveProvider } from '../model/state.js';

const FINGERPRINT_PREFIX = `${ANNOTATION_PREFIX}fingerprint.`;
export const fingerprintAnnotation = (field: string) => `${FINGERPRINT_PREFIX}${field}`;
/** The credential version our last write of the field produced. */
export const credentialVersionAnnotation = (field: string) => `${ANNOTATION_PREFIX}credential-version.${field}`;

/** Stands for the fingerprint of a secret rotated outside git: equal to no real fingerprint. */
export const ROTATED_OUTSIDE_GIT = 'rotated-outside-git';

/**
 * The live provider in the same shape as the desired one. `intern` gives the values many
 * providers share (types, services, labels, the commit they were applied from) one string each;
 * a fingerprint is one provider's alone and is kept as it is.
 */
export function toLiveProvider(p: Provider, intern: Intern = (s) => s): LiveProvider {
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
      type: intern(p.type),
      integration: intern(p.integration),
      services: p.services.map((s) => intern(s)).sort(),
      credentials,
      fee: p.fee.type === 'PERCENTAGE' ? { type: 'PERCENTAGE', percent: intern(p.fee.percent) } : { type: 'FLAT', amount: intern(p.fee.amount), currency: intern(p.fee.currency) },
      tax: { vatPercent: intern(p.tax.vatPercent), applyVat: p.tax.applyVat },
      status: intern(p.status),
      labels: definedEntries(p.labels, intern),
    },
    statusChangedBy: intern(p.statusChangedBy),
    statusReason: p.statusReason,
    lastActivityAt: p.lastActivityAt,
    annotations: definedEntries(p.annotations, (v, k) => (k.startsWith(FINGERPRINT_PREFIX) ? v : intern(v))),
    credentialVersions,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

function definedEntries(m: Record<string, string | undefined>, value: (v: string, k: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) if (v !== undefined) out[k] = value(v, k);
  return out;
}
