// One modal confirmation (a native <dialog>): before a run that re-sends everything or
// removes list members. Resolves true only for the confirming button.

import { $, h } from './dom.js';

/**
 * @param {{title: string, body: (string|Node)[], confirm: string, cancel?: string, danger?: boolean}} o
 * @returns {Promise<boolean>}
 */
export function confirmDialog({ title, body, confirm, cancel = 'Cancel', danger = false }) {
  const dlg = /** @type {HTMLDialogElement} */ ($('#confirm-dialog'));
  const back = document.activeElement;
  dlg.replaceChildren(
    h('h3', { id: 'confirm-title' }, title),
    h('div', { id: 'confirm-body' }, body.map((b) => (typeof b === 'string' ? h('p', {}, b) : b))),
    h('form', { method: 'dialog', class: 'actions' },
      h('button', { value: 'no', class: 'btn', id: 'confirm-no', autofocus: true }, cancel),
      h('button', { value: 'yes', class: danger ? 'btn btn-danger' : 'btn btn-primary', id: 'confirm-yes' }, confirm)));
  dlg.setAttribute('aria-labelledby', 'confirm-title');
  dlg.setAttribute('aria-describedby', 'confirm-body');
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'yes');
      if (back instanceof HTMLElement) back.focus();
    }, { once: true });
    dlg.returnValue = '';
    dlg.showModal();
  });
}
