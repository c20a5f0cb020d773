// The sandbox dashboard's behaviour, run in the browser as /ui/app.js (scripts/build.mjs bundles
// this module and the ones it imports). Every read and write goes through the sandbox API with the
// dashboard session key from the document, so what the page does is what a colleague in the
// dashboard does: versions bump and changes are recorded as USER. This module wires the parts.
import type { Company, Integration } from '../../../generated/api.js';
import { api, describe, session } from './api.js';
import { el, must, showNotice } from './dom.js';
import { byServiceOrder, serviceLabel } from './format.js';
import { enterDevelopers, wireDevelopers } from './developers/index.js';
import { wireCloseButtons } from './forms.js';
import { menuIsOpen, wireMenuDismissal } from './menu.js';
import { wireAddDialog } from './providers/add.js';
import { openCredentialsDialog, wireCredentialsDialog } from './providers/credentials.js';
import { openFeeDialog, wireFeeDialog } from './providers/fee.js';
import { statusActions } from './providers/status.js';
import { load, setRowActions, showFiltersFromUrl, table, wireFilters } from './providers/table.js';
import { loadSequences, wireSequences } from './sequences.js';
import { shared } from './state.js';
import { currentView, onEnter, showCurrentView, wireViews } from './views.js';

const REFRESH_MS = 2000;

let started = false;

/** Company and catalog, loaded once; if the sandbox is not answering yet, the next tick tries again. */
async function setUp(): Promise<boolean> {
  try {
    const [company, catalog] = await Promise.all([api<Company>('GET', '/v1/company'), api<{ data: Integration[] }>('GET', '/v1/integrations')]);
    must<HTMLElement>('#company').textContent = company.json.name;
    must<HTMLElement>('caption', table()).textContent = `Providers of ${company.json.name}`;
    shared.integrations = new Map(catalog.json.data.map((i) => [i.id, i]));
    const services = [...new Set(catalog.json.data.flatMap((i) => i.services))].sort(byServiceOrder);
    must<HTMLSelectElement>('#filter-service').append(...services.map((s) => el('option', { value: s }, serviceLabel(s))));
    started = true;
    showNotice(undefined);
    showFiltersFromUrl();
    return true;
  } catch (e) {
    showNotice(`Could not reach the sandbox API, trying again: ${describe(e)}`);
    return false;
  }
}

async function start(): Promise<void> {
  if (!session) {
    showNotice('This page has no dashboard session; open it from `paystrator-gitops sandbox`.');
    return;
  }
  wireViews();
  if (await setUp()) {
    showCurrentView();
    await load();
  }
  // Refreshes while the page is visible and the user is not in a menu, a dialog or a load.
  setInterval(() => {
    if (document.hidden || shared.inFlight > 0 || menuIsOpen() || document.querySelector('dialog[open]')) return;
    if (started) {
      if (currentView() !== 'providers') return;
      void load(undefined, true);
      return;
    }
    shared.inFlight += 1;
    void setUp()
      .then((ok) => {
        if (!ok) return undefined;
        showCurrentView();
        return load();
      })
      .finally(() => (shared.inFlight -= 1));
  }, REFRESH_MS);
}

setRowActions((p) => [...statusActions(p), ['Edit fee…', () => void openFeeDialog(p)], ['Edit credentials…', () => void openCredentialsDialog(p)]]);
wireCloseButtons();
wireMenuDismissal();
wireFilters();
wireFeeDialog();
wireCredentialsDialog();
wireAddDialog();
wireSequences();
onEnter('sequences', () => void loadSequences());
wireDevelopers();
onEnter('developers', enterDevelopers);
void start();
