import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quickParseYaml, quickParseYamlDocs } from './quickyaml.js';
import { isRecord, parseYaml, type PathSeg, type YamlDocument } from './yaml.js';

// The fast path (js-yaml) and the full path (yaml@2) must never disagree: the fast path may
// decline a text, but when it takes one, yaml@2 takes it too, without a warning, with the same
// value, positions and number sources.

/** Every path into value, plus one missing child under each collection. */
function paths(value: unknown, at: PathSeg[] = []): PathSeg[][] {
  const out: PathSeg[][] = [at];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...paths(v, [...at, i])));
    out.push([...at, value.length], [...at, 'x']);
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...at, k]));
    out.push([...at, 'no such key', 'deeper']);
  }
  return out;
}

/** For a file of several documents: the fast path declines, or agrees with yaml@2 on each. */
function agreeAll(text: string): YamlDocument[] | undefined {
  const fast = quickParseYamlDocs(text);
  if (!fast) return undefined;
  const full = parseYaml(text, 'f.yaml');
  expect({ errors: full.errors, warnings: full.warnings, docs: full.docs.map((d) => d.index) }, text).toEqual({ errors: [], warnings: [], docs: fast.map((d) => d.index) });
  fast.forEach((doc, i) => {
    const ref = full.docs[i]!;
    expect(doc.value, text).toStrictEqual(ref.value);
    for (const p of paths(ref.value)) {
      expect({ doc: i, path: p, pos: doc.pos(p), keyPos: doc.keyPos(p), source: doc.source(p) }, text).toEqual({ doc: i, path: p, pos: ref.pos(p), keyPos: ref.keyPos(p), source: ref.source(p) });
    }
  });
  return fast;
}

/** The fast path either declines or agrees with yaml@2 on value, positions and sources. */
function agree(text: string): YamlDocument | undefined {
  const fast = quickParseYaml(text);
  if (!fast) return undefined;
  const full = parseYaml(text, 'f.yaml');
  expect({ errors: full.errors, warnings: full.warnings, docs: full.docs.length }, text).toEqual({ errors: [], warnings: [], docs: 1 });
  const ref = full.docs[0]!;
  expect(fast.value, text).toStrictEqual(ref.value);
  for (const p of paths(ref.value)) {
    expect({ path: p, pos: fast.pos(p), keyPos: fast.keyPos(p), source: fast.source(p) }, text).toEqual({
      path: p,
      pos: ref.pos(p),
      keyPos: ref.keyPos(p),
      source: ref.source(p),
    });
  }
  return fast;
}

const PROVIDER = `# yaml-language-server: $schema=../schemas/provider.schema.json
apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: Provider 00042 xendit
  labels: { team: team-0, "app.io/x": 'it''s' }
spec:
  type: AGGREGATOR
  integration: xendit
  services: [VIRTUAL_ACCOUNT, QR_CODE]   # comment
  credentials:
    clientKey: xnd_development_k42
    clientSecret: { secretRef: { store: env, name: BENCH_SECRET_42 } }
  fee: { type: PERCENTAGE, percent: "1.5" }
  tax: { vatPercent: "11", applyVat: true }
  status: ACTIVE
`;

// Block style with numbers: the decimal fields' sources matter here.
const BLOCK_PROVIDER = `apiVersion: paystrator-gitops/v1
kind: Provider
metadata:
  name: BCA Direct
  labels:
    team: payments
spec:
  type: DIRECT
  integration: bca
  services:
    - VIRTUAL_ACCOUNT
    - SEND_MONEY
  credentials:
    clientKey: bca-1
    clientSecret:
      secretRef:
        store: vault
        name: payments/bca
  fee:
    type: FLAT
    amount: 4000
    currency: IDR
  tax:
    vatPercent: 11.5
    applyVat: false
`;

