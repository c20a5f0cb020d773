// The provider table and its filters (kept in the URL). Loads page through /v1/providers; the row
// menu's actions come from the caller (main.ts), so this module imports no dialog.
import type { Provider, ProviderPage, ProviderStatus } from '../../../../generated/api.js';
import { api, describe } from '../api.js';
import { el, must, showNotice } from '../dom.js';
import { CHANGED_BY, MANAGED_BY_LABEL, MANAGED_BY_VALUE, STATUS_LABELS, dateFormat, formatFee, serviceLabel } from '../format.js';
import { closeMenu, isOpenFor, showMenu, type MenuAction } from '../menu.js';
import { shared } from '../state.js';

// Bounded: 100 pages of 1,000 is far beyond any account this page is for.
const MAX_PAGES = 100;

export const table = (): HTMLTableElement => must<HTMLTableElement>('#providers');
const tbody = (): HTMLTableSectionElement => must<HTMLTableSectionElement>('tbody', table());
const summary = (): HTMLElement => must<HTMLElement>('#summary');
const qInput = (): HTMLInputElement => must<HTMLInputElement>('#filter-q');
const serviceSelect = (): HTMLSelectElement => must<HTMLSelectElement>('#filter-service');
const statusSelect = (): HTMLSelectElement => must<HTMLSelectElement>('#filter-status');

let rowActions: (p: Provider) => MenuAction[] = () => [];

/** What a row's Actions menu offers, for the provider as the table shows it. */
export function setRowActions(actions: (p: Provider) => MenuAction[]): void {
  rowActions = actions;
}

// ---------------------------------------------------------------------------------------------
// Filters, kept in the URL

interface Filters {
  q: string;
  service: string;
  status: string;
}

function filtersFromUrl(): Filters {
  const p = new URLSearchParams(location.search);
  return { q: p.get('q') ?? '', service: p.get('service') ?? '', status: p.get('status') ?? '' };
}

function currentFilters(): Filters {
  return { q: qInput().value.trim(), service: serviceSelect().value, status: statusSelect().value };
}

/** The controls show the URL's filters; a value the select does not offer (a stale or hand-edited URL) falls back to "all". */
export function showFiltersFromUrl(): void {
  const f = filtersFromUrl();
  qInput().value = f.q;
  serviceSelect().value = f.service;
  if (serviceSelect().value !== f.service) serviceSelect().value = '';
  statusSelect().value = f.status;
  if (statusSelect().value !== f.status) statusSelect().value = '';
}

function keepInUrl(f: Filters): void {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.service) p.set('service', f.service);
  if (f.status) p.set('status', f.status);
  const search = p.toString();
  // The hash names the view (#sequences, #developers): filtering keeps it.
  history.replaceState(null, '', `${search ? `?${search}` : location.pathname}${location.hash}`);
}

function describeFilters(f: Filters): string {
  const parts: string[] = [];
  if (f.q) parts.push(`matching "${f.q}"`);
  if (f.service) parts.push(`offering ${serviceLabel(f.service)}`);
  if (f.status) parts.push(`with status ${STATUS_LABELS[f.status as ProviderStatus] ?? f.status}`);
  return parts.length ? ` ${parts.join(', ')}` : '';
}

// ---------------------------------------------------------------------------------------------
// The table

let loads = 0;
// What the table shows (filters, ids and versions), so a refresh that finds nothing new does nothing.
let shown = '';
let refreshFailed = false;

/**
 * Loads the table for the current filters. `quiet` is the periodic refresh that lets a user watch
 * an apply land: it leaves an unchanged table and the status line alone, so neither focus nor a
 * screen reader is disturbed by a refresh that found nothing new.
 */
