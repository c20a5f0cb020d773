// A row's action menu (WAI-ARIA menu button: arrows, Home/End, Escape, Tab). It knows nothing of
// providers: the caller hands it the actions.
import { all, el } from './dom.js';

export type MenuAction = [label: string, run: () => void];

let openMenu: { button: HTMLButtonElement; menu: HTMLElement } | undefined;

export const menuIsOpen = (): boolean => openMenu !== undefined;
export const isOpenFor = (button: HTMLButtonElement): boolean => openMenu?.button === button;

export function closeMenu(returnFocus: boolean): void {
  if (!openMenu) return;
  const { button, menu } = openMenu;
  openMenu = undefined;
  menu.remove();
  button.setAttribute('aria-expanded', 'false');
  button.removeAttribute('aria-controls');
  if (returnFocus) button.focus();
}

export function showMenu(button: HTMLButtonElement, opts: { id: string; label: string; actions: MenuAction[] }, focus: 'first' | 'last'): void {
  closeMenu(false);
  const menu = el('div', { role: 'menu', id: opts.id, class: 'menu', 'aria-label': opts.label });
  for (const [label, run] of opts.actions) {
    const item = el('button', { type: 'button', role: 'menuitem', tabindex: '-1' }, label);
    item.addEventListener('click', () => {
      closeMenu(true);
      run();
    });
    menu.append(item);
  }
  const items = (): HTMLButtonElement[] => all<HTMLButtonElement>('[role="menuitem"]', menu);
  menu.addEventListener('keydown', (e) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    const move = (i: number): void => {
      e.preventDefault();
      list[(i + list.length) % list.length]?.focus();
    };
    if (e.key === 'ArrowDown') move(at + 1);
    else if (e.key === 'ArrowUp') move(at - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(list.length - 1);
    else if (e.key === 'Escape') {
      e.preventDefault();
      closeMenu(true);
    } else if (e.key === 'Tab') closeMenu(false);
  });
  menu.addEventListener('focusout', (e) => {
    const next = e.relatedTarget as Node | null;
    if (next && !menu.contains(next) && next !== button) closeMenu(false);
  });
  button.after(menu);
  button.setAttribute('aria-expanded', 'true');
  button.setAttribute('aria-controls', opts.id);
  openMenu = { button, menu };
  const list = items();
  (focus === 'first' ? list[0] : list[list.length - 1])?.focus();
}

/** A click anywhere outside the open menu closes it. */
export function wireMenuDismissal(): void {
  document.addEventListener('click', (e) => {
    if (openMenu && !openMenu.menu.contains(e.target as Node) && !openMenu.button.contains(e.target as Node)) closeMenu(false);
  });
}