describe('quickParseYaml (js-yaml) against parseYaml (yaml@2)', () => {
  it('takes the provider files people write, with the values and positions yaml@2 gives', () => {
    expect(agree(PROVIDER)).toBeDefined();
    expect(agree(BLOCK_PROVIDER)?.source(['spec', 'tax', 'vatPercent'])).toBe('11.5');
    const dir = path.resolve(import.meta.dirname, '../../providers');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(agree(readFileSync(path.join(dir, f), 'utf8')), f).toBeDefined();
  });

  it('takes block lists, lists at their key, compact mappings in lists and a leading ---', () => {
    const text = `---
kind: Sequence
spec:
  order:
  - name: "A"
    weight: 10
  -   name: B
      extra:
        - [1, 2.5, -3]
        - x: 'y'
  names:
    - a b
    - 1000
  empty:
top: end # trailing
`;
    const doc = agree(text);
    expect(doc?.value).toEqual({
      kind: 'Sequence',
      spec: { order: [{ name: 'A', weight: 10 }, { name: 'B', extra: [[1, 2.5, -3], { x: 'y' }] }], names: ['a b', 1000], empty: null },
      top: 'end',
    });
    expect(doc?.source(['spec', 'names', 1])).toBe('1000');
  });

  it('keeps Unicode spaces YAML keeps (a trailing NBSP stays in the name) on both paths', () => {
    const text = 'metadata:\n  name: Xendit Main\u00a0\n  labels: { team: "a\u2003" }\n';
    const doc = agree(text);
    expect(doc?.value).toEqual({ metadata: { name: 'Xendit Main\u00a0', labels: { team: 'a\u2003' } } });
  });

  it('leaves numbers not written in their canonical form to yaml@2, which keeps their text', () => {
    for (const n of ['1e3', '1.50', '007', '.5', '+1', '-0', '1.0', '0.30000000000000004x', '12345678901234567890']) {
      const text = `a: ${n}\n`;
      if (n.endsWith('x')) continue;
      expect(quickParseYaml(text), n).toBeUndefined();
      expect(parseYaml(text, 'f.yaml').docs[0]!.source(['a'])).toBe(n);
    }
    expect(agree('a: 0.30000000000000004\nb: 1.5\nc: -3\n')?.source(['a'])).toBe('0.30000000000000004');
  });

  it('leaves implicit keys near the 1,024-character limit to yaml@2, which refuses the longer ones', () => {
    const long = `${'k'.repeat(1025)}: v\n`;
    expect(quickParseYaml(long)).toBeUndefined();
    expect(parseYaml(long, 'f.yaml').errors[0]).toMatchObject({ line: 1, rule: 'yaml-syntax' });
    const ok = `${'k'.repeat(1000)}: v\n`;
    expect(quickParseYaml(ok)).toBeUndefined();
    expect(parseYaml(ok, 'f.yaml')).toMatchObject({ errors: [], docs: [{ value: { ['k'.repeat(1000)]: 'v' } }] });
  });

  it('takes 64 levels of nesting on both paths; 65 is one error at the collection that goes over', () => {
    const flow = (n: number) => `a: ${'['.repeat(n - 1)}${']'.repeat(n - 1)}\n`;
    expect(agree(flow(64))).toBeDefined();
    const block = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' v\n';
    expect(parseYaml(block(64), 'f.yaml').errors).toEqual([]);
    for (const text of [flow(65), block(65)]) {
      expect(quickParseYaml(text)).toBeUndefined();
      const r = parseYaml(text, 'f.yaml');
      expect(r.docs).toEqual([]);
      expect(r.errors).toEqual([expect.objectContaining({ rule: 'yaml-depth', message: expect.stringContaining('deeper than 64 levels') })]);
    }
    expect(parseYaml(block(65), 'f.yaml').errors[0]).toMatchObject({ line: 65, col: 65 });
  });

  it('reports a 10,000-deep flow list and a 3,000-deep mapping as one error at their line, not a stack overflow', () => {
    const list = `spec:\n  x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`;
    const map = `spec:\n  x: ${'{a: '.repeat(3_000)}1${'}'.repeat(3_000)}\n`;
    const blockMap = Array.from({ length: 3_000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' v\n';
    for (const text of [list, map, blockMap]) {
      expect(quickParseYaml(text)).toBeUndefined();
      const r = parseYaml(text, 'deep.yaml');
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({ file: 'deep.yaml', rule: 'yaml-depth', line: expect.any(Number) });
    }
    expect(parseYaml(list, 'deep.yaml').errors[0]).toMatchObject({ line: 2, col: 68 });
  });

  it('refuses a !!binary value (and the other YAML 1.1 types) at its line, naming the field', () => {
    const text = 'spec:\n  credentials:\n    clientSecret: !!binary c2VjcmV0\n';
    expect(quickParseYaml(text)).toBeUndefined();
    const r = parseYaml(text, 'p.yaml');
    expect(r.docs).toEqual([]);
    expect(r.errors).toEqual([expect.objectContaining({ line: 3, col: 28, field: 'spec.credentials.clientSecret', rule: 'yaml-tag', message: expect.stringContaining('!!binary') })]);
    expect(parseYaml('a: !!timestamp 2026-01-01\n', 'p.yaml').errors[0]).toMatchObject({ field: 'a', message: expect.stringContaining('!!timestamp') });
    expect(parseYaml('a: !!set { x }\n', 'p.yaml').errors[0]).toMatchObject({ field: 'a', message: expect.stringContaining('!!set') });
  });

  it.each([
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line flow collection', 'a: [1,\n  2]\n'],
    ['an alias', 'a: 1\nb: [*x]\n'],
    ['a document end marker', 'a: 1\n...\n'],
    ['content on the --- line', '--- a: 1\n'],
    ['a comment glued to a quote', 'a: "x"# c\n'],
    ['a multi-line quoted scalar', 'a: "x\n  y"\n'],
    ['a null key', '~: 1\n'],
    ['a number key', '1: a\n'],
    ['a pair in a flow list', 'a: [b: c]\n'],
    ['a key without value in a flow mapping', 'a: { b }\n'],
    ['an exponent', 'a: 1e3\n'],
    ['a non-canonical decimal', 'a: 1.50\n'],
    ['a NEL', 'a: x\u0085y\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a tab', 'a:\t1\n'],
    ['a hex number', 'a: 0x1F\n'],
    ['a scalar document', 'just text\n'],
    ['an empty file', '# only a comment\n'],
    ['a syntax error', 'a: [1, 2\n'],
  ])('leaves %s to yaml@2', (_, text) => {
    expect(quickParseYaml(text)).toBeUndefined();
  });

  // Scalars chosen to sit on the edges of the core schema and of plain-scalar syntax.
  const SCALARS = ['a', 'foo bar', 'true', 'True', 'FALSE', 'null', '~', '', '0', '1', '-1', '+1', '01', '1.5', '.5', '1.', '-1.5e3', '1e3', '0x1F', '0o17', '.inf', '-.inf', '.nan',
    '-foo', '-', '- a', 'a: b', 'a:b', 'a #b', 'a#b', '#x', 'x,y', '[x]', '{x}', "it's", 'say "hi"', 'back\\slash', 'é ü', '@x', '`x', '%x', '!x', '&x', '*x', '|', '>', '?x', ':x',
    'http://x:80/y', '2026-01-01', '1_000', '12345678901234567890', 'yes', 'on', '__proto__', 'a  b', ' lead', 'trail ', 'k.e/y-z', 'line\nbreak', 'x:', '-5x', '-.5', '+.5', 'NaN', 'nbsp\u00a0', '\u00a0lead', 'em\u2003space', '1.50', '1.0', '-0', '0.30000000000000004'];
  const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_ .-]{0,12}$/).filter((s) => !s.endsWith(' '));
  const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })).map(String);
  const scalar = fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...SCALARS), weight: 1 }, { arbitrary: word, weight: 3 }, { arbitrary: number, weight: 1 }), fc.constantFrom('plain', 'plain', 'single', 'double')).map(([s, style]) =>
    style === 'plain' ? s : style === 'single' ? `'${s.replace(/'/g, "''")}'` : JSON.stringify(s),
  );
  const key = fc.oneof(scalar, fc.constantFrom('name', 'spec', 'a', 'b', 'c', 'key with space', 'app.io/x', 'x_1'));

  type Tree = string | { map: [string, Tree][] } | { seq: Tree[] };
  const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
    t: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.record({ map: fc.array(fc.tuple(key, tie('t')), { minLength: 1, maxLength: 4 }) }),
      fc.record({ seq: fc.array(tie('t'), { minLength: 1, maxLength: 4 }) }),
    ),
  })).t;

  interface Style { indent: number; flowFrom: number; sameIndentSeq: boolean; comments: boolean; spaces: string }
  function flow(t: Tree, st: Style): string {
    if (typeof t === 'string') return t;
    if ('map' in t) return `{${st.spaces}${t.map.map(([k, v]) => `${k}: ${flow(v, st)}`).join(`,${st.spaces || ' '}`)}${st.spaces}}`;
    return `[${t.seq.map((v) => flow(v, st)).join(', ')}]`;
  }
  function block(t: Tree, st: Style, depth: number, at: number): string[] {
    const pad = ' '.repeat(at);
    const note = st.comments ? '  # note' : '';
    if (typeof t === 'string' || depth >= st.flowFrom) return [`${pad}${flow(t, st)}${note}`];
    if ('map' in t) {
      return t.map.flatMap(([k, v]) => {
        if (typeof v === 'string' || depth + 1 >= st.flowFrom) return [`${pad}${k}: ${flow(v, st)}${note}`];
        const inner = 'seq' in v && st.sameIndentSeq ? at : at + st.indent;
        return [`${pad}${k}:${note}`, ...(st.comments ? [`${pad}# between`, ''] : []), ...block(v, st, depth + 1, inner)];
      });
    }
    return t.seq.flatMap((v) => {
      if (typeof v === 'string' || depth + 1 >= st.flowFrom) return [`${pad}- ${flow(v, st)}`];
      // A compact item: the nested block starts right after the dash.
      const lines = block(v, st, depth + 1, at + 2);
      return [`${pad}- ${lines[0]!.slice(at + 2)}`, ...lines.slice(1)];
    });
  }
  const style = fc.record({ indent: fc.integer({ min: 1, max: 4 }), flowFrom: fc.integer({ min: 1, max: 5 }), sameIndentSeq: fc.boolean(), comments: fc.boolean(), spaces: fc.constantFrom('', ' ', '  ') });
  const document = fc.tuple(fc.record({ map: fc.array(fc.tuple(key, tree), { minLength: 1, maxLength: 5 }) }), style, fc.boolean()).map(
    ([t, st, marker]) => `${marker ? '---\n' : ''}${block(t, st, 0, 0).join('\n')}\n`,
  );

  it('agrees with yaml@2 on every generated document it takes (and takes many)', () => {
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(document, (text) => {
        runs++;
        if (agree(text)) taken++;
      }),
      { numRuns: 3000 },
    );
    // About 20-25% are taken; the floor only proves the property is not vacuous.
    expect(taken / runs).toBeGreaterThan(0.1);
  });

  it('agrees with yaml@2 on every mutation of a provider file it takes', () => {
    const edit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'indent', 'dedent', 'duplicate'), fc.constantFrom(' ', ':', '-', '#', '"', "'", '{', '}', '[', ']', ',', '\n', 'a', '1', '.', '&', '*', '!', '|', '?', '\\', '~', '\u00a0', '\u2003', '\t', '\r', '\u0085', 'é'));
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom<string>(PROVIDER, BLOCK_PROVIDER), fc.array(edit, { minLength: 1, maxLength: 3 }), (base, edits) => {
        let text = base;
        for (const [n, op, ch] of edits) {
          const i = n % text.length;
          const lineStart = text.lastIndexOf('\n', i - 1) + 1;
          const lineEnd = text.indexOf('\n', i);
          if (op === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (op === 'insert') text = text.slice(0, i) + ch + text.slice(i);
          else if (op === 'indent') text = `${text.slice(0, lineStart)} ${text.slice(lineStart)}`;
          else if (op === 'dedent') text = text[lineStart] === ' ' ? text.slice(0, lineStart) + text.slice(lineStart + 1) : text;
          else text = text.slice(0, lineEnd + 1) + text.slice(lineStart, lineEnd + 1) + text.slice(lineEnd + 1);
        }
        runs++;
        if (agree(text)) taken++;
      }),
      { numRuns: 3000 },
    );
    expect(taken / runs).toBeGreaterThan(0.1);
  });

  const SEQUENCE = `apiVersion: paystrator-gitops/v1
kind: Sequence
spec:
  product: EWALLET
  providers:
    - Provider 00001 xendit
    - Provider 00002 midtrans
`;

  it('takes a file of several documents part by part, each with the lines and index yaml@2 gives', () => {
    const docs = agreeAll(`# Imported\n\n---\n${PROVIDER}--- # the next one\n${BLOCK_PROVIDER}---\n${SEQUENCE}`);
    expect(docs?.map((d) => [d.index, d.pos(['kind'])])).toEqual([[0, { line: 6, col: 7 }], [1, { line: 22, col: 7 }], [2, { line: 48, col: 7 }]]);
    expect(agreeAll(`${SEQUENCE}---\n${SEQUENCE}`)?.length).toBe(2);
    // An empty document, a marker with content after it, a marker glued to a comment: yaml@2's.
    for (const text of [`${SEQUENCE}---\n---\n${SEQUENCE}`, `${SEQUENCE}---\n`, `${SEQUENCE}--- a: 1\n`, `${SEQUENCE}---#x\n${SEQUENCE}`, `${SEQUENCE}...\n---\n${SEQUENCE}`]) {
      expect(quickParseYamlDocs(text), text).toBeUndefined();
    }
  });

  it('agrees with yaml@2 on every generated file of several documents it takes', () => {
    const separator = fc.constantFrom('---\n', '--- # next\n', '---   \n', '---\n# a comment\n', '\n---\n');
    const prelude = fc.constantFrom('', '---\n', '# head\n---\n', '\n# head\n\n---\n');
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(prelude, fc.array(fc.tuple(document, separator), { minLength: 1, maxLength: 3 }), (head, parts) => {
        // The markers are the prelude's and the separators' (a generated document may open with its own).
        const text = head + parts.map(([doc, sep], i) => (i ? sep : '') + doc.replace(/^---\n/, '')).join('');
        runs++;
        if (agreeAll(text)) taken++;
      }),
      { numRuns: 1500 },
    );
    // Each document is taken about as often as a file of one; the floor proves the property is not vacuous.
    expect(taken / runs).toBeGreaterThan(0.03);
  });

  it('agrees with yaml@2 on every mutation of a file of several documents it takes', () => {
    const edit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'indent', 'dedent'), fc.constantFrom(' ', ':', '-', '---', '#', '"', "'", '[', ']', '\n', '\n---\n', 'a', '.', '...'));
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.constantFrom<string>(`${PROVIDER}---\n${SEQUENCE}`, `---\n${SEQUENCE}--- # b\n${BLOCK_PROVIDER}`), fc.array(edit, { minLength: 1, maxLength: 3 }), (base, edits) => {
        let text = base;
        for (const [n, op, ch] of edits) {
          const i = n % text.length;
          const lineStart = text.lastIndexOf('\n', i - 1) + 1;
          if (op === 'delete') text = text.slice(0, i) + text.slice(i + 1);
          else if (op === 'insert') text = text.slice(0, i) + ch + text.slice(i);
          else if (op === 'indent') text = `${text.slice(0, lineStart)} ${text.slice(lineStart)}`;
          else text = text[lineStart] === ' ' ? text.slice(0, lineStart) + text.slice(lineStart + 1) : text;
        }
        runs++;
        if (agreeAll(text)) taken++;
      }),
      { numRuns: 2000 },
    );
    expect(taken / runs).toBeGreaterThan(0.1);
  });
});
