// The fast path: js-yaml `load` (about 20 us per provider file where yaml@2 takes about 400 us)
// for the YAML people write. It gives a value only when yaml@2 would give the same value and
// accept the text too; for anything else it declines (undefined) and the caller uses parseYaml,
// which also owns every message. docs/decisions/0001-yaml-parsing.md says why; quickyaml.test.ts
// holds the two paths to agreement on the YAML test suite, a real-world corpus and generated and
// mutated documents.
import jsyaml from 'js-yaml';
import { MAX_DEPTH, parseYaml, scalarText, type PathSeg, type Position, type YamlDocument, type YamlFile } from './yaml.js';

declare module 'js-yaml' {
  // Documented in js-yaml 4.3's README (nesting limit, exceptions past it); @types/js-yaml 4.0.9 predates it.
  interface LoadOptions {
    maxDepth?: number;
  }
}

// Text js-yaml is known to read differently from yaml@2 (or to accept where yaml@2 refuses), found
// by running both on the YAML test suite; all of it is rare in hand-written config:
// - tabs, CR, NUL and other C0/C1 controls, BOMs inside the text, Unicode line separators;
// - anchors, aliases, tags, directives and block scalars (an indicator after a separator);
// - document end markers, content on a `---` line, a comment glued to a closing quote or bracket;
// - lines over 1,000 characters (yaml@2 refuses implicit keys over 1,024).
// eslint-disable-next-line no-control-regex
const UNUSUAL = /[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029]|(?:^|[\s,[\]{}:])[&*!|>%@`]/m;
// A character class alone is a fast scan; most files have none of these, so UNUSUAL rarely runs.
// eslint-disable-next-line no-control-regex
const UNUSUAL_CHAR = /[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\u2028\u2029&*!|>%@`]/;
const MARKERS = /^(?:\.\.\.|---[ ]*[^\s#])|["'\]},]#/m;
const MAX_LINE = 1000;

function hasLongLine(text: string): boolean {
  for (let start = 0; ; ) {
    const nl = text.indexOf('\n', start);
    if ((nl < 0 ? text.length : nl) - start > MAX_LINE) return true;
    if (nl < 0) return false;
    start = nl + 1;
  }
}

// Number forms whose value js-yaml and yaml@2 both take from JavaScript's own number syntax. The
// YAML 1.2 core schema's patterns (the ones yaml@2 uses) decide what is a null, a boolean, a number; the fast
// path keeps only numbers whose text is exactly the number's canonical string (`1.5`, `1000`, not
// `1.50`, `1e3`, `0x1F`, `.5`), so the text as written (SPEC 3: money is exact) is String(value).
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;

const CORE_NULL = /^(?:~|[Nn]ull|NULL)?$/;
const CORE_BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;

let nonCanonical = false;
const nullType = new jsyaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: unknown) => data === null || (typeof data === 'string' && CORE_NULL.test(data)),
  construct: () => null,
});
const boolType = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && CORE_BOOL.test(data),
  construct: (data: string) => data[0] === 't' || data[0] === 'T',
});
const numberType = new jsyaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && CORE_NUMBER.test(data),
  construct: (data: string) => {
    const v = Number(data);
    if (String(v) !== data) nonCanonical = true;
    return v;
  },
});
const SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, numberType] });

/** A node as js-yaml's parse events delimit it: where it starts, its value and its children. */
interface Node {
  start: number;
  end: number;
  result: unknown;
  kind: string;
  children: Node[];
}

// Thrown by locate() when the event tree does not line up with the value; the yaml@2 path answers.
const MISMATCH = new Error('positions not on the fast path');

/** js-yaml opens a node twice when an implicit-key probe turns out to be the node itself. */
function unwrap(n: Node): Node {
  for (let c = n.children[0]; n.children.length === 1 && c && c.result === n.result && c.kind === n.kind; c = n.children[0]) n = c;
  return n;
}

class Located {
  constructor(
    readonly node: Node,
    readonly key: Node | null,
    readonly complete: boolean,
  ) {}
}

