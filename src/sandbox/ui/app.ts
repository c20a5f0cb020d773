// The Provider Management page's behaviour, run in the browser as /ui/app.js. Every read and write
// goes through the sandbox API with the dashboard session key from the document, so what the page
// does is what a colleague in the dashboard does: versions bump and status changes are recorded as
// USER. Only type imports: the compiled module has no imports at run time.
import type { Fee, FieldError, Integration, Problem, Provider, ProviderPage, ProviderStatus } from '../../generated/api.js';

// src/model/state.ts owns these; the browser cannot import it, so they are repeated here.
const MANAGED_BY_LABEL = 'managed-by';
const MANAGED_BY_VALUE = 'paystrator-gitops';

const SERVICE_ORDER = ['VIRTUAL_ACCOUNT', 'QR_CODE', 'EWALLET', 'CREDIT_CARD', 'SEND_MONEY'];
const SERVICE_LABELS: Record<string, string> = {
  VIRTUAL_ACCOUNT: 'Virtual Account',
  QR_CODE: 'QR Code',
  EWALLET: 'E-Wallet',
  CREDIT_CARD: 'Credit Card',
  SEND_MONEY: 'Send Money',
};
const STATUS_LABELS: Record<ProviderStatus, string> = { ACTIVE: 'Active', INACTIVE: 'Inactive', MAINTENANCE: 'Maintenance' };
const CHANGED_BY: Record<Provider['statusChangedBy'], string> = { USER: 'by a user', MONITOR: 'by monitoring', API: 'via the API' };
const STATUS_ACTIONS: Record<ProviderStatus, { label: string; reason: string; done: string }> = {
  INACTIVE: { label: 'Deactivate', reason: 'Deactivated in the dashboard', done: 'is deactivated' },
  ACTIVE: { label: 'Reactivate', reason: 'Reactivated in the dashboard', done: 'is active again' },
  MAINTENANCE: { label: 'Mark as under maintenance', reason: 'Marked as under maintenance in the dashboard', done: 'is under maintenance' },
};
// Bounded: 100 pages of 1,000 is far beyond any account this page is for.
const MAX_PAGES = 100;
const MAX_ATTEMPTS = 5;
const REFRESH_MS = 2000;

export {};

// ---------------------------------------------------------------------------------------------
// DOM helpers

function must<T extends Element>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

function all<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T[] {
  return Array.from(root.querySelectorAll<T>(selector));
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  // append() with strings makes text nodes: API data never becomes markup.
  node.append(...children);
  return node;
}

const serviceLabel = (s: string): string => SERVICE_LABELS[s] ?? s.toLowerCase().replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

/** clientKey -> "Client key", merchantId -> "Merchant ID", apiSecret -> "API secret". */
function fieldLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(' ');
  const text = words.map((w) => (['id', 'api', 'url', 'va'].includes(w) ? w.toUpperCase() : w)).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Exact: the API's decimals are strings and stay strings; IDR has whole rupiah and "." groups. */
