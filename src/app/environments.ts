// Which environments a change touches: an environment is touched when a changed file matches one of
// its provider globs, and every environment is touched when the config itself changed. Workflows
// feed the answer to a job matrix, so a pull request plans only what it can change.
import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { ExitError } from '../diagnostics.js';
import type { LoadedConfig } from '../load/config.js';

export interface ChangedFiles {
  /** Paths relative to the repository's top folder, forward slashes. */
  files: string[];
  top: string;
}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (e, stdout, stderr) => {
      if (!e) return resolve(stdout);
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'git is not installed (or not on PATH)' : (stderr.trim().split('\n')[0] ?? e.message);
      reject(new ExitError(`git ${args[0]} failed: ${why}`));
    });
  });
}

const paths = (out: string) => out.split('\0').filter((p) => p !== '');

/**
 * Files that differ between the merge base of REF and HEAD and the working tree: what the branch
 * committed since it left REF (`git diff REF...HEAD`), plus what is staged, unstaged or untracked, so
 * a local run before committing answers the same as CI will after. Renames count as both paths.
 */
export async function changedSince(ref: string, dir: string): Promise<ChangedFiles> {
  if (ref === '' || ref.startsWith('-')) throw new ExitError(`--changed-since needs a git ref (a branch, tag or commit), not "${ref}"`);
  const top = (await git(dir, ['rev-parse', '--show-toplevel'])).trim();
  const [committed, uncommitted, untracked] = await Promise.all([
    git(top, ['diff', '--name-only', '--no-renames', '-z', `${ref}...HEAD`, '--']),
    git(top, ['diff', '--name-only', '--no-renames', '-z', 'HEAD', '--']),
    git(top, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  return { top, files: [...new Set([...paths(committed), ...paths(uncommitted), ...paths(untracked)])].sort() };
}

const posix = (p: string) => p.split(path.sep).join('/');

/** The environments in declaration order; with `changed`, only those the changed files touch. */
export function selectEnvironments(loaded: LoadedConfig, changed?: ChangedFiles): string[] {
  const names = Object.keys(loaded.config.environments);
  if (!changed) return names;
  // Globs are relative to the config's folder; git's paths to the repository's top, which git gives
  // with symlinks resolved (macOS's /tmp is /private/tmp).
  const dir = realpathSync(loaded.dir);
  const base = posix(path.relative(changed.top, dir));
  const configFile = posix(path.relative(changed.top, path.join(dir, path.basename(loaded.file))));
  if (changed.files.includes(configFile)) return names;
  return names.filter((name) => {
    const env = loaded.config.environments[name]!;
    const globs = typeof env.providers === 'string' ? [env.providers] : env.providers;
    // `!pattern` excludes, as in the glob that loads the files.
    const rebase = (g: string) => path.posix.normalize(path.posix.join(base, g));
    const include = picomatch(globs.filter((g) => !g.startsWith('!')).map(rebase));
    const excludes = globs.filter((g) => g.startsWith('!')).map((g) => rebase(g.slice(1)));
    const exclude = excludes.length ? picomatch(excludes) : () => false;
    return changed.files.some((f) => include(f) && !exclude(f));
  });
}

/** A GitHub Actions matrix: `strategy.matrix: ${{ fromJSON(...) }}` runs one job per environment. */
export function matrix(names: string[]): { include: { environment: string }[] } {
  return { include: names.map((environment) => ({ environment })) };
}
