// Validation of Provider documents: the schema first, then named rules for what a schema cannot
// say (the catalog, exact decimals, secrets, stores). Rules skip any field the schema already
// flagged, so each problem gets one message. Nothing here throws for bad input.
import type { Catalog, CatalogEntry } from '../catalog/catalog.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { ProviderDocument } from '../generated/provider.js';
import { MAX_SCALE, compareDecimal, parseDecimal } from '../model/decimal.js';
import { integrationValidator, schemaIssues, schemas, toDiagnostic, type Issue } from './schema.js';
import { didYouMean } from './suggest.js';
import { dotted, isRecord, type PathSeg, type Position, type YamlDocument } from './yaml.js';

export interface ValidateOptions {
  catalog: Catalog;
  /** Declared secret store names; when given, every secretRef must name one. */
  secretStores?: ReadonlySet<string>;
  /** The kinds registered beyond Provider and Sequence (documents.ts), for the unknown-kind hint. */
  otherKinds?: readonly string[];
}

export interface ProviderCheck {
  diagnostics: Diagnostic[];
  /** The document, when it has no error. */
  value?: ProviderDocument;
  /** metadata.name and where it is, when it is a valid name (for unique-name). */
  name?: { name: string } & Position;
}

interface RuleContext {
  doc: YamlDocument;
  spec: Record<string, unknown>;
  entry: CatalogEntry | undefined;
  opts: ValidateOptions;
  /** True when an issue was already reported at the path or one of its ancestors. */
  flagged: (path: readonly PathSeg[]) => boolean;
}

type Rule = (ctx: RuleContext) => Issue[];

const SPEC = 'spec';
const KINDS = ['Provider', 'Sequence'];

const article = (w: string) => (/^[AEIOU]/i.test(w) ? `an ${w}` : `a ${w}`);

export const knownIntegration: Rule = ({ spec, entry, opts, flagged }) => {
  const id = spec.integration;
  if (entry || typeof id !== 'string' || flagged([SPEC, 'integration'])) return [];
  const ids = opts.catalog.ids();
  const hint = didYouMean(id, ids) || ` (known: ${ids.join(', ')})`;
  return [{ path: [SPEC, 'integration'], message: `unknown integration "${id}"${hint}`, rule: 'known-integration' }];
};

export const typeMatchesCatalog: Rule = ({ spec, entry, flagged }) => {
  if (!entry || typeof spec.type !== 'string' || spec.type === entry.type || flagged([SPEC, 'type'])) return [];
  return [{ path: [SPEC, 'type'], message: `${entry.id} is ${article(entry.type)} integration, not ${spec.type}`, rule: 'type-matches-catalog' }];
};

export const servicesSupported: Rule = ({ spec, entry, flagged }) => {
  if (!entry || !Array.isArray(spec.services)) return [];
  const supported = entry.services;
  return spec.services.flatMap((s: unknown, i): Issue[] => {
    const path = [SPEC, 'services', i];
    if (typeof s !== 'string' || supported.includes(s) || flagged(path)) return [];
    const message = `${s} is not supported by ${entry.id} (supports ${supported.join(', ')})${didYouMean(s, supported)}`;
    return [{ path, message, rule: 'services-supported' }];
  });
};

const SECRET_REF_HINT = '{ secretRef: { store, name } }';

/** Credentials against the integration's own schema, and secret fields never as literals. */
export const credentials: Rule = ({ spec, entry, flagged }) => {
  const creds = spec.credentials;
  const base = [SPEC, 'credentials'];
  if (!entry || !isRecord(creds) || flagged(base)) return [];
  const issues: Issue[] = [];
  const literal = new Set<string>();
  for (const f of entry.secretFields) {
    const v = creds[f];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      literal.add(f);
      // The value is never quoted: it is a secret that should not have been written down.
      issues.push({ path: [...base, f], message: `${f} is a secret field: use ${SECRET_REF_HINT}, never a literal value`, rule: 'secret-literal' });
    }
  }
  const validate = integrationValidator(entry.schema);
  validate(creds);
  for (const i of schemaIssues(validate.errors, creds, base, 'credentials')) {
    const field = i.path[2];
    if (typeof field !== 'string') continue;
    if (literal.has(field)) continue;
    const secret = entry.secretFields.has(field);
    if (i.keyword === 'required' && secret) i.message += `: a secret, as ${SECRET_REF_HINT}`;
    if (i.keyword === 'type' && i.path.length === 3 && !secret && isRecord(creds[field])) {
      i.message = `${field} is not a secret field: write its value, not a secretRef`;
    }
    issues.push(i);
  }
  return issues;
};

