// Settings → Developers → API Keys: the keys with their per-product capability, status, creation and
// last use; Create (the value shown once, with Copy), Edit permissions (PATCH with If-Match) and
// Revoke (confirmed; final). Values never enter the page but in the dialog that shows a new one.
import type { ApiKey, ApiKeyCreated, ApiKeyPage, Capability } from '../../../../generated/api.js';
import { ApiFailure, api, describe } from '../api.js';
import { confirmAction } from '../confirm.js';
import { all, el, must } from '../dom.js';
import { byServiceOrder, dateFormat, serviceLabel } from '../format.js';
import { clearErrors, showErrors } from '../forms.js';
import { busy, shared } from '../state.js';

export const CAPABILITY_LABELS: Record<Capability, string> = { NONE: 'None', READ: 'Read Only', WRITE: 'Write Only', READ_WRITE: 'Read & Write' };
const CAPABILITIES = Object.keys(CAPABILITY_LABELS) as Capability[];
const MAX_PAGES = 100;

const tbody = (): HTMLTableSectionElement => must<HTMLTableSectionElement>('#api-keys tbody');
const status = (): HTMLElement => must<HTMLElement>('#keys-status');
const keyDialog = (): HTMLDialogElement => must<HTMLDialogElement>('#key-dialog');
const keyForm = (): HTMLFormElement => must<HTMLFormElement>('#key-form');
const keyPath = (id: string): string => `/v1/api-keys/${encodeURIComponent(id)}`;
// The API's ETag of a key is its quoted version (there is no GET of one key to read it from).
const etagOf = (k: ApiKey): string => `"${k.version}"`;

let editing: ApiKey | undefined;

/** The products a key can be given access to: the catalog's services. */
function products(): string[] {
  return [...new Set([...shared.integrations.values()].flatMap((i) => i.services))].sort(byServiceOrder);
}

export async function loadApiKeys(announcement?: string): Promise<void> {
  await busy(async () => {
    try {
      const keys: ApiKey[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < MAX_PAGES; page++) {
        const params = new URLSearchParams({ limit: '1000' });
        if (cursor) params.set('cursor', cursor);
        const { json } = await api<ApiKeyPage>('GET', `/v1/api-keys?${params.toString()}`);
        keys.push(...json.data);
        cursor = json.nextCursor;
        if (!cursor) break;
      }
      tbody().replaceChildren(...(keys.length ? keys.map(row) : [el('tr', {}, el('td', { colspan: '7', class: 'empty' }, 'No API key yet.'))]));
      const active = keys.filter((k) => k.status === 'ACTIVE').length;
      const base = `${keys.length} API key${keys.length === 1 ? '' : 's'}, ${active} active.`;
      status().textContent = announcement ? `${announcement} ${base}` : base;
    } catch (e) {
      status().textContent = `API keys could not be loaded: ${describe(e)}`;
    }
  });
}

function row(k: ApiKey): HTMLTableRowElement {
  const perms = el(
    'ul',
    { class: 'perms' },
    ...products().map((p) => el('li', { 'data-product': p }, `${serviceLabel(p)}: ${CAPABILITY_LABELS[k.permissions[p] ?? 'NONE'] ?? k.permissions[p]}`)),
  );
  const actions = el('td', { class: 'actions-cell' });
  if (k.status === 'ACTIVE') {
    const edit = el('button', { type: 'button', 'aria-label': `Edit permissions of ${k.name}` }, 'Edit permissions');
    edit.addEventListener('click', () => openKeyDialog(k));
    const revoke = el('button', { type: 'button', 'aria-label': `Revoke ${k.name}` }, 'Revoke');
    revoke.addEventListener('click', () => void revokeKey(k));
    actions.append(edit, ' ', revoke);
  }
  const date = (iso: string | null, none: string): HTMLElement =>
    iso ? el('time', { datetime: iso }, dateFormat.format(new Date(iso))) : el('span', { class: 'sub' }, none);
  return el(
    'tr',
    { 'data-key-id': k.id, 'data-key-name': k.name, 'data-status': k.status },
    el('th', { scope: 'row' }, k.name),
    el('td', {}, el('code', {}, `${k.prefix}…`)),
    el('td', {}, perms),
    el('td', {}, el('span', { class: `badge badge-${k.status === 'ACTIVE' ? 'ACTIVE' : 'REVOKED'}` }, k.status === 'ACTIVE' ? 'Active' : 'Revoked'), ...(k.revokedAt ? [el('span', { class: 'sub' }, dateFormat.format(new Date(k.revokedAt)))] : [])),
    el('td', {}, date(k.createdAt, '')),
    el('td', {}, date(k.lastUsedAt, 'Never used')),
    actions,
  );
}

