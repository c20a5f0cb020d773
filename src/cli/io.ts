import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { colors, plain, type Style } from '../plan/render.js';

/** The only place that writes to the terminal. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  style: Style;
  stdinIsTty: boolean;
  stdoutIsTty: boolean;
  env: NodeJS.ProcessEnv;
}

let pipeHandled = false;

export function processIo(noColor: boolean): Io {
  if (!pipeHandled) {
    pipeHandled = true;
    // `plan | head` closes the pipe early: that is the reader's choice, not a crash.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const useColor = !noColor && !process.env.NO_COLOR && process.stdout.isTTY === true;
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    style: useColor ? colors : plain,
    stdinIsTty: process.stdin.isTTY === true,
    stdoutIsTty: process.stdout.isTTY === true,
    env: process.env,
  };
}

export function printDiagnostics(io: Io, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    const line = formatDiagnostic(d);
    io.err((d.severity === 'error' ? io.style.red('error: ') : io.style.yellow('')) + line + '\n');
  }
}
