// Settings → Developers → Webhooks: a URL per service with Test & Save (PUT with If-Match, then
// POST /v1/webhooks/test: the endpoint's status, a non-2xx a failed test), and the verification
// token's version and last rotation with Regenerate (confirmed). The token itself is never shown:
// the API does not return it.
import type { Webhooks, WebhookTestResult } from '../../../../generated/api.js';
import { ApiFailure, api, describe } from '../api.js';
import { confirmAction } from '../confirm.js';
import { el, must } from '../dom.js';
import { CHANGED_BY, byServiceOrder, dateFormat, serviceLabel } from '../format.js';
import { clearErrors, showErrors } from '../forms.js';
import { busy, shared } from '../state.js';

const form = (): HTMLFormElement => must<HTMLFormElement>('#wh-form');
const status = (): HTMLElement => must<HTMLElement>('#wh-status');

let live: { hooks: Webhooks; etag: string } | undefined;

const services = (): string[] => [...new Set([...shared.integrations.values()].flatMap((i) => i.services))].sort(byServiceOrder);

export async function loadWebhooks(announcement?: string): Promise<void> {
  await busy(async () => {
    try {
      const { json, etag } = await api<Webhooks>('GET', '/v1/webhooks');
      live = { hooks: json, etag: etag ?? `"${json.version}"` };
      clearErrors(form());
      renderToken(json);
      must('#wh-urls').replaceChildren(...services().map((s) => urlRow(s, json.urls[s] ?? '')));
      status().textContent = announcement ?? '';
    } catch (e) {
      showErrors(form(), e, 'Webhooks could not be loaded');
    }
  });
}

function renderToken(hooks: Webhooks): void {
  const t = hooks.verificationToken;
  const by = t.updatedBy ? ` ${CHANGED_BY[t.updatedBy] ?? t.updatedBy}` : '';
  must('#wh-token-text').textContent = `Verification token: version ${t.version}, last rotated ${dateFormat.format(new Date(t.updatedAt))}${by}.`;
}

function urlRow(service: string, url: string): HTMLElement {
  const id = `wh-url-${service}`;
  const input = el('input', { id, type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://', 'data-service': service, 'data-path': `/urls/${service}` });
  input.value = url;
  const button = el('button', { type: 'button', 'data-service': service, 'aria-label': `Test & Save ${serviceLabel(service)}` }, 'Test & Save');
  const result = el('p', { class: 'wh-result', id: `wh-result-${service}`, role: 'status', 'aria-live': 'polite' });
  button.addEventListener('click', () => void testAndSave(service, input, result));
  return el('div', { class: 'wh-row', 'data-service': service }, el('div', { class: 'field' }, el('label', { for: id }, `${serviceLabel(service)} URL`), input), button, result);
}

async function testAndSave(service: string, input: HTMLInputElement, result: HTMLElement): Promise<void> {
  const current = live;
  if (!current) return;
  const label = serviceLabel(service);
  const url = input.value.trim();
  const urls = { ...current.hooks.urls };
  if (url) urls[service] = url;
  else delete urls[service];
  clearErrors(form());
  result.textContent = url ? 'Saving and testing…' : 'Saving…';
  delete result.dataset.ok;
  await busy(async () => {
    try {
      const saved = await api<Webhooks>('PUT', '/v1/webhooks', { body: { urls }, headers: { 'If-Match': current.etag } });
      live = { hooks: saved.json, etag: saved.etag ?? `"${saved.json.version}"` };
      if (!url) {
        result.textContent = `Saved: ${label} has no webhook URL.`;
        return;
      }
      const test = (await api<WebhookTestResult>('POST', '/v1/webhooks/test', { body: { service } })).json;
      const ok = test.status >= 200 && test.status < 300;
      result.dataset.ok = String(ok);
      result.textContent = ok
        ? `Saved and tested: the endpoint answered ${test.status}.`
        : test.status === 0
          ? `Saved, but the test failed: the endpoint gave no answer${test.error ? ` (${test.error})` : ''}.`
          : `Saved, but the test failed: the endpoint answered ${test.status}.`;
    } catch (e) {
      result.dataset.ok = 'false';
      if (e instanceof ApiFailure && e.status === 412) {
        await loadWebhooks();
        showErrors(form(), new Error('the webhooks changed since they were loaded. They now show the current URLs; make your change again.'), 'Not saved');
        return;
      }
      result.textContent = `Not saved: ${describe(e)}`;
      showErrors(form(), e, `${label} not saved`);
    }
  });
}

async function rotate(): Promise<void> {
  const ok = await confirmAction({
    title: 'Regenerate the verification token?',
    text: 'Deliveries are signed with the new token from now on: receivers that check signatures with the old one reject them until they are given the new one.',
    confirm: 'Regenerate',
  });
  if (!ok) return;
  await busy(async () => {
    try {
      const { json } = await api<Webhooks>('POST', '/v1/webhooks/verification-token/rotate', live ? { headers: { 'If-Match': live.etag } } : {});
      await loadWebhooks(`Verification token regenerated: now version ${json.verificationToken.version}.`);
    } catch (e) {
      await loadWebhooks(`Not regenerated: ${describe(e)}`);
    }
  });
  must<HTMLButtonElement>('#wh-rotate').focus();
}

export function wireWebhooks(): void {
  must<HTMLButtonElement>('#wh-rotate').addEventListener('click', () => void rotate());
  form().addEventListener('submit', (e) => e.preventDefault());
}
