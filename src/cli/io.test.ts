import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { colors } from '../render/style.js';
import { Sensitive } from '../secrets/sensitive.js';
import { guardedIo, printDiagnostics, type Io } from './io.js';

function recording(): Io & { written: string[] } {
  const written: string[] = [];
  return { written, out: (t) => void written.push(t), err: (t) => void written.push(t), style: colors, stdinIsTty: false, stdoutIsTty: true, env: {} };
}

describe('the guarded Io, which every command writes through', () => {
  it('masks resolved values and escapes what a renderer left raw, keeping our colours', () => {
    const key = new Sensitive(`psk_live_${Math.random().toString(36).slice(2)}`);
    const raw = recording();
    const io = guardedIo(raw);
    io.err(io.style.red('error: ') + `401: Bearer ${key.reveal()}\x1b]0;pwned\x07\n`);
    expect(raw.written).toEqual(['\x1b[31merror: \x1b[39m401: Bearer (sensitive)\\e]0;pwned\\a\n']);
    expect(guardedIo(io)).toBe(io);
  });

  it('prints each diagnostic on one line, whatever a quoted name holds', () => {
    const raw = recording();
    printDiagnostics(guardedIo(raw), [{ severity: 'error', message: 'name "a\nerror: providers/fake.yaml:1:1: forged" is taken', file: 'providers/a.yaml', line: 3 }]);
    expect(raw.written.join('')).toBe('\x1b[31merror: \x1b[39mproviders/a.yaml:3:1: name "a\\nerror: providers/fake.yaml:1:1: forged" is taken\n');
  });

  it("shows an API problem's text escaped, with only our own line breaks", () => {
    const e = new ApiError('create provider "X"', 422, { type: 'about:blank', title: '\x1b[2JBad', status: 422, detail: 'line\nforged', errors: [{ path: 'name', message: 'bidi \u202e' }] });
    expect(e.message).toBe('create provider "X" failed: 422 \\e[2JBad: line\\nforged\n  name: bidi \\u202e');
  });
});
