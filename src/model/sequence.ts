// Routing sequences (SPEC 3, `kind: Sequence`): per product, and optionally per destination, the
// providers Paystrator tries in order. Git names providers; the API keeps ids (resolved at apply).
import type { Sequence } from '../generated/api.js';
import type { ChangedBy, ProviderStatus, SourcePosition } from './state.js';

export interface SequenceKey {
  product: string;
  /** null: the product's default sequence. */
  destination: string | null;
}

export interface DesiredSequence extends SequenceKey {
  /** Provider names in routing order. */
  providers: string[];
  file: string;
  line: number;
  col: number;
  /** Where each name of `providers` is written, same index. */
  providerPositions: SourcePosition[];
}

export interface LiveSequenceEntry {
  id: string;
  name: string;
  status: ProviderStatus;
}

export interface LiveSequence extends SequenceKey {
  providers: LiveSequenceEntry[];
  version: number;
  updatedAt: string | null;
  /** Who last changed it, when the API says (USER: the dashboard, API: a key). */
  updatedBy?: ChangedBy | null;
}

/** One string per sequence: QR_CODE, VIRTUAL_ACCOUNT/BCA. */
export function sequenceId(k: SequenceKey): string {
  return k.destination === null ? k.product : `${k.product}/${k.destination}`;
}

/** How a sequence is named to people: "QR_CODE (default)", "VIRTUAL_ACCOUNT to BCA". */
export function describeSequence(k: SequenceKey): string {
  return k.destination === null ? `${k.product} (default)` : `${k.product} to ${k.destination}`;
}

/** Default sequences first, then by product and destination. */
export function compareKeys(a: SequenceKey, b: SequenceKey): number {
  if (a.product !== b.product) return a.product < b.product ? -1 : 1;
  if (a.destination === b.destination) return 0;
  if (a.destination === null) return -1;
  if (b.destination === null) return 1;
  return a.destination < b.destination ? -1 : 1;
}

export function toLiveSequence(s: Sequence): LiveSequence {
  return {
    product: s.product,
    destination: s.destination,
    providers: s.providers.map((p) => ({ id: p.id, name: p.name, status: p.status })),
    version: s.version,
    updatedAt: s.updatedAt,
    ...(s.updatedBy !== undefined ? { updatedBy: s.updatedBy } : {}),
  };
}
