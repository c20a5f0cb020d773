// `drift --write` for sequences: the declared Sequence document's provider list becomes the live
// order. Only that list's lines are rewritten: each kept name keeps its own line (with its comment
// and the comment lines between it and the name before; those above the first name head the list
// and stay on top), a new name gets a line like the first one; the rest of the file is untouched. The result is parsed back and must hold exactly the live order, all else unchanged.
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type YAMLSeq } from 'yaml';
import { describeSequence, type SequenceKey } from '../model/sequence.js';
import type { DriftReport } from '../generated/drift-report.js';

/** Thrown when the list cannot be rewritten safely; the file is then left as it is. */
export class SequenceEditError extends Error {}

export interface SequenceWrite extends SequenceKey {
  file: string;
  /** The live order, to write. */
  providers: string[];
}

export interface SequenceSkip {
  sequence: string;
  why: string;
}

/**
 * Which drifted sequences drift --write can bring to their live order. A MAINTENANCE member alone
 * changes no order, so nothing is written for it; a live list naming a provider git does not
 * declare, or an empty one, would not validate, so it is said instead.
 */
export function sequenceWriteBacks(report: Pick<DriftReport, 'sequences'>): { writes: SequenceWrite[]; skipped: SequenceSkip[] } {
  const writes: SequenceWrite[] = [];
  const skipped: SequenceSkip[] = [];
  for (const c of report.sequences.changed) {
    if (!c.differences.some((d) => d.kind === 'moved' || d.kind === 'added-live' || d.kind === 'removed-live')) continue;
    const sequence = `sequence ${describeSequence(c)}`;
    const unknown = c.differences.filter((d) => d.kind === 'added-live' && d.inGit === false).map((d) => `"${d.provider}"`);
    if (unknown.length) {
      skipped.push({ sequence, why: `live lists ${unknown.join(', ')}, which git does not declare: import ${unknown.length === 1 ? 'it' : 'them'} first` });
      continue;
    }
    if (!c.live.length) {
      skipped.push({ sequence, why: 'it is empty live, and a Sequence document lists at least one provider: delete the document to leave the default to Paystrator' });
      continue;
    }
    writes.push({ product: c.product, destination: c.destination, file: c.file, providers: [...c.live] });
  }
  return { writes, skipped };
}

const RESERVED_PLAIN = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;
const SAFE_PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;

function nameText(name: string): string {
  return SAFE_PLAIN.test(name) && !RESERVED_PLAIN.test(name) ? name : JSON.stringify(name);
}

function range(n: unknown): [number, number, number] {
  const r = (n as { range?: [number, number, number] | null } | null)?.range;
  if (!r) throw new SequenceEditError('a node has no source position');
  return r;
}

function isSequenceDoc(d: Document, key: SequenceKey): boolean {
  const js = d.toJS({ maxAliasCount: 100 }) as { kind?: unknown; spec?: { product?: unknown; destination?: unknown } } | null;
  return js?.kind === 'Sequence' && js.spec?.product === key.product && (js.spec.destination ?? null) === key.destination;
}

function parse(text: string): Document[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  if (docs.some((d) => d.errors.length)) throw new SequenceEditError('the file has YAML errors; fix them first (paystrator-gitops validate)');
  return docs;
}

/** A block list rewritten in the new order, each kept item with its own lines. */
function blockList(text: string, seq: YAMLSeq, names: readonly string[]): { start: number; end: number; text: string } {
  const items = seq.items.map((node) => {
    if (!isScalar(node) || typeof node.value !== 'string') throw new SequenceEditError('spec.providers holds an item that is not a plain name; edit it by hand');
    const [start, end] = range(node);
    const from = text.lastIndexOf('\n', start - 1) + 1;
    if (!/^\s*-\s*$/.test(text.slice(from, start))) throw new SequenceEditError('spec.providers: an item shares its line with other content; edit it by hand');
    if (text.slice(start, end).includes('\n')) throw new SequenceEditError('spec.providers: an item spans lines; edit it by hand');
    const nl = text.indexOf('\n', end);
    const lineEnd = nl === -1 ? text.length : nl + 1;
    if (!/^\s*(#.*)?\r?\n?$/.test(text.slice(end, lineEnd))) throw new SequenceEditError('spec.providers: an item shares its line with other content; edit it by hand');
    return { name: node.value, lineStart: from, valueStart: start, lineEnd };
  });
  const first = items[0];
  if (!first) throw new SequenceEditError('spec.providers is empty in the file');
  // Each item owns its line and the comment lines above it, up to the previous item.
  const chunks = new Map<string, string>();
  items.forEach((it, i) => {
    const from = i === 0 ? it.lineStart : items[i - 1]!.lineEnd;
    const chunk = text.slice(from, it.lineEnd);
    if (!chunks.has(it.name)) chunks.set(it.name, chunk.endsWith('\n') ? chunk : `${chunk}\n`);
  });
  const prefix = text.slice(first.lineStart, first.valueStart);
  const end = items[items.length - 1]!.lineEnd;
  let out = names.map((n) => chunks.get(n) ?? `${prefix}${nameText(n)}\n`).join('');
  if (!text.slice(0, end).endsWith('\n')) out = out.replace(/\r?\n$/, '');
  return { start: first.lineStart, end, text: out };
}

/** Sets the provider list of one Sequence document in a file's text to `names`. */
export function editSequenceYaml(text: string, key: SequenceKey, names: readonly string[]): string {
  const docs = parse(text);
  const matching = docs.filter((d) => isSequenceDoc(d, key));
  if (matching.length !== 1) throw new SequenceEditError(matching.length ? 'the sequence is declared more than once in the file' : `no Sequence document for ${describeSequence(key)} in the file`);
  const doc = matching[0]!;
  const spec = isMap(doc.contents) ? doc.contents.get('spec', true) : undefined;
  const seq = isMap(spec) ? spec.get('providers', true) : undefined;
  if (!isSeq(seq)) throw new SequenceEditError('spec.providers is not a list in the file; edit it by hand');
  let edit: { start: number; end: number; text: string };
  if (seq.flow) {
    const [start, end] = range(seq);
    const inner = names.map(nameText).join(', ');
    edit = { start, end, text: text[start + 1] === ' ' ? `[ ${inner} ]` : `[${inner}]` };
  } else {
    edit = blockList(text, seq, names);
  }
  const out = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  const after = parse(out);
  const edited = after.filter((d) => isSequenceDoc(d, key));
  const expected = structuredClone(doc.toJS()) as { spec: { providers: string[] } };
  expected.spec.providers = [...names];
  const others = (ds: Document[], skip: Document | undefined) => JSON.stringify(ds.filter((d) => d !== skip).map((d): unknown => d.toJS()));
  if (edited.length !== 1 || JSON.stringify(edited[0]!.toJS()) !== JSON.stringify(expected) || others(after, edited[0]) !== others(docs, doc)) {
    throw new SequenceEditError('the edit did not give the expected list; the file is left unchanged, edit it by hand');
  }
  return out;
}
