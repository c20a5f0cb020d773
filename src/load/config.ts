// paystrator.yaml: the same YAML and schema machinery as provider files, plus the rules that tie
// secretRefs to declared stores, and the choice of environment.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { error, type Diagnostic, type Result } from '../diagnostics.js';
import type { Environment, Policy, WorkspaceConfig } from '../generated/config.js';
import { byLocation, schemaIssues, schemas, toDiagnostic, type Issue } from './schema.js';
import { didYouMean } from './suggest.js';
import { unknownStore } from './validate.js';
import { quickParseYaml } from './quickyaml.js';
import { decodeYamlBytes } from './text.js';
import { dotted, isRecord, parseYaml, type PathSeg, type YamlDocument } from './yaml.js';

export const DEFAULT_ENVIRONMENT = 'sandbox';

// fingerprintKey has no default: without one, fingerprints use scrypt (secrets/fingerprint.ts).
export type ResolvedPolicy = Required<Omit<Policy, 'fingerprintKey'>> & Pick<Policy, 'fingerprintKey'>;

export interface LoadedConfig {
  /** The config file as the user named it (diagnostics use this name). */
  file: string;
  /** Absolute directory of the config file: provider globs are relative to it. */
  dir: string;
  config: WorkspaceConfig & { policy: ResolvedPolicy };
  /** Where a config path is written (policy rules and windows point their errors at their line). */
  pos?: (path: readonly PathSeg[]) => { line: number; col: number };
}

export interface SelectedEnvironment {
  name: string;
  environment: Environment;
  /** The environment's provider globs, as a list. */
  patterns: string[];
  /** Where the globs are relative to. */
  baseDir: string;
  /** Declared secret store names. */
  secretStores: string[];
}

function fail<T>(errors: Diagnostic[], warnings: Diagnostic[] = []): Result<T> {
  return { value: undefined, errors, warnings };
}

function policyDefaults(): ResolvedPolicy {
  const props = (schemas().configSchema.$defs as { policy: { properties: Record<string, { default?: unknown }> } }).policy.properties;
  return {
    prune: (props.prune?.default as boolean | undefined) ?? false,
    maxChangePercent: (props.maxChangePercent?.default as number | undefined) ?? 50,
    maxChangeMinLive: (props.maxChangeMinLive?.default as number | undefined) ?? 10,
    ignore: [],
    rules: [],
    windows: [],
    rollout: rolloutDefaults(),
  };
}

function rolloutDefaults(): NonNullable<ResolvedPolicy['rollout']> {
  const props = (schemas().configSchema.$defs as { policy: { properties: { rollout: { properties: Record<string, { default?: unknown }> } } } }).policy.properties.rollout.properties;
  return {
    interval: (props.interval?.default as string | undefined) ?? '60s',
    minSuccessRate: (props.minSuccessRate?.default as number | undefined) ?? 0.97,
    minTransactions: (props.minTransactions?.default as number | undefined) ?? 20,
  };
}

interface RefAt {
  path: PathSeg[];
  store: string;
}

function secretRefs(v: unknown, at: PathSeg[], out: RefAt[]): RefAt[] {
  if (Array.isArray(v)) v.forEach((x, i) => secretRefs(x, [...at, i], out));
  else if (isRecord(v)) {
    if (isRecord(v.secretRef) && typeof v.secretRef.store === 'string') out.push({ path: [...at, 'secretRef', 'store'], store: v.secretRef.store });
    for (const [k, x] of Object.entries(v)) if (k !== 'secretRef') secretRefs(x, [...at, k], out);
  }
  return out;
}

