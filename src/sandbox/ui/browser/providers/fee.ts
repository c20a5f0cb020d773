// Edit fee: PATCH with If-Match, the ETag as the dialog read it.
import type { Provider } from '../../../../generated/api.js';
import { ApiFailure, api, describe, providerPath } from '../api.js';
import { all, must, showNotice } from '../dom.js';
import { formatFee } from '../format.js';
import { clearErrors, feeFrom, showErrors, wireFeeType } from '../forms.js';
import { focusRow, load } from './table.js';

const feeDialog = (): HTMLDialogElement => must<HTMLDialogElement>('#fee-dialog');
const feeForm = (): HTMLFormElement => must<HTMLFormElement>('#fee-form');
let feeTarget: { provider: Provider; etag: string } | undefined;

export async function openFeeDialog(p: Provider): Promise<void> {
  showNotice(undefined);
  let current: { json: Provider; etag: string | null };
  try {
    current = await api<Provider>('GET', providerPath(p.id));
  } catch (e) {
    showNotice(`Could not open the fee of ${p.name}: ${describe(e)}`);
    return;
  }
  const provider = current.json;
  const form = feeForm();
  feeTarget = { provider, etag: current.etag ?? '*' };
  clearErrors(form);
  must<HTMLElement>('#fee-provider', form).textContent = `${provider.name} · now ${formatFee(provider.fee)}, VAT ${provider.tax.vatPercent}%`;
  must<HTMLInputElement>(`input[name="feeType"][value="${provider.fee.type}"]`, form).checked = true;
  must<HTMLInputElement>('#fee-percent', form).value = provider.fee.type === 'PERCENTAGE' ? provider.fee.percent : '';
  must<HTMLInputElement>('#fee-amount', form).value = provider.fee.type === 'FLAT' ? provider.fee.amount : '';
  must<HTMLInputElement>('#fee-vat', form).value = provider.tax.vatPercent;
  must<HTMLInputElement>('#fee-apply-vat', form).checked = provider.tax.applyVat;
  for (const box of all<HTMLElement>('[data-fee]', form)) box.hidden = box.dataset.fee !== provider.fee.type;
  feeDialog().showModal();
  must<HTMLInputElement>(provider.fee.type === 'FLAT' ? '#fee-amount' : '#fee-percent', form).focus();
}

export function wireFeeDialog(): void {
  const form = feeForm();
  const feeType = wireFeeType(form);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const target = feeTarget;
    if (!target) return;
    void (async () => {
      try {
        await api<Provider>('PATCH', providerPath(target.provider.id), { body: feeFrom(form, feeType()), headers: { 'If-Match': target.etag } });
        feeDialog().close();
        await load(`Fee of ${target.provider.name} saved.`);
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 412) {
          showErrors(form, new Error(`${target.provider.name} changed since this dialog opened, so nothing was saved. Cancel and choose Edit fee again to start from its current fee.`), 'Not saved');
        } else showErrors(form, err, 'Not saved');
      }
    })();
  });

  // Back to the row the dialog was opened from (its menu item is gone with the menu).
  feeDialog().addEventListener('close', () => {
    const id = feeTarget?.provider.id;
    feeTarget = undefined;
    if (id) focusRow(id);
  });
}
