// How the page spells the API's values. src/model/ owns the labels the CLI uses; the browser
// cannot import it, so the few the page needs are repeated here.
import type { ChangedBy, Fee, ProviderStatus } from '../../../generated/api.js';

export const MANAGED_BY_LABEL = 'managed-by';
export const MANAGED_BY_VALUE = 'paystrator-gitops';

export const SERVICE_ORDER = ['VIRTUAL_ACCOUNT', 'QR_CODE', 'EWALLET', 'CREDIT_CARD', 'SEND_MONEY'];
const SERVICE_LABELS: Record<string, string> = {
  VIRTUAL_ACCOUNT: 'Virtual Account',
  QR_CODE: 'QR Code',
  EWALLET: 'E-Wallet',
  CREDIT_CARD: 'Credit Card',
  SEND_MONEY: 'Send Money',
};
export const STATUS_LABELS: Record<ProviderStatus, string> = { ACTIVE: 'Active', INACTIVE: 'Inactive', MAINTENANCE: 'Maintenance' };
export const CHANGED_BY: Record<ChangedBy, string> = { USER: 'by a user', MONITOR: 'by monitoring', API: 'via the API' };

export const serviceLabel = (s: string): string => SERVICE_LABELS[s] ?? s.toLowerCase().replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());

/** Services in the dashboard's order, unknown ones after, alphabetically. */
export const byServiceOrder = (a: string, b: string): number =>
  (SERVICE_ORDER.indexOf(a) + 1 || 99) - (SERVICE_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b);

/** clientKey -> "Client key", merchantId -> "Merchant ID", apiSecret -> "API secret". */
export function fieldLabel(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(' ');
  const text = words.map((w) => (['id', 'api', 'url', 'va'].includes(w) ? w.toUpperCase() : w)).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Exact: the API's decimals are strings and stay strings; IDR has whole rupiah and "." groups. */
export function formatFee(fee: Fee): string {
  if (fee.type === 'PERCENTAGE') return `${fee.percent}%`;
  const [whole = '0', fraction] = fee.amount.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `Rp${grouped}${fraction ? `,${fraction}` : ''}`;
}

export const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
