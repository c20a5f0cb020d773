// A WAI-ARIA tab list with automatic activation: arrows, Home and End move between tabs and select
// them; only the selected tab is in the Tab order.
import { el } from './dom.js';

export interface Tab {
  id: string;
  label: string;
}

export function renderTabs(list: HTMLElement, panel: HTMLElement, tabs: Tab[], selected: string, select: (id: string) => void): void {
  const prefix = list.id || 'tabs';
  // Re-rendered after the selected tab's data arrives: a tab that had focus keeps it.
  const hadFocus = list.contains(document.activeElement);
  const buttons = tabs.map((t) => {
    const on = t.id === selected;
    const b = el(
      'button',
      { type: 'button', role: 'tab', id: `${prefix}-${t.id}`, 'aria-selected': String(on), 'aria-controls': panel.id, tabindex: on ? '0' : '-1', 'data-tab': t.id },
      t.label,
    );
    b.addEventListener('click', () => select(t.id));
    return b;
  });
  list.replaceChildren(...buttons);
  if (hadFocus) buttons.find((b) => b.dataset.tab === selected)?.focus();
  panel.setAttribute('aria-labelledby', `${prefix}-${selected}`);
  list.onkeydown = (e: KeyboardEvent): void => {
    const at = buttons.findIndex((b) => b === document.activeElement);
    if (at < 0) return;
    const to = e.key === 'ArrowRight' ? at + 1 : e.key === 'ArrowLeft' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : undefined;
    if (to === undefined) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length];
    if (!next) return;
    select(next.id);
    list.querySelector<HTMLButtonElement>(`[data-tab="${CSS.escape(next.id)}"]`)?.focus();
  };
}
