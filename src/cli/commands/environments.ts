import { writeFile } from 'node:fs/promises';
import { ExitError, error } from '../../diagnostics.js';
import { changedSince, matrix, selectEnvironments } from '../../app/environments.js';
import { loadConfig } from '../../load/config.js';
import { unwrap } from '../../app/workspace.js';
import type { GlobalOptions } from '../options.js';
import { printDiagnostics, type Io } from '../io.js';

export interface EnvironmentsFlags {
  format: 'text' | 'json';
  changedSince?: string;
  out?: string;
}

export async function environmentsCommand(io: Io, g: GlobalOptions, o: EnvironmentsFlags): Promise<number> {
  const loaded = await loadConfig(g.config);
  const config = unwrap(loaded);
  printDiagnostics(io, loaded.warnings);
  const changed = o.changedSince === undefined ? undefined : await changedSince(o.changedSince, config.dir);
  const names = selectEnvironments(config, changed);
  // A workflow step reads the matrix from the file: the action's stdout goes to the log only.
  if (o.out !== undefined) {
    try {
      await writeFile(o.out, JSON.stringify(matrix(names)) + '\n');
    } catch (e) {
      throw new ExitError([error(`cannot write the matrix file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: o.out })]);
    }
  }
  if (o.format === 'json') io.out(JSON.stringify(matrix(names)) + '\n');
  else if (names.length) io.out(names.join('\n') + '\n');
  else io.err(`no environment is touched by a change since ${o.changedSince ?? ''}\n`);
  return 0;
}
