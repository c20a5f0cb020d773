// `apply --progressive` (issue 18): the plan's changes in steps (rollout/steps.ts), each followed
// by an analysis of live metrics (rollout/analysis.ts); a step that hurts payments is undone
// (rollout/rollback.ts) and the run stops. Progress is journaled after every transition, so a
// killed run's rerun resumes at the step it was in: a step applied but not yet judged is judged
// (against the "before" figures the journal kept) before anything else happens.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PaystratorClient } from '../api/client.js';
import { applyPlan, DEFAULT_PARALLELISM, type ApplyEvent } from '../apply/apply.js';
import { auditAnnotations, type AuditContext } from '../apply/audit.js';
import { credentialVersionAnnotation, fingerprintAnnotation } from '../live/read.js';
import type { LiveProvider } from '../model/state.js';
import { applyResourceKind } from '../kinds/apply.js';
import type { ResourceEvent } from '../kinds/kind.js';
import { KINDS, resourceKinds, type KindHandlers } from '../kinds/registry.js';
import type { Plan, ResourceChange } from '../plan/plan.js';
import { analyseStep, type MetricRow, type StepFigures, type Thresholds } from '../rollout/analysis.js';
import { describeAction, describeSettingRollback, rollbackActions, settingRollbacks, type RollbackAction, type SettingRollback } from '../rollout/rollback.js';
import { pendingSettings, rolloutSteps, type RolloutStep, type StepKind } from '../rollout/steps.js';
import type { SecretStore } from '../secrets/store.js';
import type { ResolvedSecrets } from '../secrets/resolver.js';
import type { Sensitive } from '../secrets/sensitive.js';
import type { SecretRefTarget } from '../model/state.js';
import { applySequences } from '../sequences/apply.js';

export type RolloutEvent =
  | { type: 'step'; step: RolloutStep; total: number }
  | { type: 'applied'; step: RolloutStep; failed: string[] }
  | { type: 'waiting'; step: RolloutStep; ms: number; round: number }
  | { type: 'verdict'; step: RolloutStep; outcome: 'pass' | 'fail' | 'wait'; figures: StepFigures; reasons: string[] }
  /** A settings step's progress, as the kind handlers tell it (a webhook test's status, a key created). */
  | { type: 'setting'; step: RolloutStep; event: ResourceEvent }
  | { type: 'rollback'; step: RolloutStep; action: string; ok: boolean; message?: string }
  /** index: the step's number in the interrupted run. */
  | { type: 'resumed'; step: string; index: number };

export interface RolloutDeps {
  client: PaystratorClient;
  secrets: ResolvedSecrets;
  /** The live providers the plan was made against: the values a rollback goes back to. */
  live: readonly LiveProvider[];
  /** The current rows of the metrics window analysis reads (cumulative within it). */
  readMetrics: () => Promise<MetricRow[]>;
  /** The store value of a secret whose fingerprint is the one that was live, if the store still has it. */
  liveSecret: (ref: SecretRefTarget, provider: string, field: string, fingerprint: string | null) => Promise<Sensitive | undefined>;
  /** Whether a secret reference's store keeps earlier versions. */
  versioned: (ref: SecretRefTarget) => boolean;
  sleep: (ms: number) => Promise<void>;
  /** The workspace's secret stores (a settings step's new API key writes its value into its valueSink). */
  stores: ReadonlyMap<string, SecretStore>;
  /** The kind handlers a settings step applies through (the plain apply's). */
  kinds?: KindHandlers;
  onEvent?: (e: RolloutEvent) => void;
  audit?: AuditContext;
  parallelism?: number;
  /** Where progress is journaled (one file per environment). */
  journalFile: string;
}

export interface RolloutOptions {
  intervalMs: number;
  thresholds: Thresholds;
  /** How many intervals a step may wait for enough transactions before it is passed as "too little traffic to judge". */
  maxWaits?: number;
}

export interface RollbackRecord {
  environment: string;
  company: string;
  at: string;
  step: { index: number; kind: StepKind; title: string; providers: string[]; services: string[] };
  figures: StepFigures;
  reasons: string[];
  actions: { action: string; ok: boolean; message?: string }[];
  /** What live holds now, in words: the point of the record. */
  liveHolds: string[];
}

