// Where the workspace config is when --config is not given: the current directory or the nearest
// one above it, as git finds .git and ESLint finds its config. Relative paths inside the config stay
// relative to the config's own folder (LoadedConfig.dir), so a run from a subfolder sees the same files.
import { statSync } from 'node:fs';
import path from 'node:path';
import { ExitError } from '../diagnostics.js';

export const CONFIG_FILE = 'paystrator.yaml';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The nearest `paystrator.yaml` from `start` upwards, or undefined. */
export function findConfig(start: string): string | undefined {
  for (let dir = path.resolve(start); ; ) {
    const candidate = path.join(dir, CONFIG_FILE);
    if (isFile(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The config path to use: the one given, else the discovered one, named relative to `cwd` so
 * diagnostics read `paystrator.yaml` here and `../paystrator.yaml` from a subfolder.
 */
export function configPath(given: string | undefined, cwd: string): string {
  if (given !== undefined) return given;
  const found = findConfig(cwd);
  if (!found) throw new ExitError(`no ${CONFIG_FILE} in ${path.resolve(cwd)} or any parent; run paystrator-gitops init`);
  return path.relative(cwd, found) || CONFIG_FILE;
}
