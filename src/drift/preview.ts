// The diff of what drift --write changes, named from the repository root: one text shared by the
// terminal preview and the drift pull request.
import { repositoryPath, repositoryRoot } from '../files/repo-root.js';
import { patchOf } from '../text/patch.js';
import type { PlannedFile } from './write.js';

export function driftPatch(files: readonly PlannedFile[], baseDir: string): string {
  const root = repositoryRoot(baseDir);
  return patchOf(files.map((f) => ({ path: repositoryPath(root, baseDir, f.file), before: f.before, after: f.after })));
}
