// DOM helpers. API data only ever enters the page as text: el() appends strings as text nodes.

export function must<T extends Element>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

export function all<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T[] {
  return Array.from(root.querySelectorAll<T>(selector));
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  // append() with strings makes text nodes: API data never becomes markup.
  node.append(...children);
  return node;
}

const notice = (): HTMLElement => must<HTMLElement>('#notice');

/** The page-wide alert line (not a dialog's): errors of loads and row actions. */
export function showNotice(text: string | undefined): void {
  const box = notice();
  box.textContent = text ?? '';
  box.hidden = !text;
}
