// YAML with positions: every value can be traced back to file:line:col, so each diagnostic points
// at the node (or the key) it is about. Source tokens are not kept (keepSourceTokens costs +60%
// time and 2.5x memory); node ranges plus a LineCounter are enough.
import { createRequire } from 'node:module';
import type { CST, Document, LineCounter, YAMLError } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics.js';

// yaml@2 sets itself up (~5 ms) only for a file the fast path (quickyaml.ts) declines, or for a
// message: a no-op plan of the usual files never loads it. The build bundles this require.
let yamlLib: typeof import('yaml') | undefined;
const Y = (): typeof import('yaml') => (yamlLib ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/** Nesting limit (SPEC section 3): deeper documents are one error at the collection that goes over. */
export const MAX_DEPTH = 64;

export type PathSeg = string | number;

export interface Position {
  line: number;
  col: number;
}

export interface YamlDocument {
  /** 0-based index of the document in its file. */
  index: number;
  value: unknown;
  /** Position of the node at path, or of its nearest existing ancestor. */
  pos(path: readonly PathSeg[]): Position;
  /** Position of the key of the path's last segment (for unknown keys); pos(path) when there is none. */
  keyPos(path: readonly PathSeg[]): Position;
  /**
   * The scalar at path as written: a number's source text (`0.30000000000000004`, not the float it
   * rounds to), a string's value. undefined when there is no scalar there.
   */
  source(path: readonly PathSeg[]): string | undefined;
}

export interface YamlFile {
  docs: YamlDocument[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Dotted display path: spec.fee.percent, spec.services[1], metadata.labels["app.io/x"]. */
export function dotted(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type AnyNode = { range?: [number, number, number] | null } & object;

function keyText(key: unknown): string | undefined {
  if (!Y().isScalar(key)) return undefined;
  return key.value === null ? '' : scalarText(key.value);
}

/**
 * The text of a resolved YAML scalar as String() gives it; undefined for a value that is not one
 * (yaml@2's core schema and js-yaml's default one resolve scalars to nothing else).
 */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null) return String(v);
  return undefined;
}

interface Located {
  /** Deepest node reached; equals the node at path when `complete`. */
  node: AnyNode | null;
  /** Key node of the last matched segment, when it came from a mapping. */
  key: AnyNode | null;
  complete: boolean;
}

function locate(doc: Document, path: readonly PathSeg[]): Located {
  let node = doc.contents as AnyNode | null;
  let key: AnyNode | null = null;
  for (const seg of path) {
    const coll = Y().isAlias(node) ? (node.resolve(doc) as AnyNode | undefined) : node;
    let next: AnyNode | null | undefined;
    let nextKey: AnyNode | null = null;
    if (Y().isMap(coll)) {
      const pair = coll.items.find((p) => keyText(p.key) === String(seg));
      if (pair) {
        nextKey = pair.key as AnyNode;
        // `? key` with no value has no value node: the key is the best place to point at.
        next = (pair.value as AnyNode | null) ?? nextKey;
      }
    } else if (Y().isSeq(coll)) {
      next = coll.items[Number(seg)] as AnyNode | undefined;
    }
    if (!next) return { node, key, complete: false };
    node = next;
    key = nextKey;
  }
  return { node, key, complete: true };
}

function yamlDiagnostic(e: YAMLError, file: string, text: string, lc: LineCounter): Diagnostic {
  const { line, col } = lc.linePos(e.pos[0]);
  if (e.code === 'DUPLICATE_KEY') {
    const k = /^\s*("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:#\n]*[^\s:#])/.exec(text.slice(e.pos[0], e.pos[0] + 200));
    const name = k?.[1] ? k[1].replace(/^["']|["']$/g, '') : undefined;
    const msg = name !== undefined ? `duplicate key "${name}": keys must be unique in a mapping` : e.message;
    return error(msg, { file, line, col, rule: 'duplicate-key' });
  }
  const make = e.name === 'YAMLWarning' ? warning : error;
  return make(`YAML: ${e.message}`, { file, line, col, rule: 'yaml-syntax' });
}

/**
 * Offset of the first collection nested deeper than MAX_DEPTH, or -1. Walked on the parser's
 * tokens without recursion, before the composer (which recurses) sees them: a 10,000-deep list
 * must be an error at its line, not a stack overflow.
 */
function tooDeep(tokens: readonly CST.Token[]): number {
  const stack: [CST.Token | undefined, number][] = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [t, depth] = stack.pop()!;
    if (!t) continue;
    if (t.type === 'document') {
      stack.push([t.value, depth]);
    } else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth + 1 > MAX_DEPTH) return t.offset;
      for (const item of t.items) {
        if ('key' in item) stack.push([item.key ?? undefined, depth + 1]);
        stack.push([item.value, depth + 1]);
      }
    }
  }
  return -1;
}

// Tags yaml@2 resolves (YAML 1.1 types) to values no field of this product takes; a secret given
// as !!binary must not turn into bytes that something later prints or sends.
function notPlain(v: unknown): string | undefined {
  if (v instanceof Uint8Array) return '!!binary';
  if (v instanceof Date) return '!!timestamp';
  if (v instanceof Set) return '!!set';
  if (v instanceof Map) return '!!omap';
  return undefined;
}

/** Path and tag of the first value that is not JSON-like (string, number, boolean, null, list, mapping). */
function firstNotPlain(value: unknown): { path: PathSeg[]; tag: string } | undefined {
  const stack: [unknown, PathSeg[]][] = [[value, []]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    const tag = notPlain(v);
    if (tag) return { path, tag };
    if (Array.isArray(v)) v.forEach((x, i) => stack.push([x, [...path, i]]));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) stack.push([x, [...path, k]]);
  }
  return undefined;
}

/**
 * Parses every document of a file. A document with syntax errors is reported and left out, so
 * validation never runs on a half-parsed value; empty documents (`---` alone, comments) are dropped.
 */
export function parseYaml(text: string, file: string): YamlFile {
  const lc = new (Y().LineCounter)();
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const docs: YamlDocument[] = [];
  const report = (list: readonly YAMLError[]) => {
    let last = '';
    for (const e of list) {
      const d = yamlDiagnostic(e, file, text, lc);
      // yaml often explains one mistake twice at the same spot; the first is the clearer.
      const at = `${d.line}:${d.col}`;
      if (at === last) continue;
      last = at;
      (d.severity === 'error' ? errors : warnings).push(d);
    }
  };
  // parseAllDocuments in steps, so the depth check runs between parsing and composing.
  const tokens = [...new (Y().Parser)(lc.addNewLine).parse(text)];
  const deep = tooDeep(tokens);
  if (deep >= 0) {
    const message = `YAML: nesting deeper than ${MAX_DEPTH} levels (collections inside collections); flatten the document`;
    errors.push(error(message, { file, ...lc.linePos(deep), rule: 'yaml-depth' }));
    return { docs, errors, warnings };
  }
  const composer = new (Y().Composer)({ prettyErrors: false });
  const parsed = [...composer.compose(tokens)];
  if (parsed.length === 0) {
    const info = composer.streamInfo();
    report(info.errors);
    report(info.warnings);
    return { docs, errors, warnings };
  }
  parsed.forEach((doc, index) => {
    report(doc.errors);
    report(doc.warnings);
    if (doc.errors.length > 0) return;
    const start = lc.linePos(doc.range[0]);
    const posOf = (n: AnyNode | null): Position => {
      const offset = n?.range?.[0];
      return offset === undefined ? start : lc.linePos(offset);
    };
    // A block mapping or list starts at its first item; its key is where a reader looks for it.
    const nodePos = ({ node, key }: Located): Position =>
      posOf((Y().isMap(node) || Y().isSeq(node)) && !node.flow && key ? key : node);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Unresolved aliases and alias bombs surface only here.
      errors.push(error(`YAML: ${(e as Error).message}`, { file, ...posOf(doc.contents), rule: 'yaml-syntax' }));
      return;
    }
    if (value === null || value === undefined) return;
    const odd = firstNotPlain(value);
    if (odd) {
      const message = `a ${odd.tag} value is not accepted: write text (a secret as a secretRef)`;
      const at = nodePos(locate(doc, odd.path));
      errors.push(error(message, { file, ...at, ...(odd.path.length ? { field: dotted(odd.path) } : {}), rule: 'yaml-tag' }));
      return;
    }
    docs.push({
      index,
      value,
      pos: (path) => nodePos(locate(doc, path)),
      keyPos: (path) => {
        const l = locate(doc, path);
        return l.complete && l.key ? posOf(l.key) : nodePos(l);
      },
      source: (path) => {
        const l = locate(doc, path);
        if (!l.complete) return undefined;
        const n = Y().isAlias(l.node) ? l.node.resolve(doc) : l.node;
        if (!Y().isScalar(n)) return undefined;
        if (typeof n.value === 'number' && typeof n.source === 'string') return n.source;
        return typeof n.value === 'string' ? n.value : String(n.value);
      },
    });
  });
  return { docs, errors, warnings };
}
