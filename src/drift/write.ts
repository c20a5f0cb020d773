// `drift --write`: accept live values into the provider files, like a refresh-only apply. The
// yaml Document API finds each field's node and its exact source range; only those ranges are
// rewritten, so every other byte of the file (comments, order, spacing, quoting, other documents)
// stays as it was. Every edit is checked by parsing the result before the file is replaced.
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar, type Document, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Json } from '../diff/diff.js';
import { MANAGED_BY_LABEL } from '../model/state.js';
import type { DriftReport } from './drift.js';
import { redact } from '../text/redact.js';
import { editSequenceYaml, SequenceEditError, sequenceWriteBacks, type SequenceWrite } from '../sequences/write.js';
import { describeSequence } from '../model/sequence.js';
import { compareText } from '../text/order.js';

/** One field to set to its live value; `value` undefined removes it (a label gone live). */
export interface FieldEdit {
  field: string;
  value: Json | undefined;
}

export interface Skipped {
  provider: string;
  field: string;
  why: string;
}

export interface WrittenFile {
  file: string;
  providers: { name: string; fields: string[] }[];
  /** Sequences whose provider list was set to the live order, as "VIRTUAL_ACCOUNT (default)". */
  sequences?: string[];
}

export interface WriteResult {
  written: WrittenFile[];
  skipped: Skipped[];
}

/** Thrown when a file cannot be edited safely; nothing is written to it. */
export class EditError extends Error {}

type Node = { range?: [number, number, number] | null };
type Splice = { start: number; end: number; text: string };

const DECIMAL_FIELDS = new Set(['spec.fee.percent', 'spec.fee.amount', 'spec.tax.vatPercent']);
const RESERVED_PLAIN = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;
const SAFE_PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;

/** Field path -> YAML path. Label keys may hold dots, so they are one segment. */
export function yamlPath(field: string): string[] {
  if (field.startsWith('metadata.labels.')) return ['metadata', 'labels', field.slice('metadata.labels.'.length)];
  if (field.startsWith('spec.credentials.')) return ['spec', 'credentials', field.slice('spec.credentials.'.length)];
  return field.split('.');
}

function scalarText(v: string | number | boolean | null, style: Scalar.Type | undefined, decimal: boolean): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  // Decimals go in as strings: a YAML number may be read as a binary float by other tools.
  const s = typeof v === 'number' || decimal ? String(v) : v;
  // eslint-disable-next-line no-control-regex
  if (style === Scalar.QUOTE_SINGLE && !/[\u0000-\u001f\u007f]/.test(s)) return `'${s.replace(/'/g, "''")}'`;
  if (style !== Scalar.QUOTE_DOUBLE && style !== Scalar.QUOTE_SINGLE && SAFE_PLAIN.test(s) && !RESERVED_PLAIN.test(s)) return s;
  // A JSON string is a valid YAML double-quoted scalar, in block and flow context alike.
  return JSON.stringify(s);
}

function keyText(k: string): string {
  return SAFE_PLAIN.test(k) && !RESERVED_PLAIN.test(k) ? k : JSON.stringify(k);
}

