// Step 1, the connection: the form, Connect (validated by the package, checked with
// Autopilot; a blocked or unanswered call explained), the connected summary, and what the
// connection brings back from storage (its last configuration, its sync state).

import * as fmt from './format.js';
import { applyConfig } from './config-step.js';
import { $, breakable, h, setAlert, show } from './dom.js';
import { clearFieldErrors, controlFor, fieldError, focusControl, placeIssues } from './issues.js';
import { toConnection } from './job.js';
import { app, effectiveBaseUrl, explainNetwork, keep, setDisabled, showError, state } from './page-state.js';
import { changed } from './preview-step.js';
import { connectionId, olderConnectionId } from './storage.js';

export const form = () => /** @type {HTMLFormElement} */ ($('#connect-form'));

export function readForm() {
  return { displayName: $('#displayName').value, exportUser: $('#exportUser').value, baseUrl: $('#baseUrl').value };
}

export function writeForm(f) {
  for (const k of ['displayName', 'exportUser', 'baseUrl']) if (typeof f[k] === 'string') /** @type {HTMLInputElement} */ ($(`#${k}`)).value = f[k];
}

/** The connection the job uses: the verified one, else the form's (for preview only). */
export function jobConnection() {
  return state.connection ?? toConnection(readForm(), { apiKey: $('#apiKey').value, consent: true });
}

export function updateConnectButton() {
  const consent = /** @type {HTMLInputElement} */ ($('#consent')).checked;
  let why = '';
  if (!app.api) why = 'The autopilot-export package is not loaded (see above).';
  else if (state.connecting) why = 'Checking the key with Autopilot…';
  else if (!consent) why = 'Tick “I agree” under the privacy notice first.';
  setDisabled($('#connect-btn'), $('#connect-why'), why);
}

export async function onConnect(event) {
  event.preventDefault();
  if (!app.api || !/** @type {HTMLInputElement} */ ($('#consent')).checked || state.connecting) return;
  const conn = toConnection(readForm(), { apiKey: $('#apiKey').value, consent: true });
  clearFieldErrors(['connection.']);
  setAlert($('#connect-error'), '');
  const issues = (await app.api.validateConnection(conn)).map((i) => ({ ...i, path: `connection.${i.path}` }));
  if (issues.length) {
    setAlert($('#connect-error'), `Please fix ${issues.length === 1 ? 'this problem' : `these ${issues.length} problems`}:`, '', h('ul', {}, placeIssues(issues)));
    focusControl(controlFor(issues[0].path) ?? $('#displayName'));
    return;
  }
  state.connecting = true;
  updateConnectButton();
  $('#connect-btn').setAttribute('aria-busy', 'true');
  $('#connect-status').textContent = 'Checking the API key with Autopilot…';
  try {
    // Before anything changes: the id the connection's data is filed under.
    const apiBase = await app.api.apiBaseUrl(conn.baseUrl);
    const account = await app.api.checkConnection(conn);
    state.connection = conn;
    state.account = account;
    /** @type {HTMLInputElement} */ ($('#apiKey')).value = ''; // the key now lives only in state.connection
    $('#connect-status').textContent = '';
    state.connId = connectionId(apiBase, account);
    await keep((s) => s.adopt(olderConnectionId(effectiveBaseUrl(conn), account), state.connId));
    state.record = (await keep((s) => s.connection(state.connId))) ?? null;
    renderConnected();
    restoreSaved();
    $('#connected-msg').focus();
  } catch (err) {
    $('#connect-status').textContent = '';
    const e = await explainNetwork(err, effectiveBaseUrl(conn));
    const said = showError($('#connect-error'), e);
    if (said.field === 'apiKey') fieldError($('#apiKey'), 'Autopilot did not accept this key: check it and try again');
    else if (said.field === 'baseUrl') fieldError($('#baseUrl'), e.code === 'BLOCKED' ? 'The browser blocked calls to this address' : e.code === 'NETWORK' ? `No answer from ${effectiveBaseUrl(conn)}` : 'Check this address');
    if (e.issues?.length) placeIssues(e.issues.map((i) => ({ ...i, path: `connection.${i.path}` })));
    focusControl(said.field === 'baseUrl' ? $('#baseUrl') : $('#apiKey'));
  } finally {
    state.connecting = false;
    $('#connect-btn').removeAttribute('aria-busy');
    updateConnectButton();
  }
}

export function renderConnected() {
  const c = state.connection;
  const on = c !== null;
  show(form(), !on);
  show($('#connected'), on);
  const badge = $('#conn-badge');
  if (on) {
    $('#connected-msg').textContent = `Connected to Autopilot as “${c.displayName}”.`;
    $('#connected-msg').setAttribute('tabindex', '-1');
    $('#c-displayName').textContent = c.displayName;
    $('#c-exportUser').replaceChildren(...breakable(c.exportUser));
    $('#c-apiKey').textContent = fmt.maskKey(c.apiKey);
    $('#c-server').textContent = effectiveBaseUrl(c);
    $('#c-instance').textContent = String(state.account?.instanceId ?? '–');
    badge.textContent = `Connected · ${c.displayName} · ${fmt.maskKey(c.apiKey)}`;
    badge.className = 'badge badge-ok';
  } else {
    badge.textContent = 'Not connected';
    badge.className = 'badge badge-muted';
  }
  renderSyncInfo();
  changed();
}

export function onDisconnect() {
  state.connection = null;
  state.account = null;
  state.connId = null;
  state.record = null;
  renderConnected();
  $('#apiKey').focus();
}

/** After connecting: the connection's last configuration comes back (unless the page already holds one). */
export function restoreSaved() {
  const cfg = state.record?.config;
  const empty = state.segments.length === 0 && !state.mapping.email && state.mapping.custom.length === 0;
  if (cfg && empty) {
    applyConfig(cfg, { keepConnection: true });
    $('#config-status').textContent = `Restored the settings of your last export with this connection (${fmt.dateTime(state.record.savedAt)}). Add the segment files to continue.`;
  } else if (cfg) {
    $('#config-status').textContent = 'This connection has saved settings; the ones on the page are kept.';
  }
  changed();
}

export function renderSyncInfo() {
  const r = state.record;
  const info = $('#sync-info');
  if (!state.connection) info.textContent = 'Connect to see what the last run confirmed.';
  else if (r?.syncState) info.textContent = `Kept from the last run (${fmt.dateTime(r.syncStateAt)}): the next run sends only new and changed contacts.`;
  else info.textContent = 'None yet: the first run sends every contact; later runs send only the changes.';
  show($('#forget-sync'), Boolean(state.connection && r?.syncState));
}
