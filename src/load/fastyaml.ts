// The fast path for the YAML people write in provider files: block mappings and sequences,
// one-line flow collections, plain and quoted scalars, comments. For every text it accepts it
// gives the value and the positions parseYaml (yaml@2) would give, at a tenth of the cost; for
// anything else (anchors, tags, block scalars, multi-line scalars, several documents, nulls, any
// doubt) it returns undefined and the caller uses parseYaml, which also owns every error message.
// fastyaml.test.ts holds the two parsers to agreement on generated and mutated documents.
import type { PathSeg, Position, YamlDocument } from './yaml.js';

interface Entry {
  line: number;
  col: number;
  node: PNode;
}

class PNode {
  constructor(
    readonly line: number,
    readonly col: number,
    /** A block mapping or sequence: yaml positions it at its key, when it has one. */
    readonly block: boolean,
    readonly value: unknown,
    /** A plain scalar's text (a number's source). */
    readonly src: string | undefined,
    readonly keys: Map<string, Entry> | undefined,
    readonly items: PNode[] | undefined,
  ) {}
}

// Thrown to leave the fast path; allocated once, so bailing out costs no stack capture.
const BAIL = new Error('not on the fast path');

// Control characters, CR, NEL, BOM and the Unicode line separators: yaml@2 has its own rules for each.
// eslint-disable-next-line no-control-regex
const UNSUPPORTED_CHAR = /[\x00-\x09\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]/;
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
/** Keys that are plain strings whatever the schema; anything else goes to yaml@2. */
const KEY_RE = /^[A-Za-z_][A-Za-z0-9_./-]*(?: [A-Za-z0-9_./-]+)*$/;
/** Characters a plain scalar may not start with (YAML 1.2 c-indicator), quotes handled before. */
const INDICATOR = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);
const FLOW_END = new Set([',', '[', ']', '{', '}']);

/** The value of a plain scalar under the YAML 1.2 core schema, for the forms this path takes. */
function resolvePlain(raw: string): unknown {
  if (NULL_RE.test(raw)) throw BAIL;
  if (BOOL_RE.test(raw)) return raw[0] === 't' || raw[0] === 'T';
  const c = raw.charCodeAt(0);
  // Digits, signs and dots: numbers, or forms (.inf, 0x1F, 0o17, 1_000) left to yaml@2.
  if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46) {
    if (INT_RE.test(raw)) return parseInt(raw, 10);
    if (FLOAT_RE.test(raw) || EXP_RE.test(raw)) return parseFloat(raw);
    if (c === 45 && raw.length > 1 && raw.charCodeAt(1) > 64 && !/^-\.?(?:inf|Inf|INF)$/.test(raw)) return raw;
    throw BAIL;
  }
  return raw;
}

function plainKey(raw: string): string {
  if (!KEY_RE.test(raw) || BOOL_RE.test(raw) || NULL_RE.test(raw) || raw === '__proto__') throw BAIL;
  return raw;
}

const isSpace = (s: string, i: number) => i >= s.length || s.charCodeAt(i) === 32;

/** After a value: only spaces, then the end of the line or a comment. */
function expectLineEnd(s: string, i: number): void {
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  if (i < s.length && (s[i] !== '#' || s.charCodeAt(i - 1) !== 32)) throw BAIL;
}

/** A quoted scalar on one line: [value, index after the closing quote]. */
function quoted(s: string, p: number): [string, number] {
  const q = s[p];
  let out = '';
  let i = p + 1;
  for (;;) {
    const j = q === '"' ? indexOfEither(s, '"', '\\', i) : s.indexOf("'", i);
    if (j < 0) throw BAIL; // continues on the next line
    out += s.slice(i, j);
    if (q === "'") {
      if (s[j + 1] === "'") {
        out += "'";
        i = j + 2;
        continue;
      }
      return [out, j + 1];
    }
    if (s[j] === '"') return [out, j + 1];
    const e = s[j + 1];
    if (e === '"' || e === '\\' || e === '/') out += e;
    else if (e === 'n') out += '\n';
    else if (e === 't') out += '\t';
    else throw BAIL;
    i = j + 2;
  }
}

