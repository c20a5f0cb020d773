// A pure, field-level comparison of two ProviderStates. Paths are the ones of the provider file
// (spec.fee.percent), so a user can find every change in their YAML.
import { compareDecimal } from '../model/decimal.js';
import type { CredentialState, FeeState, ProviderState } from '../model/state.js';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export interface FieldChange {
  field: string;
  /** Absent when the field is added, or when the value is sensitive. */
  before?: Json;
  after?: Json;
  /** A secret: only the fact that it changes is known and shown. */
  sensitive?: true;
  /** A secret live has no fingerprint of (set outside git, e.g. imported): written once to record one. */
  pending?: true;
  /** Cannot be changed on a live provider. */
  immutable?: true;
}

const sameDecimal = (a: string, b: string) => compareDecimal(a, b) === 0;

export function diffState(desired: ProviderState, live: ProviderState): FieldChange[] {
  const changes: FieldChange[] = [];
  const push = (field: string, before: Json | undefined, after: Json | undefined, extra: Partial<FieldChange> = {}) =>
    changes.push({ field, ...(before !== undefined ? { before } : {}), ...(after !== undefined ? { after } : {}), ...extra });

  if (desired.type !== live.type) push('spec.type', live.type, desired.type, { immutable: true });
  if (desired.integration !== live.integration) push('spec.integration', live.integration, desired.integration, { immutable: true });
  if (desired.services.join() !== live.services.join()) push('spec.services', live.services, desired.services);

  for (const field of Object.keys(desired.credentials)) {
    const d = desired.credentials[field]!;
    const l = live.credentials[field];
    if (!sameCredential(d, l)) {
      if (d.kind === 'secret' || l?.kind === 'secret') {
        const pending = d.kind === 'secret' && l?.kind === 'secret' && l.fingerprint === null;
        push(`spec.credentials.${field}`, undefined, undefined, { sensitive: true, ...(pending ? { pending: true } : {}) });
      }
      else push(`spec.credentials.${field}`, l?.value, d.value);
    }
  }

  diffFee(desired.fee, live.fee, push);
  if (!sameDecimal(desired.tax.vatPercent, live.tax.vatPercent)) push('spec.tax.vatPercent', live.tax.vatPercent, desired.tax.vatPercent);
  if (desired.tax.applyVat !== live.tax.applyVat) push('spec.tax.applyVat', live.tax.applyVat, desired.tax.applyVat);
  if (desired.status !== live.status) push('spec.status', live.status, desired.status);

  const labelKeys = new Set([...Object.keys(desired.labels), ...Object.keys(live.labels)]);
  for (const k of [...labelKeys].sort()) {
    if (desired.labels[k] !== live.labels[k]) push(`metadata.labels.${k}`, live.labels[k], desired.labels[k]);
  }
  return changes;
}

function sameCredential(d: CredentialState, l: CredentialState | undefined): boolean {
  if (!l || d.kind !== l.kind) return false;
  if (d.kind === 'plain') return d.value === (l as { value: string }).value;
  return d.fingerprint !== null && d.fingerprint === (l as { fingerprint: string | null }).fingerprint;
}

function diffFee(d: FeeState, l: FeeState, push: (f: string, b: Json | undefined, a: Json | undefined) => void): void {
  if (d.type !== l.type) {
    push('spec.fee', { ...l }, { ...d });
  } else if (d.type === 'PERCENTAGE' && l.type === 'PERCENTAGE') {
    if (!sameDecimal(d.percent, l.percent)) push('spec.fee.percent', l.percent, d.percent);
  } else if (d.type === 'FLAT' && l.type === 'FLAT') {
    if (!sameDecimal(d.amount, l.amount)) push('spec.fee.amount', l.amount, d.amount);
    if (d.currency !== l.currency) push('spec.fee.currency', l.currency, d.currency);
  }
}

/** The fields a create sets, shown like Terraform shows a create: every value, secrets hidden. */
export function describeCreate(s: ProviderState): FieldChange[] {
  return [
    { field: 'spec.type', after: s.type },
    { field: 'spec.integration', after: s.integration },
    { field: 'spec.services', after: s.services },
    ...Object.entries(s.credentials).map(([f, c]): FieldChange =>
      c.kind === 'secret' ? { field: `spec.credentials.${f}`, sensitive: true } : { field: `spec.credentials.${f}`, after: c.value },
    ),
    { field: 'spec.fee', after: { ...s.fee } },
    { field: 'spec.tax.vatPercent', after: s.tax.vatPercent },
    { field: 'spec.tax.applyVat', after: s.tax.applyVat },
    { field: 'spec.status', after: s.status },
    ...Object.entries(s.labels).map(([k, v]): FieldChange => ({ field: `metadata.labels.${k}`, after: v })),
  ];
}