export const secretStoreKnown: Rule = ({ spec, opts, flagged }) => {
  const stores = opts.secretStores;
  if (!stores || !isRecord(spec.credentials)) return [];
  const issues: Issue[] = [];
  for (const [field, v] of Object.entries(spec.credentials)) {
    const path = [SPEC, 'credentials', field, 'secretRef', 'store'];
    const store = isRecord(v) && isRecord(v.secretRef) ? v.secretRef.store : undefined;
    if (typeof store !== 'string' || stores.has(store) || flagged(path)) continue;
    issues.push({ path, message: unknownStore(store, stores), rule: 'secret-store-known' });
  }
  return issues;
};

export function unknownStore(store: string, declared: ReadonlySet<string>): string {
  const names = [...declared].sort();
  const known = names.length ? ` (declared: ${names.join(', ')})` : ' (no secretStores are declared)';
  return `unknown secret store "${store}"${didYouMean(store, names)}${known}`;
}

/** Minor-unit digits per currency: a flat fee cannot be finer than the currency. */
const MINOR_UNITS: Record<string, number> = { IDR: 0 };

let decimalText: RegExp | undefined;

/** The decimal string pattern of the schema, applied to the source text of numbers too. */
function decimalPattern(): RegExp {
  if (!decimalText) {
    const defs = schemas().providerSchema.$defs as { decimal: { anyOf: { pattern?: string }[] } };
    const pattern = defs.decimal.anyOf.find((b) => b.pattern)?.pattern;
    decimalText = new RegExp(pattern ?? '^[0-9]+(\\.[0-9]+)?$');
  }
  return decimalText;
}

interface DecimalLimits {
  max?: string;
  minorUnits?: number;
  currency?: string;
}

function judgeDecimal(ctx: RuleContext, path: PathSeg[], v: unknown, limits: DecimalLimits): Issue[] {
  if ((typeof v !== 'number' && typeof v !== 'string') || ctx.flagged(path)) return [];
  const text = ctx.doc.source(path) ?? String(v);
  const shown = typeof v === 'string' ? JSON.stringify(text) : text;
  const fail = (why: string): Issue[] => [{ path, message: `${shown} ${why}`, rule: 'exact-decimal' }];
  if (!decimalPattern().test(text)) {
    return fail(text.startsWith('-') ? 'is negative: must be 0 or more' : 'is not a decimal number: write digits with an optional fraction, e.g. 1.5');
  }
  const parsed = parseDecimal(text);
  if (!parsed.ok) {
    const places = (text.split('.')[1] ?? '').replace(/0+$/, '').length;
    return fail(`is not exact: it has ${places} decimal places, at most ${MAX_SCALE} are allowed`);
  }
  if (limits.max !== undefined && compareDecimal(parsed.value, limits.max) > 0) return fail(`is more than ${limits.max}`);
  if (limits.minorUnits !== undefined) {
    const places = parsed.value.split('.')[1]?.length ?? 0;
    if (places > limits.minorUnits) {
      return fail(limits.minorUnits === 0 ? `is not a whole amount: ${limits.currency} has no minor unit` : `has more than ${limits.minorUnits} decimal places for ${limits.currency}`);
    }
  }
  return [];
}

/** Percentages and amounts are judged on their text as written, never on a binary float. */
export const exactDecimal: Rule = (ctx) => {
  const { fee, tax } = ctx.spec;
  const issues: Issue[] = [];
  if (isRecord(fee) && fee.type === 'PERCENTAGE') issues.push(...judgeDecimal(ctx, [SPEC, 'fee', 'percent'], fee.percent, { max: '100' }));
  if (isRecord(fee) && fee.type === 'FLAT') {
    const currency = typeof fee.currency === 'string' && !ctx.flagged([SPEC, 'fee', 'currency']) ? fee.currency : undefined;
    const minorUnits = currency === undefined ? undefined : MINOR_UNITS[currency];
    issues.push(...judgeDecimal(ctx, [SPEC, 'fee', 'amount'], fee.amount, { minorUnits, currency }));
  }
  if (isRecord(tax)) issues.push(...judgeDecimal(ctx, [SPEC, 'tax', 'vatPercent'], tax.vatPercent, { max: '100' }));
  return issues;
};

