// The pipeline the commands share: files -> parse + validate -> desired model -> read live ->
// diff -> plan. Each step returns values; the CLI decides what to print.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PaystratorClient } from '../api/client.js';
import type { Transport } from '../api/transport.js';
import { bundledCatalog, type Catalog } from '../catalog/catalog.js';
import { ExitError, warning, type Diagnostic, type Result } from '../diagnostics.js';
import type { Environment, Policy } from '../generated/config.js';
import { fingerprintAnnotation, ROTATED_OUTSIDE_GIT, toLiveProvider } from '../live/read.js';
import { loadConfig, resolveEnvironment, type LoadedConfig } from '../load/config.js';
import { loadDesiredFiles, type LoadProvidersOptions } from '../load/providers.js';
import type { DeclaredDocument } from '../load/documents.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type DesiredProvider, type LiveProvider, type SecretRefTarget } from '../model/state.js';
import { MIN_LIVE_FOR_CHANGE_THRESHOLD, withCheckNotes } from '../plan/checks.js';
import type { Plan, PlanOverrides } from '../plan/plan.js';
import { createFingerprinter, type Fingerprinter } from '../secrets/fingerprint.js';
import { resolveSecrets, type ResolvedSecrets } from '../secrets/resolver.js';
import { Sensitive } from '../secrets/sensitive.js';
import { createStores } from '../secrets/stores.js';
import { TOOL_VERSION } from '../version.js';
import type { SecretStore } from '../secrets/store.js';
import { readLiveSequences } from '../sequences/live.js';
import { routingMayShift } from '../sequences/money.js';
import { buildAccountPlan, resourceFindings, resourceKindsNeeded, sequencesNeeded } from '../kinds/plan.js';
import type { PlanContext, ResourceKindName } from '../kinds/kind.js';
import { documentKinds } from '../kinds/registry.js';
import type { SafetyFinding } from '../plan/checks.js';
import type { LockWait } from '../sandbox/store/lock.js';
export type { LockWait } from '../sandbox/store/lock.js';
import type { DesiredSequence } from '../model/sequence.js';
import { isManaged as isManagedApiKey, type LiveApiKey } from '../model/api-key.js';
import { IMPORTED_FROM as API_KEY_IMPORTED_FROM } from '../apikeys/import.js';
import { escapeText } from '../text/escape.js';
import { interner } from '../text/intern.js';
import { policyRuleDiagnostics } from '../policy/workspace-rules.js';

export { TOOL_VERSION } from '../version.js';
export const DEFAULT_SANDBOX_DATA = '.paystrator/sandbox.json';

export interface Workspace {
  config: LoadedConfig;
  envName: string;
  env: Environment;
  policy: Required<Pick<Policy, 'prune' | 'maxChangePercent' | 'maxChangeMinLive'>> & { ignore: NonNullable<Policy['ignore']>; fingerprintKey?: Policy['fingerprintKey'] };
  catalog: Catalog;
  stores: Map<string, SecretStore>;
  warnings: Diagnostic[];
  /** For an embedded environment: how long to wait for another run on its state file, and who to tell. */
  sandboxLock: { processEnv: NodeJS.ProcessEnv; onWait?: (wait: LockWait) => void };
}

export function unwrap<T>(r: Result<T>): T {
  if (r.errors.length || r.value === undefined) throw new ExitError(r.errors.length ? r.errors : 'invalid input');
  return r.value;
}

export async function openWorkspace(opts: {
  configPath: string;
  envName?: string | undefined;
  processEnv?: NodeJS.ProcessEnv;
  /** Told once when an embedded run waits for another run on its state file (the CLI says so). */
  onLockWait?: (wait: LockWait) => void;
}): Promise<Workspace> {
  // Named as the user gave it (or as discovery found it, relative to the current folder).
  const loaded = await loadConfig(opts.configPath);
  const config = unwrap(loaded);
  const { name, environment } = unwrap(resolveEnvironment(config, opts.envName));
  const policy = config.config.policy ?? {};
  return {
    config,
    envName: name,
    env: environment,
    policy: {
      prune: policy.prune ?? false,
      maxChangePercent: policy.maxChangePercent ?? 50,
      maxChangeMinLive: policy.maxChangeMinLive ?? MIN_LIVE_FOR_CHANGE_THRESHOLD,
      ignore: policy.ignore ?? [],
      ...(policy.fingerprintKey ? { fingerprintKey: policy.fingerprintKey } : {}),
    },
    catalog: bundledCatalog(),
    stores: createStores(config.config.secretStores, config.dir, opts.processEnv ?? process.env),
    warnings: loaded.warnings,
    sandboxLock: { processEnv: opts.processEnv ?? process.env, ...(opts.onLockWait ? { onWait: opts.onLockWait } : {}) },
  };
}

