// Providers → Sequence Management: a tab per product, a destination selector (the default sequence
// and the custom ones), the providers in routing order with their status, who changed the order
// last and when, reordering by buttons (keyboard first), and Save: PUT with If-Match. A 412 means
// someone else changed it meanwhile: the view reloads and says so, nothing is overwritten.
import type { ChangedBy, Sequence, SequenceEntry, SequenceList } from '../../../generated/api.js';
import { ApiFailure, api, describe } from './api.js';
import { el, must } from './dom.js';
import { STATUS_LABELS, byServiceOrder, dateFormat, serviceLabel } from './format.js';
import { clearErrors, showErrors } from './forms.js';
import { busy } from './state.js';
import { renderTabs } from './tabs.js';

const UPDATED_BY: Record<ChangedBy, string> = { USER: 'a user', API: 'the API', MONITOR: 'monitoring' };
const DEFAULT = '';

const form = (): HTMLFormElement => must<HTMLFormElement>('#seq-form');
const list = (): HTMLOListElement => must<HTMLOListElement>('#seq-list');
const destinationSelect = (): HTMLSelectElement => must<HTMLSelectElement>('#seq-destination');
const status = (): HTMLElement => must<HTMLElement>('#seq-status');

interface Shown {
  product: string;
  /** '' for the product's default sequence. */
  destination: string;
  sequence: Sequence;
  etag: string;
  /** The order on screen, maybe edited. */
  order: SequenceEntry[];
}

let products: string[] = [];
let product = '';
let destination = DEFAULT;
let shown: Shown | undefined;
let loads = 0;

const pathOf = (prod: string, dest: string): string => `/v1/sequences/${encodeURIComponent(prod)}${dest ? `/${encodeURIComponent(dest)}` : ''}`;
const changed = (s: Shown): boolean => s.order.map((e) => e.id).join() !== s.sequence.providers.map((e) => e.id).join();
const what = (prod: string, dest: string): string => `the ${serviceLabel(prod)} sequence${dest ? ` for ${dest}` : ''}`;

/** Loads the products, the destinations of the selected one, and the selected sequence with its ETag. */
export async function loadSequences(announcement?: string): Promise<void> {
  const seq = ++loads;
  await busy(async () => {
    try {
      const all = (await api<SequenceList>('GET', '/v1/sequences')).json.data;
      products = [...new Set(all.map((q) => q.product))].sort(byServiceOrder);
      if (!products.includes(product)) product = products[0] ?? '';
      const destinations = all.filter((q) => q.product === product && q.destination !== null).map((q) => q.destination!);
      if (destination && !destinations.includes(destination)) destination = DEFAULT;
      const one = product ? await api<Sequence>('GET', pathOf(product, destination)) : undefined;
      if (seq !== loads) return;
      renderTabs(must('#seq-tabs'), form(), products.map((p) => ({ id: p, label: serviceLabel(p) })), product, selectProduct);
      destinationSelect().replaceChildren(
        el('option', { value: DEFAULT }, 'Default (every destination)'),
        ...destinations.map((d) => el('option', { value: d }, d)),
      );
      destinationSelect().value = destination;
      shown = one ? { product, destination, sequence: one.json, etag: one.etag ?? `"${one.json.version}"`, order: [...one.json.providers] } : undefined;
      clearErrors(form());
      render();
      status().textContent = announcement ?? '';
    } catch (e) {
      if (seq !== loads) return;
      showErrors(form(), e, 'Sequences could not be loaded');
    }
  });
}

function selectProduct(p: string): void {
  if (p === product) return;
  const dropped = shown && changed(shown) ? `Unsaved changes to ${what(shown.product, shown.destination)} were discarded. ` : '';
  product = p;
  destination = DEFAULT;
  void loadSequences(dropped || undefined);
}

function updatedLine(q: Sequence): string {
  if (!q.updatedAt) return 'Never changed: providers are in the order they became active.';
  const by = q.updatedBy ? ` by ${UPDATED_BY[q.updatedBy] ?? q.updatedBy}` : '';
  return `Last updated ${dateFormat.format(new Date(q.updatedAt))}${by}`;
}

