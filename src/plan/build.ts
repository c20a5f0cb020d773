import { createHash } from 'node:crypto';
import type { ProviderCreate, ProviderPatch } from '../generated/api.js';
import type { Policy } from '../generated/config.js';
import { describeCreate, diffState, type FieldChange, type Json } from '../diff/diff.js';
import { error, ExitError, type Diagnostic } from '../diagnostics.js';
import { pricingChange } from '../fees/effect.js';
import { credentialVersionAnnotation, fingerprintAnnotation } from '../live/read.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type DesiredProvider, type LiveProvider, type ProviderState } from '../model/state.js';
import { NO_OVERRIDES, PLAN_FORMAT_VERSION, summarize, type Operation, type PlanOverrides, type Plan, type ProviderChange, type SecretBinding } from './plan.js';
import { ignoredBy } from './ignore.js';
import { compareText } from '../text/order.js';

export interface PlanInput {
  environment: string;
  endpoint: string;
  company: string;
  toolVersion: string;
  desired: DesiredProvider[];
  live: LiveProvider[];
  prune: boolean;
  targets: string[];
  ignore: NonNullable<Policy['ignore']>;
  /** `plan --adopt NAME`: live providers git did not manage that this plan may take over. */
  adopt?: readonly string[];
  /** Desired providers whose file says `import` wrote it from the live provider of that name. */
  imported?: ReadonlySet<string>;
  /** Recorded in the plan, not used to build it: checks.ts reads them. */
  overrides?: PlanOverrides;
  now?: Date;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** What git wants live: the declared state plus the ownership label. Drift compares against the same. */
export function wanted(d: DesiredProvider): ProviderState {
  return { ...d.state, labels: { ...d.state.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } };
}

function secretBindings(d: DesiredProvider): Record<string, SecretBinding> {
  const out: Record<string, SecretBinding> = {};
  for (const [field, ref] of Object.entries(d.secretRefs)) {
    const c = d.state.credentials[field];
    if (c?.kind !== 'secret' || !c.fingerprint) throw new Error(`secret ${field} of ${d.state.name} has no fingerprint`);
    out[field] = { ref, fingerprint: c.fingerprint };
  }
  return out;
}

function plainCredentials(s: ProviderState, fields?: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [f, c] of Object.entries(s.credentials)) if (c.kind === 'plain' && (!fields || fields.has(f))) out[f] = c.value;
  return out;
}

/**
 * What we record on the live provider with each secret we write: its fingerprint, and the
 * credential version the write will produce (the API bumps it once per changed value), so drift can
 * tell a secret rotated outside git from one we set.
 */
function secretAnnotations(secrets: Record<string, SecretBinding>, live?: LiveProvider): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [f, b] of Object.entries(secrets)) {
    out[fingerprintAnnotation(f)] = b.fingerprint;
    out[credentialVersionAnnotation(f)] = String((live?.credentialVersions[f] ?? 0) + 1);
  }
  return out;
}

function createOperation(env: string, company: string, s: ProviderState, secrets: Record<string, SecretBinding>): Operation {
  const body: ProviderCreate = {
    name: s.name,
    type: s.type,
    integration: s.integration,
    services: s.services,
    credentials: plainCredentials(s),
    fee: s.fee,
    tax: s.tax,
    status: s.status,
    labels: s.labels,
    annotations: secretAnnotations(secrets),
  };
  // Derived from what is created, so a rerun after a crash (same plan or a fresh one) replays the
  // first create instead of making a second provider.
  const idempotencyKey = `pgo-${sha256(JSON.stringify([env, company, body])).slice(0, 40)}`;
  return { kind: 'create', idempotencyKey, body, secrets };
}

