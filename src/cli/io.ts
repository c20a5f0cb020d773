import { formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { colors, plain, type Style } from '../render/style.js';
import { escapeText, sanitizeTerminalOutput } from '../text/escape.js';
import { redact } from '../text/redact.js';

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

/**
 * What every byte the CLI writes passes: the run's resolved values masked (outside text may quote
 * them), then any control or bidi character a renderer did not escape shown escaped. One place,
 * so no call site can forget it.
 */
export function guardOutput(text: string): string {
  return sanitizeTerminalOutput(redact(text));
}

const guarded = new WeakSet<Io>();

/** The same Io with every write guarded; main() applies it to whatever Io it is given. */
export function guardedIo(io: Io): Io {
  if (guarded.has(io)) return io;
  // Descriptors, not a spread: processIo's stdinIsTty is a getter and must stay one.
  const g = Object.defineProperties({} as Io, { ...Object.getOwnPropertyDescriptors(io), out: { value: (t: string) => io.out(guardOutput(t)), enumerable: true }, err: { value: (t: string) => io.err(guardOutput(t)), enumerable: true } });
  guarded.add(g);
  return g;
}

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
    // Asked only by apply without --auto-approve: process.stdin builds a stream (~4 ms) on first use.
    get stdinIsTty() {
      return process.stdin.isTTY === true;
    },
    stdoutIsTty: process.stdout.isTTY === true,
    env: process.env,
  };
}

export function printDiagnostics(io: Io, diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    // One line per diagnostic: a live name or file value quoted in it cannot start another line.
    const line = escapeText(formatDiagnostic(d));
    io.err((d.severity === 'error' ? io.style.red('error: ') : io.style.yellow('')) + line + '\n');
  }
}
