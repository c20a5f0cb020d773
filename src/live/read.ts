import type { Provider } from '../generated/api.js';
import { ANNOTATION_PREFIX, type CredentialState, type LiveProvider } from '../model/state.js';

export const fingerprintAnnotation = (field: string) => `${ANNOTATION_PREFIX}fingerprint.${field}`;
/** The credential version our last write of the field produced. */
export const credentialVersionAnnotation = (field: string) => `${ANNOTATION_PREFIX}credential-version.${field}`;

/** The live provider in the same shape as the desired one. */
export function toLiveProvider(p: Provider): LiveProvider {
  const credentials: Record<string, CredentialState> = {};
  const credentialVersions: Record<string, number> = {};
  for (const [field, v] of Object.entries(p.credentials)) {
    if (v === undefined) continue;
    if (typeof v === 'string') {
      credentials[field] = { kind: 'plain', value: v };
    } else {
      credentials[field] = { kind: 'secret', fingerprint: p.annotations[fingerprintAnnotation(field)] ?? null };
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
