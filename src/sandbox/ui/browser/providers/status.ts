// Deactivate, reactivate, mark as under maintenance: POST /status with If-Match.
import type { Provider, ProviderStatus } from '../../../../generated/api.js';
import { api, describe, providerPath } from '../api.js';
import { showNotice } from '../dom.js';
import type { MenuAction } from '../menu.js';
import { busy } from '../state.js';
import { load } from './table.js';

const STATUS_ACTIONS: Record<ProviderStatus, { label: string; reason: string; done: string }> = {
  INACTIVE: { label: 'Deactivate', reason: 'Deactivated in the dashboard', done: 'is deactivated' },
  ACTIVE: { label: 'Reactivate', reason: 'Reactivated in the dashboard', done: 'is active again' },
  MAINTENANCE: { label: 'Mark as under maintenance', reason: 'Marked as under maintenance in the dashboard', done: 'is under maintenance' },
};

/** The status changes a provider in `p.status` can take, in the menu's order. */
export function statusActions(p: Provider): MenuAction[] {
  return (['INACTIVE', 'ACTIVE', 'MAINTENANCE'] as const).filter((s) => s !== p.status).map((s) => [STATUS_ACTIONS[s].label, () => void changeStatus(p, s)]);
}

/**
 * Reads the provider for its ETag and writes with If-Match, like any client of the API. A provider
 * that moved since the table showed it is not changed blindly: the table is refreshed instead.
 */
async function changeStatus(p: Provider, status: ProviderStatus): Promise<void> {
  showNotice(undefined);
  await busy(async () => {
    try {
      const current = await api<Provider>('GET', providerPath(p.id));
      if (current.json.version !== p.version) {
        showNotice(`${p.name} changed since the table was loaded; the table now shows its current state. Check it and try again.`);
        await load();
        return;
      }
      await api<Provider>('POST', `${providerPath(p.id)}/status`, {
        body: { status, reason: STATUS_ACTIONS[status].reason },
        headers: { 'If-Match': current.etag ?? '*' },
      });
      await load(`${p.name} ${STATUS_ACTIONS[status].done}.`);
    } catch (e) {
      showNotice(`Could not change the status of ${p.name}: ${describe(e)}`);
      await load();
    }
  });
}
