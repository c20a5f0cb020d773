// The diff of the files import writes, named from the repository root. A new file is a creation
// patch; an overwritten one (--overwrite) is diffed against what it holds now.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitError } from '../diagnostics.js';
import { repositoryPath, repositoryRoot } from '../files/repo-root.js';
import { patchOf, type FileChange } from '../text/patch.js';
import { redact } from '../text/redact.js';
import type { ImportItem } from './plan.js';

/** The patch, and how many files it changes (an overwrite that writes the same bytes changes none). */
export async function importPatch(baseDir: string, items: readonly ImportItem[]): Promise<{ patch: string; files: number }> {
  const root = repositoryRoot(baseDir);
  const changes: FileChange[] = [];
  for (const item of items) {
    if (item.text === undefined) continue;
    let before: string | undefined;
    if (item.action !== 'create') {
      try {
        before = await readFile(path.resolve(baseDir, item.file), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new ExitError(`cannot read ${item.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    // What is written: the same masking as the write itself.
    changes.push({ path: repositoryPath(root, baseDir, item.file), ...(before === undefined ? {} : { before }), after: redact(item.text) });
  }
  const changed = changes.filter((c) => c.before !== c.after);
  return { patch: patchOf(changed), files: changed.length };
}