const RULES: Rule[] = [knownIntegration, typeMatchesCatalog, servicesSupported, credentials, secretStoreKnown, exactDecimal];

function kindIssue(value: unknown, others: readonly string[] = []): Issue | undefined {
  if (!isRecord(value) || !('kind' in value) || value.kind === 'Provider') return undefined;
  const kind = value.kind;
  const known = [...KINDS, ...others];
  const hint = (typeof kind === 'string' && didYouMean(kind, known)) || `: expected ${known.join(' or ')}`;
  return { path: ['kind'], message: `unknown kind ${JSON.stringify(kind)}${hint}`, rule: 'unknown-kind' };
}

/** Validates one document of a provider file; never throws for bad input. */
export function validateProviderDocument(file: string, doc: YamlDocument, opts: ValidateOptions): ProviderCheck {
  const value = doc.value;
  const kind = kindIssue(value, opts.otherKinds);
  if (kind) return { diagnostics: [toDiagnostic(kind, file, doc)] };

  const { provider } = schemas();
  provider(value);
  let issues = schemaIssues(provider.errors, value);
  const spec = isRecord(value) && isRecord(value.spec) ? value.spec : undefined;
  const entry = spec && typeof spec.integration === 'string' ? opts.catalog.get(spec.integration) : undefined;
  // The integration's schema is stricter about each credential than the generic shape.
  if (entry) issues = issues.filter((i) => !(i.path[0] === SPEC && i.path[1] === 'credentials' && i.path.length > 2));

  const seen = new Set(issues.map((i) => dotted(i.path)));
  const flagged = (path: readonly PathSeg[]) => {
    for (let n = path.length; n >= 0; n--) if (seen.has(dotted(path.slice(0, n)))) return true;
    return false;
  };
  if (spec) {
    const ctx: RuleContext = { doc, spec, entry, opts, flagged };
    for (const rule of RULES) {
      for (const i of rule(ctx)) {
        issues.push(i);
        seen.add(dotted(i.path));
      }
    }
  }

  const check: ProviderCheck = { diagnostics: issues.map((i) => toDiagnostic(i, file, doc)) };
  const meta = isRecord(value) ? value.metadata : undefined;
  const name = isRecord(meta) ? meta.name : undefined;
  if (typeof name === 'string' && !flagged(['metadata', 'name'])) check.name = { name, ...doc.pos(['metadata', 'name']) };
  if (issues.length === 0) check.value = value as ProviderDocument;
  return check;
}

export interface NamedAt {
  name: string;
  file: string;
  line: number;
  col: number;
}

/** unique-name: every declaration of a repeated name is reported, naming the others. */
export function uniqueNames(entries: readonly NamedAt[]): Diagnostic[] {
  const byName = new Map<string, NamedAt[]>();
  for (const e of entries) {
    const list = byName.get(e.name);
    if (list) list.push(e);
    else byName.set(e.name, [e]);
  }
  const out: Diagnostic[] = [];
  for (const [name, list] of byName) {
    if (list.length < 2) continue;
    for (const e of list) {
      // At most three others are named, so a name repeated n times costs O(n), not O(n^2).
      const others: string[] = [];
      for (const o of list) {
        if (o === e) continue;
        if (others.length === 3) break;
        others.push(`${o.file}:${o.line}:${o.col}`);
      }
      const more = list.length - 1 > others.length ? ` and ${list.length - 1 - others.length} more` : '';
      out.push(error(`provider name "${name}" is declared more than once: also at ${others.join(', ')}${more}`, {
        file: e.file, line: e.line, col: e.col, field: 'metadata.name', rule: 'unique-name',
      }));
    }
  }
  return out;
}