export interface RolloutReport {
  outcome: 'complete' | 'rolled-back' | 'failed';
  steps: { index: number; title: string; outcome: 'pass' | 'fail' | 'skipped' | 'unjudged'; figures?: StepFigures; reasons?: string[] }[];
  rollback?: RollbackRecord;
  /** Set when the rollback record was written. */
  rollbackFile?: string;
}

interface Journal {
  format: 1;
  environment: string;
  company: string;
  /**
   * The step applied and not yet judged, with the figures before it. A settings step keeps its
   * changes (plain, redacted plan values): a rerun that finds it failing can still put them back.
   */
  pending?: { index: number; kind: StepKind; title: string; providers: string[]; services: string[]; before: MetricRow[]; settings?: ResourceChange[] };
}

async function readJournal(file: string): Promise<Journal | undefined> {
  try {
    const j = JSON.parse(await readFile(file, 'utf8')) as Journal;
    return j.format === 1 ? j : undefined;
  } catch {
    return undefined;
  }
}

async function writeJournal(file: string, j: Journal | undefined): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(j ?? { format: 1, environment: '', company: '' }, null, 2) + '\n');
  await rename(tmp, file);
}

/**
 * The step an interrupted run applied and did not judge, if the journal holds one for this
 * environment and company: a rerun must judge it even when the plan has nothing left to apply
 * (the killed step was the last one).
 */
export async function interruptedStep(journalFile: string, environment: string, company: string): Promise<string | undefined> {
  const j = await readJournal(journalFile);
  return j?.pending && j.environment === environment && j.company === company ? j.pending.title : undefined;
}

/** Rows after minus rows before, per provider and service: what happened since `before` was read. */
export function sinceRows(before: readonly MetricRow[], after: readonly MetricRow[]): MetricRow[] {
  const key = (r: MetricRow) => `${r.providerId}\0${r.service}`;
  const was = new Map(before.map((r) => [key(r), r]));
  return after.map((r) => {
    const b = was.get(key(r));
    return { ...r, transactions: Math.max(0, r.transactions - (b?.transactions ?? 0)), successes: Math.max(0, r.successes - (b?.successes ?? 0)) };
  });
}

function subPlan(plan: Plan, step: RolloutStep): Plan {
  return {
    ...plan,
    changes: plan.changes.filter((c) => step.providers.includes(c.name)),
    sequences: step.kind === 'sequences' ? plan.sequences : [],
  };
}

