// Settings → Developers: three tabs, API Keys, IP Whitelist and Webhooks. The selected tab is kept
// in the hash (#developers/webhooks), so a link opens it.
import { all, must } from '../dom.js';
import { renderTabs } from '../tabs.js';
import { loadApiKeys, wireApiKeys } from './api-keys.js';
import { loadIpWhitelist, wireIpWhitelist } from './ip-whitelist.js';
import { loadWebhooks, wireWebhooks } from './webhooks.js';

const TABS = [
  { id: 'api-keys', label: 'API Keys', load: loadApiKeys },
  { id: 'ip-whitelist', label: 'IP Whitelist', load: loadIpWhitelist },
  { id: 'webhooks', label: 'Webhooks', load: loadWebhooks },
] as const;

function tabFromHash(): string {
  const t = location.hash.replace(/^#/, '').split('/')[1];
  return TABS.some((x) => x.id === t) ? t! : 'api-keys';
}

function select(id: string): void {
  const tab = TABS.find((t) => t.id === id) ?? TABS[0];
  history.replaceState(null, '', `${location.pathname}${location.search}#developers/${tab.id}`);
  const panel = must<HTMLElement>('#dev-panel');
  renderTabs(must('#dev-tabs'), panel, TABS.map((t) => ({ id: t.id, label: t.label })), tab.id, select);
  for (const p of all<HTMLElement>('[data-panel]', panel)) p.hidden = p.dataset.panel !== tab.id;
  void tab.load();
}

export function enterDevelopers(): void {
  select(tabFromHash());
}

export function wireDevelopers(): void {
  wireApiKeys();
  wireIpWhitelist();
  wireWebhooks();
}