/** Webhook URLs may be http to a loopback address only where the environment is a sandbox. */
function isSandboxEndpoint(endpoint: string): boolean {
  if (endpoint === 'embedded') return true;
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** How the environment's files are read: its globs, its stores, and every registered kind. */
export function desiredFilesOptions(ws: Workspace): LoadProvidersOptions {
  const patterns = Array.isArray(ws.env.providers) ? ws.env.providers : [ws.env.providers];
  return { patterns, baseDir: ws.config.dir, catalog: ws.catalog, secretStores: [...ws.stores.keys()], secretStoreConfigs: ws.config.config.secretStores, documents: documentKinds(), allowLoopbackHttp: isSandboxEndpoint(ws.env.endpoint) };
}

export async function loadDesired(ws: Workspace): Promise<{ desired: DesiredProvider[]; sequences: DesiredSequence[]; resources: DeclaredDocument[]; warnings: Diagnostic[] }> {
  const r = await loadDesiredFiles(desiredFilesOptions(ws));
  const { providers, sequences, resources } = unwrap(r);
  return { desired: providers, sequences, resources, warnings: r.warnings };
}

export interface Connection {
  client: PaystratorClient;
  endpoint: string;
  close(): Promise<void>;
}

export async function connect(ws: Workspace): Promise<Connection> {
  // The API client and its response validators load only for commands that talk to the API.
  // One module each (a chunk of the bundle per dynamic import): every file is one more to resolve and link at start.
  const { PaystratorClient, HttpTransport, InProcessTransport } = await import('../api/connection.js');
  let transport: Transport;
  let apiKey: Sensitive;
  if (ws.env.endpoint === 'embedded') {
    // Loaded only here: an HTTP environment never pays for the sandbox's code.
    const { createSandboxApp, SANDBOX_RW_KEY, openSandboxStore, lockTimeoutFromEnv } = await import('../sandbox/embedded.js');
    const timeout = lockTimeoutFromEnv(ws.sandboxLock.processEnv);
    // Locked until the connection closes: the run as a whole, not each write, is what must not interleave.
    const store = await openSandboxStore(path.resolve(ws.config.dir, ws.env.data ?? DEFAULT_SANDBOX_DATA), {
      lock: { ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}), ...(ws.sandboxLock.onWait ? { onWait: ws.sandboxLock.onWait } : {}) },
    });
    transport = new InProcessTransport(createSandboxApp({ store, catalog: ws.catalog, requests: 'few' }), () => store.close());
    apiKey = new Sensitive(SANDBOX_RW_KEY);
  } else {
    if (!ws.env.apiKey) throw new ExitError(`environment ${ws.envName} has no apiKey: add apiKey: { secretRef: { store, name } } to it in paystrator.yaml`);
    const ref = ws.env.apiKey.secretRef;
    const secrets = await resolveSecrets([ref], ws.stores, () => ({ file: path.basename(ws.config.file), field: `environments.${ws.envName}.apiKey` }));
    apiKey = secrets.get(ref);
    transport = new HttpTransport(ws.env.endpoint);
  }
  return { client: new PaystratorClient(transport, apiKey), endpoint: transport.description, close: () => transport.close() };
}

export async function readLive(client: PaystratorClient, ws: Workspace): Promise<{ company: string; live: LiveProvider[]; caller?: { id: string; name: string } }> {
  const intern = interner();
  const [company, live] = await Promise.all([client.company(), client.listProvidersAs((p) => toLiveProvider(p, intern))]);
  if (ws.env.client && ws.env.client !== company.id) {
    throw new ExitError(`environment ${ws.envName} is for client ${ws.env.client}, but its API key belongs to ${company.id} (${company.name})`);
  }
  return { company: company.id, live, ...(company.apiKey ? { caller: { id: company.apiKey.id, name: company.apiKey.name } } : {}) };
}

