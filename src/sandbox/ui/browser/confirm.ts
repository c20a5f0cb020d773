// A modal confirmation for what cannot be undone (revoking a key, regenerating the webhook token).
// Cancel is focused first, so Enter on an unread dialog does nothing harmful.
import { must } from './dom.js';

export function confirmAction(opts: { title: string; text: string; confirm: string }): Promise<boolean> {
  const dialog = must<HTMLDialogElement>('#confirm-dialog');
  must('#confirm-title', dialog).textContent = opts.title;
  must('#confirm-text', dialog).textContent = opts.text;
  must('#confirm-ok', dialog).textContent = opts.confirm;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
    dialog.showModal();
    must<HTMLButtonElement>('#confirm-cancel', dialog).focus();
  });
}
