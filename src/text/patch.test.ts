import { describe, expect, it } from 'vitest';
import { colors, plain } from '../render/style.js';
import { colourPatch, filePatch, patchOf } from './patch.js';

describe('filePatch', () => {
  it('a changed file: a/ and b/ paths, three lines of context, only the changed line', () => {
    const before = ['a: 1', 'b: 2', 'c: 3', 'd: 4', 'e: 5', 'f: 6', 'g: 7', 'h: 8', ''].join('\n');
    expect(filePatch({ path: 'providers/x.yaml', before, after: before.replace('e: 5', 'e: 50') })).toBe(
      [
        'diff --git a/providers/x.yaml b/providers/x.yaml',
        '--- a/providers/x.yaml',
        '+++ b/providers/x.yaml',
        '@@ -2,7 +2,7 @@',
        ' b: 2',
        ' c: 3',
        ' d: 4',
        '-e: 5',
        '+e: 50',
        ' f: 6',
        ' g: 7',
        ' h: 8',
        '',
      ].join('\n'),
    );
  });

  it('a new file: created from /dev/null, as git apply wants it', () => {
    expect(filePatch({ path: 'p/new.yaml', after: 'a: 1\n' })).toBe('diff --git a/p/new.yaml b/p/new.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/p/new.yaml\n@@ -0,0 +1,1 @@\n+a: 1\n');
  });

  it('an unchanged file has no patch', () => {
    expect(filePatch({ path: 'a.yaml', before: 'x: 1\n', after: 'x: 1\n' })).toBe('');
    expect(patchOf([{ path: 'a.yaml', before: 'x: 1\n', after: 'x: 1\n' }])).toBe('');
  });

  it('a file without a final newline says so, as git does', () => {
    expect(filePatch({ path: 'a.yaml', before: 'x: 1', after: 'x: 2' })).toContain('-x: 1\n\\ No newline at end of file\n+x: 2\n\\ No newline at end of file\n');
  });

  it('control and bidi characters in a line come out escaped, never raw', () => {
    const p = filePatch({ path: 'a.yaml', before: 'name: a\n', after: 'name: "\x1b]0;owned\x07\u202e"\n' });
    expect(p).toContain('+name: "\\e]0;owned\\a\\u202e"\n');
    for (const ch of ['\x1b', '\x07', '\u202e']) expect(p).not.toContain(ch);
  });
});

describe('colourPatch', () => {
  const patch = filePatch({ path: 'a.yaml', before: 'x: 1\n', after: 'x: 2\n' });
  it('removed lines red, added green, hunk headers cyan', () => {
    const c = colourPatch(patch, colors);
    expect(c).toContain('\x1b[31m-x: 1\x1b[39m');
    expect(c).toContain('\x1b[32m+x: 2\x1b[39m');
    expect(c).toContain('\x1b[36m@@ -1,1 +1,1 @@\x1b[39m');
  });
  it('plain without colour', () => {
    expect(colourPatch(patch, plain)).toBe(patch);
  });
});
