// The JSON Schemas in schemas/ are the single source of structure: compiled once per process, and
// their errors translated into one clear message per problem (no anyOf/oneOf noise).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
// The named export: under NodeNext the default import types as the CommonJS namespace.
import type { Ajv2020, AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { bundledCatalog, schemasDir, type IntegrationSchema } from '../catalog/catalog.js';
import * as ahead from '../generated/validators.js';
import { error, type Diagnostic } from '../diagnostics.js';
import { hasUnsafeText } from '../text/escape.js';
import { didYouMean } from './suggest.js';
import { dotted, isRecord, type PathSeg, type YamlDocument } from './yaml.js';

export const PRINTABLE_MESSAGE = 'must be printable text: control characters, line separators and bidi overrides are not allowed';

/** A problem at a path of a document, before it is given a file position. */
export interface Issue {
  path: PathSeg[];
  message: string;
  rule: string;
  /** Point at the key rather than the value (unknown or invalid keys). */
  onKey?: boolean;
  /** The ajv keyword it came from, for rules that refine schema messages. */
  keyword?: string;
}

export function toDiagnostic(issue: Issue, file: string, doc: YamlDocument): Diagnostic {
  const { line, col } = issue.onKey ? doc.keyPos(issue.path) : doc.pos(issue.path);
  const field = dotted(issue.path);
  return error(issue.message, { file, line, col, ...(field ? { field } : {}), rule: issue.rule });
}

/** Order of reports: file, line, col (stable for ties). */
export function byLocation(a: Diagnostic, b: Diagnostic): number {
  const fa = a.file ?? '';
  const fb = b.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

type Schema = AnySchemaObject & Record<string, unknown>;

interface Compiled {
  ajv: Ajv2020;
  provider: ValidateFunction;
  config: ValidateFunction;
  providerSchema: Schema;
  configSchema: Schema;
}

let compiled: Compiled | undefined;
let runtime: Ajv2020 | undefined;

function readSchema(file: string): Schema {
  return JSON.parse(readFileSync(path.join(schemasDir, file), 'utf8')) as Schema;
}

/** For what is not compiled ahead: integration schemas of other catalogs. */
function runtimeAjv(): Ajv2020 {
  if (!runtime) {
    // The schemas are ours and checked against the meta-schema by schema.test.ts; checking them
    // again on every run costs more than validating 10,000 documents.
    // Loaded on first need: with the validators compiled ahead most runs never compile a schema.
    const { Ajv2020: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    runtime = new Ajv({ ...ahead.ajvOptions, validateSchema: false });
    runtime.addKeyword('x-integration');
    runtime.addSchema(readSchema('secret-ref.schema.json'));
  }
  return runtime;
}

/** The provider and config validators, compiled ahead from schemas/ by `npm run gen:types`. */
export function schemas(): Compiled {
  compiled ??= {
    get ajv() {
      return runtimeAjv();
    },
    providerSchema: readSchema('provider.schema.json'),
    configSchema: readSchema('config.schema.json'),
    provider: ahead.provider as unknown as ValidateFunction,
    config: ahead.config as unknown as ValidateFunction,
  };
  return compiled;
}

let kinds: Record<string, ValidateFunction | undefined> | undefined;

/**
 * The validator of another kind's documents (schemas/<file>: Sequence, Webhooks, IpWhitelist,
 * ApiKey), compiled ahead by `npm run gen:types` into a CommonJS file that loads with the first
 * such document: a workspace of provider files alone never loads it.
 */
export function kindValidator(schemaFile: string): ValidateFunction {
  kinds ??= createRequire(import.meta.url)('../generated/kind-validators.cjs') as Record<string, ValidateFunction | undefined>;
  const v = kinds[schemaFile];
  if (!v) throw new Error(`${schemaFile} has no validator compiled ahead: add it to KIND_SCHEMAS in scripts/gen-types.mjs`);
  return v;
}

const integrationValidators = new WeakMap<IntegrationSchema, ValidateFunction>();

/** The credential validator of an integration: compiled ahead for the bundled catalog, else on first use. */
export function integrationValidator(schema: IntegrationSchema): ValidateFunction {
  const cached = integrationValidators.get(schema);
  if (cached) return cached;
  const bundled = schema.$id ? (ahead.integrationValidators as unknown as Record<string, ValidateFunction | undefined>)[schema.$id] : undefined;
  // Only the bundled catalog's own schema objects: another catalog may reuse an $id with other content.
  let v = bundled && bundledCatalog().ids().some((id) => bundledCatalog().get(id)?.schema === schema) ? bundled : undefined;
  if (!v) {
    const ajv = runtimeAjv();
    // A catalog built from another copy of the same file shares the $id: the newest wins.
    if (schema.$id && ajv.getSchema(schema.$id)) ajv.removeSchema(schema.$id);
    v = ajv.compile(schema);
  }
  integrationValidators.set(schema, v);
  return v;
}

function pointerToPath(pointer: string, data: unknown): PathSeg[] {
  const out: PathSeg[] = [];
  if (!pointer) return out;
  let cur = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = isRecord(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, p: readonly PathSeg[]): unknown {
  let cur = data;
  for (const seg of p) cur = Array.isArray(cur) ? cur[Number(seg)] : isRecord(cur) ? cur[seg] : undefined;
  return cur;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'boolean') return 'a boolean';
  return `a ${typeof v}`;
}

const within = (p: string, parent: string) => p === parent || p.startsWith(`${parent}/`);

/** One anyOf branch in words, for "must be X or Y". */
function describe(s: unknown): string {
  if (!isRecord(s)) return 'a value';
  if (typeof s.$ref === 'string' && s.$ref.endsWith('secret-ref.schema.json')) return 'a secretRef { secretRef: { store, name } }';
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.join(', ')}`;
  if (s.type === 'array') return isRecord(s.items) ? `a list of ${describe(s.items).replace(/^an? /, '')}s` : 'a list';
  if (typeof s.pattern === 'string') return `a string matching ${s.pattern}`;
  if (typeof s.type === 'string') return TYPE_NAMES[s.type] ?? s.type;
  return typeof s.title === 'string' ? s.title : 'a value';
}

/**
 * The decimal anyOf (number >= 0 | decimal string) is judged on the value's source text by the
 * exact-decimal rule, which can say what is wrong; only values of the wrong type are reported here.
 */
function isDecimalSchema(s: unknown): boolean {
  return isRecord(s) && s.title === 'Decimal';
}

/** The field names when every oneOf branch only requires fields, else undefined. */
function requiredOnlyBranches(schema: unknown): string[] | undefined {
  if (!Array.isArray(schema) || schema.length < 2) return undefined;
  const names: string[] = [];
  for (const b of schema) {
    if (!isRecord(b) || Object.keys(b).some((k) => k !== 'required') || !Array.isArray(b.required)) return undefined;
    names.push(b.required.map(String).join(' + '));
  }
  return names;
}

/** Collapses anyOf branches into the one that applies, or into a single "must be X or Y". */
function collapseAnyOf(errors: readonly ErrorObject[], data: unknown): ErrorObject[] {
  const stack: ErrorObject[] = [];
  for (const e of errors) {
    const alternatives = e.keyword === 'oneOf' ? requiredOnlyBranches(e.schema) : undefined;
    if (alternatives) {
      // "exactly one of these fields" (file store dir/path, vault token/appRole): one message
      // instead of a missing-field error per branch plus ajv's "must match exactly one schema".
      while (stack.length && stack[stack.length - 1]!.keyword === 'required' && stack[stack.length - 1]!.instancePath === e.instancePath) stack.pop();
      stack.push({ ...e, message: `needs exactly one of ${alternatives.join(', ')}` });
      continue;
    }
    if (e.keyword !== 'anyOf') {
      stack.push(e);
      continue;
    }
    // ajv reports a failed anyOf after all its branch errors, which all sit at or below its path.
    const branch: ErrorObject[] = [];
    while (stack.length && within(stack[stack.length - 1]!.instancePath, e.instancePath)) branch.unshift(stack.pop()!);
    if (isDecimalSchema(e.parentSchema)) {
      const v = valueAt(data, pointerToPath(e.instancePath, data));
      if (typeof v !== 'number' && typeof v !== 'string') stack.push({ ...e, message: 'must be a decimal number or string (e.g. 1.5 or "1.5")' });
      continue;
    }
    // A branch whose type did not even match is noise: keep what the fitting branch says.
    const useful = branch.filter((b) => !(b.keyword === 'type' && b.instancePath === e.instancePath));
    const shallow = useful.every((b) => b.instancePath === e.instancePath && ['const', 'enum', 'pattern'].includes(b.keyword));
    if (useful.length === 0 || (useful.length > 1 && shallow)) {
      const options = Array.isArray(e.schema) ? (e.schema as unknown[]).map(describe) : [];
      stack.push({ ...e, message: options.length ? `must be ${options.join(' or ')}` : 'is not valid' });
    } else {
      stack.push(...useful);
    }
  }
  return stack;
}

function allowedTags(parent: unknown, tag: string): string[] {
  if (!isRecord(parent) || !Array.isArray(parent.oneOf)) return [];
  return parent.oneOf.flatMap((b: unknown) => {
    const p = isRecord(b) && isRecord(b.properties) ? b.properties[tag] : undefined;
    return isRecord(p) && typeof p.const === 'string' ? [p.const] : [];
  });
}

/** Translates ajv errors into issues; `base` prefixes paths when `data` is a subtree (credentials). */
export function schemaIssues(errors: readonly ErrorObject[] | null | undefined, data: unknown, base: PathSeg[] = [], rule = 'schema'): Issue[] {
  if (!errors?.length) return [];
  const list = collapseAnyOf(errors, data);
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const missing = new Set(list.filter((e) => e.keyword === 'required').map((e) => `${e.instancePath}/${String(e.params.missingProperty)}`));
  for (const e of list) {
    // propertyNames reports the inner failure and then itself; the latter names the key.
    if (e.schemaPath.includes('/propertyNames/')) continue;
    const at = pointerToPath(e.instancePath, data);
    const v = valueAt(data, at);
    const p = e.params as Record<string, unknown>;
    let issue: Issue;
    switch (e.keyword) {
      case 'required': {
        issue = { path: [...at, String(p.missingProperty)], message: `missing required field "${String(p.missingProperty)}"`, rule };
        break;
      }
      case 'additionalProperties': {
        const name = String(p.additionalProperty);
        const allowed = isRecord(e.parentSchema) && isRecord(e.parentSchema.properties) ? Object.keys(e.parentSchema.properties) : [];
        const hint = didYouMean(name, allowed) || (allowed.length ? ` (allowed: ${allowed.join(', ')})` : '');
        issue = { path: [...at, name], message: `unknown field "${name}"${hint}`, rule, onKey: true };
        break;
      }
      case 'propertyNames': {
        const name = String(p.propertyName);
        const pattern = isRecord(e.schema) && typeof e.schema.pattern === 'string' ? `: must match ${e.schema.pattern}` : '';
        issue = { path: [...at, name], message: `invalid key "${name}"${pattern}`, rule, onKey: true };
        break;
      }
      case 'discriminator': {
        const tag = String(p.tag);
        if (p.error === 'tag' && missing.has(`${e.instancePath}/${tag}`)) continue;
        const allowed = allowedTags(e.parentSchema, tag);
        const got = typeof p.tagValue === 'string' ? `"${p.tagValue}" is not valid: ` : '';
        const hint = typeof p.tagValue === 'string' ? didYouMean(p.tagValue, allowed) : '';
        issue = { path: [...at, tag], message: `${got}must be one of ${allowed.join(', ')}${hint}`, rule };
        break;
      }
      case 'type': {
        const want = String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t).join(' or ');
        const what = at.length + base.length === 0 ? 'the document ' : '';
        issue = { path: at, message: `${what}must be ${want}, not ${kindOf(v)}`, rule };
        break;
      }
      case 'enum': {
        const allowed = (p.allowedValues as unknown[]).map(String);
        const want = allowed.length === 1 ? `must be ${allowed[0]}` : `must be one of ${allowed.join(', ')}`;
        const got = typeof v === 'string' ? `"${v}" is not valid: ${want}${didYouMean(v, allowed)}` : want;
        issue = { path: at, message: got, rule };
        break;
      }
      case 'const':
        issue = { path: at, message: `must be ${JSON.stringify(p.allowedValue)}`, rule };
        break;
      case 'pattern': {
        // Names and label values would reach terminals, CI logs and the dashboard: say what is wrong
        // in words, not as the regular expression that refuses it.
        if (typeof v === 'string' && (hasUnsafeText(v) || v.includes('\t'))) {
          issue = { path: at, message: PRINTABLE_MESSAGE, rule };
          break;
        }
        // The names' pattern also refuses surrounding space; its regular expression would not say so.
        if (typeof v === 'string' && String(p.pattern).startsWith('^[^\\s') && v !== v.trim()) {
          issue = { path: at, message: 'must not start or end with a space', rule };
          break;
        }
        // Never the value: it may be a credential. Schemas with examples (services) get a suggestion.
        const examples = isRecord(e.parentSchema) && Array.isArray(e.parentSchema.examples) ? e.parentSchema.examples.map(String) : [];
        const hint = typeof v === 'string' && examples.length ? didYouMean(v, examples) : '';
        issue = { path: at, message: `must match the pattern ${String(p.pattern)}${hint}`, rule };
        break;
      }
      case 'minLength':
        issue = { path: at, message: p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`, rule };
        break;
      case 'maxLength':
        issue = { path: at, message: `must be at most ${String(p.limit)} characters`, rule };
        break;
      case 'minItems':
        issue = { path: at, message: `must list at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`, rule };
        break;
      case 'maxProperties':
        issue = { path: at, message: `must have at most ${String(p.limit)} entries`, rule };
        break;
      case 'minProperties':
        issue = { path: at, message: `must have at least ${String(p.limit)} entr${p.limit === 1 ? 'y' : 'ies'}`, rule };
        break;
      case 'uniqueItems': {
        // ajv scans from the end, so i is the earlier copy: the later one is the repeat.
        const [first, again] = [Number(p.i), Number(p.j)].sort((a, b) => a - b) as [number, number];
        const item: unknown = Array.isArray(v) ? v[again] : undefined;
        const what = typeof item === 'string' ? `"${item}"` : `item ${again}`;
        issue = { path: [...at, again], message: `${what} is listed twice (same as item ${first})`, rule };
        break;
      }
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        issue = { path: at, message: `must be ${String(p.comparison)} ${String(p.limit)}`, rule };
        break;
      default:
        issue = { path: at, message: e.message ?? `fails ${e.keyword}`, rule };
    }
    issue.path = [...base, ...issue.path];
    issue.keyword = e.keyword;
    const key = `${dotted(issue.path)}\0${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}