function formatFee(fee: Fee): string {
  if (fee.type === 'PERCENTAGE') return `${fee.percent}%`;
  const [whole = '0', fraction] = fee.amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `Rp${grouped}${fraction ? `,${fraction}` : ''}`;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

// ---------------------------------------------------------------------------------------------
// The API, with the dashboard session key

const session = document.querySelector<HTMLMetaElement>('meta[name="paystrator-session"]')?.content ?? '';

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `the sandbox answered ${status}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One API call. 429 and 503 mean the request was not processed, so any request is retried after
 * Retry-After; a lost connection is retried only where a repeat is harmless (a read, or a create
 * under its Idempotency-Key). Bounded attempts, bounded waits.
 */
async function api<T>(
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ json: T; etag: string | null }> {
  const repeatable = method === 'GET' || opts.headers?.['Idempotency-Key'] !== undefined;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        cache: 'no-store',
        headers: {
          Authorization: `Bearer ${session}`,
          Accept: 'application/json',
          ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...opts.headers,
        },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      });
    } catch {
      if (repeatable && attempt < MAX_ATTEMPTS) {
        await sleep(250 * attempt);
        continue;
      }
      throw new ApiFailure(0, { title: 'Sandbox unreachable', detail: 'the sandbox did not answer: is `paystrator-gitops sandbox` still running?' });
    }
    if ((res.status === 429 || res.status === 503) && attempt < MAX_ATTEMPTS) {
      const after = Number(res.headers.get('Retry-After'));
      await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 5) * 1000 : 250 * attempt);
      continue;
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) throw new ApiFailure(res.status, typeof json === 'object' && json !== null ? (json) : {});
    return { json: json as T, etag: res.headers.get('ETag') };
  }
}

const describe = (e: unknown): string =>
  e instanceof ApiFailure ? `${e.problem.title ?? 'Request failed'} (${e.status || 'no answer'}): ${e.message}` : e instanceof Error ? e.message : String(e);

const providerPath = (id: string): string => `/v1/providers/${encodeURIComponent(id)}`;

// ---------------------------------------------------------------------------------------------
// Elements

const table = must<HTMLTableElement>('#providers');
const tbody = must<HTMLTableSectionElement>('tbody', table);
const summary = must<HTMLElement>('#summary');
const notice = must<HTMLElement>('#notice');
const filterForm = must<HTMLFormElement>('#filters');
const qInput = must<HTMLInputElement>('#filter-q');
const serviceSelect = must<HTMLSelectElement>('#filter-service');
const statusSelect = must<HTMLSelectElement>('#filter-status');

let integrations = new Map<string, Integration>();

function showNotice(text: string | undefined): void {
  notice.textContent = text ?? '';
  notice.hidden = !text;
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
  return { q: qInput.value.trim(), service: serviceSelect.value, status: statusSelect.value };
}

function showFilters(f: Filters): void {
  qInput.value = f.q;
  // A value the select does not offer (a stale or hand-edited URL) falls back to "all".
  serviceSelect.value = f.service;
  if (serviceSelect.value !== f.service) serviceSelect.value = '';
  statusSelect.value = f.status;
  if (statusSelect.value !== f.status) statusSelect.value = '';
}

function keepInUrl(f: Filters): void {
  const p = new URLSearchParams();
  if (f.q) p.set('q', f.q);
  if (f.service) p.set('service', f.service);
  if (f.status) p.set('status', f.status);
  const search = p.toString();
  history.replaceState(null, '', search ? `?${search}` : location.pathname);
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
// Loads and row actions under way: the periodic refresh waits for them rather than race them.
let inFlight = 0;
// What the table shows (filters, ids and versions), so a refresh that finds nothing new does nothing.
let shown = '';
let refreshFailed = false;

/**
 * Loads the table for the current filters. `quiet` is the periodic refresh that lets a user watch
 * an apply land: it leaves an unchanged table and the status line alone, so neither focus nor a
 * screen reader is disturbed by a refresh that found nothing new.
 */
async function load(announcement?: string, quiet = false): Promise<void> {
  const seq = ++loads;
  inFlight += 1;
  const f = currentFilters();
  keepInUrl(f);
  if (!quiet) table.setAttribute('aria-busy', 'true');
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
    summary.textContent = announcement ? `${announcement} ${base}` : base;
  } catch (e) {
    if (seq !== loads) return;
    if (quiet) {
      refreshFailed = true;
      showNotice(`The table could not be refreshed: ${describe(e)}`);
      return;
    }
    showNotice(`Could not load providers: ${describe(e)}`);
    summary.textContent = 'Providers could not be loaded.';
  } finally {
    inFlight -= 1;
    if (seq === loads) table.setAttribute('aria-busy', 'false');
  }
}

function render(providers: Provider[]): void {
  // Focus on a row's menu button stays on that row's new button.
  const focused = tbody.contains(document.activeElement) ? document.activeElement?.closest('tr')?.getAttribute('data-provider-id') : undefined;
  closeMenu(false);
  const rows = providers.map(row);
  if (rows.length === 0) {
    rows.push(el('tr', {}, el('td', { colspan: '7', class: 'empty' }, 'No provider matches these filters.')));
  }
  tbody.replaceChildren(...rows);
  if (focused) tbody.querySelector<HTMLButtonElement>(`tr[data-provider-id="${CSS.escape(focused)}"] button.menu-button`)?.focus();
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
  name.append(el('span', { class: 'sub' }, integrations.get(p.integration)?.displayName ?? p.integration));

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
  menuButton.addEventListener('click', () => (openMenu?.button === menuButton ? closeMenu(true) : showMenu(menuButton, p, 'first')));
  menuButton.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      showMenu(menuButton, p, e.key === 'ArrowDown' ? 'first' : 'last');
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

// ---------------------------------------------------------------------------------------------
// The row action menu (WAI-ARIA menu button: arrows, Home/End, Escape, Tab)

let openMenu: { button: HTMLButtonElement; menu: HTMLElement } | undefined;

function closeMenu(returnFocus: boolean): void {
  if (!openMenu) return;
  const { button, menu } = openMenu;
  openMenu = undefined;
  menu.remove();
  button.setAttribute('aria-expanded', 'false');
  button.removeAttribute('aria-controls');
  if (returnFocus) button.focus();
}

function showMenu(button: HTMLButtonElement, p: Provider, focus: 'first' | 'last'): void {
  closeMenu(false);
  const id = `menu-${p.id}`;
  const menu = el('div', { role: 'menu', id, class: 'menu', 'aria-label': `Actions for ${p.name}` });
  const actions: [string, () => void][] = [];
  for (const status of ['INACTIVE', 'ACTIVE', 'MAINTENANCE'] as const) {
    if (p.status !== status) actions.push([STATUS_ACTIONS[status].label, () => void changeStatus(p, status)]);
  }
  actions.push(['Edit fee…', () => void openFeeDialog(p)]);
  for (const [label, run] of actions) {
    const item = el('button', { type: 'button', role: 'menuitem', tabindex: '-1' }, label);
    item.addEventListener('click', () => {
      closeMenu(true);
      run();
    });
    menu.append(item);
  }
  const items = (): HTMLButtonElement[] => all<HTMLButtonElement>('[role="menuitem"]', menu);
  menu.addEventListener('keydown', (e) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    const move = (i: number): void => {
      e.preventDefault();
      list[(i + list.length) % list.length]?.focus();
    };
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(list.length - 1);
    else if (e.key === 'Escape') {
      e.preventDefault();
      closeMenu(true);
    } else if (e.key === 'Tab') closeMenu(false);
  });
  menu.addEventListener('focusout', (e) => {
    const next = e.relatedTarget as Node | null;
    if (next && !menu.contains(next) && next !== button) closeMenu(false);
  });
  button.after(menu);
  button.setAttribute('aria-expanded', 'true');
  button.setAttribute('aria-controls', id);
  openMenu = { button, menu };
  const list = items();
  (focus === 'first' ? list[0] : list[list.length - 1])?.focus();
}

document.addEventListener('click', (e) => {
  if (openMenu && !openMenu.menu.contains(e.target as Node) && !openMenu.button.contains(e.target as Node)) closeMenu(false);
});

/**
 * Reads the provider for its ETag and writes with If-Match, like any client of the API. A provider
 * that moved since the table showed it is not changed blindly: the table is refreshed instead.
 */
async function changeStatus(p: Provider, status: ProviderStatus): Promise<void> {
  showNotice(undefined);
  inFlight += 1;
  try {
    const current = await api<Provider>('GET', providerPath(p.id));
    if (current.json.version !== p.version) {
      showNotice(`${p.name} changed since the table was loaded; the table now shows its current state. Check it and try again.`);
      await load();
      return;
    }
    await api<Provider>('POST', `${providerPath(p.id)}/status`, {
      body: { status, reason: STATUS_ACTIONS[status].reason },
      headers: { 'If-Match': current.etag ?? '*' },
    });
    await load(`${p.name} ${STATUS_ACTIONS[status].done}.`);
  } catch (e) {
    showNotice(`Could not change the status of ${p.name}: ${describe(e)}`);
    await load();
  } finally {
    inFlight -= 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Forms: field errors from problem+json, shown beside the field they name

function clearErrors(form: HTMLFormElement): void {
  for (const e of all('.field-error', form)) e.remove();
  for (const e of all('[aria-invalid]', form)) {
    e.removeAttribute('aria-invalid');
    const described = (e.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && !id.startsWith('err-'));
    if (described.length) e.setAttribute('aria-describedby', described.join(' '));
    else e.removeAttribute('aria-describedby');
  }
  const box = must<HTMLElement>('.form-error', form);
  box.hidden = true;
  box.textContent = '';
}

let errorIds = 0;

function showErrors(form: HTMLFormElement, e: unknown, what: string): void {
  clearErrors(form);
  const box = must<HTMLElement>('.form-error', form);
  const errors: FieldError[] = e instanceof ApiFailure ? (e.problem.errors ?? []) : [];
  const unplaced: string[] = [];
  let first: HTMLElement | undefined;
  for (const err of errors) {
    // The most specific element that owns the pointer: /services/2 belongs to /services.
    let target: HTMLElement | null = null;
    for (let path = err.path; path && !target; path = path.slice(0, path.lastIndexOf('/'))) {
      target = form.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`);
    }
    if (!target) {
      unplaced.push(`${err.path || 'request'}: ${err.message}`);
      continue;
    }
    const id = `err-${++errorIds}`;
    const message = el('p', { class: 'field-error', id }, err.message);
    if (target instanceof HTMLFieldSetElement) target.append(message);
    else target.after(message);
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', `${target.getAttribute('aria-describedby') ?? ''} ${id}`.trim());
    first ??= target;
  }
  const headline = errors.length
    ? `${what}: ${errors.length} field${errors.length === 1 ? ' needs' : 's need'} attention.`
    : `${what}: ${describe(e)}`;
  box.textContent = [headline, ...unplaced].join(' ');
  box.hidden = false;
  (first instanceof HTMLFieldSetElement ? first.querySelector<HTMLElement>('input') : first)?.focus();
}

