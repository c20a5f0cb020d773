// One input per credential field of an integration's catalog entry, for Add Provider and Edit
// credentials. Secret fields are password inputs, as in Paystrator's form; the API never returns them.
import type { CredentialField } from '../../../../generated/api.js';
import { el } from '../dom.js';
import { fieldLabel } from '../format.js';

export interface CredentialInputOptions {
  /** Element ids are `${idPrefix}${field name}`. */
  idPrefix: string;
  /** A non-secret field's current value; secrets are never prefilled. */
  value?: string;
  /** Editing an existing provider: an empty input keeps the current value. */
  editing?: boolean;
}

export function credentialInput(f: CredentialField, opts: CredentialInputOptions): HTMLDivElement {
  const id = `${opts.idPrefix}${f.name}`;
  const keep = opts.editing && f.secret ? 'Leave empty to keep the current value.' : undefined;
  const hintText = [f.description, f.pattern ? `Format: ${f.pattern}` : undefined, f.secret ? 'Secret: write-only.' : undefined, keep].filter(Boolean).join(' ');
  const input = el('input', {
    id,
    name: `credential:${f.name}`,
    type: f.secret ? 'password' : 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    'data-credential': f.name,
    'data-secret': String(f.secret),
    'data-path': `/credentials/${f.name}`,
    'aria-describedby': hintText ? `${id}-hint` : undefined,
    // Editing, a secret left empty keeps its value, so it is not required there.
    required: f.required && !(opts.editing && f.secret) ? '' : undefined,
    placeholder: keep ? 'unchanged' : undefined,
  });
  if (opts.value !== undefined && !f.secret) input.value = opts.value;
  return el(
    'div',
    { class: 'field' },
    el('label', { for: id }, fieldLabel(f.name), f.required ? '' : ' (optional)'),
    input,
    ...(hintText ? [el('p', { class: 'hint', id: `${id}-hint` }, hintText)] : []),
  );
}