export async function runProgressive(plan: Plan, deps: RolloutDeps, opts: RolloutOptions): Promise<RolloutReport> {
  const liveByName = new Map(deps.live.map((l) => [l.state.name, l]));
  const traffic = new Map<string, bigint>();
  const before0 = await deps.readMetrics();
  for (const r of before0) traffic.set(r.providerName, (traffic.get(r.providerName) ?? 0n) + BigInt(r.transactions));
  const steps = rolloutSteps({ plan, traffic, liveServices: new Map(deps.live.map((l) => [l.state.name, l.state.services])) });
  const report: RolloutReport = { outcome: 'complete', steps: [] };
  const journal: Journal = { format: 1, environment: plan.environment, company: plan.company };

  // A run that died between applying a step and judging it: judge that step first.
  const earlier = await readJournal(deps.journalFile);
  if (earlier?.pending && earlier.environment === plan.environment && earlier.company === plan.company) {
    const p = earlier.pending;
    // Journals of before the settings step had no kind or index.
    const kind: StepKind = p.kind ?? (p.providers.length ? 'provider' : 'sequences');
    const step: RolloutStep = { index: 0, kind, title: p.title, providers: p.providers, services: p.services };
    deps.onEvent?.({ type: 'resumed', step: p.title, index: p.index ?? 0 });
    const judged = await judge(step, p.before, deps, opts);
    report.steps.push({ index: 0, title: `${p.title} (from the interrupted run)`, outcome: judged.outcome === 'fail' ? 'fail' : 'pass', figures: judged.figures, ...(judged.outcome === 'fail' ? { reasons: judged.reasons } : {}) });
    if (judged.outcome === 'fail') {
      // What the interrupted run changed is live now; the plan it came from is gone: take its providers out of routing.
      const actions: RollbackAction[] = p.providers.flatMap((name) => {
        const id = liveByName.get(name)?.id;
        return id ? [{ kind: 'maintenance' as const, provider: name, id, because: 'its step failed its analysis after an interrupted run' }] : [];
      });
      return finishRollback(report, step, judged, actions, deps, plan, [], settingRollbacks(p.settings ?? []));
    }
    await writeJournal(deps.journalFile, { ...journal });
  }

  for (const step of steps) {
    deps.onEvent?.({ type: 'step', step, total: steps.length });
    const before = await deps.readMetrics();
    const settings = step.kind === 'settings' ? { settings: pendingSettings(plan) } : {};
    await writeJournal(deps.journalFile, { ...journal, pending: { index: step.index, kind: step.kind, title: step.title, providers: step.providers, services: step.services, before, ...settings } });
    const failed = await applyStep(plan, step, deps);
    deps.onEvent?.({ type: 'applied', step, failed });
    if (failed.length) {
      // The write itself failed: nothing of the step is live beyond what the error says; stop here.
      await writeJournal(deps.journalFile, journal);
      report.steps.push({ index: step.index, title: step.title, outcome: 'fail', reasons: failed });
      report.outcome = 'failed';
      return report;
    }
    const verdict = await judge(step, before, deps, opts);
    report.steps.push({ index: step.index, title: step.title, outcome: verdict.outcome === 'fail' ? 'fail' : verdict.outcome === 'wait' ? 'unjudged' : 'pass', figures: verdict.figures, ...(verdict.outcome === 'fail' ? { reasons: verdict.reasons } : {}) });
    if (verdict.outcome === 'fail') {
      const actions = step.providers.flatMap((name) => {
        const change = plan.changes.find((c) => c.name === name)!;
        const before = liveByName.get(name);
        const id = before?.id ?? change.id;
        return id ? rollbackActions({ change, before, id, versioned: deps.versioned }) : [];
      });
      const settingsBack = step.kind === 'settings' ? settingRollbacks(pendingSettings(plan)) : [];
      return finishRollback(report, step, verdict, actions, deps, plan, plan.sequences?.filter((s) => s.action !== 'noop'), settingsBack);
    }
    await writeJournal(deps.journalFile, journal);
  }
  return report;
}

type Judged = { outcome: 'pass' | 'fail' | 'wait'; figures: StepFigures; reasons: string[] };

async function judge(step: RolloutStep, before: readonly MetricRow[], deps: RolloutDeps, opts: RolloutOptions): Promise<Judged> {
  const maxWaits = opts.maxWaits ?? 3;
  for (let round = 1; ; round++) {
    deps.onEvent?.({ type: 'waiting', step, ms: opts.intervalMs, round });
    await deps.sleep(opts.intervalMs);
    const v = analyseStep(step, before, sinceRows(before, await deps.readMetrics()), opts.thresholds);
    const judged: Judged = { outcome: v.outcome, figures: v.figures, reasons: v.outcome === 'fail' ? v.reasons : [] };
    if (v.outcome !== 'wait' || round >= maxWaits) {
      deps.onEvent?.({ type: 'verdict', step, ...judged });
      return judged;
    }
  }
}

async function applyStep(plan: Plan, step: RolloutStep, deps: RolloutDeps): Promise<string[]> {
  if (step.kind === 'settings') return applySettings(plan, step, deps);
  const sub = subPlan(plan, step);
  if (step.kind === 'sequences') {
    const r = await applySequences(sub, deps.client);
    return r.failures.map((f) => `${f.sequence}: ${f.message}`);
  }
  const events: ApplyEvent[] = [];
  const r = await applyPlan(sub, deps.client, deps.secrets, { parallelism: deps.parallelism ?? DEFAULT_PARALLELISM, onEvent: (e) => events.push(e), ...(deps.audit ? { audit: deps.audit } : {}) });
  return [...r.failures.map((f) => `${f.name}: ${f.message}`), ...r.skipped.map((s) => `${s.name}: ${s.reason}`)];
}

