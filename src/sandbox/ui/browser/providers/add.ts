// Add Provider: the fields follow the chosen integration's catalog entry.
import type { Provider } from '../../../../generated/api.js';
import { api } from '../api.js';
import { all, el, must, showNotice } from '../dom.js';
import { serviceLabel } from '../format.js';
import { clearErrors, feeFrom, showErrors, wireFeeType } from '../forms.js';
import { shared } from '../state.js';
import { credentialInput } from './credential-fields.js';
import { load } from './table.js';

export function wireAddDialog(): void {
  const addDialog = must<HTMLDialogElement>('#add-dialog');
  const addForm = must<HTMLFormElement>('#add-form');
  const addType = must<HTMLSelectElement>('#add-type');
  const addIntegration = must<HTMLSelectElement>('#add-integration');
  const addFeeType = wireFeeType(addForm);

  const renderIntegrationFields = (): void => {
    const entry = shared.integrations.get(addIntegration.value);
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
    creds.replaceChildren(...entry.credentialFields.map((f) => credentialInput(f, { idPrefix: 'cred-' })));
  };

  const fillIntegrationOptions = (): void => {
    const keep = addIntegration.value;
    const choices = [...shared.integrations.values()].filter((i) => i.type === addType.value).sort((a, b) => a.displayName.localeCompare(b.displayName));
    addIntegration.replaceChildren(el('option', { value: '' }, 'Choose an integration'), ...choices.map((i) => el('option', { value: i.id }, i.displayName)));
    addIntegration.value = choices.some((i) => i.id === keep) ? keep : '';
    renderIntegrationFields();
  };

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
}
