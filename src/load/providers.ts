// Provider files -> DesiredProvider[]: glob, parse each file once, validate, normalize. Built for
// thousands of files: one compiled schema, nothing kept per file but its result, linear rules.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { WorkspaceConfig } from '../generated/config.js';
import type { Catalog } from '../catalog/catalog.js';
import { InternalError, error, warning, type Diagnostic, type Result } from '../diagnostics.js';
import type { Decimal, ProviderDocument, ProviderStatus } from '../generated/provider.js';
import { parseDecimal } from '../model/decimal.js';
import type { CredentialState, DesiredProvider, FeeState, SecretRefTarget } from '../model/state.js';
import { interner, own, type Intern } from '../text/intern.js';
import { FieldPositions } from '../model/positions.js';
import { quickParseYamlDocs } from './quickyaml.js';
import type { DesiredSequence } from '../model/sequence.js';
import { checkCardinality, declared, type DeclaredDocument, type DocumentContext, type DocumentKind } from './documents.js';
import { byLocation, schemas } from './schema.js';
import { checkSequences, isSequenceDocument, validateSequenceDocument } from './sequences.js';
import { decodeYamlBytes } from './text.js';
import { uniqueNames, validateProviderDocument, type NamedAt, type ValidateOptions } from './validate.js';
import { dotted, isRecord, parseYaml, type PathSeg, type YamlDocument } from './yaml.js';

export interface LoadProvidersOptions {
  /** Globs relative to baseDir. */
  patterns: string[];
  baseDir: string;
  catalog: Catalog;
  /** Declared secret store names; when given, every secretRef must name one. */
  secretStores?: string[];
  /** The stores' configs (their types), for rules that need more than a name (an ApiKey's valueSink). */
  secretStoreConfigs?: WorkspaceConfig['secretStores'];
  /** The kinds beyond Provider and Sequence whose documents the files may hold (src/kinds/registry.ts). */
  documents?: readonly DocumentKind[];
  /** Whether webhook URLs may be http to a loopback address (a sandbox environment). */
  allowLoopbackHttp?: boolean;
}

let statusDefault: ProviderStatus | undefined;

/** The schema's default status, so the default lives in one place. */
function defaultStatus(): ProviderStatus {
  if (!statusDefault) {
    const spec = (schemas().providerSchema.properties as { spec: { properties: { status: { default?: ProviderStatus } } } }).spec;
    statusDefault = spec.properties.status.default ?? 'ACTIVE';
  }
  return statusDefault;
}

// Fields every plan line may point at, with their display paths worked out once.
const MARKED: [PathSeg[], string][] = [[], ['metadata'], ['metadata', 'name'], ['metadata', 'labels'], ['spec'], ['spec', 'type'], ['spec', 'integration'],
  ['spec', 'services'], ['spec', 'credentials'], ['spec', 'fee'], ['spec', 'fee', 'type'], ['spec', 'tax'],
  ['spec', 'tax', 'vatPercent'], ['spec', 'tax', 'applyVat'], ['spec', 'status']].map((p) => [p, dotted(p)]);

/**
 * A validated document as the state both sides of the diff share. Its strings are copies that do
 * not hold on to the file's text (one kept name kept the whole file, 5 MB of text at 10,000
 * providers); the values many providers share come from `intern`, one string each.
 */
export function normalizeProvider(docValue: ProviderDocument, doc: YamlDocument, file: string, intern: Intern = interner(own)): DesiredProvider {
  const { metadata, spec } = docValue;
  const decimal = (p: PathSeg[], v: Decimal): string => {
    const r = parseDecimal(doc.source(p) ?? String(v));
    if (!r.ok) throw new InternalError(`${file}: ${dotted(p)} passed validation but is not a decimal`);
    return intern(r.value);
  };
  const positions = FieldPositions.builder(file);
  const mark = (p: PathSeg[], key = dotted(p)) => {
    const at = doc.pos(p);
    positions.add(key, at.line, at.col);
  };
  for (const [p, key] of MARKED) mark(p, key);

  const credentials: Record<string, CredentialState> = {};
  const secretRefs: Record<string, SecretRefTarget> = {};
  for (const [field, v] of Object.entries(spec.credentials)) {
    if (v === undefined) continue;
    mark(['spec', 'credentials', field]);
    if (typeof v === 'string') {
      credentials[field] = { kind: 'plain', value: own(v) };
    } else {
      const { store, name, key, version } = v.secretRef;
      credentials[field] = { kind: 'secret', fingerprint: null };
      secretRefs[field] = { store: intern(store), name: intern(name), ...(key !== undefined ? { key: intern(key) } : {}), ...(version !== undefined ? { version } : {}) };
    }
  }

  let fee: FeeState;
  if (spec.fee.type === 'PERCENTAGE') {
    fee = { type: 'PERCENTAGE', percent: decimal(['spec', 'fee', 'percent'], spec.fee.percent) };
    mark(['spec', 'fee', 'percent']);
  } else {
    fee = { type: 'FLAT', amount: decimal(['spec', 'fee', 'amount'], spec.fee.amount), currency: intern(spec.fee.currency) };
    mark(['spec', 'fee', 'amount']);
    mark(['spec', 'fee', 'currency']);
  }

  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.labels ?? {})) {
    if (v === undefined) continue;
    labels[intern(k)] = intern(v);
    mark(['metadata', 'labels', k]);
  }

  return {
    state: {
      name: own(metadata.name),
      type: intern(spec.type),
      integration: intern(spec.integration),
      services: spec.services.map((s) => intern(s)).sort(),
      credentials,
      fee,
      tax: { vatPercent: decimal(['spec', 'tax', 'vatPercent'], spec.tax.vatPercent), applyVat: spec.tax.applyVat },
      status: intern(spec.status ?? defaultStatus()),
      labels,
    },
    file,
    positions: positions.build(),
    secretRefs,
  };
}

