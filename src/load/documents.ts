// Documents of the kinds beyond Provider and Sequence (Webhooks, IpWhitelist, ApiKey, ...). The
// loader knows them only through this interface: each kind's handler (src/kinds/) brings its own
// validation, so a new kind plugs in without a branch here.
import type { Catalog } from '../catalog/catalog.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { WorkspaceConfig } from '../generated/config.js';
import type { Position, YamlDocument } from './yaml.js';

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
  /** The document's identity: metadata.name, or the kind itself for a kind there is one of. */
  name: string;
  value: T;
}

export interface DocumentKind<T = unknown> {
  /** The `kind:` value of its documents. */
  readonly kind: string;
  /** 'one': at most one document per environment (Webhooks, IpWhitelist); 'named': unique metadata.name. */
  readonly cardinality: 'one' | 'named';
  /** Shape (its JSON Schema) and rules a schema cannot say, each error at its line; never throws for bad input. */
  validate(file: string, doc: YamlDocument, ctx: DocumentContext): { diagnostics: Diagnostic[]; value?: DeclaredDocument<T> };
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