function render(): void {
  const s = shown;
  const ol = list();
  const save = must<HTMLButtonElement>('#seq-save');
  const reset = must<HTMLButtonElement>('#seq-reset');
  if (!s) {
    ol.replaceChildren();
    must('#seq-updated').textContent = '';
    save.disabled = reset.disabled = true;
    return;
  }
  must('#seq-updated').textContent = updatedLine(s.sequence);
  ol.setAttribute('aria-label', `Providers of ${what(s.product, s.destination)}, in routing order`);
  if (s.order.length === 0) {
    ol.replaceChildren(el('li', { class: 'empty' }, 'No provider yet: an ACTIVE provider offering this product joins the default sequence.'));
  } else {
    ol.replaceChildren(...s.order.map((entry, i) => item(entry, i, s.order.length)));
  }
  const dirty = changed(s);
  save.disabled = !dirty;
  reset.disabled = !dirty;
}

function item(entry: SequenceEntry, i: number, n: number): HTMLLIElement {
  const badge = el('span', { class: `badge badge-${entry.status}` }, STATUS_LABELS[entry.status] ?? entry.status);
  const note = entry.status === 'MAINTENANCE' ? el('span', { class: 'sub' }, 'skipped at routing') : undefined;
  const move = (dir: -1 | 1): HTMLButtonElement => {
    const label = dir < 0 ? 'up' : 'down';
    const b = el('button', { type: 'button', 'data-move': label, 'aria-label': `Move ${entry.name} ${label}` }, dir < 0 ? '↑ Up' : '↓ Down');
    b.disabled = dir < 0 ? i === 0 : i === n - 1;
    b.addEventListener('click', () => reorder(i, dir));
    return b;
  };
  return el(
    'li',
    { 'data-provider-id': entry.id, 'data-provider-name': entry.name, 'data-status': entry.status },
    el('span', { class: 'name', 'data-path': `/providerIds/${i}` }, entry.name),
    el('span', {}, badge, ...(note ? [note] : [])),
    el('span', { class: 'moves' }, move(-1), move(1)),
  );
}

function reorder(i: number, dir: -1 | 1): void {
  const s = shown;
  if (!s) return;
  const j = i + dir;
  const a = s.order[i];
  const b = s.order[j];
  if (!a || !b) return;
  s.order[i] = b;
  s.order[j] = a;
  render();
  status().textContent = `${a.name} moved to position ${j + 1} of ${s.order.length}.`;
  // Focus follows the provider moved; at either end, the button that still works.
  const moved = list().children[j];
  const same = moved?.querySelector<HTMLButtonElement>(`button[data-move="${dir < 0 ? 'up' : 'down'}"]`);
  const other = moved?.querySelector<HTMLButtonElement>(`button[data-move="${dir < 0 ? 'down' : 'up'}"]`);
  (same && !same.disabled ? same : other)?.focus();
}

export function wireSequences(): void {
  destinationSelect().addEventListener('change', () => {
    const dropped = shown && changed(shown) ? `Unsaved changes to ${what(shown.product, shown.destination)} were discarded. ` : '';
    destination = destinationSelect().value;
    void loadSequences(dropped || undefined);
  });
  must<HTMLButtonElement>('#seq-reset').addEventListener('click', () => {
    if (!shown) return;
    shown.order = [...shown.sequence.providers];
    clearErrors(form());
    render();
    status().textContent = 'Changes discarded.';
  });
  form().addEventListener('submit', (e) => {
    e.preventDefault();
    const s = shown;
    if (!s || !changed(s)) return;
    const label = what(s.product, s.destination);
    void busy(async () => {
      try {
        await api<Sequence>('PUT', pathOf(s.product, s.destination), { body: { providerIds: s.order.map((x) => x.id) }, headers: { 'If-Match': s.etag } });
        await loadSequences(`Saved ${label}.`);
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 412) {
          await loadSequences();
          const box = must<HTMLElement>('.form-error', form());
          box.textContent = `Not saved: ${label} changed since it was loaded. It now shows the current order; make your change again.`;
          box.hidden = false;
        } else {
          showErrors(form(), err, 'Not saved');
          if (!(err instanceof ApiFailure)) status().textContent = describe(err);
        }
      }
    });
  });
}