function wireFeeType(form: HTMLFormElement): () => 'PERCENTAGE' | 'FLAT' {
  const selected = (): 'PERCENTAGE' | 'FLAT' => (form.querySelector<HTMLInputElement>('input[name="feeType"]:checked')?.value === 'FLAT' ? 'FLAT' : 'PERCENTAGE');
  const sync = (): void => {
    for (const box of all<HTMLElement>('[data-fee]', form)) box.hidden = box.dataset.fee !== selected();
  };
  for (const radio of all<HTMLInputElement>('input[name="feeType"]', form)) radio.addEventListener('change', sync);
  return selected;
}

function feeFrom(form: HTMLFormElement, type: 'PERCENTAGE' | 'FLAT'): { fee: Fee; tax: { vatPercent: string; applyVat: boolean } } {
  const value = (name: string): string => must<HTMLInputElement>(`[name="${name}"]`, form).value.trim();
  return {
    fee: type === 'PERCENTAGE' ? { type, percent: value('percent') } : { type, amount: value('amount'), currency: 'IDR' },
    tax: { vatPercent: value('vatPercent'), applyVat: must<HTMLInputElement>('[name="applyVat"]', form).checked },
  };
}

for (const dialog of all<HTMLDialogElement>('dialog')) {
  for (const b of all<HTMLButtonElement>('[data-close]', dialog)) b.addEventListener('click', () => dialog.close());
}

