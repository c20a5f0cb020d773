// `kind: Sequence` documents: the schema first, then rules a schema cannot say. A sequence names
// providers, so its rules run once every file is loaded; each error points at the offending name.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { Catalog } from '../catalog/catalog.js';
import { error, formatLocation, warning, type Diagnostic } from '../diagnostics.js';
import type { SequenceDocument } from '../generated/sequence.js';
import type { DesiredProvider } from '../model/state.js';
import { describeSequence, sequenceId, type DesiredSequence } from '../model/sequence.js';
import { kindValidator, schemaIssues, toDiagnostic, type Issue } from './schema.js';
import { didYouMean } from './suggest.js';
import type { NamedAt } from './validate.js';
import { isRecord, type YamlDocument } from './yaml.js';

/** The product whose default sequence takes QRIS integrations only. */
export const QRIS_PRODUCT = 'QR_CODE';

const sequenceValidator = (): ValidateFunction => kindValidator('sequence.schema.json');

export function isSequenceDocument(value: unknown): boolean {
  return isRecord(value) && value.kind === 'Sequence';
}

/** Every product some integration of the catalog offers. */
export function catalogProducts(catalog: Catalog): string[] {
  return [...new Set(catalog.ids().flatMap((id) => catalog.get(id)!.services))].sort();
}

export interface SequenceCheck {
  diagnostics: Diagnostic[];
  value?: DesiredSequence;
}

/** One Sequence document on its own: shape and product. */
export function validateSequenceDocument(file: string, doc: YamlDocument, catalog: Catalog): SequenceCheck {
  const validate = sequenceValidator();
  validate(doc.value);
  const issues: Issue[] = schemaIssues(validate.errors, doc.value);
  const spec = isRecord(doc.value) && isRecord(doc.value.spec) ? doc.value.spec : undefined;
  const product = spec?.product;
  if (typeof product === 'string' && !issues.some((i) => i.path[0] === 'spec' && (i.path.length === 1 || i.path[1] === 'product'))) {
    const products = catalogProducts(catalog);
    if (!products.includes(product)) {
      const hint = didYouMean(product, products) || ` (products: ${products.join(', ')})`;
      issues.push({ path: ['spec', 'product'], message: `unknown product "${product}"${hint}`, rule: 'known-product' });
    }
  }
  const diagnostics = issues.map((i) => toDiagnostic(i, file, doc));
  if (issues.length) return { diagnostics };
  const s = (doc.value as SequenceDocument).spec;
  return {
    diagnostics,
    value: {
      product: s.product,
      destination: s.destination ?? null,
      providers: [...s.providers],
      file,
      ...doc.pos(['spec', 'product']),
      providerPositions: s.providers.map((_, i) => ({ file, ...doc.pos(['spec', 'providers', i]) })),
    },
  };
}

/**
 * The rules that need every file: one declaration per sequence; every name exists in git, offers
 * the product and is ACTIVE (MAINTENANCE: a warning, it may stay listed); the QR_CODE default takes
 * QRIS integrations only. A name declared by an invalid document is only checked for existence:
 * its own errors say what is wrong with it.
 */
export function checkSequences(
  sequences: readonly DesiredSequence[],
  providers: readonly DesiredProvider[],
  declared: readonly NamedAt[],
  catalog: Catalog,
): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const byId = new Map<string, DesiredSequence[]>();
  for (const s of sequences) {
    const list = byId.get(sequenceId(s));
    if (list) list.push(s);
    else byId.set(sequenceId(s), [s]);
  }
  for (const list of byId.values()) {
    if (list.length < 2) continue;
    for (const s of list) {
      const others = list.filter((o) => o !== s).map((o) => formatLocation({ severity: 'error', message: '', file: o.file, line: o.line, col: o.col }));
      errors.push(error(`sequence ${describeSequence(s)} is declared more than once: also at ${others.join(', ')}`, {
        file: s.file, line: s.line, col: s.col, field: 'spec.product', rule: 'unique-sequence',
      }));
    }
  }

  const names = new Set(declared.map((d) => d.name));
  const valid = new Map(providers.map((p) => [p.state.name, p]));
  for (const s of sequences) {
    s.providers.forEach((name, i) => {
      const at = { ...s.providerPositions[i]!, field: `spec.providers[${i}]` };
      if (!names.has(name)) {
        const hint = didYouMean(name, names) || (names.size ? '' : ' (no provider is declared)');
        errors.push(error(`no provider named "${name}" in git${hint}`, { ...at, rule: 'sequence-provider-known' }));
        return;
      }
      const p = valid.get(name);
      if (!p) return;
      if (!p.state.services.includes(s.product)) {
        errors.push(error(`"${name}" does not offer ${s.product} (its services: ${p.state.services.join(', ')})`, { ...at, rule: 'sequence-provider-offers' }));
        return;
      }
      if (p.state.status === 'INACTIVE') {
        errors.push(error(`"${name}" is INACTIVE in git: only ACTIVE providers can be in a routing sequence`, { ...at, rule: 'sequence-provider-active' }));
        return;
      }
      if (p.state.status === 'MAINTENANCE') {
        warnings.push(warning(`"${name}" is in MAINTENANCE in git: it stays listed, and Paystrator skips it while routing until it is ACTIVE again`, {
          ...at, rule: 'sequence-provider-active',
        }));
      }
      if (s.product === QRIS_PRODUCT && s.destination === null && catalog.get(p.state.integration)?.qris !== true) {
        errors.push(error(`the ${QRIS_PRODUCT} default sequence takes QRIS integrations only, and "${name}" uses ${p.state.integration}, which does not do QRIS`, {
          ...at, rule: 'sequence-qris',
        }));
      }
    });
  }
  return { errors, warnings };
}
