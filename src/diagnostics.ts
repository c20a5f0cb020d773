// Errors are values: every layer below the CLI returns or throws these, and only src/cli/ renders
// them and picks the exit code.

export interface Diagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** Path of the file the problem is in, relative to the workspace when possible. */
  file?: string;
  /** 1-based line and column of the node the problem concerns. */
  line?: number;
  col?: number;
  /** Dotted path of the field, e.g. spec.fee.percent. */
  field?: string;
  /** Name of the rule that produced it (schema, unique-name, ...), for filtering and tests. */
  rule?: string;
}

export interface Result<T> {
  value: T | undefined;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export function error(message: string, at: Omit<Diagnostic, 'severity' | 'message'> = {}): Diagnostic {
  return { severity: 'error', message, ...at };
}

export function warning(message: string, at: Omit<Diagnostic, 'severity' | 'message'> = {}): Diagnostic {
  return { severity: 'warning', message, ...at };
}

/** A failure the user can fix (bad input, refused apply, API error): exit 1 with the diagnostics. */
export class ExitError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[] | string, readonly hint?: string) {
    const list = typeof diagnostics === 'string' ? [error(diagnostics)] : diagnostics;
    super(list.map((d) => d.message).join('; '));
    this.name = 'ExitError';
    this.diagnostics = list;
  }
}

/** A bug in this program: exit 1 with a request to report it. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function formatLocation(d: Diagnostic): string {
  if (!d.file) return '';
  if (d.line === undefined) return d.file;
  return `${d.file}:${d.line}:${d.col ?? 1}`;
}

/** `file:line:col: field: message`, the one line format of every diagnostic. */
export function formatDiagnostic(d: Diagnostic): string {
  const loc = formatLocation(d);
  const field = d.field ? `${d.field}: ` : '';
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  return `${loc ? `${loc}: ` : ''}${prefix}${field}${d.message}`;
}
