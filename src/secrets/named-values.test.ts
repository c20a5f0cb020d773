import { describe, expect, it } from 'vitest';
import { parseNamedValues } from './named-values.js';

describe('parseNamedValues', () => {
  it('reads text values and keeps mappings as JSON for key picking', () => {
    const v = parseNamedValues(Buffer.from('\ufeffA: one\nB: { user: u, pass: "p w" }\nC: "0123"\n'), 'secrets.yaml');
    expect([...v]).toEqual([['A', 'one'], ['B', '{"user":"u","pass":"p w"}'], ['C', '0123']]);
  });

  it('refuses a !!binary value at its line, without the value', () => {
    const call = () => parseNamedValues(Buffer.from('A: ok\nB: !!binary c2VjcmV0LXZhbHVl\n'), 'secrets.yaml');
    expect(call).toThrow(/^secrets\.yaml:2:\d+: B: a !!binary value is not accepted/);
    expect(call).not.toThrow(/c2VjcmV0/);
  });

  it('refuses a number (it would lose its leading zeros) or an empty value at its line', () => {
    expect(() => parseNamedValues('A: ok\nPIN: 0123\n', 'secrets.yaml')).toThrow(/^secrets\.yaml:2:6: PIN is a number, not text: quote the value$/);
    expect(() => parseNamedValues('A:\n', 'secrets.yaml')).toThrow(/^secrets\.yaml:1:\d+: A is empty, not text/);
  });

  it('refuses invalid UTF-8 and UTF-16 at their line', () => {
    expect(() => parseNamedValues(Buffer.concat([Buffer.from('A: ok\nB: '), Buffer.from([0xff]), Buffer.from('\n')]), 'secrets.yaml')).toThrow(/^secrets\.yaml:2:4: the file is not valid UTF-8/);
    expect(() => parseNamedValues(Buffer.from('\ufeffA: ok\n', 'utf16le'), 'secrets.yaml')).toThrow(/^secrets\.yaml:1:1: .*must be UTF-8/);
  });

  it('names the line of a syntax error without quoting the text', () => {
    const call = () => parseNamedValues('A: ok\nB: [hunter2\n', 'secrets.yaml');
    expect(call).toThrow(/^secrets\.yaml:\d+:\d+: the file is not valid YAML or JSON$/);
  });

  it('refuses nesting past 64 levels as one error, not a stack overflow', () => {
    expect(() => parseNamedValues(`A: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 'secrets.yaml')).toThrow(/^secrets\.yaml:1:\d+: YAML: nesting deeper than 64 levels/);
  });
});
