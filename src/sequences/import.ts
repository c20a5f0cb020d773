// `import` for routing sequences: the live ones git should hold, as `kind: Sequence` documents in
// one file. Every custom (destination) sequence is written. A default sequence is written only
// when someone chose its order: Paystrator keeps a default by itself (each provider that becomes
// ACTIVE joins at the end), and one declared in git would have to list every new provider by hand
// from then on. A default is Paystrator's own when it lists every ACTIVE provider that offers the
// product, in the order they were created; `all` writes the defaults regardless.
import { Document, isSeq, type YAMLMap } from 'yaml';
import type { Provider } from '../generated/api.js';
import { compareKeys, describeSequence, sequenceId, type LiveSequence } from '../model/sequence.js';
import { escapeText } from '../text/escape.js';

export const QRIS_PRODUCT = 'QR_CODE';

export interface ImportedSequence {
  product: string;
  destination: string | null;
  providers: string[];
  /** Why it is written: a custom sequence, or a default whose order was set by hand. */
  reason: 'custom' | 'default-reordered' | 'default';
}

export interface SequenceImport {
  sequences: ImportedSequence[];
  /** Live sequences not written, and why, for people. */
  skipped: { sequence: string; why: string }[];
}

export interface SequenceImportOptions {
  /** Sequence ids (sequenceId) git declares already: never written again. */
  declared: ReadonlySet<string>;
  /** Write every non-empty default, also the ones Paystrator keeps by itself. */
  all?: boolean;
  /** Whether an integration's QR_CODE is QRIS (the catalog's qris flag): only those join the QR_CODE default. */
  qris: (integration: string) => boolean;
}

/** The order Paystrator gives a default by itself: its ACTIVE providers for the product, oldest first. */
export function ownDefaultOrder(product: string, providers: readonly Provider[], qris: (integration: string) => boolean): string[] {
  return providers
    .filter((p) => p.status === 'ACTIVE' && p.services.includes(product) && (product !== QRIS_PRODUCT || qris(p.integration)))
    .sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1))
    .map((p) => p.name);
}

/** Which live sequences become documents; pure. */
export function importSequences(live: readonly LiveSequence[], providers: readonly Provider[], opts: SequenceImportOptions): SequenceImport {
  const out: SequenceImport = { sequences: [], skipped: [] };
  for (const l of [...live].sort(compareKeys)) {
    const names = l.providers.map((p) => p.name);
    const what = `sequence ${describeSequence(l)}`;
    if (opts.declared.has(sequenceId(l))) {
      out.skipped.push({ sequence: what, why: 'already in git (drift --write sets it to the live order)' });
      continue;
    }
    if (!names.length) continue;
    if (l.destination !== null) {
      out.sequences.push({ product: l.product, destination: l.destination, providers: names, reason: 'custom' });
      continue;
    }
    // MAINTENANCE members stay listed where they were; Paystrator's own order is judged without them.
    const routed = l.providers.filter((p) => p.status === 'ACTIVE').map((p) => p.name);
    const own = ownDefaultOrder(l.product, providers, opts.qris);
    const byItself = routed.length === own.length && routed.every((n, i) => n === own[i]);
    if (!byItself) out.sequences.push({ product: l.product, destination: null, providers: names, reason: 'default-reordered' });
    else if (opts.all) out.sequences.push({ product: l.product, destination: null, providers: names, reason: 'default' });
  }
  return out;
}

/** The documents as one file: the schema modeline, then a document per sequence. */
export function sequencesFile(sequences: readonly ImportedSequence[], opts: { schemaRef: string; environment: string }): string {
  const docs = sequences.map((s, i) => {
    const doc = new Document({
      apiVersion: 'paystrator-gitops/v1',
      kind: 'Sequence',
      spec: { product: s.product, ...(s.destination !== null ? { destination: s.destination } : {}), providers: [...s.providers] },
    });
    const seq = doc.getIn(['spec', 'providers'], true);
    if (isSeq(seq)) seq.flow = false;
    const why = {
      custom: 'a custom sequence',
      'default-reordered': 'its order was set by hand (Paystrator lists ACTIVE providers oldest first)',
      default: 'written with --all-sequences',
    }[s.reason];
    // Comments hold live text too; YAML does not escape a comment, so it is escaped here.
    const head = ` ${escapeText(describeSequence(s))}: ${why}.`;
    (doc.contents as YAMLMap).commentBefore = i === 0
      ? ` yaml-language-server: $schema=${opts.schemaRef}\n Imported from the live routing sequences (environment ${escapeText(opts.environment)}).\n\n${head}`
      : head;
    return doc.toString({ lineWidth: 0 });
  });
  return docs.join('---\n');
}