/** A value in flow style, valid anywhere a node may stand. */
function flowText(v: Json, field: string): string {
  if (Array.isArray(v)) return `[${v.map((x) => flowText(x, field)).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? `{ ${entries.map(([k, x]) => `${keyText(k)}: ${flowText(x, `${field}.${k}`)}`).join(', ')} }` : '{}';
  }
  return scalarText(v, undefined, DECIMAL_FIELDS.has(field));
}

const lineStart = (text: string, offset: number) => text.lastIndexOf('\n', offset - 1) + 1;
const columnOf = (text: string, offset: number) => offset - lineStart(text, offset);

function range(n: unknown): [number, number, number] {
  const r = (n as Node | null)?.range;
  if (!r) throw new EditError('a node has no source position');
  return r;
}

function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, canon(x)])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** Builds the splices that make one document's fields equal the given values. */
class DocEditor {
  private readonly splices: Splice[] = [];
  constructor(private readonly text: string) {}

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    return map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  }

  /**
   * Sets the field at `segs` below `map` (whose own field path is `base`) to value, or removes
   * it when value is undefined.
   */
  set(map: YAMLMap, base: string, segs: string[], value: Json | undefined): void {
    const [key, ...rest] = segs as [string, ...string[]];
    const field = [base, ...segs].filter(Boolean).join('.');
    if (map.items.some((p) => isScalar(p.key) && p.key.value === '<<')) throw new EditError(`${field} is in a mapping with a YAML merge key (<<); edit it by hand`);
    const pair = this.pairOf(map, key);
    const here = base ? `${base}.${key}` : key;
    if (!pair) {
      if (value === undefined) return;
      let nested: Json = value;
      for (const k of [...rest].reverse()) nested = { [k]: nested };
      this.insertPair(map, base, key, nested);
      return;
    }
    const node = pair.value;
    if (isAlias(node)) throw new EditError(`${field} is set through a YAML alias; edit it by hand`);
    if (rest.length) {
      if (!isMap(node)) throw new EditError(`${here} is not a mapping in the file`);
      this.set(node, here, rest, value);
      return;
    }
    if (value === undefined) return this.removePair(map, base, pair);
    this.replace(node, value, here, map.flow === true);
  }

  private replace(node: unknown, value: Json, field: string, inFlow: boolean): void {
    if (isScalar(node) && (value === null || typeof value !== 'object')) {
      const [start, end] = range(node);
      this.splices.push({ start, end, text: scalarText(value, node.type, DECIMAL_FIELDS.has(field)) });
    } else if (isSeq(node) && Array.isArray(value)) {
      this.editSeq(node, value, field);
    } else if (isMap(node) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const have = node.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).sort();
      const sameKeys = JSON.stringify(have) === JSON.stringify(Object.keys(value).sort());
      if (node.flow && !sameKeys) {
        this.rewriteFlowMap(node, field, value);
        return;
      }
      for (const [k, v] of Object.entries(value)) this.set(node, field, [k], v);
      for (const p of node.items) {
        const k = isScalar(p.key) ? String(p.key.value) : undefined;
        if (k !== undefined && !(k in value)) this.removePair(node, field, p);
      }
    } else if (node === null || node === undefined) {
      throw new EditError(`${field} has no value in the file to replace`);
    } else {
      // Another kind of node (a scalar becoming a list...): a flow value fits where it stood.
      const [start, end] = range(node);
      this.splices.push({ start, end: isScalar(node) || inFlow ? end : trimEnd(this.text, start, end), text: flowText(value, field) });
    }
  }

  /** Keeps the file's order of the items that stay; new items go at the end. */
  private editSeq(seq: YAMLSeq, value: Json[], field: string): void {
    const current = seq.items.map((n) => (isScalar(n) ? n.value : undefined));
    const next = mergeList(current as Json[], value);
    if (seq.flow) {
      const [start, end] = range(seq);
      const spaced = this.text[start + 1] === ' ';
      const inner = next.map((v) => flowText(v, field)).join(', ');
      this.splices.push({ start, end, text: spaced && inner ? `[ ${inner} ]` : `[${inner}]` });
      return;
    }
    if (current.some((v) => v === undefined)) throw new EditError(`${field} holds a list item that is not a plain value; edit it by hand`);
    const wanted = new Set(value.map((v) => JSON.stringify(v)));
    const col = columnOf(this.text, range(seq)[0]);
    let after = 0;
    for (const item of seq.items) {
      const [start, , nodeEnd] = range(item);
      after = Math.max(after, nodeEnd);
      if (wanted.has(JSON.stringify((item as Scalar).value))) continue;
      const from = lineStart(this.text, start);
      if (!/^\s*-\s*$/.test(this.text.slice(from, start))) throw new EditError(`${field}: a list item shares its line with other content; edit it by hand`);
      this.splices.push({ start: from, end: nodeEnd, text: '' });
    }
    const added = next.slice(current.filter((v) => wanted.has(JSON.stringify(v))).length);
    if (added.length) this.insertLines(after, added.map((v) => `${' '.repeat(col)}- ${flowText(v, field)}`));
  }

  /** Inserts whole lines at a line boundary; insertions at one place keep their order. */
  private insertLines(at: number, lines: string[]): void {
    const needsBreak = at > 0 && this.text[at - 1] !== '\n';
    const prior = this.splices.find((s) => s.start === at && s.end === at);
    if (prior) {
      prior.text = needsBreak ? `${prior.text}\n${lines.join('\n')}` : `${prior.text}${lines.join('\n')}\n`;
      return;
    }
    this.splices.push({ start: at, end: at, text: needsBreak ? `\n${lines.join('\n')}` : `${lines.join('\n')}\n` });
  }

  /** Writes a mapping again whole, in flow style, with these entries. */
  private rewriteFlowMap(map: YAMLMap, base: string, entries: Record<string, Json>): void {
    const [start, end] = range(map);
    const body = Object.entries(entries).map(([k, v]) => `${keyText(k)}: ${flowText(v, base ? `${base}.${k}` : k)}`);
    const spaced = !map.flow || this.text[start + 1] === ' ';
    const text = body.length ? (spaced ? `{ ${body.join(', ')} }` : `{${body.join(', ')}}`) : '{}';
    this.splices.push({ start, end: map.flow ? end : trimEnd(this.text, start, end), text });
  }

  private insertPair(map: YAMLMap, base: string, key: string, value: Json): void {
    const field = base ? `${base}.${key}` : key;
    if (map.flow || map.items.length === 0) {
      this.rewriteFlowMap(map, base, { ...((map.toJSON() ?? {}) as Record<string, Json>), [key]: value });
      return;
    }
    const col = columnOf(this.text, range(map.items[0]!.key)[0]);
    let after = 0;
    for (const p of map.items) after = Math.max(after, range(p.value ?? p.key)[2]);
    this.insertLines(after, [`${' '.repeat(col)}${keyText(key)}: ${flowText(value, field)}`]);
  }

  private removePair(map: YAMLMap, base: string, pair: Pair): void {
    const key = String((pair.key as Scalar).value);
    if (map.flow || map.items.length === 1) {
      const js = { ...(map.toJSON() as Record<string, Json>) };
      delete js[key];
      this.rewriteFlowMap(map, base, js);
      return;
    }
    const keyStart = range(pair.key)[0];
    const from = lineStart(this.text, keyStart);
    if (this.text.slice(from, keyStart).trim() !== '') throw new EditError(`${base}.${key} shares its line with other content; edit it by hand`);
    this.splices.push({ start: from, end: range(pair.value ?? pair.key)[2], text: '' });
  }

  apply(): string {
    const sorted = [...this.splices].sort((a, b) => b.start - a.start || b.end - a.end);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.end > sorted[i - 1]!.start) throw new EditError('two edits overlap; edit the file by hand');
    }
    let out = this.text;
    for (const s of sorted) out = out.slice(0, s.start) + s.text + out.slice(s.end);
    return out;
  }
}

/** The file's order for the items that stay, then the new ones. */
function mergeList(current: Json[], wanted: Json[]): Json[] {
  const key = (v: unknown) => JSON.stringify(v);
  const keep = new Set(wanted.map(key));
  const have = new Set(current.map(key));
  return [...current.filter((v) => keep.has(key(v))), ...wanted.filter((v) => !have.has(key(v)))];
}

/** A block collection's range ends after its line break; a replacement keeps that break. */
function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && /\s/.test(text[e - 1]!)) e -= 1;
  return e;
}

/** Which document of a file an edit is for: a kind, and its metadata.name unless there is one of it. */
export interface DocumentSelector {
  kind: string;
  name?: string;
}

function findDocument(docs: Document[], provider: string | DocumentSelector): Document | undefined {
  const want = typeof provider === 'string' ? { kind: 'Provider', name: provider } : provider;
  return docs.find((d) => {
    const js = d.toJS({ maxAliasCount: 100 }) as { kind?: unknown; metadata?: { name?: unknown } } | null;
    return js?.kind === want.kind && (want.name === undefined || js.metadata?.name === want.name);
  });
}

function setJs(target: Record<string, unknown>, segs: string[], value: unknown): void {
  const [key, ...rest] = segs as [string, ...string[]];
  if (rest.length === 0) {
    if (value === undefined) delete target[key];
    else target[key] = value;
    return;
  }
  if (typeof target[key] !== 'object' || target[key] === null) {
    if (value === undefined) return;
    target[key] = {};
  }
  setJs(target[key] as Record<string, unknown>, rest, value);
}

/**
 * Edits one provider's document in a file's text; throws EditError when it cannot do so safely.
 * The result is parsed back: the edited document must hold exactly the old values with the edits
 * applied, and every other document must be unchanged.
 */
export function editProviderYaml(text: string, provider: string | DocumentSelector, edits: FieldEdit[]): string {
  const parse = (t: string) => {
    const docs = parseAllDocuments(t);
    if (!Array.isArray(docs)) return [];
    if (docs.some((d) => d.errors.length)) throw new EditError('the file has YAML errors; fix them first (paystrator-gitops validate)');
    return docs;
  };
  const docs = parse(text);
  const doc = findDocument(docs, provider);
  if (!doc) throw new EditError(typeof provider === 'string' ? `no Provider document named ${JSON.stringify(provider)} in the file` : `no ${provider.kind} document${provider.name === undefined ? '' : ` named ${JSON.stringify(provider.name)}`} in the file`);
  if (!isMap(doc.contents)) throw new EditError('the document is not a mapping');
  const before = doc.toJS() as Record<string, unknown>;
  const expected = structuredClone(before);
  for (const e of edits) {
    const segs = yamlPath(e.field);
    const current = getJs(expected, segs);
    setJs(expected, segs, Array.isArray(e.value) && Array.isArray(current) ? mergeList(current as Json[], e.value) : e.value);
  }
  // Labels change as one mapping: adding or removing a key in a flow mapping rewrites all of it.
  const labelEdits = edits.filter((e) => e.field.startsWith('metadata.labels.'));
  const grouped = edits.filter((e) => !labelEdits.includes(e));
  if (labelEdits.length) {
    const labels = (getJs(expected, ['metadata', 'labels']) ?? {}) as Record<string, Json>;
    if (getJs(before, ['metadata', 'labels']) !== undefined || Object.keys(labels).length) grouped.push({ field: 'metadata.labels', value: labels });
  }
  const editor = new DocEditor(text);
  for (const e of grouped) editor.set(doc.contents, '', yamlPath(e.field), e.value);
  const out = editor.apply();
  const after = parse(out);
  const edited = findDocument(after, provider);
  const others = (ds: Document[], skip: Document | undefined) => ds.filter((d) => d !== skip).map((d): unknown => d.toJS());
  if (!edited || !sameJson(edited.toJS(), expected) || !sameJson(others(after, edited), others(docs, doc))) {
    throw new EditError('the edit did not give the expected values; the file is left unchanged, edit it by hand');
  }
  return out;
}

function getJs(o: unknown, segs: string[]): unknown {
  return segs.reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

/** The edits that accept a drifted provider's live values, and what cannot be written. */
export function editsFor(c: DriftReport['changed'][number]): { edits: FieldEdit[]; skipped: Skipped[] } {
  const edits: FieldEdit[] = [];
  const skipped: Skipped[] = [];
  for (const f of c.fields) {
    if (f.field === `metadata.labels.${MANAGED_BY_LABEL}`) {
      skipped.push({ provider: c.name, field: f.field, why: 'set by apply, not kept in the file' });
      continue;
    }
    edits.push({ field: f.field, value: f.live });
  }
  for (const s of c.secrets) {
    const why =
      s.kind === 'rotated-live'
        ? 'a secret rotated outside git: git holds only its reference. To keep the new value, put it in the secret store; either way, apply then records it'
        : 'a secret: git holds only its reference, apply writes it';
    skipped.push({ provider: c.name, field: s.field, why });
  }
  return { edits, skipped };
}

async function replaceFile(file: string, text: string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // Live values go into git: one that quotes a resolved secret is masked like any output.
    await writeFile(tmp, redact(text), { mode });
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/** A file drift --write would replace: its text now and with the live values. */
export interface PlannedFile extends WrittenFile {
  before: string;
  after: string;
}

/**
 * The edits of every drifted field, file by file, without writing anything: what `--dry-run`
 * previews and what the drift pull request commits. A file whose edits do not all succeed is left
 * out whole, its fields skipped with the reason.
 */
export async function planDriftWrite(report: DriftReport, baseDir: string): Promise<{ files: PlannedFile[]; skipped: Skipped[] }> {
  const skipped: Skipped[] = [];
  const byFile = new Map<string, { providers: { provider: string; edits: FieldEdit[]; select?: DocumentSelector }[]; sequences: SequenceWrite[] }>();
  const entry = (file: string) => {
    let e = byFile.get(file);
    if (!e) byFile.set(file, (e = { providers: [], sequences: [] }));
    return e;
  };
  // The account settings: each drifted field is a path into its document, set to the live value.
  for (const r of report.resources ?? []) {
    if (!r.file || !r.fields.length) continue;
    entry(r.file).providers.push({ provider: r.name, edits: r.fields.map((f) => ({ field: f.field, value: f.live })), select: { kind: r.kind, ...(r.name === r.kind ? {} : { name: r.name }) } });
  }
  for (const c of report.changed) {
    const r = editsFor(c);
    skipped.push(...r.skipped);
    if (!r.edits.length) continue;
    entry(c.file).providers.push({ provider: c.name, edits: r.edits });
  }
  const seq = sequenceWriteBacks(report);
  for (const s of seq.skipped) skipped.push({ provider: s.sequence, field: 'spec.providers', why: s.why });
  for (const w of seq.writes) entry(w.file).sequences.push(w);
  const files: PlannedFile[] = [];
  for (const [file, { providers, sequences }] of [...byFile].sort(([a], [b]) => compareText(a, b))) {
    const abs = path.resolve(baseDir, file);
    try {
      const before = await readFile(abs, 'utf8');
      let text = before;
      for (const p of providers) text = editProviderYaml(text, p.select ?? p.provider, p.edits);
      for (const w of sequences) text = editSequenceYaml(text, w, w.providers);
      // Live values go into git: one that quotes a resolved secret is masked like any output.
      files.push({
        file, before, after: redact(text),
        providers: providers.map((p) => ({ name: p.provider, fields: p.edits.map((e) => e.field) })),
        ...(sequences.length ? { sequences: sequences.map(describeSequence) } : {}),
      });
    } catch (e) {
      if (!(e instanceof EditError) && !(e instanceof SequenceEditError)) throw e;
      for (const p of providers) for (const ed of p.edits) skipped.push({ provider: p.provider, field: ed.field, why: `${file}: ${e.message}` });
      for (const w of sequences) skipped.push({ provider: `sequence ${describeSequence(w)}`, field: 'spec.providers', why: `${file}: ${e.message}` });
    }
  }
  return { files, skipped };
}

/**
 * Writes the live values of every drifted field into the files that declare them. A file is
 * replaced atomically and only when all of its edits succeeded.
 */
export async function writeDrift(report: DriftReport, baseDir: string, planned?: Awaited<ReturnType<typeof planDriftWrite>>): Promise<WriteResult> {
  const { files, skipped } = planned ?? (await planDriftWrite(report, baseDir));
  const written: WrittenFile[] = [];
  for (const f of files) {
    await replaceFile(path.resolve(baseDir, f.file), f.after);
    written.push({ file: f.file, providers: f.providers, ...(f.sequences ? { sequences: f.sequences } : {}) });
  }
  return { written, skipped };
}
