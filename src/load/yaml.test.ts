import { describe, expect, it } from 'vitest';
import { closest, editDistance } from './suggest.js';
import { dotted, parseYaml } from './yaml.js';

const TEXT = `# comment
a:
  b: { c: 0.30000000000000004, d: "1.50" }
  list:
    - x
    - &anchor 7
  alias: *anchor
---
---
second: 1
`;

describe('parseYaml', () => {
  const { docs, errors, warnings } = parseYaml(TEXT, 'f.yaml');

  it('keeps every non-empty document with its index', () => {
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(docs.map((d) => d.index)).toEqual([0, 2]);
    expect(docs[1]!.value).toEqual({ second: 1 });
  });

  it('gives 1-based positions of values, block collections at their key, and keys', () => {
    const d = docs[0]!;
    expect(d.pos([])).toEqual({ line: 2, col: 1 });
    expect(d.pos(['a'])).toEqual({ line: 2, col: 1 });
    expect(d.pos(['a', 'b'])).toEqual({ line: 3, col: 6 });
    expect(d.pos(['a', 'b', 'c'])).toEqual({ line: 3, col: 11 });
    expect(d.keyPos(['a', 'b', 'd'])).toEqual({ line: 3, col: 32 });
    expect(d.pos(['a', 'list', 1])).toEqual({ line: 6, col: 15 });
    expect(d.pos(['a', 'list'])).toEqual({ line: 4, col: 3 });
    expect(docs[1]!.pos(['second'])).toEqual({ line: 10, col: 9 });
  });

  it('falls back to the nearest existing ancestor', () => {
    expect(docs[0]!.pos(['a', 'b', 'missing', 'deeper'])).toEqual({ line: 3, col: 6 });
    expect(docs[0]!.keyPos(['a', 'nope'])).toEqual({ line: 2, col: 1 });
  });

  it('returns a number as written, not its float, and follows aliases', () => {
    const d = docs[0]!;
    expect(d.source(['a', 'b', 'c'])).toBe('0.30000000000000004');
    expect(d.source(['a', 'b', 'd'])).toBe('1.50');
    expect(d.source(['a', 'alias'])).toBe('7');
    expect(d.pos(['a', 'alias'])).toEqual({ line: 7, col: 10 });
    expect(d.source(['a', 'b'])).toBeUndefined();
  });

  it('reports syntax errors and duplicate keys at their position and drops that document', () => {
    const bad = parseYaml('ok: 1\n---\na: [1, 2\nb: 3\n---\nx: 1\nx: 2\n', 'bad.yaml');
    expect(bad.docs).toEqual([expect.objectContaining({ index: 0 })]);
    expect(bad.errors.map((e) => [e.file, e.line, e.col, e.rule])).toEqual([
      ['bad.yaml', 4, 1, 'yaml-syntax'],
      ['bad.yaml', 7, 1, 'duplicate-key'],
    ]);
    expect(bad.errors[1]!.message).toBe('duplicate key "x": keys must be unique in a mapping');
  });

  it('reports an unresolved alias instead of throwing', () => {
    const r = parseYaml('a: *nowhere\n', 'alias.yaml');
    expect(r.docs).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ file: 'alias.yaml', line: 1, rule: 'yaml-syntax' });
  });

  it('treats an empty file as no documents', () => {
    expect(parseYaml('', 'e.yaml')).toEqual({ docs: [], errors: [], warnings: [] });
    expect(parseYaml('# nothing\n---\n', 'e.yaml').docs).toEqual([]);
  });
});

describe('helpers', () => {
  it('dotted', () => {
    expect(dotted(['spec', 'services', 1])).toBe('spec.services[1]');
    expect(dotted(['metadata', 'labels', 'app.io/x'])).toBe('metadata.labels["app.io/x"]');
    expect(dotted([])).toBe('');
  });

  it('suggests close names, case-insensitively and for abbreviations', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('percnt', ['type', 'percent'])).toBe('percent');
    expect(closest('qr_code', ['QR_CODE', 'EWALLET'])).toBe('QR_CODE');
    expect(closest('PERCENT', ['PERCENTAGE', 'FLAT'])).toBe('PERCENTAGE');
    expect(closest('zzz', ['percent'])).toBeUndefined();
  });
});
