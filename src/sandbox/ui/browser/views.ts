// The page's views, named by the URL's hash like the dashboard's menu: Provider Management (no
// hash), Providers → Sequence Management (#sequences), Settings → Developers (#developers). The
// query string stays the provider filters'.
import { all, must } from './dom.js';

export type View = 'providers' | 'sequences' | 'developers';

const TITLES: Record<View, string> = {
  providers: 'Provider Management',
  sequences: 'Sequence Management',
  developers: 'Developers',
};

const entered = new Map<View, () => void>();

export function currentView(): View {
  const h = location.hash.replace(/^#/, '').split('/')[0];
  return h === 'sequences' || h === 'developers' ? h : 'providers';
}

/** `enter` runs each time the view is shown, e.g. to load what it shows. */
export function onEnter(view: View, enter: () => void): void {
  entered.set(view, enter);
}

function show(): void {
  const view = currentView();
  for (const section of all<HTMLElement>('main > section[data-view]')) section.hidden = section.dataset.view !== view;
  for (const link of all<HTMLAnchorElement>('nav.views a[data-view]')) {
    if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${TITLES[view]} · Paystrator sandbox`;
  entered.get(view)?.();
}

export function wireViews(): void {
  let was = currentView();
  window.addEventListener('hashchange', () => {
    const now = currentView();
    // The skip link (#providers) and a tab kept in the hash stay in the view they are in.
    if (now === was) return;
    was = now;
    show();
    // A keyboard or screen reader user lands on the new view's heading, not on the link left behind.
    must<HTMLElement>(`#view-${now} h1`).focus();
  });
  for (const h of all<HTMLElement>('main > section[data-view] h1')) h.tabIndex = -1;
}

/** Shows the view the URL names; called once the page can load data. */
export const showCurrentView = show;
