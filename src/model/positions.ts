// Where each field of a declared provider is written. A plan over 10,000 providers holds every
// one's positions for as long as it runs (any line may be quoted by a diagnostic), and as an object
// of {file, line, col} objects they were 14 MB of its peak memory. Here they are one list of field
// paths shared by every provider of that shape, and the lines and columns as the char codes of
// one string (an array of numbers is 8 bytes a number, this 1 or 2), itself shared by providers
// written alike; a position is made only when it is asked for.

/** Where a desired provider's field came from, for errors that point at the line. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

// Providers of one integration and fee type have the same field paths: one list serves them all.
const sharedPaths = new Map<string, readonly string[]>();
const sharedLineCols = new Map<string, string>();

function sharedList(paths: string[]): readonly string[] {
  const key = paths.join('\n');
  let found = sharedPaths.get(key);
  if (!found) sharedPaths.set(key, (found = paths));
  return found;
}

/** The numbers as one string of char codes, when each fits in one (a file of < 65,536 lines). */
function packed(numbers: number[]): string | readonly number[] {
  if (numbers.some((n) => n > 0xffff)) return numbers;
  const text = String.fromCharCode(...numbers);
  let found = sharedLineCols.get(text);
  if (found === undefined) sharedLineCols.set(text, (found = text));
  return found;
}

export class FieldPositions {
  static readonly NONE = new FieldPositions('', [], []);

  readonly #file: string;
  readonly #paths: readonly string[];
  /** Line and column of each path, in turn. */
  readonly #lineCols: string | readonly number[];

  private constructor(file: string, paths: readonly string[], lineCols: string | readonly number[]) {
    this.#file = file;
    this.#paths = paths;
    this.#lineCols = lineCols;
  }

  /** The positions of fields by dotted path (spec.fee.percent); '' is the document itself. */
  static of(file: string, at: Readonly<Record<string, { line: number; col: number }>>): FieldPositions {
    const b = FieldPositions.builder(file);
    for (const [path, p] of Object.entries(at)) b.add(path, p.line, p.col);
    return b.build();
  }

  static builder(file: string): { add(path: string, line: number, col: number): void; build(): FieldPositions } {
    const paths: string[] = [];
    const lineCols: number[] = [];
    return {
      add(path, line, col) {
        const i = paths.indexOf(path);
        if (i >= 0) {
          lineCols[2 * i] = line;
          lineCols[2 * i + 1] = col;
        } else {
          paths.push(path);
          lineCols.push(line, col);
        }
      },
      build: () => new FieldPositions(file, sharedList(paths), packed(lineCols)),
    };
  }

  /** Where the field at this dotted path is written, when it is. */
  get(path: string): SourcePosition | undefined {
    const i = this.#paths.indexOf(path);
    if (i < 0) return undefined;
    const at = (j: number) => (typeof this.#lineCols === 'string' ? this.#lineCols.charCodeAt(j) : this.#lineCols[j]!);
    return { file: this.#file, line: at(2 * i), col: at(2 * i + 1) };
  }
}
