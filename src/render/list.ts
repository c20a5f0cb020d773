// `list`: the dashboard's Provider List View in a terminal. A pure table model (rows from live
// providers and the names git declares) and its text and JSON renderings.
import type { Provider } from '../generated/api.js';
import { lastWrite, type LastWrite } from '../apply/audit.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type ProviderStatus, type ProviderType } from '../model/state.js';
import type { Style } from './style.js';
import { escapeText as t } from '../text/escape.js';

/**
 * managed: declared in git and applied (it carries the managed-by label); declared: in git, not
 * applied yet (e.g. just imported); removed: applied from git once, no longer declared; unmanaged.
 */
export type GitState = 'managed' | 'declared' | 'removed' | 'unmanaged';

export interface ListRow {
  name: string;
  id: string;
  type: ProviderType;
  services: string[];
  status: ProviderStatus;
  statusChangedBy: Provider['statusChangedBy'];
  lastActivityAt: string | null;
  git: GitState;
  /** Where the live values last came from: our apply's audit trail, or changed outside git since. */
  lastWrite: LastWrite;
}

export interface ListFilter {
  /** Case-insensitive substring of the name. */
  search?: string;
  service?: string;
  status?: string;
}

export const SERVICE_LABELS: Record<string, string> = {
  VIRTUAL_ACCOUNT: 'Virtual Account',
  QR_CODE: 'QR Code',
  EWALLET: 'E-Wallet',
  CREDIT_CARD: 'Credit Card',
  SEND_MONEY: 'Send Money',
};

/** A service as the dashboard names it; services the catalog adds later read well too. */
export function serviceLabel(code: string): string {
  return SERVICE_LABELS[code] ?? code.toLowerCase().split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/** Services in the dashboard's order (the order of SERVICE_LABELS), others after, sorted. */
export function dashboardOrder(services: readonly string[]): string[] {
  const known = Object.keys(SERVICE_LABELS);
  return [...known.filter((s) => services.includes(s)), ...services.filter((s) => !known.includes(s)).sort()];
}

export function gitState(p: Provider, inGit: boolean): GitState {
  const labelled = p.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
  if (inGit) return labelled ? 'managed' : 'declared';
  return labelled ? 'removed' : 'unmanaged';
}

/** Rows in the API's order (creation order), filtered; every filter given must match. */
export function listRows(live: readonly Provider[], gitNames: ReadonlySet<string>, filter: ListFilter = {}): ListRow[] {
  const search = filter.search?.toLowerCase();
  const service = filter.service?.toUpperCase();
  const status = filter.status?.toUpperCase();
  return live
    .filter((p) => (search === undefined || p.name.toLowerCase().includes(search)) && (service === undefined || p.services.includes(service)) && (status === undefined || p.status === status))
    .map((p) => ({
      name: p.name,
      id: p.id,
      type: p.type,
      services: [...p.services],
      status: p.status,
      statusChangedBy: p.statusChangedBy,
      lastActivityAt: p.lastActivityAt,
      git: gitState(p, gitNames.has(p.name)),
      lastWrite: lastWrite(p.annotations, p.version),
    }));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

/** "3 days ago", "yesterday", "in 2 hours", "just now". */
export function relativeTime(iso: string, now: Date): string {
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
  }
  return rtf.format(Math.trunc(seconds / 60) || Math.sign(seconds), 'minute');
}

/** "2026-01-01 10:04 UTC". */
export function absoluteTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function lastActivity(iso: string | null, now: Date): string {
  return iso === null ? 'never' : `${relativeTime(iso, now)} (${absoluteTime(iso)})`;
}

const GIT_TEXT: Record<GitState, string> = {
  managed: 'managed',
  declared: 'in git, not applied',
  removed: 'removed from git',
  unmanaged: 'not in git',
};

function pad(cells: string[][]): string[][] {
  const widths: number[] = [];
  for (const r of cells) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))));
}

export function renderListText(rows: readonly ListRow[], total: number, now: Date, style: Style): string {
  if (rows.length === 0) return `No provider matches (${total} provider${total === 1 ? '' : 's'} live).\n`;
  const paint: Record<ProviderStatus, (s: string) => string> = { ACTIVE: style.green, MAINTENANCE: style.yellow, INACTIVE: style.dim };
  const cells = pad([
    ['Provider Name', 'Provider', 'Services', 'Status', 'Last Activity', 'Git'],
    // Live values are outside text: escaped before padding, so the columns line up as shown.
    ...rows.map((r) => [t(r.name), t(r.type), t(dashboardOrder(r.services).map(serviceLabel).join(', ')), t(r.status), lastActivity(r.lastActivityAt, now), GIT_TEXT[r.git]]),
  ]);
  const lines = cells.map((r, i) => {
    if (i === 0) return style.bold(r.join('  ').trimEnd());
    const row = rows[i - 1]!;
    return r.map((c, j) => (j === 3 ? paint[row.status](c) : c)).join('  ').trimEnd();
  });
  const count = (s: ProviderStatus) => rows.filter((r) => r.status === s).length;
  const managed = rows.filter((r) => r.git === 'managed').length;
  const shown = rows.length === total ? `${total} provider${total === 1 ? '' : 's'}` : `${rows.length} of ${total} providers`;
  lines.push('', `${shown}: ${count('ACTIVE')} ACTIVE, ${count('MAINTENANCE')} MAINTENANCE, ${count('INACTIVE')} INACTIVE; ${managed} managed by git.`);
  return lines.join('\n') + '\n';
}

export function renderListJson(rows: readonly ListRow[], total: number): string {
  return JSON.stringify({ total, providers: rows.map((r) => ({ ...r, managedByGit: r.git === 'managed' })) }, null, 2) + '\n';
}