/** The settings step: each setting kind through its handler, in the registry's order (as a plain apply does). */
async function applySettings(plan: Plan, step: RolloutStep, deps: RolloutDeps): Promise<string[]> {
  const failures: string[] = [];
  for (const kind of resourceKinds(deps.kinds ?? KINDS)) {
    await applyResourceKind(plan, kind.kind, deps.client, {
      environment: plan.environment,
      company: plan.company,
      stores: deps.stores,
      ...(deps.audit ? { audit: deps.audit } : {}),
      onEvent: (event) => {
        if (event.phase === 'failed') failures.push(`${event.kind === 'ApiKey' ? `ApiKey "${event.name}"` : event.kind}: ${event.message ?? 'failed'}`);
        deps.onEvent?.({ type: 'setting', step, event });
      },
    }, deps.kinds ?? KINDS);
  }
  return failures;
}

async function finishRollback(
  report: RolloutReport,
  step: RolloutStep,
  verdict: Judged,
  actions: RollbackAction[],
  deps: RolloutDeps,
  plan: Plan,
  sequences: Plan['sequences'] = [],
  settings: readonly SettingRollback[] = [],
): Promise<RolloutReport> {
  const done: RollbackRecord['actions'] = [];
  const liveHolds: string[] = [];
  for (const a of actions) {
    const r = await carryOut(a, deps);
    done.push({ action: describeAction(r.action), ok: r.ok, ...(r.message ? { message: r.message } : {}) });
    deps.onEvent?.({ type: 'rollback', step, action: describeAction(r.action), ok: r.ok, ...(r.message ? { message: r.message } : {}) });
    liveHolds.push(r.ok ? describeAction(r.action) : `${a.provider}: NOT rolled back (${r.message ?? 'failed'}): it holds the step's values`);
  }
  if (step.kind === 'sequences') {
    for (const s of sequences ?? []) {
      const r = await restoreSequence(s, deps.client);
      const what = `sequence ${s.product}${s.destination ? `/${s.destination}` : ''}`;
      done.push({ action: `${what} back to ${s.before?.join(', ') ?? '(none)'}`, ok: r.ok, ...(r.message ? { message: r.message } : {}) });
      liveHolds.push(r.ok ? `${what}: back to the order before the step` : `${what}: NOT rolled back (${r.message ?? 'failed'})`);
    }
  }
  for (const a of settings) {
    const r = await carryOutSetting(a, deps);
    const what = describeSettingRollback(a);
    done.push({ action: what, ok: r.ok, ...(r.message ? { message: r.message } : {}) });
    deps.onEvent?.({ type: 'rollback', step, action: what, ok: r.ok, ...(r.message ? { message: r.message } : {}) });
    liveHolds.push(r.ok ? what : `${what.slice(0, what.indexOf(':'))}: NOT rolled back (${r.message ?? 'failed'}): it holds the step's values`);
  }
  const record: RollbackRecord = {
    environment: plan.environment,
    company: plan.company,
    at: new Date().toISOString(),
    step: { index: step.index, kind: step.kind, title: step.title, providers: step.providers, services: step.services },
    figures: verdict.figures,
    reasons: verdict.reasons,
    actions: done,
    liveHolds,
  };
  const file = path.join(path.dirname(deps.journalFile), `rollback-${plan.environment}.json`);
  await writeFile(file, JSON.stringify(record, null, 2) + '\n');
  await writeJournal(deps.journalFile, { format: 1, environment: plan.environment, company: plan.company });
  return { ...report, outcome: done.every((d) => d.ok) ? 'rolled-back' : 'failed', rollback: record, rollbackFile: file };
}

