// The one state shape that both sides become: the desired state (files) and the live state (API)
// are normalized into ProviderState, so the diff compares like with like.
import type { ProviderStatus, ProviderType, SecretRefTarget } from '../generated/provider.js';
import type { ChangedBy } from '../generated/api.js';
import type { FieldPositions } from './positions.js';

export type { ProviderStatus, ProviderType, SecretRefTarget, ChangedBy };

export type FeeState =
  | { type: 'PERCENTAGE'; percent: string }
  | { type: 'FLAT'; amount: string; currency: 'IDR' };

export interface TaxState {
  vatPercent: string;
  applyVat: boolean;
}

/**
 * A credential field. Secret fields carry only a fingerprint (a keyed hash of the value), never
 * the value: null when the live side has no fingerprint we recognise.
 */
export type CredentialState =
  | { kind: 'plain'; value: string }
  | { kind: 'secret'; fingerprint: string | null };

export interface ProviderState {
  name: string;
  type: ProviderType;
  integration: string;
  /** Sorted, so order in a file never shows as a change. */
  services: string[];
  credentials: Record<string, CredentialState>;
  fee: FeeState;
  tax: TaxState;
  status: ProviderStatus;
  labels: Record<string, string>;
}

export type { SourcePosition } from './positions.js';

export interface DesiredProvider {
  state: ProviderState;
  file: string;
  /** Positions of fields by dotted path (spec.fee.percent); '' is the document itself. */
  positions: FieldPositions;
  /** Secret fields and where their values come from. */
  secretRefs: Record<string, SecretRefTarget>;
}

export interface LiveProvider {
  id: string;
  version: number;
  state: ProviderState;
  statusChangedBy: ChangedBy;
  statusReason: string | null;
  lastActivityAt: string | null;
  annotations: Record<string, string>;
  /** Live credential version of each secret field, as the API reports it. */
  credentialVersions: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export const MANAGED_BY_LABEL = 'managed-by';
export const MANAGED_BY_VALUE = 'paystrator-gitops';
export const ANNOTATION_PREFIX = 'paystrator-gitops/';
