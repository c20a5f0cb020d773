// `kind: ApiKey` documents: the schema first, then what a schema cannot say (products of the
// catalog, a sink, when given, in a store that can be written), then the rules across
// files (one declaration per name). Every error points at its line; none throws.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Catalog } from '../catalog/catalog.js';
import { error, formatLocation, type Diagnostic } from '../diagnostics.js';
import type { ApiKeyDocument } from '../generated/api-key.js';
import type { WorkspaceConfig } from '../generated/config.js';
import { kindValidator, schemaIssues, toDiagnostic, type Issue } from './schema.js';
import { catalogProducts } from './sequences.js';
import { didYouMean } from './suggest.js';
import { isRecord, type YamlDocument } from './yaml.js';
import { normalizePermissions, type DesiredApiKey, type ValueSink } from '../model/api-key.js';

/** The store older versions of `import` wrote into a sink they could not know; validate asks for it to be filled in (or the sink removed). */
export const PLACEHOLDER_STORE = 'FILL-IN';

/** Store types with a write API (src/secrets/*-store.ts `write`). */
export const WRITABLE_STORE_TYPES = ['file', 'vault', 'aws-secrets-manager'] as const;

const apiKeyValidator = (): ValidateFunction => kindValidator('api-key.schema.json');

export function isApiKeyDocument(value: unknown): boolean {
  return isRecord(value) && value.kind === 'ApiKey';
}

export interface ApiKeyCheck {
  diagnostics: Diagnostic[];
  value?: DesiredApiKey;
}

/**
 * Why a sink cannot take a key's value, or undefined when it can. Without `stores` (a check of
 * files alone) only the shape is known, so nothing is said.
 */
export function sinkProblem(sink: ValueSink, stores: WorkspaceConfig['secretStores'] | undefined): string | undefined {
  if (sink.store === PLACEHOLDER_STORE) {
    return `fill in valueSink (an older import wrote a placeholder): the secret store, of type ${WRITABLE_STORE_TYPES.join(', ')}, and the secret name a new value of this key would be written to, or remove it (a key that exists needs none)`;
  }
  if (!stores) return undefined;
  const cfg = stores[sink.store];
  if (!cfg) {
    const names = Object.keys(stores);
    return `no secret store named ${sink.store} in paystrator.yaml${didYouMean(sink.store, names) || (names.length ? ` (stores: ${names.join(', ')})` : ' (it declares none)')}`;
  }
  if (!(WRITABLE_STORE_TYPES as readonly string[]).includes(cfg.type)) {
    return `secret store ${sink.store} is of type ${cfg.type}, which cannot be written: a value sink needs a store of type ${WRITABLE_STORE_TYPES.join(', ')}`;
  }
  if (cfg.type === 'file' && !cfg.dir) return `secret store ${sink.store} is one file of named values (path), which is not written: a value sink needs a file store with a dir`;
  if (cfg.type === 'file' && (sink.name.includes('/') || sink.name.includes('\\') || sink.name.startsWith('.'))) {
    return `a file store's secret name must be a plain file name in its dir, not ${JSON.stringify(sink.name)}`;
  }
  return undefined;
}

/** One ApiKey document on its own: shape, products, the sink. */
export function validateApiKeyDocument(file: string, doc: YamlDocument, catalog: Catalog, stores?: WorkspaceConfig['secretStores']): ApiKeyCheck {
  const validate = apiKeyValidator();
  validate(doc.value);
  const issues: Issue[] = schemaIssues(validate.errors, doc.value);
  const flagged = (...p: string[]) => issues.some((i) => p.every((seg, n) => i.path.length <= n || i.path[n] === seg));
  const spec = isRecord(doc.value) && isRecord(doc.value.spec) ? doc.value.spec : undefined;

  if (spec && isRecord(spec.permissions) && !flagged('spec', 'permissions')) {
    const products = catalogProducts(catalog);
    for (const product of Object.keys(spec.permissions)) {
      if (products.includes(product)) continue;
      const hint = didYouMean(product, products) || ` (products: ${products.join(', ')})`;
      issues.push({ path: ['spec', 'permissions', product], message: `unknown product "${product}"${hint}`, rule: 'known-product', onKey: true });
    }
  }
  // No rule that an ACTIVE key has a sink: only a create needs one, and whether a key exists is
  // known from live alone, so plan says it (apikeys/plan.ts). validate stays offline, and a key
  // written by import (which has no sink to give) is valid as it is.
  if (spec && isRecord(spec.valueSink) && !flagged('spec', 'valueSink')) {
    const why = sinkProblem(spec.valueSink as unknown as ValueSink, stores);
    if (why) issues.push({ path: ['spec', 'valueSink', 'store'], message: why, rule: 'api-key-value-sink' });
  }

  const diagnostics = issues.map((i) => toDiagnostic(i, file, doc));
  if (issues.length) return { diagnostics };
  const d = doc.value as ApiKeyDocument;
  const sink = d.spec.valueSink;
  return {
    diagnostics,
    value: {
      name: d.metadata.name,
      permissions: normalizePermissions(d.spec.permissions),
      status: d.spec.status ?? 'ACTIVE',
      valueSink: sink ? { store: sink.store, name: sink.name, ...(sink.key !== undefined ? { key: sink.key } : {}) } : null,
      file,
      ...doc.pos(['metadata', 'name']),
    },
  };
}

/** Across files: one declaration per key name in the environment. */
export function checkApiKeys(keys: readonly DesiredApiKey[]): Diagnostic[] {
  const byName = new Map<string, DesiredApiKey[]>();
  for (const k of keys) byName.set(k.name, [...(byName.get(k.name) ?? []), k]);
  const errors: Diagnostic[] = [];
  for (const list of byName.values()) {
    if (list.length < 2) continue;
    for (const k of list) {
      const others = list.filter((o) => o !== k).map((o) => formatLocation({ severity: 'error', message: '', file: o.file, line: o.line, col: o.col }));
      errors.push(error(`API key "${k.name}" is declared more than once: also at ${others.join(', ')}`, { file: k.file, line: k.line, col: k.col, field: 'metadata.name', rule: 'unique-api-key' }));
    }
  }
  return errors;
}