export interface FileResult {
  errors: Diagnostic[];
  warnings: Diagnostic[];
  providers: DesiredProvider[];
  sequences: DesiredSequence[];
  names: NamedAt[];
  /** Documents of the other kinds (documents.ts). */
  resources: DeclaredDocument[];
}

export interface LoadFileOptions extends ValidateOptions {
  documents?: ReadonlyMap<string, DocumentKind>;
  documentContext?: DocumentContext;
  /** Shared by the files of one load: the values many providers repeat are then one string each. */
  intern?: Intern;
}

const emptyResult = (): FileResult => ({ errors: [], warnings: [], providers: [], sequences: [], names: [], resources: [] });

/**
 * Parsed files of this process, for a run over several environments whose globs share files:
 * each file is parsed and validated once. Keyed by where the file is, what it holds (a hash, so an
 * edit between two loads is seen) and what it is validated against. Off unless a caller turns it
 * on: a single-environment run reads each file once anyway and need not pay the hash.
 */
let fileCache: Map<string, { hash: string; result: FileResult }> | undefined;
const catalogIds = new WeakMap<Catalog, number>();
let catalogCount = 0;

/** Turns on the per-process cache of parsed files (see fileCache). */
export function cacheParsedFiles(): void {
  fileCache ??= new Map();
}

function cacheKey(abs: string, opts: LoadFileOptions): string {
  let id = catalogIds.get(opts.catalog);
  if (id === undefined) catalogIds.set(opts.catalog, (id = ++catalogCount));
  // What the other kinds' documents are validated against differs per environment (loopback http in the sandbox).
  const kinds = opts.documents ? `${[...opts.documents.keys()].join(',')}:${opts.documentContext?.allowLoopbackHttp === true}` : '-';
  return `${abs}\0${id}\0${opts.secretStores ? [...opts.secretStores].sort().join(',') : '*'}\0${kinds}`;
}