/** The live state of each setting kind git declares, read at once; the others are not read. */
export async function readLiveResources(client: PaystratorClient, declared: readonly DeclaredDocument[], targets: readonly string[] = []): Promise<Map<ResourceKindName, unknown>> {
  const kinds = resourceKindsNeeded(declared, targets);
  const states = await Promise.all(kinds.map((k) => k.readLive(client)));
  return new Map(kinds.map((k, i) => [k.kind, states[i]]));
}

export interface DesiredSecrets {
  secrets: ResolvedSecrets;
  /** The desired providers with their secret fingerprints filled in (copies: the loaded model is not changed). */
  desired: DesiredProvider[];
  /** Live providers with the fingerprints this run cannot compare (another scheme) forgotten. */
  live: LiveProvider[];
  fingerprinter: Fingerprinter;
}

/** Per provider and field, the fingerprints a saved plan recorded: their salts are kept at apply. */
function savedFingerprints(saved: Plan | undefined): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const c of saved?.changes ?? []) {
    for (const op of c.operations) {
      if (op.kind === 'status') continue;
      const fps = out.get(c.name) ?? {};
      for (const [field, b] of Object.entries(op.secrets)) fps[field] = b.fingerprint;
      out.set(c.name, fps);
    }
  }
  return out;
}

/**
 * Resolves every secret the desired providers reference (and policy.fingerprintKey) and returns
 * their fingerprints. A live fingerprint of another scheme (an older version's, or scrypt once a
 * key is set) cannot be compared: it is forgotten, so the plan writes that secret once to record
 * a current one, and says so.
 */
export async function resolveDesiredSecrets(
  ws: Workspace,
  desired: readonly DesiredProvider[],
  company: string,
  opts: { live?: readonly LiveProvider[]; saved?: Plan } = {},
): Promise<DesiredSecrets> {
  const refs: SecretRefTarget[] = desired.flatMap((d) => Object.values(d.secretRefs));
  const origin = new Map<SecretRefTarget, Omit<Diagnostic, 'severity' | 'message'>>();
  for (const d of desired) {
    for (const [field, ref] of Object.entries(d.secretRefs)) {
      const p = d.positions.get(`spec.credentials.${field}`);
      origin.set(ref, { file: d.file, ...(p ? { line: p.line, col: p.col } : {}), field: `spec.credentials.${field}` });
    }
  }
  const keyRef = ws.policy.fingerprintKey?.secretRef;
  if (keyRef && refs.length) origin.set(keyRef, { file: path.basename(ws.config.file), field: 'policy.fingerprintKey' });
  const secrets = await resolveSecrets(keyRef && refs.length ? [...refs, keyRef] : refs, ws.stores, (ref) => origin.get(ref) ?? {});
  const fingerprinter = createFingerprinter(company, keyRef && refs.length ? secrets.get(keyRef) : undefined);
  const liveByName = new Map((opts.live ?? []).map((l) => [l.state.name, l]));
  const saved = savedFingerprints(opts.saved);
  const out = await Promise.all(
    desired.map(async (d) => {
      const credentials = { ...d.state.credentials };
      const live = liveByName.get(d.state.name);
      await Promise.all(
        Object.entries(d.secretRefs).map(async ([field, ref]) => {
          const priors = [live?.annotations[fingerprintAnnotation(field)], saved.get(d.state.name)?.[field]];
          credentials[field] = { kind: 'secret', fingerprint: await fingerprinter.fingerprint(d.state.name, field, secrets.get(ref), priors) };
        }),
      );
      return { ...d, state: { ...d.state, credentials } };
    }),
  );
  return { secrets, desired: out, live: forgetForeignFingerprints(opts.live ?? [], fingerprinter), fingerprinter };
}

/** Live providers whose recorded fingerprints this fingerprinter cannot compare, with them set to null. */
export function forgetForeignFingerprints(live: readonly LiveProvider[], fp: Fingerprinter): LiveProvider[] {
  return live.map((l) => {
    let credentials: LiveProvider['state']['credentials'] | undefined;
    for (const [field, c] of Object.entries(l.state.credentials)) {
      if (c.kind !== 'secret' || c.fingerprint === null || c.fingerprint === ROTATED_OUTSIDE_GIT || fp.recognises(c.fingerprint)) continue;
      credentials ??= { ...l.state.credentials };
      credentials[field] = { kind: 'secret', fingerprint: null };
    }
    return credentials ? { ...l, state: { ...l.state, credentials } } : l;
  });
}

