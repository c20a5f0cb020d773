import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastParseYaml } from './fastyaml.js';
import { isRecord, parseYaml, type PathSeg, type YamlDocument } from './yaml.js';

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

/** The fast path either declines or agrees with yaml@2 on value, positions and sources. */
function agree(text: string): YamlDocument | undefined {
  const fast = fastParseYaml(text);
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

describe('fastParseYaml', () => {
  it('takes the provider files people write, with the values and positions yaml@2 gives', () => {
    expect(agree(PROVIDER)).toBeDefined();
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
    - 1e3
top: end # trailing
`;
    const doc = agree(text);
    expect(doc?.value).toEqual({
      kind: 'Sequence',
      spec: { order: [{ name: 'A', weight: 10 }, { name: 'B', extra: [[1, 2.5, -3], { x: 'y' }] }], names: ['a b', 1000] },
      top: 'end',
    });
    expect(doc?.source(['spec', 'names', 1])).toBe('1e3');
  });

  it.each([
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line flow collection', 'a: [1,\n  2]\n'],
    ['a null value', 'a:\nb: 1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['CRLF line ends', 'a: 1\r\nb: 2\r\n'],
    ['a tab', 'a:\t1\n'],
    ['a hex number', 'a: 0x1F\n'],
    ['a scalar document', 'just text\n'],
    ['an empty file', '# only a comment\n'],
    ['a syntax error', 'a: [1, 2\n'],
  ])('leaves %s to yaml@2', (_, text) => {
    expect(fastParseYaml(text)).toBeUndefined();
  });

  // Scalars chosen to sit on the edges of the core schema and of plain-scalar syntax.
  const SCALARS = ['a', 'foo bar', 'true', 'True', 'FALSE', 'null', '~', '', '0', '1', '-1', '+1', '01', '1.5', '.5', '1.', '-1.5e3', '1e3', '0x1F', '0o17', '.inf', '-.inf', '.nan',
    '-foo', '-', '- a', 'a: b', 'a:b', 'a #b', 'a#b', '#x', 'x,y', '[x]', '{x}', "it's", 'say "hi"', 'back\\slash', 'é ü', '@x', '`x', '%x', '!x', '&x', '*x', '|', '>', '?x', ':x',
    'http://x:80/y', '2026-01-01', '1_000', '12345678901234567890', 'yes', 'on', '__proto__', 'a  b', ' lead', 'trail ', 'k.e/y-z', 'line\nbreak', 'x:', '-5x', '-.5', '+.5', 'NaN'];
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
    const edit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'indent', 'dedent', 'duplicate'), fc.constantFrom(' ', ':', '-', '#', '"', "'", '{', '}', '[', ']', ',', '\n', 'a', '1', '.', '&', '*', '!', '|', '?', '\\', '~'));
    let taken = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = PROVIDER;
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
});
