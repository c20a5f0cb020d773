// YAML with positions: every value can be traced back to file:line:col, so each diagnostic points
// at the node (or the key) it is about. Source tokens are not kept (keepSourceTokens costs +60%
// time and 2.5x memory); node ranges plus a LineCounter are enough.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type YAMLError } from 'yaml';
import { error, warning, type Diagnostic } from '../diagnostics.js';

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
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
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
    const coll = isAlias(node) ? (node.resolve(doc) as AnyNode | undefined) : node;
    let next: AnyNode | null | undefined;
    let nextKey: AnyNode | null = null;
    if (isMap(coll)) {
      const pair = coll.items.find((p) => keyText(p.key) === String(seg));
      if (pair) {
        nextKey = pair.key as AnyNode;
        // `? key` with no value has no value node: the key is the best place to point at.
        next = (pair.value as AnyNode | null) ?? nextKey;
      }
    } else if (isSeq(coll)) {
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
 * Parses every document of a file. A document with syntax errors is reported and left out, so
 * validation never runs on a half-parsed value; empty documents (`---` alone, comments) are dropped.
 */
export function parseYaml(text: string, file: string): YamlFile {
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
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
  if ('empty' in parsed) {
    report(parsed.errors);
    report(parsed.warnings);
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
      posOf((isMap(node) || isSeq(node)) && !node.flow && key ? key : node);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Unresolved aliases and alias bombs surface only here.
      errors.push(error(`YAML: ${(e as Error).message}`, { file, ...posOf(doc.contents as AnyNode | null), rule: 'yaml-syntax' }));
      return;
    }
    if (value === null || value === undefined) return;
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
        const n = isAlias(l.node) ? l.node.resolve(doc) : l.node;
        if (!isScalar(n)) return undefined;
        if (typeof n.value === 'number' && typeof n.source === 'string') return n.source;
        return typeof n.value === 'string' ? n.value : String(n.value);
      },
    });
  });
  return { docs, errors, warnings };
}