function openKeyDialog(k?: ApiKey): void {
  editing = k;
  const form = keyForm();
  clearErrors(form);
  must('#key-title', form).textContent = k ? `Edit permissions of ${k.name}` : 'Create API key';
  must('#key-submit', form).textContent = k ? 'Save permissions' : 'Create key';
  const name = must<HTMLInputElement>('#key-name', form);
  name.value = k?.name ?? '';
  must<HTMLElement>('.perm-fields', form).replaceChildren(
    ...products().map((p) => {
      const id = `perm-${p}`;
      const select = el('select', { id, 'data-product': p, 'data-path': `/permissions/${p}` }, ...CAPABILITIES.map((c) => el('option', { value: c }, CAPABILITY_LABELS[c])));
      select.value = k?.permissions[p] ?? 'NONE';
      return el('div', { class: 'field' }, el('label', { for: id }, serviceLabel(p)), select);
    }),
  );
  keyDialog().showModal();
  (k ? must<HTMLSelectElement>('select', form) : name).focus();
}

async function revokeKey(k: ApiKey): Promise<void> {
  const ok = await confirmAction({
    title: `Revoke ${k.name}?`,
    text: `Every request made with ${k.prefix}… is refused from now on. Revoking is final: the key cannot be reactivated; create a new one instead.`,
    confirm: 'Revoke key',
  });
  if (!ok) return;
  try {
    await api<ApiKey>('POST', `${keyPath(k.id)}/revoke`, { body: { reason: 'Revoked in the dashboard' }, headers: { 'If-Match': etagOf(k) } });
    await loadApiKeys(`${k.name} is revoked.`);
  } catch (e) {
    const why = e instanceof ApiFailure && e.status === 412 ? `${k.name} changed since the table was loaded; the table now shows it as it is. Check it and try again.` : describe(e);
    await loadApiKeys(`Not revoked: ${why}`);
  }
}

function showValue(created: ApiKeyCreated): void {
  const dialog = must<HTMLDialogElement>('#key-value-dialog');
  must('#key-value-name', dialog).textContent = `${created.name} · ${created.prefix}…`;
  const input = must<HTMLInputElement>('#key-value', dialog);
  input.value = created.value;
  must('#key-copy-status', dialog).textContent = '';
  dialog.showModal();
  input.focus();
  input.select();
}

export function wireApiKeys(): void {
  must<HTMLButtonElement>('#key-create').addEventListener('click', () => openKeyDialog());
  const form = keyForm();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const permissions: Record<string, Capability> = {};
    for (const s of all<HTMLSelectElement>('select[data-product]', form)) permissions[s.dataset.product!] = s.value as Capability;
    const name = must<HTMLInputElement>('#key-name', form).value.trim();
    const target = editing;
    // One key per submit: a retry of this request replays it (value included), a corrected form is a new request.
    const idempotencyKey = crypto.randomUUID();
    void (async () => {
      try {
        if (target) {
          const body = name === target.name ? { permissions } : { name, permissions };
          await api<ApiKey>('PATCH', keyPath(target.id), { body, headers: { 'If-Match': etagOf(target) } });
          keyDialog().close();
          await loadApiKeys(`Permissions of ${name} saved.`);
        } else {
          const created = await api<ApiKeyCreated>('POST', '/v1/api-keys', { body: { name, permissions }, headers: { 'Idempotency-Key': idempotencyKey } });
          keyDialog().close();
          showValue(created.json);
          await loadApiKeys(`Created ${name}.`);
        }
      } catch (err) {
        if (target && err instanceof ApiFailure && err.status === 412) {
          showErrors(form, new Error(`${target.name} changed since this dialog opened, so nothing was saved. Cancel and choose Edit permissions again.`), 'Not saved');
        } else showErrors(form, err, target ? 'Not saved' : 'Not created');
      }
    })();
  });

  const valueDialog = must<HTMLDialogElement>('#key-value-dialog');
  must<HTMLButtonElement>('#key-copy', valueDialog).addEventListener('click', () => {
    const input = must<HTMLInputElement>('#key-value', valueDialog);
    const said = must('#key-copy-status', valueDialog);
    navigator.clipboard.writeText(input.value).then(
      () => (said.textContent = 'Copied to the clipboard.'),
      () => {
        input.focus();
        input.select();
        said.textContent = 'The browser did not allow copying: the key is selected, copy it with Ctrl+C (⌘C).';
      },
    );
  });
  // The value does not outlive its dialog.
  valueDialog.addEventListener('close', () => {
    must<HTMLInputElement>('#key-value', valueDialog).value = '';
    must<HTMLButtonElement>('#key-create').focus();
  });
}