function indexOfEither(s: string, a: string, b: string, from: number): number {
  const i = s.indexOf(a, from);
  const j = s.indexOf(b, from);
  return i < 0 ? j : j < 0 ? i : Math.min(i, j);
}

class FastParser {
  readonly lines: string[];
  /** Indentation of each line; -1 for blank and comment-only lines. */
  readonly ind: number[];

  constructor(text: string) {
    this.lines = text.split('\n');
    this.ind = this.lines.map((l) => {
      let i = 0;
      while (l.charCodeAt(i) === 32) i++;
      return i === l.length || l[i] === '#' ? -1 : i;
    });
  }

  next(i: number): number {
    while (i < this.lines.length && this.ind[i] === -1) i++;
    return i;
  }

  document(): PNode {
    let i = this.next(0);
    if (i >= this.lines.length) throw BAIL;
    const first = this.lines[i]!;
    if (first.startsWith('---') && isSpace(first, 3)) {
      expectLineEnd(first, 3);
      i = this.next(i + 1);
      if (i >= this.lines.length) throw BAIL;
    }
    const [node, end] = this.block(i, this.ind[i]!);
    if (end < this.lines.length) throw BAIL;
    return node;
  }

  isSeqItem(s: string, c: number): boolean {
    return s[c] === '-' && isSpace(s, c + 1);
  }

  /** Whether the line holds `key: ...` at column c. */
  keyAt(s: string, c: number): boolean {
    const ch = s[c];
    if (ch === '"' || ch === "'") {
      const [, e] = quoted(s, c);
      return s[e] === ':';
    }
    if (ch === '{' || ch === '[') return false;
    let j = s.indexOf(':', c);
    while (j >= 0 && !isSpace(s, j + 1)) j = s.indexOf(':', j + 1);
    if (j < 0) return false;
    const hash = s.indexOf(' #', c);
    return hash < 0 || hash > j;
  }

  /** A block mapping whose keys sit at column c, starting on line i. [node, next content line]. */
  mapping(i: number, c: number): [PNode, number] {
    const obj: Record<string, unknown> = {};
    const keys = new Map<string, Entry>();
    const node = new PNode(i + 1, c + 1, true, obj, undefined, keys, undefined);
    for (;;) {
      const s = this.lines[i]!;
      let key: string;
      let p: number;
      if (s[c] === '"' || s[c] === "'") {
        [key, p] = quoted(s, c);
        if (s[p] !== ':' || !isSpace(s, p + 1) || key === '__proto__') throw BAIL;
      } else {
        p = s.indexOf(':', c);
        while (p >= 0 && !isSpace(s, p + 1)) p = s.indexOf(':', p + 1);
        if (p < 0) throw BAIL;
        key = plainKey(s.slice(c, p).trimEnd());
      }
      if (keys.has(key)) throw BAIL;
      let v = p + 1;
      while (v < s.length && s.charCodeAt(v) === 32) v++;
      let value: PNode;
      let after: number;
      if (v >= s.length || (s[v] === '#' && v > p + 1)) {
        // The value is the block on the following lines.
        const j = this.next(i + 1);
        if (j >= this.lines.length) throw BAIL;
        const cj = this.ind[j]!;
        const sj = this.lines[j]!;
        if (cj > c) [value, after] = this.block(j, cj);
        else if (cj === c && this.isSeqItem(sj, cj)) [value, after] = this.sequence(j, cj);
        else throw BAIL;
      } else {
        value = this.inline(s, v, i);
        after = this.next(i + 1);
        if (after < this.lines.length && this.ind[after]! > c) throw BAIL;
      }
      keys.set(key, { line: i + 1, col: c + 1, node: value });
      obj[key] = value.value;
      i = after;
      if (i >= this.lines.length || this.ind[i]! < c) return [node, i];
      if (this.ind[i]! > c || !this.keyAt(this.lines[i]!, c)) throw BAIL;
    }
  }

