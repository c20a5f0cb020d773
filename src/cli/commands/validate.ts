import { ExitError, type Diagnostic } from '../../diagnostics.js';
import { loadProviders } from '../../load/providers.js';
import { openWorkspace } from '../../workspace.js';
import type { GlobalOptions } from '../main.js';
import { printDiagnostics, type Io } from '../io.js';

export async function validateCommand(io: Io, g: GlobalOptions, o: { format: 'text' | 'json' }): Promise<number> {
  let errors: Diagnostic[] = [];
  let warnings: Diagnostic[] = [];
  let count = 0;
  let env = g.env ?? 'sandbox';
  try {
    const ws = await openWorkspace({ configPath: g.config, envName: g.env });
    env = ws.envName;
    warnings = ws.warnings;
    const patterns = Array.isArray(ws.env.providers) ? ws.env.providers : [ws.env.providers];
    const r = await loadProviders({ patterns, baseDir: ws.config.dir, catalog: ws.catalog, secretStores: [...ws.stores.keys()] });
    errors = r.errors;
    warnings = [...warnings, ...r.warnings];
    count = r.value?.length ?? 0;
  } catch (e) {
    if (!(e instanceof ExitError)) throw e;
    errors = e.diagnostics;
  }
  if (o.format === 'json') {
    io.out(JSON.stringify({ valid: errors.length === 0, environment: env, providers: count, errors, warnings }, null, 2) + '\n');
  } else {
    printDiagnostics(io, [...errors, ...warnings]);
    if (errors.length === 0) io.out(io.style.green(`Valid: ${count} provider${count === 1 ? '' : 's'} (environment ${env}).`) + '\n');
    else io.err(`${errors.length} error${errors.length === 1 ? '' : 's'}.\n`);
  }
  return errors.length ? 1 : 0;
}