/** What plan and drift both compare, and where: this environment and account, git against live, policy.ignore. */
export function comparison(ws: Workspace, connection: Connection, company: string, desired: DesiredProvider[], live: LiveProvider[]) {
  return { environment: ws.envName, endpoint: connection.endpoint, company, toolVersion: TOOL_VERSION, desired, live, ignore: ws.policy.ignore };
}

/**
 * Declared providers whose file `import` wrote from that very live provider: its header names the
 * live id ("Imported from the live provider prv_..."). Only files naming a live provider that git
 * does not manage yet are read, so a plan of a managed account reads none.
 */
export async function importedProviders(ws: Workspace, desired: readonly DesiredProvider[], live: readonly LiveProvider[]): Promise<Set<string>> {
  const liveByName = new Map(live.map((l) => [l.state.name, l]));
  return filesNaming(
    ws,
    desired.flatMap((d) => {
      const l = liveByName.get(d.state.name);
      return !l || l.state.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE ? [] : [{ name: d.state.name, file: d.file, marker: `Imported from the live provider ${l.id} (` }];
    }),
  );
}

/**
 * Declared API keys whose file `import` wrote from the unmanaged live key of that name (the file
 * names its live id), as importedProviders does for providers. Only such files are read.
 */
export async function importedApiKeyNames(ws: Workspace, resources: readonly DeclaredDocument[], liveResources: ReadonlyMap<ResourceKindName, unknown>): Promise<Set<string>> {
  const live = liveResources.get('ApiKey') as readonly LiveApiKey[] | undefined;
  if (!live) return new Set();
  return filesNaming(
    ws,
    resources.flatMap((d) => {
      const l = d.kind === 'ApiKey' ? live.find((k) => k.name === d.name && k.status === 'ACTIVE') : undefined;
      return !l || isManagedApiKey(l) ? [] : [{ name: d.name, file: d.file, marker: `${API_KEY_IMPORTED_FROM} ${escapeText(l.id)} (` }];
    }),
  );
}

/** The candidates whose file holds their marker: what import wrote. Each file is read once (one file may hold many keys). */
async function filesNaming(ws: Workspace, candidates: ReadonlyArray<{ name: string; file: string; marker: string }>): Promise<Set<string>> {
  const texts = new Map<string, Promise<string>>();
  const out = new Set<string>();
  for (const c of candidates) {
    let text = texts.get(c.file);
    if (!text) texts.set(c.file, (text = readFile(path.resolve(ws.config.dir, c.file), 'utf8').catch(() => '')));
    if ((await text).includes(c.marker)) out.add(c.name);
  }
  return out;
}

export interface PlanRun {
  plan: Plan;
  /** Live state the plan was computed against (the safety checks need all of it). */
  live: LiveProvider[];
  secrets: ResolvedSecrets;
  /** What the plan's fingerprints were made with (a rollback checks a store version against them). */
  fingerprinter: Fingerprinter;
  connection: Connection;
  warnings: Diagnostic[];
  /** The setting kinds' live state the plan was computed against (their guards need it). */
  liveResources: Map<ResourceKindName, unknown>;
  context: PlanContext;
}

/** The setting kinds' guards (lockout) for a plan, against the live state the run read. */
export function settingFindings(run: PlanRun, plan: Plan = run.plan): SafetyFinding[] {
  return resourceFindings(plan, run.liveResources, run.context);
}

