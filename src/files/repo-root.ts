// Where a patch's `a/` and `b/` paths start: the git top level when the folder is in a git work
// tree (so `git apply` run there takes the preview as printed), else the folder itself.
import { statSync } from 'node:fs';
import path from 'node:path';

export function repositoryRoot(dir: string): string {
  let at = path.resolve(dir);
  for (let i = 0; i < 256; i++) {
    try {
      // A work tree has .git as a folder, a linked worktree or submodule as a file: both count.
      statSync(path.join(at, '.git'));
      return at;
    } catch {
      const up = path.dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  return path.resolve(dir);
}

/** A path under the config folder as the patch names it: relative to the repository root. */
export function repositoryPath(root: string, baseDir: string, file: string): string {
  return path.relative(root, path.resolve(baseDir, file)).split(path.sep).join('/');
}
