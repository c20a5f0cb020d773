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
import type { Plan } from '../plan/plan.js';
import { analyseStep, type MetricRow, type StepFigures, type Thresholds } from '../rollout/analysis.js';
import { describeAction, rollbackActions, type RollbackAction } from '../rollout/rollback.js';
import { rolloutSteps, type RolloutStep } from '../rollout/steps.js';
import type { ResolvedSecrets } from '../secrets/resolver.js';
import type { Sensitive } from '../secrets/sensitive.js';
import type { SecretRefTarget } from '../model/state.js';
import { applySequences } from '../sequences/apply.js';

export type RolloutEvent =
  | { type: 'step'; step: RolloutStep; total: number }
  | { type: 'applied'; step: RolloutStep; failed: string[] }
  | { type: 'waiting'; step: RolloutStep; ms: number; round: number }
  | { type: 'verdict'; step: RolloutStep; outcome: 'pass' | 'fail' | 'wait'; figures: StepFigures; reasons: string[] }
  | { type: 'rollback'; step: RolloutStep; action: string; ok: boolean; message?: string }
  | { type: 'resumed'; step: string };

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
  step: { index: number; title: string; providers: string[]; services: string[] };
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
  /** The step applied and not yet judged, with the figures before it. */
  pending?: { title: string; providers: string[]; services: string[]; before: MetricRow[] };
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
    const step: RolloutStep = { index: 0, kind: p.providers.length ? 'provider' : 'sequences', title: p.title, providers: p.providers, services: p.services };
    deps.onEvent?.({ type: 'resumed', step: p.title });
    const judged = await judge(step, p.before, deps, opts);
    report.steps.push({ index: 0, title: `${p.title} (from the interrupted run)`, outcome: judged.outcome === 'fail' ? 'fail' : 'pass', figures: judged.figures, ...(judged.outcome === 'fail' ? { reasons: judged.reasons } : {}) });
    if (judged.outcome === 'fail') {
      // What the interrupted run changed is live now; the plan it came from is gone: take its providers out of routing.
      const actions: RollbackAction[] = p.providers.flatMap((name) => {
        const id = liveByName.get(name)?.id;
        return id ? [{ kind: 'maintenance' as const, provider: name, id, because: 'its step failed its analysis after an interrupted run' }] : [];
      });
      return finishRollback(report, step, judged, actions, deps, plan);
    }
    await writeJournal(deps.journalFile, { ...journal });
  }

  for (const step of steps) {
    deps.onEvent?.({ type: 'step', step, total: steps.length });
    const before = await deps.readMetrics();
    await writeJournal(deps.journalFile, { ...journal, pending: { title: step.title, providers: step.providers, services: step.services, before } });
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
      return finishRollback(report, step, verdict, actions, deps, plan, plan.sequences?.filter((s) => s.action !== 'noop'));
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
  const sub = subPlan(plan, step);
  if (step.kind === 'sequences') {
    const r = await applySequences(sub, deps.client);
    return r.failures.map((f) => `${f.sequence}: ${f.message}`);
  }
  const events: ApplyEvent[] = [];
  const r = await applyPlan(sub, deps.client, deps.secrets, { parallelism: deps.parallelism ?? DEFAULT_PARALLELISM, onEvent: (e) => events.push(e), ...(deps.audit ? { audit: deps.audit } : {}) });
  return [...r.failures.map((f) => `${f.name}: ${f.message}`), ...r.skipped.map((s) => `${s.name}: ${s.reason}`)];
}

async function finishRollback(
  report: RolloutReport,
  step: RolloutStep,
  verdict: Judged,
  actions: RollbackAction[],
  deps: RolloutDeps,
  plan: Plan,
  sequences: Plan['sequences'] = [],
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
  const record: RollbackRecord = {
    environment: plan.environment,
    company: plan.company,
    at: new Date().toISOString(),
    step: { index: step.index, title: step.title, providers: step.providers, services: step.services },
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