  /** A block sequence whose dashes sit at column c. */
  sequence(i: number, c: number): [PNode, number] {
    const arr: unknown[] = [];
    const items: PNode[] = [];
    const node = new PNode(i + 1, c + 1, true, arr, undefined, undefined, items);
    for (;;) {
      const s = this.lines[i]!;
      let k = c + 1;
      while (k < s.length && s.charCodeAt(k) === 32) k++;
      if (k >= s.length || s[k] === '#') throw BAIL; // the item's value is on the next lines
      let item: PNode;
      let after: number;
      if (this.isSeqItem(s, k) || this.keyAt(s, k)) {
        [item, after] = this.block(i, k);
      } else {
        item = this.inline(s, k, i);
        after = this.next(i + 1);
      }
      items.push(item);
      arr.push(item.value);
      i = after;
      if (i >= this.lines.length || this.ind[i]! < c) return [node, i];
      if (this.ind[i]! > c) throw BAIL;
      // A mapping key at the dashes' column ends a sequence that is a mapping's value.
      if (!this.isSeqItem(this.lines[i]!, c)) return [node, i];
    }
  }

  /** A block collection starting at column c of line i (which may follow a `- `). */
  block(i: number, c: number): [PNode, number] {
    const s = this.lines[i]!;
    if (this.isSeqItem(s, c)) return this.sequence(i, c);
    if (this.keyAt(s, c)) return this.mapping(i, c);
    throw BAIL;
  }

  /** A value that ends on its line: a flow collection, a quoted or a plain scalar. */
  inline(s: string, p: number, i: number): PNode {
    const ch = s[p];
    if (ch === '{' || ch === '[') {
      const [node, e] = this.flow(s, p, i);
      expectLineEnd(s, e);
      return node;
    }
    if (ch === '"' || ch === "'") {
      const [value, e] = quoted(s, p);
      expectLineEnd(s, e);
      return new PNode(i + 1, p + 1, false, value, undefined, undefined, undefined);
    }
    if (INDICATOR.has(ch!) && !(ch === '-' && !isSpace(s, p + 1))) throw BAIL;
    const hash = s.indexOf(' #', p);
    const raw = (hash < 0 ? s.slice(p) : s.slice(p, hash)).trimEnd();
    if (raw.endsWith(':') || raw.includes(': ')) throw BAIL;
    return new PNode(i + 1, p + 1, false, resolvePlain(raw), raw, undefined, undefined);
  }

  /** A flow collection or scalar inside one, on line i from index p: [node, index after it]. */
  flow(s: string, p: number, i: number): [PNode, number] {
    while (s.charCodeAt(p) === 32) p++;
    const ch = s[p];
    const open = p;
    if (ch === '{') {
      const obj: Record<string, unknown> = {};
      const keys = new Map<string, Entry>();
      const node = new PNode(i + 1, open + 1, false, obj, undefined, keys, undefined);
      p++;
      for (;;) {
        while (s.charCodeAt(p) === 32) p++;
        if (s[p] === '}') return [node, p + 1];
        const kp = p;
        let key: string;
        if (s[p] === '"' || s[p] === "'") {
          [key, p] = quoted(s, p);
          if (key === '__proto__') throw BAIL;
        } else {
          const e = this.plainEnd(s, p);
          key = plainKey(s.slice(p, e).trimEnd());
          p = e;
        }
        if (s[p] !== ':' || !isSpace(s, p + 1) || keys.has(key)) throw BAIL;
        const [value, e] = this.flow(s, p + 1, i);
        keys.set(key, { line: i + 1, col: kp + 1, node: value });
        obj[key] = value.value;
        p = this.afterFlowItem(s, e, '}');
        if (s[p] === '}') return [node, p + 1];
      }
    }
    if (ch === '[') {
      const arr: unknown[] = [];
      const items: PNode[] = [];
      const node = new PNode(i + 1, open + 1, false, arr, undefined, undefined, items);
      p++;
      for (;;) {
        while (s.charCodeAt(p) === 32) p++;
        if (s[p] === ']') return [node, p + 1];
        const [value, e] = this.flow(s, p, i);
        items.push(value);
        arr.push(value.value);
        p = this.afterFlowItem(s, e, ']');
        if (s[p] === ']') return [node, p + 1];
      }
    }
    if (ch === '"' || ch === "'") {
      const [value, e] = quoted(s, p);
      return [new PNode(i + 1, p + 1, false, value, undefined, undefined, undefined), e];
    }
    if (ch === undefined || (INDICATOR.has(ch) && !(ch === '-' && !isSpace(s, p + 1) && !FLOW_END.has(s[p + 1]!)))) throw BAIL;
    const e = this.plainEnd(s, p);
    const raw = s.slice(p, e).trimEnd();
    if (raw.includes(':')) throw BAIL;
    return [new PNode(i + 1, p + 1, false, resolvePlain(raw), raw, undefined, undefined), e];
  }