export function loadFile(file: string, baseDir: string, opts: LoadFileOptions): FileResult {
  let bytes: Uint8Array;
  const abs = path.resolve(baseDir, file);
  try {
    // Synchronous on purpose: parsing is CPU-bound, and for 10,000 small files fs/promises'
    // open/stat/read/close round trips cost more (1 s) than all the reads done in line (0.2 s).
    bytes = readFileSync(abs);
  } catch (e) {
    const result = emptyResult();
    result.errors.push(error(`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file, rule: 'read' }));
    return result;
  }
  if (!fileCache) return parseFile(file, bytes, opts);
  // The relative name is part of the key too: diagnostics and positions quote it.
  const key = `${file}\0${cacheKey(abs, opts)}`;
  const hash = createHash('sha256').update(bytes).digest('base64');
  const hit = fileCache.get(key);
  if (hit?.hash === hash) return hit.result;
  const result = parseFile(file, bytes, opts);
  fileCache.set(key, { hash, result });
  return result;
}

function parseFile(file: string, bytes: Uint8Array, opts: LoadFileOptions): FileResult {
  const decoded = decodeYamlBytes(bytes, file);
  if (!decoded.ok) return { ...emptyResult(), errors: [decoded.error] };
  const { text } = decoded;
  // Most files take the fast path; a file with anything to report is parsed again by yaml@2, so
  // every message comes from one parser.
  const fast = quickParseYamlDocs(text);
  if (fast) {
    const result = checkDocuments(file, fast, opts);
    if (result.errors.length === 0 && result.warnings.length === 0) return result;
  }
  const parsed = parseYaml(text, file);
  const result = checkDocuments(file, parsed.docs, opts);
  result.errors.unshift(...parsed.errors);
  result.warnings.unshift(...parsed.warnings);
  if (parsed.docs.length === 0 && parsed.errors.length === 0) {
    result.warnings.push(warning('the file holds no YAML document', { file, rule: 'empty-file' }));
  }
  return result;
}

function checkDocuments(file: string, docs: YamlDocument[], opts: LoadFileOptions): FileResult {
  const result = emptyResult();
  for (const doc of docs) {
    const other = opts.documents && isRecord(doc.value) && typeof doc.value.kind === 'string' ? opts.documents.get(doc.value.kind) : undefined;
    if (other && opts.documentContext) {
      const r = other.validate(file, doc, opts.documentContext);
      result.errors.push(...r.diagnostics);
      if (r.value !== undefined && !r.diagnostics.some((d) => d.severity === 'error')) result.resources.push(declared(other, file, doc, r.value, r.name));
      continue;
    }
    if (isSequenceDocument(doc.value)) {
      const seq = validateSequenceDocument(file, doc, opts.catalog);
      result.errors.push(...seq.diagnostics);
      if (seq.value) result.sequences.push(seq.value);
      continue;
    }
    const check = validateProviderDocument(file, doc, opts);
    result.errors.push(...check.diagnostics);
    if (check.name) result.names.push({ name: own(check.name.name), file, line: check.name.line, col: check.name.col });
    // Normalized right away so the parsed document can be dropped.
    if (check.value) result.providers.push(normalizeProvider(check.value, doc, file, opts.intern));
  }
  return result;
}

const YIELD_EVERY = 250;

/** Loads, validates and normalizes every provider document matched by the patterns. */
export async function loadProviders(opts: LoadProvidersOptions): Promise<Result<DesiredProvider[]>> {
  const r = await loadDesiredFiles(opts);
  return { value: r.value?.providers, errors: r.errors, warnings: r.warnings };
}

export interface DesiredFiles extends Result<{ providers: DesiredProvider[]; sequences: DesiredSequence[]; resources: DeclaredDocument[] }> {
  /** Every provider name declared and where, valid document or not (import skips them). */
  declared: NamedAt[];
  /** The valid documents of the other kinds, even when some file has errors (import skips their kinds). */
  declaredResources?: DeclaredDocument[];
}

/** Providers and sequences of every file matched by the patterns, with the rules across files. */
export async function loadDesiredFiles(opts: LoadProvidersOptions): Promise<DesiredFiles> {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const files = opts.patterns.length
    ? (await glob(opts.patterns, { cwd: opts.baseDir, onlyFiles: true, expandDirectories: false })).sort()
    : [];
  if (files.length === 0) {
    const what = opts.patterns.map((p) => `"${p}"`).join(', ') || '(no pattern)';
    warnings.push(warning(`no provider file matches ${what} in ${opts.baseDir}`, { rule: 'no-files' }));
    return { value: { providers: [], sequences: [], resources: [] }, errors, warnings, declared: [] };
  }
  const secretStores = opts.secretStores ? new Set(opts.secretStores) : undefined;
  const documents = opts.documents ?? [];
  const validateOpts: LoadFileOptions = {
    catalog: opts.catalog,
    intern: interner(own),
    ...(secretStores ? { secretStores } : {}),
    ...(documents.length
      ? {
          otherKinds: documents.map((d) => d.kind),
          documents: new Map(documents.map((d) => [d.kind, d])),
          documentContext: {
            catalog: opts.catalog, allowLoopbackHttp: opts.allowLoopbackHttp === true, ...(secretStores ? { secretStores } : {}),
            ...(opts.secretStoreConfigs ? { secretStoreConfigs: opts.secretStoreConfigs } : {}),
          },
        }
      : {}),
  };
  const providers: DesiredProvider[] = [];
  const sequences: DesiredSequence[] = [];
  const names: NamedAt[] = [];
  const resources: DeclaredDocument[] = [];
  const results: FileResult[] = [];
  for (let i = 0; i < files.length; i++) {
    results.push(loadFile(files[i]!, opts.baseDir, validateOpts));
    // Parsing is synchronous: let the event loop in now and then, so the live read running
    // alongside can take each page as it arrives and ask for the next one while files load.
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  // Loops rather than push(...spread): argument lists overflow the stack on large repositories.
  for (const r of results) {
    for (const d of r.errors) errors.push(d);
    for (const d of r.warnings) warnings.push(d);
    for (const p of r.providers) providers.push(p);
    for (const s of r.sequences) sequences.push(s);
    for (const n of r.names) names.push(n);
    for (const d of r.resources) resources.push(d);
  }
  for (const d of uniqueNames(names)) errors.push(d);
  for (const d of checkCardinality(documents, resources)) errors.push(d);
  if (sequences.length) {
    const checked = checkSequences(sequences, providers, names, opts.catalog);
    for (const d of checked.errors) errors.push(d);
    for (const d of checked.warnings) warnings.push(d);
  }
  errors.sort(byLocation);
  warnings.sort(byLocation);
  return { value: errors.length ? undefined : { providers, sequences, resources }, errors, warnings, declared: names, declaredResources: resources };
}
