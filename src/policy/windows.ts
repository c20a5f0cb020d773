// Change windows (policy.windows), like Argo CD's sync windows. Pure: the windows, the time and
// the plan in, a decision out. The clock is always passed in: nothing here reads the wall time.
import { createRequire } from 'node:module';
import type { Cron as CronClass } from 'croner';
import { error, ExitError, type Diagnostic } from '../diagnostics.js';
import type { ChangeWindow } from '../generated/config.js';
import type { Plan, ProviderChange } from '../plan/plan.js';

/**
 * What a deny window's `allow` can let through. A provider change is allowed only when every
 * kind it has is listed; STATUS covers MAINTENANCE, ACTIVATE and DEACTIVATE.
 */
export const CHANGE_KINDS = ['MAINTENANCE', 'ACTIVATE', 'DEACTIVATE', 'STATUS', 'FEE', 'TAX', 'SERVICES', 'LABELS', 'CREDENTIALS', 'CREATE', 'SEQUENCE'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number] | 'OTHER';

/** Bounds the walk over a window's openings (a schedule every minute with a duration of a week). */
const MAX_OPENINGS = 20_000;

export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(text);
  if (!m || text === '') return undefined;
  const ms = ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
  return ms > 0 ? ms : undefined;
}

// croner loads with the first window's schedule: most workspaces have no window, and a run of
// theirs does not load it (the build keeps this require a file of its own).
let Cron: typeof CronClass | undefined;
const cron = (w: ChangeWindow) => {
  Cron ??= (createRequire(import.meta.url)('croner') as typeof import('croner')).Cron;
  return new Cron(w.schedule, { timezone: w.timeZone ?? 'UTC', paused: true, mode: '5-part' });
};

/** Config errors of the windows, at their line: a bad cron, duration or time zone. */
export function checkWindows(windows: readonly ChangeWindow[], at: (i: number, field: string) => Omit<Diagnostic, 'severity' | 'message'>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const names = new Set<string>();
  windows.forEach((w, i) => {
    if (names.has(w.name)) out.push(error(`change window ${w.name} is declared twice`, at(i, 'name')));
    names.add(w.name);
    try {
      new Intl.DateTimeFormat('en', { timeZone: w.timeZone ?? 'UTC' });
    } catch {
      out.push(error(`change window ${w.name}: unknown time zone "${w.timeZone}" (an IANA name such as Asia/Jakarta or UTC)`, at(i, 'timeZone')));
      return;
    }
    try {
      cron(w);
    } catch (e) {
      out.push(error(`change window ${w.name}: schedule "${w.schedule}" is not a cron expression (minute hour day-of-month month day-of-week): ${(e as Error).message.replace(/^CronPattern: /, '')}`, at(i, 'schedule')));
    }
    if (parseDuration(w.duration) === undefined) out.push(error(`change window ${w.name}: duration "${w.duration}" is not a duration such as 24h, 90m or 1d12h`, at(i, 'duration')));
    if (w.kind === 'allow' && w.allow?.length) out.push(error(`change window ${w.name}: allow lists what a deny window lets through; an allow window permits every change while it is open`, at(i, 'allow')));
  });
  return out;
}

export interface OpenWindow {
  name: string;
  kind: 'deny' | 'allow';
  timeZone: string;
  opened: Date;
  ends: Date;
}

/** The window's current opening, if `now` is inside one (the latest end among overlapping openings). */
export function openAt(w: ChangeWindow, now: Date): OpenWindow | undefined {
  const duration = parseDuration(w.duration);
  if (duration === undefined) return undefined;
  const c = cron(w);
  let t = c.nextRun(new Date(now.getTime() - duration));
  let found: OpenWindow | undefined;
  for (let n = 0; t && t.getTime() <= now.getTime() && n < MAX_OPENINGS; n++) {
    const ends = new Date(t.getTime() + duration);
    if (ends.getTime() > now.getTime()) found = { name: w.name, kind: w.kind, timeZone: w.timeZone ?? 'UTC', opened: found?.opened ?? t, ends };
    t = c.nextRun(t);
  }
  return found;
}

function statusKind(to: unknown): ChangeKind {
  return to === 'MAINTENANCE' ? 'MAINTENANCE' : to === 'ACTIVE' ? 'ACTIVATE' : 'DEACTIVATE';
}

/** The kinds of one provider change, in the vocabulary of `allow`. */
export function changeKinds(c: ProviderChange): Set<ChangeKind> {
  const out = new Set<ChangeKind>();
  if (c.action === 'create') out.add('CREATE');
  if (c.action === 'deactivate') out.add('DEACTIVATE');
  for (const f of c.fields) {
    if (c.action === 'create') break;
    if (f.field === 'spec.status') out.add(statusKind(f.after));
    else if (f.field.startsWith('spec.fee')) out.add('FEE');
    else if (f.field.startsWith('spec.tax')) out.add('TAX');
    else if (f.field === 'spec.services') out.add('SERVICES');
    else if (f.field.startsWith('metadata.labels')) out.add('LABELS');
    else if (f.field.startsWith('spec.credentials')) out.add('CREDENTIALS');
    else out.add('OTHER');
  }
  return out;
}