export async function load(announcement?: string, quiet = false): Promise<void> {
  const seq = ++loads;
  shared.inFlight += 1;
  const f = currentFilters();
  keepInUrl(f);
  if (!quiet) table().setAttribute('aria-busy', 'true');
  try {
    const providers: Provider[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const params = new URLSearchParams({ limit: '1000' });
      if (f.q) params.set('q', f.q);
      if (f.service) params.set('service', f.service);
      if (f.status) params.set('status', f.status);
      if (cursor) params.set('cursor', cursor);
      const { json } = await api<ProviderPage>('GET', `/v1/providers?${params.toString()}`);
      providers.push(...json.data);
      cursor = json.nextCursor;
      if (!cursor) break;
    }
    // A newer load (the user kept typing) wins; this answer is for filters no longer shown.
    if (seq !== loads) return;
    if (refreshFailed) showNotice(undefined);
    refreshFailed = false;
    // Every change bumps a provider's version, so ids and versions tell whether anything moved.
    const n = providers.length;
    const base = `${n} provider${n === 1 ? '' : 's'}${describeFilters(f)}.`;
    const signature = `${base}|${providers.map((p) => `${p.id}:${p.version}`).join(',')}`;
    if (quiet && signature === shown) return;
    shown = signature;
    render(providers);
    summary().textContent = announcement ? `${announcement} ${base}` : base;
  } catch (e) {
    if (seq !== loads) return;
    if (quiet) {
      refreshFailed = true;
      showNotice(`The table could not be refreshed: ${describe(e)}`);
      return;
    }
    showNotice(`Could not load providers: ${describe(e)}`);
    summary().textContent = 'Providers could not be loaded.';
  } finally {
    shared.inFlight -= 1;
    if (seq === loads) table().setAttribute('aria-busy', 'false');
  }
}

/** Puts focus back on a row's menu button, e.g. when a dialog opened from that row closes. */
export function focusRow(id: string): void {
  tbody().querySelector<HTMLButtonElement>(`tr[data-provider-id="${CSS.escape(id)}"] button.menu-button`)?.focus();
}

function render(providers: Provider[]): void {
  const body = tbody();
  // Focus on a row's menu button stays on that row's new button.
  const focused = body.contains(document.activeElement) ? document.activeElement?.closest('tr')?.getAttribute('data-provider-id') : undefined;
  closeMenu(false);
  const rows = providers.map(row);
  if (rows.length === 0) {
    rows.push(el('tr', {}, el('td', { colspan: '7', class: 'empty' }, 'No provider matches these filters.')));
  }
  body.replaceChildren(...rows);
  if (focused) focusRow(focused);
}

function row(p: Provider): HTMLTableRowElement {
  const managed = p.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
  const title = el('span', { class: 'name' }, p.name);
  const name = el('th', { scope: 'row' }, title);
  if (managed) {
    title.append(
      el('span', { class: 'git-badge', title: 'Managed by paystrator-gitops: a change made here is drift' }, el('span', { 'aria-hidden': 'true' }, 'git'), el('span', { class: 'visually-hidden' }, ' (managed by git)')),
    );
  }
  name.append(el('span', { class: 'sub' }, shared.integrations.get(p.integration)?.displayName ?? p.integration));

  const services = el('td', {}, ...p.services.map((s) => el('span', { class: 'chip' }, serviceLabel(s))));
  const fee = el('td', {}, formatFee(p.fee), el('span', { class: 'sub' }, `VAT ${p.tax.vatPercent}%${p.tax.applyVat ? '' : ' (not applied)'}`));
  const status = el(
    'td',
    { 'data-status': p.status },
    el('span', { class: `badge badge-${p.status}` }, STATUS_LABELS[p.status]),
    el('span', { class: 'sub' }, `${CHANGED_BY[p.statusChangedBy]}${p.statusReason ? ':' : ''}`),
    ...(p.statusReason ? [el('span', { class: 'sub reason' }, p.statusReason)] : []),
  );
  const activity = p.lastActivityAt
    ? el('td', {}, el('time', { datetime: p.lastActivityAt }, dateFormat.format(new Date(p.lastActivityAt))))
    : el('td', {}, el('span', { class: 'sub' }, 'No activity yet'));

  const menuButton = el(
    'button',
    { type: 'button', class: 'menu-button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', 'aria-label': `Actions for ${p.name}` },
    'Actions ▾',
  );
  const menu = (): { id: string; label: string; actions: MenuAction[] } => ({ id: `menu-${p.id}`, label: `Actions for ${p.name}`, actions: rowActions(p) });
  menuButton.addEventListener('click', () => (isOpenFor(menuButton) ? closeMenu(true) : showMenu(menuButton, menu(), 'first')));
  menuButton.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      showMenu(menuButton, menu(), e.key === 'ArrowDown' ? 'first' : 'last');
    }
  });

  return el(
    'tr',
    { 'data-provider-id': p.id, 'data-provider-name': p.name },
    name,
    el('td', {}, p.type),
    services,
    fee,
    status,
    activity,
    el('td', { class: 'actions-cell' }, menuButton),
  );
}

/** Typing, choosing and submitting the filters reload the table. */
export function wireFilters(): void {
  let typing: ReturnType<typeof setTimeout> | undefined;
  qInput().addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void load(), 200);
  });
  serviceSelect().addEventListener('change', () => void load());
  statusSelect().addEventListener('change', () => void load());
  must<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(typing);
    void load();
  });
}
