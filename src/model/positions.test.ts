import { describe, expect, it } from 'vitest';
import { FieldPositions } from './positions.js';

describe('FieldPositions', () => {
  it('gives the file, line and column of each field, and nothing for a field not written', () => {
    const p = FieldPositions.of('providers/a.yaml', { '': { line: 1, col: 1 }, 'metadata.name': { line: 4, col: 9 } });
    expect(p.get('metadata.name')).toEqual({ file: 'providers/a.yaml', line: 4, col: 9 });
    expect(p.get('')).toEqual({ file: 'providers/a.yaml', line: 1, col: 1 });
    expect(p.get('spec.fee')).toBeUndefined();
    expect(FieldPositions.NONE.get('')).toBeUndefined();
  });

  it('keeps lines and columns past 65,535 exactly', () => {
    const p = FieldPositions.of('big.yaml', { 'metadata.name': { line: 70_000, col: 3 }, spec: { line: 65_535, col: 100_000 } });
    expect(p.get('metadata.name')).toEqual({ file: 'big.yaml', line: 70_000, col: 3 });
    expect(p.get('spec')).toEqual({ file: 'big.yaml', line: 65_535, col: 100_000 });
  });

  it('providers written alike keep their own file, and a field given twice is where it was given last', () => {
    const a = FieldPositions.of('a.yaml', { spec: { line: 7, col: 1 } });
    const b = FieldPositions.of('b.yaml', { spec: { line: 7, col: 1 } });
    expect([a.get('spec')?.file, b.get('spec')?.file]).toEqual(['a.yaml', 'b.yaml']);
    const builder = FieldPositions.builder('c.yaml');
    builder.add('spec', 1, 1);
    builder.add('spec', 2, 5);
    expect(builder.build().get('spec')).toEqual({ file: 'c.yaml', line: 2, col: 5 });
  });
});
