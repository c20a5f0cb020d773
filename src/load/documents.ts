// Documents of the kinds beyond Provider and Sequence (Webhooks, IpWhitelist, ApiKey, ...). The
// loader knows them only through this interface: each kind's handler (src/kinds/) brings its own
// validation, so a new kind plugs in without a branch here.
import type { Catalog } from '../catalog/catalog.js';
import { error, type Diagnostic } from '../diagnostics.js';
import { kindValidator, schemaIssues, toDiagnostic, type Issue } from './schema.js';
import type { WorkspaceConfig } from '../generated/config.js';
import type { Position, YamlDocument } from './yaml.js';

export type { Issue } from './schema.js';

/** What a document's validation may depend on besides the document. */
export interface DocumentContext {
  catalog: Catalog;
  /** Whether webhook URLs may be http to a loopback address (the environment is a sandbox). */
  allowLoopbackHttp: boolean;
  /** Declared secret store names, when known (an ApiKey's valueSink must name one). */
  secretStores?: ReadonlySet<string>;
  /** The declared stores' configs, when known: an ApiKey's valueSink must name one of a type that can be written. */
  secretStoreConfigs?: WorkspaceConfig['secretStores'];
}

/** One valid document of a kind, as loaded: its value and where it is. */
export interface DeclaredDocument<T = unknown> extends Position {
  kind: string;
  file: string;
  /** 0-based index of the document in its file (drift --write edits that one). */
  index: number;
  /** The document's identity: metadata.name, or the kind itself for a kind there is one of. */
  name: string;
  value: T;
}

export interface DocumentKind<T = unknown> {
  /** The `kind:` value of its documents. */
  readonly kind: string;
  /** 'one': at most one document per environment (Webhooks, IpWhitelist); 'named': unique metadata.name. */
  readonly cardinality: 'one' | 'named';
  /**
   * Shape (its JSON Schema) and rules a schema cannot say, each error at its line; never throws
   * for bad input. `value` when the document is valid; `name` for a 'named' kind.
   */
  validate(file: string, doc: YamlDocument, ctx: DocumentContext): { diagnostics: Diagnostic[]; value?: T; name?: string };
}

/** A valid document as the loader keeps it: its value, identity and place. */
export function declared<T>(kind: DocumentKind<T>, file: string, doc: YamlDocument, value: T, name?: string): DeclaredDocument<T> {
  return { kind: kind.kind, file, index: doc.index, ...doc.pos([]), name: name ?? kind.kind, value };
}

/**
 * The rules across files: at most one document of a 'one' kind, unique names of a 'named' kind.
 * The error is at the second document's line and names the first.
 */
export function checkCardinality(kinds: readonly DocumentKind[], declared: readonly DeclaredDocument[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const k of kinds) {
    const seen = new Map<string, DeclaredDocument>();
    const mine = declared.filter((d) => d.kind === k.kind).sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
    for (const d of mine) {
      const first = seen.get(d.name);
      if (!first) {
        seen.set(d.name, d);
        continue;
      }
      const at = `${first.file}:${first.line}`;
      out.push(
        k.cardinality === 'one'
          ? error(`at most one ${k.kind} document per environment: another is at ${at}`, { file: d.file, line: d.line, col: d.col, field: 'kind', rule: 'one-per-environment' })
          : error(`${k.kind} "${d.name}" is declared twice: first at ${at}`, { file: d.file, line: d.line, col: d.col, field: 'metadata.name', rule: 'unique-name' }),
      );
    }
  }
  return out;
}

/**
 * A kind's document against its schema in schemas/ (compiled ahead, loaded with the first such
 * document), plus the kind's own issues; every one at its line.
 */
export function checkDocument(file: string, doc: YamlDocument, schemaFile: string, rules: (value: unknown, schemaIssues: readonly Issue[]) => Issue[]): Diagnostic[] {
  const validate = kindValidator(schemaFile);
  validate(doc.value);
  const issues = schemaIssues(validate.errors, doc.value);
  return [...issues, ...rules(doc.value, issues)].map((i) => toDiagnostic(i, file, doc));
}