// ---------------------------------------------------------------------------------------------
// Edit fee: PATCH with If-Match, the ETag as the dialog read it

const feeDialog = must<HTMLDialogElement>('#fee-dialog');
const feeForm = must<HTMLFormElement>('#fee-form');
const feeType = wireFeeType(feeForm);
let feeTarget: { provider: Provider; etag: string } | undefined;

async function openFeeDialog(p: Provider): Promise<void> {
  showNotice(undefined);
  let current: { json: Provider; etag: string | null };
  try {
    current = await api<Provider>('GET', providerPath(p.id));
  } catch (e) {
    showNotice(`Could not open the fee of ${p.name}: ${describe(e)}`);
    return;
  }
  const provider = current.json;
  feeTarget = { provider, etag: current.etag ?? '*' };
  clearErrors(feeForm);
  must<HTMLElement>('#fee-provider', feeForm).textContent = `${provider.name} · now ${formatFee(provider.fee)}, VAT ${provider.tax.vatPercent}%`;
  must<HTMLInputElement>(`input[name="feeType"][value="${provider.fee.type}"]`, feeForm).checked = true;
  must<HTMLInputElement>('#fee-percent', feeForm).value = provider.fee.type === 'PERCENTAGE' ? provider.fee.percent : '';
  must<HTMLInputElement>('#fee-amount', feeForm).value = provider.fee.type === 'FLAT' ? provider.fee.amount : '';
  must<HTMLInputElement>('#fee-vat', feeForm).value = provider.tax.vatPercent;
  must<HTMLInputElement>('#fee-apply-vat', feeForm).checked = provider.tax.applyVat;
  for (const box of all<HTMLElement>('[data-fee]', feeForm)) box.hidden = box.dataset.fee !== provider.fee.type;
  feeDialog.showModal();
  must<HTMLInputElement>(provider.fee.type === 'FLAT' ? '#fee-amount' : '#fee-percent', feeForm).focus();
}

feeForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const target = feeTarget;
  if (!target) return;
  void (async () => {
    try {
      await api<Provider>('PATCH', providerPath(target.provider.id), { body: feeFrom(feeForm, feeType()), headers: { 'If-Match': target.etag } });
      feeDialog.close();
      await load(`Fee of ${target.provider.name} saved.`);
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 412) {
        showErrors(feeForm, new Error(`${target.provider.name} changed since this dialog opened, so nothing was saved. Cancel and choose Edit fee again to start from its current fee.`), 'Not saved');
      } else showErrors(feeForm, err, 'Not saved');
    }
  })();
});

// Back to the row the dialog was opened from (its menu item is gone with the menu).
feeDialog.addEventListener('close', () => {
  const id = feeTarget?.provider.id;
  feeTarget = undefined;
  if (id) tbody.querySelector<HTMLButtonElement>(`tr[data-provider-id="${CSS.escape(id)}"] button.menu-button`)?.focus();
});

// ---------------------------------------------------------------------------------------------
// Add Provider: the fields follow the chosen integration's catalog entry

const addDialog = must<HTMLDialogElement>('#add-dialog');
const addForm = must<HTMLFormElement>('#add-form');
const addType = must<HTMLSelectElement>('#add-type');
const addIntegration = must<HTMLSelectElement>('#add-integration');
const addFeeType = wireFeeType(addForm);

function fillIntegrationOptions(): void {
  const keep = addIntegration.value;
  const choices = [...integrations.values()].filter((i) => i.type === addType.value).sort((a, b) => a.displayName.localeCompare(b.displayName));
  addIntegration.replaceChildren(el('option', { value: '' }, 'Choose an integration'), ...choices.map((i) => el('option', { value: i.id }, i.displayName)));
  addIntegration.value = choices.some((i) => i.id === keep) ? keep : '';
  renderIntegrationFields();
}

function renderIntegrationFields(): void {
  const entry = integrations.get(addIntegration.value);
  const checks = must<HTMLElement>('#add-services .checks', addForm);
  const creds = must<HTMLElement>('#add-credentials .cred-fields', addForm);
  if (!entry) {
    checks.replaceChildren(el('p', { class: 'hint' }, 'Choose an integration to see the services it offers.'));
    creds.replaceChildren(el('p', { class: 'hint' }, 'Choose an integration to see the credentials it needs.'));
    return;
  }
  checks.replaceChildren(
    ...entry.services.map((s) => el('label', { class: 'inline' }, el('input', { type: 'checkbox', name: 'services', value: s }), serviceLabel(s))),
  );
  creds.replaceChildren(
    ...entry.credentialFields.map((f) => {
      const id = `cred-${f.name}`;
      const hintText = [f.description, f.pattern ? `Format: ${f.pattern}` : undefined, f.secret ? 'Secret: write-only.' : undefined].filter(Boolean).join(' ');
      const input = el('input', {
        id,
        name: `credential:${f.name}`,
        // The secret is a hidden input, as in Paystrator's form; the API never returns it.
        type: f.secret ? 'password' : 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        'data-credential': f.name,
        'data-secret': String(f.secret),
        'data-path': `/credentials/${f.name}`,
        'aria-describedby': hintText ? `${id}-hint` : undefined,
        required: f.required ? '' : undefined,
      });
      return el(
        'div',
        { class: 'field' },
        el('label', { for: id }, fieldLabel(f.name), f.required ? '' : ' (optional)'),
        input,
        ...(hintText ? [el('p', { class: 'hint', id: `${id}-hint` }, hintText)] : []),
      );
    }),
  );
}