/** Loads, reads live, resolves secrets and plans. The caller closes the connection. */
export async function computePlan(ws: Workspace, opts: { prune?: boolean; targets?: string[]; adopt?: string[]; overrides?: PlanOverrides; saved?: Plan }): Promise<PlanRun> {
  // Reading live state waits on the network while loading files keeps the cores busy: run both at
  // once. A file error still wins over an API error, and nothing is written before both are done.
  const connection = await connect(ws);
  const [loaded, read] = await Promise.allSettled([loadDesired(ws), readLive(connection.client, ws)]);
  try {
    if (loaded.status === 'rejected') throw loaded.reason;
    if (read.status === 'rejected') throw read.reason;
    const { sequences, resources } = loaded.value;
    const rules = await policyRuleDiagnostics(ws.config, { providers: loaded.value.desired, sequences });
    if (rules.errors.length) throw new ExitError([...rules.errors, ...rules.warnings]);
    const warnings = [...loaded.value.warnings, ...rules.warnings];
    const { company, caller } = read.value;
    const { secrets, desired, live, fingerprinter } = await resolveDesiredSecrets(ws, loaded.value.desired, company, { live: read.value.live, ...(opts.saved ? { saved: opts.saved } : {}) });
    const targets = opts.targets ?? [];
    // Every kind's live state is read before the plan is built: the plan is one pure function of it.
    const [liveSequences, liveResources, feeMetrics] = await Promise.all([
      sequencesNeeded(sequences, targets) ? readLiveSequences(connection.client) : undefined,
      readLiveResources(connection.client, resources, targets),
      pricingMayChange(desired, live) ? readVolumes(connection.client) : undefined,
    ]);
    // A sequence's money line needs the live sequences first; one metrics read serves both lines.
    const metrics = feeMetrics ?? (liveSequences && routingMayShift(sequences, liveSequences, desired, live) ? await readVolumes(connection.client) : undefined);
    const importedApiKeys = await importedApiKeyNames(ws, resources, liveResources);
    const context: PlanContext = { environment: ws.envName, company, ...(caller ? { caller } : {}), prune: opts.prune ?? ws.policy.prune, ...(importedApiKeys.size ? { importedApiKeys } : {}) };
    const plan = buildAccountPlan({
      ...comparison(ws, connection, company, desired, live),
      prune: opts.prune ?? ws.policy.prune,
      targets,
      adopt: opts.adopt ?? [],
      imported: await importedProviders(ws, desired, live),
      ...(opts.overrides ? { overrides: opts.overrides } : {}),
      sequences,
      ...(liveSequences ? { liveSequences } : {}),
      qris: (integration) => ws.catalog.get(integration)?.qris === true,
      resources,
      liveResources,
      context,
      ...(metrics ? { volumes: metrics.byProvider, productVolumes: metrics.byProduct } : {}),
    });
    const slow = fingerprinter.derivations >= SLOW_FINGERPRINTS
      ? [warning(`${fingerprinter.derivations} secret fingerprints were derived with scrypt (tens of milliseconds each): set policy.fingerprintKey to make them instant`, { file: path.basename(ws.config.file), field: 'policy.fingerprintKey', rule: 'fingerprint' })]
      : [];
    return { plan: withCheckNotes(plan, live, ws.policy), live, secrets, fingerprinter, connection, warnings: [...ws.warnings, ...warnings, ...slow], liveResources, context };
  } catch (e) {
    await connection.close();
    throw e;
  }
}

/** Whether a declared fee or VAT differs from live: only then is the 30-day volume read (one request). */
function pricingMayChange(desired: readonly DesiredProvider[], live: readonly LiveProvider[]): boolean {
  const byName = new Map(live.map((l) => [l.state.name, l.state]));
  return desired.some((d) => {
    const l = byName.get(d.state.name);
    return l !== undefined && JSON.stringify([d.state.fee, d.state.tax]) !== JSON.stringify([l.fee, l.tax]);
  });
}

type Volumes = Map<string, { transactions: bigint; amount: bigint }>;

/**
 * What each provider, and each product (service), served over the last 30 days, from the API's
 * metrics (one request); none when the API has none to give.
 */
async function readVolumes(client: PaystratorClient): Promise<{ byProvider: Volumes; byProduct: Volumes } | undefined> {
  try {
    const report = await client.metrics({ window: '30d' });
    const byProvider: Volumes = new Map();
    const byProduct: Volumes = new Map();
    const add = (into: Volumes, key: string, transactions: bigint, amount: bigint) => {
      const v = into.get(key) ?? { transactions: 0n, amount: 0n };
      into.set(key, { transactions: v.transactions + transactions, amount: v.amount + amount });
    };
    for (const r of report.data) {
      // Volume is whole rupiah; a fraction (never sent for IDR) is cut, not rounded up.
      const amount = BigInt(r.volume.split('.')[0]!);
      add(byProvider, r.providerName, BigInt(r.successes), amount);
      add(byProduct, r.service, BigInt(r.successes), amount);
    }
    return { byProvider, byProduct };
  } catch {
    // The money line is information: a plan is not refused because metrics could not be read.
    return undefined;
  }
}

/** From this many scrypt derivations in one run the plan suggests policy.fingerprintKey. */
const SLOW_FINGERPRINTS = 200;
