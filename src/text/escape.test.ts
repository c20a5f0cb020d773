import { describe, expect, it } from 'vitest';
import { escapeText, hasUnsafeText, sanitizeTerminalOutput } from './escape.js';

describe('escapeText', () => {
  it('shows terminal controls, line breaks and bidi controls as inert escapes', () => {
    expect(escapeText('Evil\x1b[2J\x1b]0;pwned\x07')).toBe('Evil\\e[2J\\e]0;pwned\\a');
    expect(escapeText('a\nerror: providers/fake.yaml:1:1: forged')).toBe('a\\nerror: providers/fake.yaml:1:1: forged');
    expect(escapeText('x\ry')).toBe('x\\ry');
    expect(escapeText('admin\u202eexe.txt')).toBe('admin\\u202eexe.txt');
    expect(escapeText('\u0000\u007f\u0085\u009b\u2028\u2029\u200e\u200f\u061c\u2066\u2069\u202a')).toBe(
      '\\u0000\\u007f\\u0085\\u009b\\u2028\\u2029\\u200e\\u200f\\u061c\\u2066\\u2069\\u202a',
    );
  });

  it('keeps tabs and printable text of any script as they are', () => {
    const text = 'Xendit Main\tBank Central Asia — 日本語 émoji 🚀 ‹quoted›';
    expect(escapeText(text)).toBe(text);
    expect(hasUnsafeText(text)).toBe(false);
    expect(hasUnsafeText('a\u202eb')).toBe(true);
  });
});

describe('sanitizeTerminalOutput (the sink)', () => {
  it("keeps the CLI's own colours, redraw sequences, newlines and tabs", () => {
    const own = '\x1b[32mgreen\x1b[39m\n\x1b[3A\x1b[2Kline\t\x1b[J\x1b[1;22m';
    expect(sanitizeTerminalOutput(own)).toBe(own);
  });

  it('escapes any other escape sequence or control character', () => {
    expect(sanitizeTerminalOutput('a\x1b[2Jb\x1b]0;t\x07c\rd')).toBe('a\\e[2Jb\\e]0;t\\ac\\rd');
    expect(sanitizeTerminalOutput('\x1b')).toBe('\\e');
  });

  it('leaves JSON output parsing to the same value', () => {
    const value = { name: 'Evil\x1b[2J\u202e\u2028\u0085\u007f', n: 1 };
    const text = JSON.stringify(value, null, 2);
    const out = sanitizeTerminalOutput(text);
    expect(out).not.toMatch(/[\u2028\u202e\u0085\u007f]/);
    expect(JSON.parse(out)).toEqual(value);
  });
});
