// Forms: field errors from problem+json, shown beside the field they name; the fee inputs shared by
// Add Provider and Edit fee.
import type { Fee, FieldError } from '../../../generated/api.js';
import { ApiFailure, describe } from './api.js';
import { all, el, must } from './dom.js';

export function clearErrors(form: HTMLFormElement): void {
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

export function showErrors(form: HTMLFormElement, e: unknown, what: string): void {
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

export function wireFeeType(form: HTMLFormElement): () => 'PERCENTAGE' | 'FLAT' {
  const selected = (): 'PERCENTAGE' | 'FLAT' => (form.querySelector<HTMLInputElement>('input[name="feeType"]:checked')?.value === 'FLAT' ? 'FLAT' : 'PERCENTAGE');
  const sync = (): void => {
    for (const box of all<HTMLElement>('[data-fee]', form)) box.hidden = box.dataset.fee !== selected();
  };
  for (const radio of all<HTMLInputElement>('input[name="feeType"]', form)) radio.addEventListener('change', sync);
  return selected;
}

export function feeFrom(form: HTMLFormElement, type: 'PERCENTAGE' | 'FLAT'): { fee: Fee; tax: { vatPercent: string; applyVat: boolean } } {
  const value = (name: string): string => must<HTMLInputElement>(`[name="${name}"]`, form).value.trim();
  return {
    fee: type === 'PERCENTAGE' ? { type, percent: value('percent') } : { type, amount: value('amount'), currency: 'IDR' },
    tax: { vatPercent: value('vatPercent'), applyVat: must<HTMLInputElement>('[name="applyVat"]', form).checked },
  };
}

/** Every dialog's Cancel button closes it. */
export function wireCloseButtons(): void {
  for (const dialog of all<HTMLDialogElement>('dialog')) {
    for (const b of all<HTMLButtonElement>('[data-close]', dialog)) b.addEventListener('click', () => dialog.close());
  }
}