function updateOperation(fields: FieldChange[], s: ProviderState, live: LiveProvider, secrets: Record<string, SecretBinding>): Operation | undefined {
  const patch: ProviderPatch = {};
  const changed = new Set(fields.map((f) => f.field));
  if (changed.has('spec.services')) patch.services = s.services;
  if ([...changed].some((f) => f.startsWith('spec.fee'))) patch.fee = s.fee;
  if ([...changed].some((f) => f.startsWith('spec.tax'))) patch.tax = s.tax;
  const credFields = new Set([...changed].filter((f) => f.startsWith('spec.credentials.')).map((f) => f.slice('spec.credentials.'.length)));
  const plain = plainCredentials(s, credFields);
  if (Object.keys(plain).length) patch.credentials = plain;
  const changedSecrets = Object.fromEntries(Object.entries(secrets).filter(([f]) => credFields.has(f)));
  if (Object.keys(changedSecrets).length) patch.annotations = secretAnnotations(changedSecrets, live);
  const labelKeys = [...changed].filter((f) => f.startsWith('metadata.labels.')).map((f) => f.slice('metadata.labels.'.length));
  if (labelKeys.length) patch.labels = Object.fromEntries(labelKeys.map((k) => [k, s.labels[k] ?? null]));
  return Object.keys(patch).length ? { kind: 'update', body: patch, secrets: changedSecrets } : undefined;
}