async function carryOut(a: RollbackAction, deps: RolloutDeps): Promise<{ action: RollbackAction; ok: boolean; message?: string }> {
  const trail = (version: number) => (deps.audit ? auditAnnotations(deps.audit, version + 1) : {});
  try {
    const now = await deps.client.getProvider(a.id);
    switch (a.kind) {
      case 'restore':
        await deps.client.updateProvider(a.id, a.provider, { ...a.body, annotations: { ...a.body.annotations, ...trail(now.version) } }, now.version);
        return { action: a, ok: true };
      case 'secret': {
        const value = await deps.liveSecret(a.ref, a.provider, a.field, a.liveFingerprint);
        if (!value) {
          // The store no longer has the value that was live: the next best thing is out of routing.
          const fallback: RollbackAction = { kind: 'maintenance', provider: a.provider, id: a.id, because: `no version of ${a.field} in its store matches the fingerprint that was live` };
          return carryOut(fallback, deps);
        }
        // The write bumps the credential's version once: recorded as ours, so drift and the next
        // plan do not take the restored value for a secret rotated outside git.
        const cred = now.credentials[a.field];
        const written = cred !== undefined && typeof cred !== 'string' ? { [credentialVersionAnnotation(a.field)]: String(cred.version + 1) } : {};
        const annotations: Record<string, string | null> = { ...trail(now.version), ...(a.liveFingerprint ? { [fingerprintAnnotation(a.field)]: a.liveFingerprint, ...written } : {}) };
        await deps.client.updateProvider(a.id, a.provider, { credentials: { [a.field]: value }, annotations }, now.version);
        return { action: a, ok: true };
      }
      case 'status':
        if (now.status !== a.status) await deps.client.setStatus(a.id, a.provider, { status: a.status, reason: 'rolled back by paystrator-gitops apply --progressive', annotations: trail(now.version) }, now.version);
        return { action: a, ok: true };
      case 'maintenance':
        if (now.status !== 'MAINTENANCE') await deps.client.setStatus(a.id, a.provider, { status: 'MAINTENANCE', reason: `rolled back by paystrator-gitops apply --progressive: ${a.because}`, annotations: trail(now.version) }, now.version);
        return { action: a, ok: true };
    }
  } catch (e) {
    return { action: a, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

async function restoreSequence(s: NonNullable<Plan['sequences']>[number], client: PaystratorClient): Promise<{ ok: boolean; message?: string }> {
  try {
    const current = await client.getSequence(s.product, s.destination);
    if (!s.before || !current) return { ok: false, message: 'it had no order before the step to go back to' };
    const ids = new Map((await client.listProviders()).map((p) => [p.name, p.id]));
    await client.putSequence(s.product, s.destination, s.before.map((n) => ids.get(n)!).filter(Boolean), { version: current.version });
    return { ok: true };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** One setting put back, conditional on the version read just now: a change made since is not overwritten. */
async function carryOutSetting(a: SettingRollback, deps: RolloutDeps): Promise<{ ok: boolean; message?: string }> {
  const client = deps.client;
  const trail = (version: number) => (deps.audit ? auditAnnotations(deps.audit, version + 1) : {});
  try {
    switch (a.kind) {
      case 'webhooks': {
        const now = await client.getWebhooks();
        const urls = { ...now.urls };
        for (const [service, url] of Object.entries(a.urls)) {
          if (url === null) delete urls[service];
          else urls[service] = url;
        }
        await client.putWebhooks({ urls, annotations: trail(now.version) }, now.version);
        return { ok: true };
      }
      case 'ip-whitelist': {
        const now = await client.getIpWhitelist();
        await client.putIpWhitelist({ addresses: a.addresses, annotations: trail(now.version) }, now.version);
        return { ok: true };
      }
      case 'key-permissions': {
        const now = (await client.listApiKeys()).find((k) => k.id === a.id);
        if (!now) return { ok: false, message: 'the key is no longer live' };
        await client.updateApiKey(a.id, a.name, { permissions: a.permissions as NonNullable<Parameters<PaystratorClient['updateApiKey']>[2]['permissions']>, annotations: trail(now.version) }, now.version);
        return { ok: true };
      }
      case 'key-revoke': {
        const now = (await client.listApiKeys()).find((k) => k.name === a.name && k.status !== 'REVOKED');
        if (!now) return { ok: true };
        await client.revokeApiKey(now.id, a.name, { reason: 'rolled back by paystrator-gitops apply --progressive: created by a step that failed its analysis', annotations: trail(now.version) }, now.version);
        return { ok: true };
      }
      case 'key-revoked':
        return { ok: false, message: 'revoking is final: Paystrator cannot un-revoke a key; declare a new key to replace it' };
    }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