/** A chain from `from` back to `to` through stores whose own credentials come from other stores. */
function chain(from: string, to: string, edges: Map<string, Set<string>>, seen = new Set<string>()): string[] | undefined {
  if (from === to) return [to];
  if (seen.has(from)) return undefined;
  seen.add(from);
  for (const next of edges.get(from) ?? []) {
    const rest = chain(next, to, edges, seen);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

/** secret-store-known and secret-store-cycle: a store cannot unlock itself. */
function storeIssues(config: Record<string, unknown>, flagged: (p: PathSeg[]) => boolean): Issue[] {
  const stores = isRecord(config.secretStores) ? config.secretStores : {};
  const declared = new Set(Object.keys(stores));
  const refs = secretRefs(config, [], []).filter((r) => !flagged(r.path));
  const issues: Issue[] = [];
  const edges = new Map<string, Set<string>>();
  for (const r of refs) {
    if (!declared.has(r.store)) {
      issues.push({ path: r.path, message: unknownStore(r.store, declared), rule: 'secret-store-known' });
    } else if (r.path[0] === 'secretStores') {
      const owner = String(r.path[1]);
      edges.set(owner, (edges.get(owner) ?? new Set()).add(r.store));
    }
  }
  for (const r of refs) {
    if (r.path[0] !== 'secretStores' || !declared.has(r.store)) continue;
    const loop = chain(r.store, String(r.path[1]), edges);
    if (loop) {
      const message = `secret store "${String(r.path[1])}" cannot get its own credentials from ${[String(r.path[1]), ...loop].join(' -> ')}`;
      issues.push({ path: r.path, message, rule: 'secret-store-cycle' });
    }
  }
  return issues;
}

/**
 * Loaded configs of this process, for a run over several environments: each opens its workspace,
 * and a config of 200 environments parsed 200 times would cost more than the environments. Keyed by
 * the name given and the content's hash; off unless a caller turns it on (see cacheLoadedConfig).
 */
let configCache: Map<string, { hash: string; result: Result<LoadedConfig> }> | undefined;

export function cacheLoadedConfig(): void {
  configCache ??= new Map();
}

/** Reads and validates the workspace config; a missing file is an error naming it. */
export async function loadConfig(file: string): Promise<Result<LoadedConfig>> {
  const abs = path.resolve(file);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `config file ${file} not found` : `cannot read config file ${file}: ${code ?? (e as Error).message}`;
    return fail([error(message, { file, rule: 'config-missing' })]);
  }
  if (!configCache) return parseConfig(file, abs, bytes);
  const key = `${file}\0${abs}`;
  const hash = createHash('sha256').update(bytes).digest('base64');
  const hit = configCache.get(key);
  if (hit?.hash === hash) return hit.result;
  const result = parseConfig(file, abs, bytes);
  configCache.set(key, { hash, result });
  return result;
}

function parseConfig(file: string, abs: string, bytes: Uint8Array): Result<LoadedConfig> {
  // The fast parser first; a config with anything to report is parsed again by yaml@2, so every
  // message comes from one parser.
  const decoded = decodeYamlBytes(bytes, file);
  if (!decoded.ok) return fail([decoded.error]);
  const { text } = decoded;
  const fast = quickParseYaml(text);
  if (fast) {
    const r = checkConfig(file, abs, [fast], []);
    if (r.errors.length === 0 && r.warnings.length === 0) return r;
  }
  const parsed = parseYaml(text, file);
  if (parsed.errors.length) return fail(parsed.errors, parsed.warnings);
  return checkConfig(file, abs, parsed.docs, parsed.warnings);
}

function checkConfig(file: string, abs: string, docs: YamlDocument[], warnings: Diagnostic[]): Result<LoadedConfig> {
  const [doc, extra] = docs;
  if (!doc) return fail([error('the config is empty: declare at least one environment under environments', { file, line: 1, col: 1, rule: 'schema' })], warnings);
  if (extra) {
    return fail([error('the config must be a single YAML document', { file, ...extra.pos([]), rule: 'schema' })], warnings);
  }

  const { config: validate } = schemas();
  validate(doc.value);
  const issues = schemaIssues(validate.errors, doc.value);
  if (isRecord(doc.value)) {
    const seen = new Set(issues.map((i) => dotted(i.path)));
    const flagged = (p: PathSeg[]) => p.some((_, n) => seen.has(dotted(p.slice(0, n + 1))));
    issues.push(...storeIssues(doc.value, flagged));
  }
  const errors = issues.map((i) => toDiagnostic(i, file, doc)).sort(byLocation);
  if (errors.length) return fail(errors, warnings);

  const config = doc.value as WorkspaceConfig;
  const defaults = policyDefaults();
  // A partial rollout block keeps the defaults of the fields it leaves out.
  const policy = { ...defaults, ...config.policy, rollout: { ...defaults.rollout, ...config.policy?.rollout } };
  return { value: { file, dir: path.dirname(abs), config: { ...config, policy }, pos: (p) => doc.pos(p) }, errors: [], warnings };
}

/** The named environment (default sandbox), or an error listing the known ones. */
export function resolveEnvironment(loaded: LoadedConfig, name: string = DEFAULT_ENVIRONMENT): Result<SelectedEnvironment> {
  const envs = loaded.config.environments;
  const environment = Object.hasOwn(envs, name) ? envs[name] : undefined;
  if (!environment) {
    const known = Object.keys(envs).sort();
    const message = `unknown environment "${name}"${didYouMean(name, known)} (declared: ${known.join(', ')})`;
    return fail([error(message, { file: loaded.file, field: 'environments', rule: 'unknown-environment' })]);
  }
  return {
    value: {
      name,
      environment,
      patterns: typeof environment.providers === 'string' ? [environment.providers] : [...environment.providers],
      baseDir: loaded.dir,
      secretStores: Object.keys(loaded.config.secretStores ?? {}).sort(),
    },
    errors: [],
    warnings: [],
  };
}
