// Settings → Developers → IP Whitelist: the list, add and remove, Save (PUT with If-Match). The
// address the API sees this page call from is shown, and a list without it (or an empty one) is
// saved only when Save is pressed a second time after the warning: API keys calling from there
// would be refused. The page's own session is exempt, so it can repair such a list.
import type { IpWhitelist } from '../../../../generated/api.js';
import { ApiFailure, api, describe } from '../api.js';
import { el, must } from '../dom.js';
import { clearErrors, showErrors } from '../forms.js';
import { busy } from '../state.js';

const form = (): HTMLFormElement => must<HTMLFormElement>('#ip-form');
const warning = (): HTMLElement => must<HTMLElement>('#ip-warning');
const status = (): HTMLElement => must<HTMLElement>('#ip-status');

let live: { list: IpWhitelist; etag: string } | undefined;
let addresses: string[] = [];
/** The list the user was warned about; Save again with the same list goes ahead. */
let warnedFor: string | undefined;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export async function loadIpWhitelist(announcement?: string): Promise<void> {
  await busy(async () => {
    try {
      const { json, etag } = await api<IpWhitelist>('GET', '/v1/ip-whitelist');
      live = { list: json, etag: etag ?? `"${json.version}"` };
      addresses = [...json.addresses];
      warnedFor = undefined;
      clearErrors(form());
      warning().hidden = true;
      must('#ip-request').replaceChildren('Your address as the API sees it: ', el('strong', {}, json.requestAddress));
      render();
      status().textContent = announcement ?? '';
    } catch (e) {
      showErrors(form(), e, 'The IP whitelist could not be loaded');
    }
  });
}

function render(): void {
  const list = must<HTMLUListElement>('#ip-list');
  const you = live?.list.requestAddress;
  list.replaceChildren(
    ...(addresses.length
      ? addresses.map((a, i) => {
          const remove = el('button', { type: 'button', 'aria-label': `Remove ${a}` }, 'Remove');
          remove.addEventListener('click', () => {
            addresses.splice(i, 1);
            render();
            status().textContent = `${a} removed from the list (not saved yet).`;
            // Focus stays in the list: on the next address's Remove, else the input to add one.
            (list.querySelectorAll<HTMLButtonElement>('button')[Math.min(i, addresses.length - 1)] ?? must<HTMLInputElement>('#ip-add')).focus();
          });
          return el('li', { 'data-address': a }, el('span', { 'data-path': `/addresses/${i}` }, a, ...(a === you ? [el('span', { class: 'you' }, ' (your address)')] : [])), remove);
        })
      : [el('li', { class: 'empty' }, 'No address: every API key request is refused.')]),
  );
}

function add(): void {
  const input = must<HTMLInputElement>('#ip-add');
  const a = input.value.trim();
  if (!a) return;
  if (!IPV4.test(a)) {
    status().textContent = `${a} is not an IPv4 address (four numbers 0 to 255, e.g. 203.0.113.10).`;
    input.focus();
    return;
  }
  if (addresses.includes(a)) {
    status().textContent = `${a} is already on the list.`;
    return;
  }
  addresses.push(a);
  input.value = '';
  render();
  status().textContent = `${a} added to the list (not saved yet).`;
  input.focus();
}

export function wireIpWhitelist(): void {
  must<HTMLButtonElement>('#ip-add-button').addEventListener('click', add);
  must<HTMLInputElement>('#ip-add').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  });
  must<HTMLButtonElement>('#ip-reset').addEventListener('click', () => void loadIpWhitelist('Changes discarded.'));
  form().addEventListener('submit', (e) => {
    e.preventDefault();
    const current = live;
    if (!current) return;
    const you = current.list.requestAddress;
    const key = addresses.join(',');
    if ((addresses.length === 0 || !addresses.includes(you)) && warnedFor !== key) {
      warnedFor = key;
      warning().textContent =
        addresses.length === 0
          ? 'The list is empty: every API key request will be refused. Press Save again to save it anyway.'
          : `The list does not include your address, ${you}: API keys calling from it will be refused. Press Save again to save it anyway.`;
      warning().hidden = false;
      return;
    }
    void busy(async () => {
      try {
        await api<IpWhitelist>('PUT', '/v1/ip-whitelist', { body: { addresses }, headers: { 'If-Match': current.etag } });
        await loadIpWhitelist('IP whitelist saved.');
      } catch (err) {
        if (err instanceof ApiFailure && err.status === 412) {
          await loadIpWhitelist();
          showErrors(form(), new Error('the whitelist changed since it was loaded. It now shows the current list; make your change again.'), 'Not saved');
        } else {
          showErrors(form(), err, 'Not saved');
          if (!(err instanceof ApiFailure)) status().textContent = describe(err);
        }
      }
    });
  });
}
