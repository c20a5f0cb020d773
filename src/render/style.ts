// How text output is coloured: ANSI on a terminal, plain elsewhere. Shared by every renderer.
export interface Style {
  green: (s: string) => string;
  yellow: (s: string) => string;
  red: (s: string) => string;
  bold: (s: string) => string;
  dim: (s: string) => string;
  /** Hunk headers of file previews; optional so a Style written elsewhere still fits. */
  cyan?: (s: string) => string;
}

const ansi = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
export const colors: Style = { green: ansi(32, 39), yellow: ansi(33, 39), red: ansi(31, 39), bold: ansi(1, 22), dim: ansi(2, 22), cyan: ansi(36, 39) };
export const plain: Style = { green: (s) => s, yellow: (s) => s, red: (s) => s, bold: (s) => s, dim: (s) => s, cyan: (s) => s };
