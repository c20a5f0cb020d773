import { describe, expect, it } from 'vitest';
import { decodeYamlBytes } from './text.js';

const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('decodeYamlBytes', () => {
  it('decodes UTF-8 and drops a BOM', () => {
    expect(decodeYamlBytes(bytes('a: é\n'), 'f.yaml')).toEqual({ ok: true, text: 'a: é\n' });
    expect(decodeYamlBytes(bytes([0xef, 0xbb, 0xbf], 'a: 1\n'), 'f.yaml')).toEqual({ ok: true, text: 'a: 1\n' });
  });

  it('refuses invalid bytes at the line and column of the first one', () => {
    const r = decodeYamlBytes(bytes('a: 1\nname: Caf', [0xe9], '\n'), 'p.yaml');
    expect(r).toEqual({ ok: false, error: expect.objectContaining({ file: 'p.yaml', line: 2, col: 10, rule: 'encoding', message: expect.stringContaining('not valid UTF-8 (byte 0xe9)') }) });
  });

  it.each([
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong form', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a stray continuation byte', [0x80]],
  ])('refuses %s', (_, bad) => {
    const r = decodeYamlBytes(bytes('é: ', bad, '\n'), 'p.yaml');
    expect(r).toMatchObject({ ok: false, error: { line: 1, col: 4 } });
  });

  it.each([
    ['a UTF-16 LE BOM', Buffer.from('\ufeffa: 1\n', 'utf16le')],
    ['a UTF-16 BE BOM', Buffer.from([0xfe, 0xff, 0, 0x61, 0, 0x3a])],
    ['UTF-16 without a BOM', Buffer.from('a: 1\n', 'utf16le')],
  ])('refuses UTF-16 (%s), saying the file must be UTF-8', (_, b) => {
    expect(decodeYamlBytes(b, 'p.yaml')).toEqual({ ok: false, error: expect.objectContaining({ line: 1, col: 1, rule: 'encoding', message: expect.stringContaining('must be UTF-8') }) });
  });
});