  /** Skips spaces and one comma after an item; the index of the next item or of the closer. */
  afterFlowItem(s: string, p: number, closer: string): number {
    while (s.charCodeAt(p) === 32) p++;
    if (s[p] === closer) return p;
    if (s[p] !== ',') throw BAIL;
    p++;
    while (s.charCodeAt(p) === 32) p++;
    // `[a, , b]` and `[a,]`-style trailing commas are left to yaml@2.
    if (s[p] === ',' || s[p] === closer) throw BAIL;
    return p;
  }

  /** End of a plain scalar inside a flow collection. */
  plainEnd(s: string, p: number): number {
    let e = p;
    while (e < s.length) {
      const c = s[e]!;
      if (FLOW_END.has(c)) break;
      if (c === ':' && (isSpace(s, e + 1) || FLOW_END.has(s[e + 1]!))) break;
      if (c === '#' && s.charCodeAt(e - 1) === 32) throw BAIL;
      e++;
    }
    if (e >= s.length) throw BAIL; // a flow collection that goes on to the next line
    return e;
  }
}

interface Located {
  node: PNode;
  key: Entry | null;
  complete: boolean;
}

function locate(root: PNode, path: readonly PathSeg[]): Located {
  let node = root;
  let key: Entry | null = null;
  for (const seg of path) {
    let next: PNode | undefined;
    let nextKey: Entry | null = null;
    if (node.keys) {
      const e = node.keys.get(String(seg));
      if (e) {
        nextKey = e;
        next = e.node;
      }
    } else if (node.items) {
      next = node.items[Number(seg)];
    }
    if (!next) return { node, key, complete: false };
    node = next;
    key = nextKey;
  }
  return { node, key, complete: true };
}

const posOf = (n: { line: number; col: number }): Position => ({ line: n.line, col: n.col });
const nodePos = ({ node, key }: Located): Position => posOf(node.block && key ? key : node);

/** The one document of text, or undefined when the text is not on the fast path. */
export function fastParseYaml(text: string): YamlDocument | undefined {
  if (UNSUPPORTED_CHAR.test(text)) return undefined;
  let root: PNode;
  try {
    root = new FastParser(text).document();
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
  return {
    index: 0,
    value: root.value,
    pos: (path) => nodePos(locate(root, path)),
    keyPos: (path) => {
      const l = locate(root, path);
      return l.complete && l.key ? posOf(l.key) : nodePos(l);
    },
    source: (path) => {
      const l = locate(root, path);
      if (!l.complete || l.node.keys || l.node.items) return undefined;
      const v = l.node.value;
      if (typeof v === 'number') return l.node.src;
      return typeof v === 'string' ? v : String(v);
    },
  };
}