/** Walks a tree consistent() has checked and unwrapped: a key and a value node per pair. */
function locate(root: Node, path: readonly PathSeg[]): Located {
  let node = root;
  let key: Node | null = null;
  for (const seg of path) {
    let next: Node | undefined;
    let nextKey: Node | null = null;
    if (node.kind === 'mapping') {
      const name = String(seg);
      for (let i = 0; i < node.children.length; i += 2) {
        if (node.children[i]!.result === name) {
          nextKey = node.children[i]!;
          next = node.children[i + 1];
          break;
        }
      }
    } else if (node.kind === 'sequence') {
      next = node.children[Number(seg)];
    }
    if (!next) return new Located(node, key, false);
    node = next;
    key = nextKey;
  }
  return new Located(node, key, true);
}

/** The first offset at or after i that is not a space, a line break or a comment. */
function skipBlank(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10) i++;
    else if (c === 35) {
      const e = text.indexOf('\n', i);
      if (e < 0) return text.length;
      i = e + 1;
    } else return i;
  }
}

/**
 * The events line up with the value (a key and a value node per pair, a node per item), and every
 * key is a string: yaml@2 and js-yaml turn other keys (`null`, `1`, an empty key) into strings
 * differently, and a pair without a value node (`{ a }`) or a pair inside a list (`[a: b]`) has
 * no node of its own. And no scalar or flow collection goes on to another line: js-yaml does not
 * check how such continuation lines are indented (`a: [1,\n2]` at column 0), yaml@2 does.
 */
function consistent(text: string, n: Node): boolean {
  const stack = [unwrap(n)];
  while (stack.length) {
    const node = stack.pop()!;
    // From here on every child is the node itself, not a probe around it (locate relies on it).
    for (let i = 0; i < node.children.length; i++) node.children[i] = unwrap(node.children[i]!);
    const s = skipBlank(text, node.start);
    if (node.kind === 'scalar' || text[s] === '[' || text[s] === '{') {
      const nl = text.indexOf('\n', s);
      if (nl >= 0 && nl < node.end) return false;
    }
    if (node.kind === 'mapping') {
      if (node.children.length !== 2 * Object.keys(node.result as object).length) return false;
      for (let i = 0; i < node.children.length; i += 2) if (typeof node.children[i]!.result !== 'string') return false;
    } else if (node.kind === 'sequence') {
      if (node.children.length !== (node.result as unknown[]).length) return false;
    }
    for (const c of node.children) stack.push(c);
  }
  return true;
}

/** The one document of text, or undefined when the text is not on the fast path. */
export function quickParseYaml(text: string): YamlDocument | undefined {
  if ((UNUSUAL_CHAR.test(text) && UNUSUAL.test(text)) || MARKERS.test(text) || hasLongLine(text)) return undefined;
  const stack: Node[] = [];
  let root: Node | undefined;
  let value: unknown;
  nonCanonical = false;
  try {
    value = jsyaml.load(text, {
      schema: SCHEMA,
      maxDepth: MAX_DEPTH,
      // The documented parse events (open and close of each node) give where each node starts.
      listener(event, state) {
        if (event === 'open') {
          stack.push({ start: state.position, end: -1, result: undefined, kind: '', children: [] });
          return;
        }
        const n = stack.pop()!;
        n.end = state.position;
        n.result = state.result;
        n.kind = state.kind;
        const parent = stack[stack.length - 1];
        if (parent) parent.children.push(n);
        else root = n;
      },
    });
  } catch {
    // Anything js-yaml refuses (syntax, duplicate keys, depth, unknown tags) is yaml@2's to explain.
    return undefined;
  }
  if (nonCanonical || value === null || value === undefined || !root || !consistent(text, root)) return undefined;
  const tree = unwrap(root);

  let lines: number[] | undefined;
  const at = (offset: number): Position => {
    if (!lines) {
      lines = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.push(i + 1);
    }
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - lines[lo]! + 1 };
  };
  const posOf = (n: Node) => {
    // An empty value sits where yaml@2 says, which the events do not show; nulls are rare.
    if (n.result === null) throw MISMATCH;
    return at(skipBlank(text, n.start));
  };
  // A block mapping or list is positioned at its key, as parseYaml does.
  const nodePos = ({ node, key }: Located): Position => {
    const block = (node.kind === 'mapping' || node.kind === 'sequence') && !'[{'.includes(text[skipBlank(text, node.start)]!);
    return posOf(block && key ? key : node);
  };
  let full: YamlDocument | undefined;
  // Should the event tree ever not line up with the value, yaml@2 gives the positions instead.
  const slow = (): YamlDocument => (full ??= parseYaml(text, '').docs[0]!);
  const guarded = <T>(fast: () => T, fallback: () => T): T => {
    try {
      return fast();
    } catch (e) {
      if (e === MISMATCH) return fallback();
      throw e;
    }
  };
  return {
    index: 0,
    value,
    pos: (path) => guarded(() => nodePos(locate(tree, path)), () => slow().pos(path)),
    keyPos: (path) =>
      guarded(
        () => {
          const l = locate(tree, path);
          return l.complete && l.key ? posOf(l.key) : nodePos(l);
        },
        () => slow().keyPos(path),
      ),
    source: (path) => {
      let v: unknown = value;
      for (const seg of path) {
        if (typeof v !== 'object' || v === null || !Object.hasOwn(v, seg)) return undefined;
        v = (v as Record<PathSeg, unknown>)[seg];
      }
      // yaml@2 answers a key's text for `{ key }`, "null" for `key:`; it knows which was written.
      if (v === null) return slow().source(path);
      return scalarText(v);
    },
  };
}