addType.addEventListener('change', fillIntegrationOptions);
addIntegration.addEventListener('change', renderIntegrationFields);

must<HTMLButtonElement>('#add-provider').addEventListener('click', () => {
  showNotice(undefined);
  clearErrors(addForm);
  fillIntegrationOptions();
  addDialog.showModal();
  addType.focus();
});

// Typed secrets do not outlive the dialog, however it was closed.
addDialog.addEventListener('close', () => {
  addForm.reset();
  for (const input of all<HTMLInputElement>('input[data-secret="true"]', addForm)) input.value = '';
  clearErrors(addForm);
  for (const box of all<HTMLElement>('[data-fee]', addForm)) box.hidden = box.dataset.fee !== 'PERCENTAGE';
});

addForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const credentials: Record<string, string> = {};
  for (const input of all<HTMLInputElement>('input[data-credential]', addForm)) {
    if (input.value !== '') credentials[input.dataset.credential!] = input.value;
  }
  const name = must<HTMLInputElement>('#add-name', addForm).value.trim();
  const body = {
    name,
    type: addType.value,
    integration: addIntegration.value,
    services: all<HTMLInputElement>('input[name="services"]:checked', addForm).map((c) => c.value),
    credentials,
    ...feeFrom(addForm, addFeeType()),
  };
  // One key per submit: a retry of this request replays it, a corrected form is a new request.
  const idempotencyKey = crypto.randomUUID();
  void (async () => {
    try {
      await api<Provider>('POST', '/v1/providers', { body, headers: { 'Idempotency-Key': idempotencyKey } });
      addDialog.close();
      await load(`Added ${name}.`);
    } catch (err) {
      showErrors(addForm, err, 'Not added');
    }
  })();
});

// ---------------------------------------------------------------------------------------------
// Start

let typing: ReturnType<typeof setTimeout> | undefined;
qInput.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => void load(), 200);
});
serviceSelect.addEventListener('change', () => void load());
statusSelect.addEventListener('change', () => void load());
filterForm.addEventListener('submit', (e) => {
  e.preventDefault();
  clearTimeout(typing);
  void load();
});

let started = false;

/** Company and catalog, loaded once; if the sandbox is not answering yet, the next tick tries again. */
async function setUp(): Promise<boolean> {
  try {
    const [company, catalog] = await Promise.all([
      api<{ name: string }>('GET', '/v1/company'),
      api<{ data: Integration[] }>('GET', '/v1/integrations'),
    ]);
    must<HTMLElement>('#company').textContent = company.json.name;
    must<HTMLElement>('caption', table).textContent = `Providers of ${company.json.name}`;
    integrations = new Map(catalog.json.data.map((i) => [i.id, i]));
    const services = [...new Set(catalog.json.data.flatMap((i) => i.services))].sort(
      (a, b) => (SERVICE_ORDER.indexOf(a) + 1 || 99) - (SERVICE_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
    );
    serviceSelect.append(...services.map((s) => el('option', { value: s }, serviceLabel(s))));
    started = true;
    showNotice(undefined);
    showFilters(filtersFromUrl());
    return true;
  } catch (e) {
    showNotice(`Could not reach the sandbox API, trying again: ${describe(e)}`);
    return false;
  }
}

async function start(): Promise<void> {
  if (!session) {
    showNotice('This page has no dashboard session; open it from `paystrator-gitops sandbox`.');
    return;
  }
  if (await setUp()) await load();
  // Refreshes while the page is visible and the user is not in a menu, a dialog or a load.
  setInterval(() => {
    if (document.hidden || inFlight > 0 || openMenu || document.querySelector('dialog[open]')) return;
    if (started) {
      void load(undefined, true);
      return;
    }
    inFlight += 1;
    void setUp()
      .then((ok) => (ok ? load() : undefined))
      .finally(() => (inFlight -= 1));
  }, REFRESH_MS);
}

void start();
