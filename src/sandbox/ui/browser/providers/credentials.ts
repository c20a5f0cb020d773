// Edit credentials: the integration's credential fields, non-secret ones prefilled, secret ones
// empty password inputs that keep the current value when left empty. PATCH with If-Match sends
// only what changed; the API merges credentials per field.
import type { MaskedSecret, Provider } from '../../../../generated/api.js';
import { ApiFailure, api, describe, providerPath } from '../api.js';
import { all, el, must, showNotice } from '../dom.js';
import { dateFormat } from '../format.js';
import { clearErrors, showErrors } from '../forms.js';
import { shared } from '../state.js';
import { credentialInput } from './credential-fields.js';
import { focusRow, load } from './table.js';

const dialog = (): HTMLDialogElement => must<HTMLDialogElement>('#credentials-dialog');
const form = (): HTMLFormElement => must<HTMLFormElement>('#credentials-form');
let target: { provider: Provider; etag: string } | undefined;

const isMasked = (v: string | MaskedSecret | undefined): v is MaskedSecret => typeof v === 'object' && v !== null && v.masked;

export async function openCredentialsDialog(p: Provider): Promise<void> {
  showNotice(undefined);
  let current: { json: Provider; etag: string | null };
  try {
    current = await api<Provider>('GET', providerPath(p.id));
  } catch (e) {
    showNotice(`Could not open the credentials of ${p.name}: ${describe(e)}`);
    return;
  }
  const provider = current.json;
  const entry = shared.integrations.get(provider.integration);
  if (!entry) {
    showNotice(`${provider.name} uses the integration ${provider.integration}, which the catalog does not list: its credentials cannot be edited here.`);
    return;
  }
  target = { provider, etag: current.etag ?? '*' };
  const f = form();
  clearErrors(f);
  must<HTMLElement>('#credentials-provider', f).textContent = `${provider.name} · ${entry.displayName}`;
  must<HTMLElement>('.cred-fields', f).replaceChildren(
    ...entry.credentialFields.map((field) => {
      const value = provider.credentials[field.name];
      const box = credentialInput(field, { idPrefix: 'edit-cred-', editing: true, ...(typeof value === 'string' ? { value } : {}) });
      if (field.secret) {
        box.append(el('p', { class: 'hint' }, isMasked(value) ? `Set (version ${value.version}, ${dateFormat.format(new Date(value.updatedAt))}).` : 'Not set.'));
      }
      return box;
    }),
  );
  dialog().showModal();
  all<HTMLInputElement>('input[data-credential]', f)[0]?.focus();
}

export function wireCredentialsDialog(): void {
  const f = form();
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = target;
    if (!t) return;
    const credentials: Record<string, string> = {};
    for (const input of all<HTMLInputElement>('input[data-credential]', f)) {
      const name = input.dataset.credential!;
      if (input.dataset.secret === 'true') {
        if (input.value !== '') credentials[name] = input.value;
      } else if (input.value !== (typeof t.provider.credentials[name] === 'string' ? t.provider.credentials[name] : '')) {
        credentials[name] = input.value;
      }
    }
    if (Object.keys(credentials).length === 0) {
      showErrors(f, new Error('nothing changed: edit a field, or type a new secret'), 'Not saved');
      return;
    }
    void (async () => {
      try {
        await api<Provider>('PATCH', providerPath(t.provider.id), { body: { credentials }, headers: { 'If-Match': t.etag } });
        dialog().close();
        await load(`Credentials of ${t.provider.name} saved.`);
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 412) {
          showErrors(f, new Error(`${t.provider.name} changed since this dialog opened, so nothing was saved. Cancel and choose Edit credentials again to start from its current state.`), 'Not saved');
        } else showErrors(f, err, 'Not saved');
      }
    })();
  });

  // Typed secrets do not outlive the dialog; focus goes back to the row it was opened from.
  dialog().addEventListener('close', () => {
    const id = target?.provider.id;
    target = undefined;
    must<HTMLElement>('.cred-fields', f).replaceChildren();
    clearErrors(f);
    if (id) focusRow(id);
  });
}