// A document marker line: `---` alone, or with spaces and a comment after it.
const DOC_MARKER_LINE = /^---(?:[ ]+(?:#.*)?)?$/;
const BLANK_OR_COMMENTS = /^(?:[ ]*(?:#.*)?(?:\n|$))*$/;

/** A document of a later part of the file: its lines are counted from the file's first. */
function shifted(doc: YamlDocument, index: number, lines: number): YamlDocument {
  if (lines === 0 && index === doc.index) return doc;
  const shift = (p: Position): Position => ({ line: p.line + lines, col: p.col });
  return { index, value: doc.value, pos: (path) => shift(doc.pos(path)), keyPos: (path) => shift(doc.keyPos(path)), source: (path) => doc.source(path) };
}

/**
 * Every document of text, or undefined when the fast path does not take all of them. A file of
 * several documents is cut at its `---` lines (one at column 0 starts a document wherever it is,
 * in YAML) and each part taken as quickParseYaml takes a file. What only comments or nothing
 * precedes the first marker is no document, as in yaml@2; any other part without a value (an
 * empty document) is left to yaml@2. Without this, a file of many documents, like the
 * sequences.yaml import writes (every provider's name in five lists, 800 kB at 10,000), went
 * to yaml@2 alone: half a second and 70 MB for that one file.
 */
export function quickParseYamlDocs(text: string): YamlDocument[] | undefined {
  if (!/^---/m.test(text)) {
    const doc = quickParseYaml(text);
    return doc && [doc];
  }
  if ((UNUSUAL_CHAR.test(text) && UNUSUAL.test(text)) || MARKERS.test(text) || hasLongLine(text)) return undefined;
  const parts: { text: string; line: number }[] = [];
  let start = 0;
  let startLine = 0;
  for (let offset = 0, line = 0; offset <= text.length; line++) {
    const nl = text.indexOf('\n', offset);
    const end = nl < 0 ? text.length : nl;
    if (text.startsWith('---', offset)) {
      if (!DOC_MARKER_LINE.test(text.slice(offset, end))) return undefined;
      parts.push({ text: text.slice(start, offset), line: startLine });
      start = end + 1;
      startLine = line + 1;
    }
    if (nl < 0) break;
    offset = nl + 1;
  }
  parts.push({ text: start <= text.length ? text.slice(start) : '', line: startLine });
  if (BLANK_OR_COMMENTS.test(parts[0]!.text)) parts.shift();
  const docs: YamlDocument[] = [];
  for (const part of parts) {
    const doc = quickParseYaml(part.text);
    if (!doc) return undefined;
    docs.push(shifted(doc, docs.length, part.line));
  }
  return docs;
}

/** Every document of a YAML text by the fast path when it takes the text, else by yaml@2. */
export function parseYamlText(text: string, file: string): YamlFile {
  const quick = quickParseYaml(text);
  return quick ? { docs: [quick], errors: [], warnings: [] } : parseYaml(text, file);
}
