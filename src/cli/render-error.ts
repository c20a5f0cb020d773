import { CommanderError } from 'commander';
import { ApiError, ApiUnavailableError } from '../api/errors.js';
import { ExitError, InternalError } from '../diagnostics.js';
import { escapeText } from '../text/escape.js';
import { printDiagnostics, type Io } from './io.js';

/** Turns what a command threw into its message and exit code: the one place that does. */
export function renderError(io: Io, e: unknown): number {
  if (e instanceof CommanderError) {
    // Help and version are successes; anything else commander rejects is bad input.
    return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? 0 : 1;
  }
  if (e instanceof ExitError) {
    printDiagnostics(io, e.diagnostics);
    if (e.hint) io.err(e.hint + '\n');
    return 1;
  }
  if (e instanceof ApiError || e instanceof ApiUnavailableError) {
    io.err(io.style.red('error: ') + e.message + '\n');
    return 1;
  }
  const internal = e instanceof InternalError ? e : new InternalError(e instanceof Error ? e.message : String(e), { cause: e });
  // A bug's message may quote whatever it choked on: one escaped line.
  io.err(io.style.red('internal error: ') + escapeText(internal.message) + '\nThis is a bug in paystrator-gitops; please report it with the command you ran.\n');
  if (io.env.PAYSTRATOR_DEBUG && e instanceof Error && e.stack) io.err(e.stack + '\n');
  return 1;
}
