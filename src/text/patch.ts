// The one unified-diff format of every file the tool writes into a repository (init, import,
// drift --write, the drift pull request): git-style, with `a/` and `b/` paths relative to the
// repository root, so the printed preview can be saved and given to `git apply`.
import { formatPatch, structuredPatch } from 'diff';
import { escapeText } from './escape.js';

export interface FileChange {
  /** Relative to the repository root, forward slashes. */
  path: string;
  /** Undefined for a file that is created. */
  before?: string;
  after: string;
}

// Lines of repository files are shown like any other text: a control or bidi character in one
// (a YAML file may quote anything) comes out inert, never as a terminal sequence.
const escapeLines = (text: string) => text.split('\n').map(escapeText).join('\n');

/** One file's patch; empty when nothing changes. */
export function filePatch(change: FileChange): string {
  const before = change.before === undefined ? '' : escapeLines(change.before);
  const after = escapeLines(change.after);
  if (change.before !== undefined && before === after) return '';
  const created = change.before === undefined;
  const p = structuredPatch(created ? '/dev/null' : `a/${change.path}`, `b/${change.path}`, before, after, '', '', { context: 3 });
  const header = `diff --git a/${change.path} b/${change.path}\n${created ? 'new file mode 100644\n' : ''}`;
  return header + formatPatch(p, { includeIndex: false, includeUnderline: false, includeFileHeaders: true });
}

/** Every file's patch, in the order given. */
export function patchOf(changes: readonly FileChange[]): string {
  return changes.map(filePatch).join('');
}

/** The colours a patch needs; render/style.ts's Style fits it (text/ sits below render/). */
export interface PatchPaint {
  green: (s: string) => string;
  red: (s: string) => string;
  bold: (s: string) => string;
  dim: (s: string) => string;
  cyan?: (s: string) => string;
}

/** Removed lines red, added green, hunk headers cyan; file headers as they are. */
export function colourPatch(patch: string, style: PatchPaint): string {
  const cyan = style.cyan ?? style.dim;
  return patch
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---') ? style.bold(l) : l.startsWith('+') ? style.green(l) : l.startsWith('-') ? style.red(l) : l.startsWith('@@') ? cyan(l) : l,
    )
    .join('\n');
}
