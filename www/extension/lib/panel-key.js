// "Where the extension keeps the API key": a block at the end of the page's Connection
// section. Session storage by default; "remember on this device" (chrome.storage.local)
// only after a warning the user confirms. The choice applies to the next Connect, and moves
// the key of the current connection at once.

import * as client from './client.js';
import { $, h, setAlert } from './dom.js';

const HINT = 'In Autopilot: Settings → Autopilot API. The extension keeps the key for this browser session '
  + '(or on this device, if you choose so below) so that scheduled refreshes can use it; it never appears in '
  + 'history, reports or saved destinations.';

/** Adds the key-storage choice to the Connection section. */
export function mountKeyChoice() {
  const section = $('#connection') ?? $('main') ?? document.body;
  const box = h('input', { type: 'checkbox', id: 'ext-remember', 'aria-describedby': 'ext-remember-hint' });
  const warning = h('div', { id: 'ext-remember-warning', class: 'alert alert-warning', role: 'alertdialog', 'aria-labelledby': 'ext-remember-title', hidden: true },
    h('strong', { id: 'ext-remember-title' }, 'Store the API key on this device?'),
    h('p', {}, 'The key is then saved unencrypted in this browser profile (the extension’s local storage), so scheduled '
      + 'refreshes also run after the browser restarts. Anyone who can use this browser profile, or read its files, can '
      + 'use the key to read and change your Autopilot contacts. Choose this only on a device you control, and remove '
      + 'the key here when you stop using the extension.'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'ext-remember-yes', class: 'btn btn-danger', onclick: () => choose('local') }, 'Remember on this device'),
      h('button', { type: 'button', id: 'ext-remember-no', class: 'btn', onclick: () => choose('session') }, 'Keep for this session only')));
  const status = h('p', { id: 'ext-key-status', class: 'status-text', role: 'status' });
  const error = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
  const forget = h('button', { type: 'button', id: 'ext-forget-key', class: 'btn btn-small', hidden: true, onclick: onForget }, 'Remove the stored key');
  const block = h('fieldset', { id: 'ext-key', class: 'sub ext-key' },
    h('legend', {}, 'API key storage in this extension'),
    h('div', { class: 'check field' }, box, h('label', { for: 'ext-remember' }, 'Remember the key on this device')),
    h('p', { class: 'hint', id: 'ext-remember-hint' }, 'Without this, the key is kept in the browser’s memory for this session only: '
      + 'after the browser restarts, scheduled refreshes wait (the toolbar badge says “KEY”) until you connect again.'),
    warning, h('div', { class: 'actions' }, forget, status), error);
  section.append(block);
  const hint = $('#apiKey-hint');
  if (hint) hint.textContent = HINT;

  box.addEventListener('click', (e) => {
    if (box.checked) {
      // Checking needs the confirmation first.
      e.preventDefault();
      warning.hidden = false;
      $('#ext-remember-yes', warning)?.focus();
    } else {
      choose('session');
    }
  });

  async function choose(area) {
    warning.hidden = true;
    box.checked = area === 'local';
    client.shared.keyArea = area;
    setAlert(error, '');
    const c = client.shared.connected;
    if (c) {
      try {
        await client.call('setKeyArea', { connectionId: c.connectionId, keyArea: area });
      } catch (e) {
        setAlert(error, 'The key could not be moved.', e.message);
      }
    }
    render();
    box.focus();
  }

  async function onForget() {
    const c = client.shared.connected;
    if (!c) return;
    await client.call('forgetKey', { connectionId: c.connectionId });
    status.textContent = 'The stored key was removed. Scheduled refreshes of this connection wait until you connect again.';
    forget.hidden = true;
  }

  function render() {
    const c = client.shared.connected;
    forget.hidden = !c;
    status.textContent = c
      ? (client.shared.keyArea === 'local' ? 'The key of this connection is remembered on this device.' : 'The key of this connection is kept for this browser session.')
      : '';
  }
  window.addEventListener('autopilot-export:connected', render);
}