/** Computes the plan: a pure function of the desired and live models. */
export function buildPlan(input: PlanInput): Plan {
  const liveByName = new Map(input.live.map((l) => [l.state.name, l]));
  const targets = new Set(input.targets);
  const inScope = (name: string) => targets.size === 0 || targets.has(name);
  const problems: Diagnostic[] = [];
  const changes: ProviderChange[] = [];

  const unknownTargets = [...targets].filter((t) => !liveByName.has(t) && !input.desired.some((d) => d.state.name === t));
  for (const t of unknownTargets) problems.push(error(`--target ${t} names no provider in git or live`, { rule: 'target' }));
  const adopt = new Set(input.adopt ?? []);
  for (const a of [...adopt].sort()) {
    if (!input.desired.some((d) => d.state.name === a)) problems.push(error(`--adopt ${a} names no provider declared in git: adopting takes over a live provider that a provider file names`, { rule: 'adopt' }));
  }

  const desiredNames = new Set<string>();
  for (const d of input.desired) {
    const name = d.state.name;
    desiredNames.add(name);
    if (!inScope(name)) continue;
    const pos = d.positions.get('metadata.name') ?? d.positions.get('');
    const where = { file: d.file, ...(pos ? { line: pos.line } : {}) };
    const s = wanted(d);
    const secrets = secretBindings(d);
    const live = liveByName.get(name);
    if (!live) {
      changes.push({ name, action: 'create', ...where, fields: describeCreate(s), notes: [], operations: [createOperation(input.environment, input.company, s, secrets)] });
      continue;
    }
    const notes: string[] = [];
    for (const field of Object.keys(d.secretRefs)) {
      const c = live.state.credentials[field];
      if (c?.kind === 'secret' && c.fingerprint === null && live.annotations[fingerprintAnnotation(field)] !== undefined) {
        notes.push(`the fingerprint recorded live for spec.credentials.${field} is of another scheme (an older version's, or policy.fingerprintKey was set or changed): the secret is written once to record a current one`);
      }
    }
    let fields = diffState(s, live.state);
    for (const f of fields.filter((f) => f.immutable)) {
      const p = d.positions.get(f.field);
      problems.push(
        error(`${f.field} cannot change on a live provider (live: ${typeof f.before === 'object' ? JSON.stringify(f.before) : String(f.before)}); declare a new provider with another name and deactivate this one`, {
          file: d.file, ...(p ? { line: p.line, col: p.col } : {}), field: f.field, rule: 'immutable-field',
        }),
      );
    }
    fields = fields.filter((f) => {
      const rule = f.immutable ? undefined : ignoredBy(input.ignore, { field: f.field, ...(f.before !== undefined ? { live: f.before } : {}) }, live);
      if (!rule) return true;
      const isStatus = f.field === 'spec.status';
      const show = (v: Json | undefined) => (isStatus && typeof v === 'string' ? v : JSON.stringify(v));
      notes.push(`${isStatus ? 'status' : f.field} ${show(f.before)}${isStatus ? ` set by ${live.statusChangedBy}` : ''} is kept (policy.ignore); git says ${show(f.after)}`);
      return false;
    });
    if (live.state.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
      // A file that merely names a live provider must not take it over (a typo could take another
      // team's): only an imported file, or an explicit --adopt, may.
      if (adopt.has(name)) notes.push('adopts a provider that git did not manage until now (--adopt)');
      else if (input.imported?.has(name)) notes.push('adopts a provider that git did not manage until now (its file was written by import)');
      else {
        const p = d.positions.get('metadata.name');
        problems.push(
          error(
            `${name} exists live but is not managed by paystrator-gitops; run \`paystrator-gitops import\` to bring it into git, or \`plan --adopt ${JSON.stringify(name)}\` to take it over`,
            { file: d.file, ...(p ? { line: p.line, col: p.col } : {}), field: 'metadata.name', rule: 'unmanaged' },
          ),
        );
        continue;
      }
    }
    const ops: Operation[] = [];
    const update = updateOperation(fields, s, live, secrets);
    if (update) ops.push(update);
    if (fields.some((f) => f.field === 'spec.status')) ops.push({ kind: 'status', body: { status: s.status, reason: 'declared in git (paystrator-gitops)' } });
    const pricing = pricingChange(fields, s, live.state);
    changes.push({ name, action: ops.length ? 'update' : 'noop', ...where, id: live.id, liveVersion: live.version, fields, notes, operations: ops, ...(pricing ? { pricing } : {}) });
  }
  if (problems.length) throw new ExitError(problems);

  const unmanaged = [];
  for (const live of input.live) {
    const name = live.state.name;
    if (desiredNames.has(name)) continue;
    if (live.state.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
      unmanaged.push({ name, id: live.id, status: live.state.status });
      continue;
    }
    if (!inScope(name)) continue;
    if (input.prune && live.state.status !== 'INACTIVE') {
      changes.push({
        name, action: 'deactivate', id: live.id, liveVersion: live.version,
        fields: [{ field: 'spec.status', before: live.state.status, after: 'INACTIVE' }],
        notes: ['removed from git'],
        operations: [{ kind: 'status', body: { status: 'INACTIVE', reason: 'removed from git (paystrator-gitops --prune)' } }],
      });
    } else if (live.state.status !== 'INACTIVE') {
      changes.push({ name, action: 'noop', id: live.id, liveVersion: live.version, fields: [], notes: ['removed from git; deactivated only with --prune or policy.prune'], operations: [] });
    }
  }

  const order = { deactivate: 0, create: 1, update: 2, noop: 3 };
  changes.sort((a, b) => order[a.action] - order[b.action] || compareText(a.name, b.name));
  const options = { prune: input.prune, targets: [...targets].sort(), ...(adopt.size ? { adopt: [...adopt].sort() } : {}) };
  // The digest of JSON.stringify([environment, company, options, [[wanted, secretRefs], ...]]),
  // fed one provider at a time: the whole text is megabytes at 10,000 providers, and it would
  // live in the old generation until the next full collection.
  const hash = createHash('sha256').update(`[${JSON.stringify(input.environment)},${JSON.stringify(input.company)},${JSON.stringify(options)},[`);
  input.desired.forEach((d, i) => hash.update(`${i ? ',' : ''}${JSON.stringify([wanted(d), d.secretRefs])}`));
  const inputsHash = hash.update(']]').digest('hex');
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tool: { name: 'paystrator-gitops', version: input.toolVersion },
    environment: input.environment,
    endpoint: input.endpoint,
    company: input.company,
    createdAt: (input.now ?? new Date()).toISOString(),
    inputsHash,
    options,
    overrides: { ...(input.overrides ?? NO_OVERRIDES) },
    changes,
    unmanaged: unmanaged.sort((a, b) => compareText(a.name, b.name)),
    summary: summarize(changes, unmanaged.length),
  };
}