const permits = (allow: readonly string[], kind: ChangeKind) =>
  allow.includes(kind) || (allow.includes('STATUS') && (kind === 'MAINTENANCE' || kind === 'ACTIVATE' || kind === 'DEACTIVATE'));

export interface WindowDecision {
  /** True when apply must refuse now (unless --override-window). */
  refused: boolean;
  /** The windows that decide: open deny windows, or (outside every allow window) the next allow window. */
  open: OpenWindow[];
  /** Changes no open window lets through, with the kinds that are not allowed. */
  blocked: { name: string; kinds: ChangeKind[] }[];
  /** Changes an open deny window lets through (its allow list). */
  allowed: string[];
  /** With allow windows and none open: when the next one opens. */
  nextAllow?: OpenWindow;
  /** One line for the user, when any window matters now. */
  message?: string;
}

/** When a time is, in the window's zone and in UTC: "2026-12-13 00:00 Asia/Jakarta (2026-12-12 17:00 UTC)". */
export function describeTime(t: Date, timeZone: string): string {
  const fmt = (tz: string) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(t).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
  };
  return timeZone === 'UTC' ? `${fmt('UTC')} UTC` : `${fmt(timeZone)} ${timeZone} (${fmt('UTC')} UTC)`;
}

export function decideWindows(windows: readonly ChangeWindow[], now: Date, plan: Pick<Plan, 'changes' | 'sequences'> & Partial<Pick<Plan, 'resources'>>): WindowDecision {
  const changes = plan.changes.filter((c) => c.action !== 'noop' && c.operations.length > 0);
  const sequences = (plan.sequences ?? []).filter((s) => s.action !== 'noop');
  const none: WindowDecision = { refused: false, open: [], blocked: [], allowed: [] };
  if (!windows.length) return none;

  const deny = windows.filter((w) => w.kind === 'deny').flatMap((w) => {
    const o = openAt(w, now);
    return o ? [{ w, o }] : [];
  });
  const allowWindows = windows.filter((w) => w.kind === 'allow');
  const outsideAllow = allowWindows.length > 0 && !allowWindows.some((w) => openAt(w, now));
  if (!deny.length && !outsideAllow) return none;

  const items: { name: string; kinds: Set<ChangeKind> }[] = [
    ...changes.map((c) => ({ name: c.name, kinds: changeKinds(c) })),
    ...sequences.map((s) => ({ name: `sequence ${s.product}${s.destination ? `/${s.destination}` : ''}`, kinds: new Set<ChangeKind>(['SEQUENCE']) })),
    // Account settings are no emergency action any allow list names: a deny window holds them back.
    ...(plan.resources ?? []).filter((r) => r.action !== 'noop').map((r) => ({ name: r.name === r.kind ? r.kind : `${r.kind} ${r.name}`, kinds: new Set<ChangeKind>(['OTHER']) })),
  ];
  const blocked: WindowDecision['blocked'] = [];
  const allowed: string[] = [];
  for (const item of items) {
    // Outside every allow window nothing is allowed; in deny windows, each must let the change through.
    const ok = !outsideAllow && deny.every(({ w }) => [...item.kinds].every((k) => permits(w.allow ?? [], k)));
    if (ok) allowed.push(item.name);
    else blocked.push({ name: item.name, kinds: [...item.kinds].filter((k) => outsideAllow || deny.some(({ w }) => !permits(w.allow ?? [], k))).sort() });
  }
  const open = deny.map((d) => d.o);
  let nextAllow: OpenWindow | undefined;
  if (outsideAllow) {
    for (const w of allowWindows) {
      const t = cron(w).nextRun(now);
      const duration = parseDuration(w.duration);
      if (t && duration && (!nextAllow || t < nextAllow.opened)) nextAllow = { name: w.name, kind: 'allow', timeZone: w.timeZone ?? 'UTC', opened: t, ends: new Date(t.getTime() + duration) };
    }
  }
  const where = [
    ...open.map((o) => `change window ${o.name} (deny) is open until ${describeTime(o.ends, o.timeZone)}`),
    ...(outsideAllow ? [`no allow window is open${nextAllow ? ` (the next, ${nextAllow.name}, opens ${describeTime(nextAllow.opened, nextAllow.timeZone)})` : ''}`] : []),
  ].join('; ');
  const message = blocked.length
    ? `${where}: not allowed now: ${blocked.map((b) => `${b.name} (${b.kinds.join(', ')})`).join(', ')}`
    : items.length
      ? `${where}: every change of this plan is allowed in it (${allowed.join(', ')})`
      : where;
  return { refused: blocked.length > 0, open, blocked, allowed, ...(nextAllow ? { nextAllow } : {}), message };
}

/** The clock a run uses: PAYSTRATOR_NOW (ISO-8601, a test and operations aid) or the real time. */
export function clockFrom(value: string | undefined, real: () => Date = () => new Date()): Date {
  if (value === undefined || value === '') return real();
  const t = new Date(value);
  if (Number.isNaN(t.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) throw new ExitError(`PAYSTRATOR_NOW="${value}" is not an ISO-8601 time such as 2026-12-12T10:00:00+07:00`);
  return t;
}
