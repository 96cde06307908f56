// The admin page: page state and DOM wiring of the steps (connection, job configuration,
// segments, data matching, preview, export, history). Package calls go through
// ./exporter.js (loaded dynamically, so a missing build shows a message instead of a blank
// page); everything kept between visits goes through ./storage.js; rendering of the preview,
// progress and report lives in their own modules.

import { $, $$, breakable, download, h, nextPaint, sentence, setAlert, show, stackable } from './dom.js';
import { confirmDialog } from './dialog.js';
import * as fmt from './format.js';
import { entryFrom } from './history.js';
import { clearFieldErrors, controlFor, fieldError, focusControl, issueLinks, placeIssues } from './issues.js';
import { configKey, fromConfigFile, ConfigFileError, runOptions, toConfigFile, toConnection, toJob } from './job.js';
import { mergeSuggestions, targets, unionHeaders } from './mapping.js';
import { describeError } from './messages.js';
import { guardHits, renderPreview, sends } from './preview-view.js';
import { endProgress, showProgress, startProgress } from './progress-view.js';
import { whyNoResponse } from './reach.js';
import { renderReport } from './report-view.js';
import { defaultSegmentName, formatFromName, uniqueName } from './segments.js';
import { connectionId, openStorage } from './storage.js';

/** @type {typeof import('./exporter.js') | null} */
let api = null;
/** @type {Awaited<ReturnType<typeof openStorage>> | null} */
let store = null;

const state = {
  /** The package's metadata: defaults, bounds, standard fields, custom types. */
  meta: null,
  /** @type {{core: object[], more: object[]}} */
  targets: { core: [], more: [] },
  /** Verified connection (package shape, with the key: memory only); null until Connect succeeds. */
  connection: null,
  account: null,
  /** Storage id of the connection and its record ({config, syncState, resume}). */
  connId: null,
  record: null,
  /** @type {{id: number, name: string, fileName: string, size: number, format: string, bytes?: Uint8Array, inspection?: object, suggestion?: object, dialect?: object, pending?: boolean}[]} */
  segments: [],
  nextSegmentId: 1,
  mapping: { email: '', firstName: '', lastName: '', fields: {}, custom: [] },
  /** Target keys the user chose by hand or imported (suggestions never overwrite them). */
  touched: new Set(),
  /** Target keys holding a suggestion the user has not changed. */
  suggested: new Set(),
  /** Custom-field suggestions the user declined. */
  declined: new Set(),
  settings: { cap: '', overCap: '', lists: '', listPrefix: '', idField: '', membership: '', maxRemovalRatio: '', run: {} },
  /** Choices set by the user or a configuration (radios show the package's default otherwise, which is not written). */
  explicit: new Set(),
  /** Last preview: {summary, key}. */
  preview: null,
  previewAttempted: false,
  previewing: false,
  previewAgain: false,
  connecting: false,
  run: null, // {controller}
  moreOpened: false,
};

const validateSeq = { n: 0 };

// ------------------------------------------------------------------ small helpers

/** Shows an error of the package (or the page's BLOCKED) in an alert box, said once. */
function showError(box, e, ...extra) {
  const said = describeError(e);
  setAlert(box, said.title, said.detail, said.hint ? h('p', { class: 'hint-line' }, said.hint) : null, ...extra);
  return said;
}

/** The API base URL as used: the form's, else the package's default. */
function effectiveBaseUrl(conn) {
  return conn?.baseUrl || state.meta?.defaults?.baseUrl || '';
}

/**
 * A NETWORK error of a call to `baseUrl`: the browser blocked it (CORS) or nobody answered.
 * @returns {Promise<object>} the error, recoded BLOCKED when blocked
 */
async function explainNetwork(e, baseUrl) {
  if (e?.code !== 'NETWORK' || !baseUrl || !api) return e;
  let loopback = false;
  try { loopback = await api.isLoopbackUrl(baseUrl); } catch { /* treat as not loopback */ }
  const why = await whyNoResponse(baseUrl, loopback);
  if (why !== 'blocked') return e;
  return {
    ...e,
    code: 'BLOCKED',
    message: loopback
      ? `${baseUrl} answers, but it does not allow this page to read its answers (no CORS headers)`
      : `This page may not call ${baseUrl}: the browser allows a web page to call only an API that permits the page's origin (CORS), and it gave no response`,
  };
}

/** Runs a storage call; a failure is shown once and never stops the page. */
async function keep(fn) {
  if (!store) return undefined;
  try {
    return await fn(store);
  } catch (e) {
    $('#config-status').textContent = `Could not keep this in the browser: ${e instanceof Error ? e.message : e}`;
    return undefined;
  }
}

// ------------------------------------------------------------------ connection

const form = () => /** @type {HTMLFormElement} */ ($('#connect-form'));

function readForm() {
  return { displayName: $('#displayName').value, exportUser: $('#exportUser').value, baseUrl: $('#baseUrl').value };
}

function writeForm(f) {
  for (const k of ['displayName', 'exportUser', 'baseUrl']) if (typeof f[k] === 'string') /** @type {HTMLInputElement} */ ($(`#${k}`)).value = f[k];
}

/** The connection the job uses: the verified one, else the form's (for preview only). */
function jobConnection() {
  return state.connection ?? toConnection(readForm(), { apiKey: $('#apiKey').value, consent: true });
}

function updateConnectButton() {
  const consent = /** @type {HTMLInputElement} */ ($('#consent')).checked;
  let why = '';
  if (!api) why = 'The autopilot-export package is not loaded (see above).';
  else if (state.connecting) why = 'Checking the key with Autopilot…';
  else if (!consent) why = 'Tick “I agree” under the privacy notice first.';
  setDisabled($('#connect-btn'), $('#connect-why'), why);
}

/** Disables a button with its reason shown next to it (and as its tooltip), or enables it. */
function setDisabled(btn, whyEl, why) {
  btn.disabled = Boolean(why);
  if (why) btn.title = why; else btn.removeAttribute('title');
  if (whyEl) whyEl.textContent = why;
}

async function onConnect(event) {
  event.preventDefault();
  if (!api || !/** @type {HTMLInputElement} */ ($('#consent')).checked || state.connecting) return;
  const conn = toConnection(readForm(), { apiKey: $('#apiKey').value, consent: true });
  clearFieldErrors(['connection.']);
  setAlert($('#connect-error'), '');
  const issues = (await api.validateConnection(conn)).map((i) => ({ ...i, path: `connection.${i.path}` }));
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
    const account = await api.checkConnection(conn);
    state.connection = conn;
    state.account = account;
    /** @type {HTMLInputElement} */ ($('#apiKey')).value = ''; // the key now lives only in state.connection
    $('#connect-status').textContent = '';
    state.connId = connectionId(effectiveBaseUrl(conn), account);
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

function renderConnected() {
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

function onDisconnect() {
  state.connection = null;
  state.account = null;
  state.connId = null;
  state.record = null;
  renderConnected();
  $('#apiKey').focus();
}

/** After connecting: the connection's last configuration comes back (unless the page already holds one). */
function restoreSaved() {
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

function renderSyncInfo() {
  const r = state.record;
  const info = $('#sync-info');
  if (!state.connection) info.textContent = 'Connect to see what the last run confirmed.';
  else if (r?.syncState) info.textContent = `Kept from the last run (${fmt.dateTime(r.syncStateAt)}): the next run sends only new and changed contacts.`;
  else info.textContent = 'None yet: the first run sends every contact; later runs send only the changes.';
  show($('#forget-sync'), Boolean(state.connection && r?.syncState));
}

// ------------------------------------------------------------------ job configuration

/** The page's settings as the configuration file has them. */
function currentConfig() {
  readSettings();
  return toConfigFile({
    form: state.connection ?? readForm(),
    consent: Boolean(state.connection) || /** @type {HTMLInputElement} */ ($('#consent')).checked,
    mapping: state.mapping,
    segments: state.segments,
    settings: state.settings,
  });
}

/**
 * Puts a configuration (the CLI's JSON, already read by fromConfigFile or as stored) into
 * the page: connection fields (unless connected), mapping, segment names by file, settings.
 */
function applyConfig(cfgOrRead, { keepConnection = false } = {}) {
  const c = cfgOrRead.ignored ? cfgOrRead : fromConfigFile(JSON.stringify(cfgOrRead));
  if (!keepConnection) writeForm(c.form); // hidden while connected: used by the next Connect
  state.mapping = { email: c.mapping.email, firstName: c.mapping.firstName, lastName: c.mapping.lastName, fields: { ...c.mapping.fields }, custom: c.mapping.custom.map((x) => ({ ...x })) };
  state.touched = new Set(['email', 'firstName', 'lastName', 'idField', ...state.targets.more.map((t) => t.key)]);
  state.suggested.clear();
  state.declined = new Set(c.mapping.custom.map((x) => x.source));
  // Segments: the file's order; loaded files are matched by name, the others wait for their file.
  const loaded = [...state.segments];
  const next = [];
  for (const s of c.segments) {
    const i = loaded.findIndex((x) => x.fileName === s.file);
    if (i >= 0) {
      const [seg] = loaded.splice(i, 1);
      next.push({ ...seg, name: s.name });
    } else {
      next.push({ id: state.nextSegmentId++, name: s.name, fileName: s.file, size: 0, format: s.format ?? formatFromName(s.file), pending: true });
    }
  }
  state.segments = [...next, ...loaded.filter((x) => !x.pending)];
  const st = c.settings;
  state.explicit = new Set(['overCap', 'lists', 'membership'].filter((k) => st[k] !== undefined));
  state.settings = {
    cap: st.cap ?? '',
    overCap: st.overCap ?? '',
    lists: st.lists ?? '',
    listPrefix: st.listPrefix ?? '',
    idField: st.idField ?? '',
    membership: st.membership ?? '',
    maxRemovalRatio: st.maxRemovalRatio ?? '',
    run: { ...(st.run ?? {}) },
  };
  writeSettings();
  renderSegments();
  refreshHeaders();
  state.preview = null;
  show($('#preview-result'), false);
  return c;
}

async function onImportConfig(e) {
  const input = /** @type {HTMLInputElement} */ (e.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file || !state.meta) return;
  setAlert($('#config-error'), '');
  let read;
  try {
    read = fromConfigFile(await file.text());
  } catch (err) {
    const msg = err instanceof ConfigFileError ? err.message : String(err);
    setAlert($('#config-error'), `“${file.name}” was not imported:`, sentence(msg));
    return;
  }
  applyConfig(read);
  const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
  const parts = [`Imported “${file.name}”.`];
  if (state.connection && (read.form.displayName || read.form.baseUrl)) parts.push('Its connection details are used the next time you connect; the current connection stays.');
  if (read.ignored.length) parts.push(`Ignored: ${read.ignored.join(', ')}.`);
  if (waiting.length) parts.push(`Add the segment ${waiting.length === 1 ? 'file' : 'files'} ${waiting.join(', ')}.`);
  $('#config-status').textContent = parts.join(' ');
  await saveConfig();
  changed();
}

async function onExportConfig() {
  if (!state.meta) return;
  const cfg = currentConfig();
  download('autopilot-export.json', `${JSON.stringify(cfg, null, 2)}\n`, 'application/json');
  $('#config-status').textContent = 'Exported the configuration as autopilot-export.json (without the API key).';
  await saveConfig(cfg);
}

/** Keeps the configuration as this connection's last one. */
async function saveConfig(cfg = currentConfig()) {
  if (!state.connId) return;
  const rec = await keep((s) => s.saveConfig(state.connId, cfg));
  if (rec) state.record = rec;
}

// ------------------------------------------------------------------ segments

async function addFiles(fileList) {
  const files = [...fileList];
  if (!files.length || !api) return;
  const added = [];
  const replaced = [];
  const refused = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const format = formatFromName(file.name);
    let inspection;
    try {
      inspection = await api.inspect(bytes, format);
    } catch (e) {
      refused.push([file.name, describeError(e)]);
      continue;
    }
    if (inspection.binary) {
      refused.push([file.name, { title: 'not a text file:', detail: sentence(inspection.binary.message), hint: '' }]);
      continue;
    }
    let suggestion = null;
    try { suggestion = await api.suggestMapping(inspection); } catch { /* no suggestion for this file */ }
    const base = { fileName: file.name, size: file.size, format: inspection.format ?? format, bytes, inspection, suggestion, dialect: inspection.dialect, pending: false };
    // A file named like a segment's file fills that segment (a configuration's segment waiting
    // for it, or a newer export of the same file): same name, same place in the order.
    const same = state.segments.find((s) => s.fileName === file.name);
    if (same) {
      if (!same.pending) replaced.push(same);
      Object.assign(same, base);
      added.push(same);
    } else {
      const seg = { id: state.nextSegmentId++, name: uniqueName(defaultSegmentName(file.name), state.segments.map((s) => s.name)), ...base };
      state.segments.push(seg);
      added.push(seg);
    }
  }
  /** @type {HTMLInputElement} */ ($('#files')).value = '';
  const fresh = added.filter((x) => !replaced.includes(x));
  $('#files-status').textContent = [
    fresh.length ? `Added ${fresh.length === 1 ? `segment “${fresh[0].name}”` : `${fresh.length} segments`}.` : '',
    replaced.length ? `Replaced the file of ${replaced.map((x) => `“${x.name}”`).join(', ')}.` : '',
  ].filter(Boolean).join(' ');
  if (refused.length) {
    setAlert($('#files-error'), refused.length === 1 ? 'A file was not added:' : `${refused.length} files were not added:`, '',
      h('ul', {}, refused.map(([name, said]) => h('li', { 'data-file': name }, `“${name}”: `, said.title ? `${said.title} ` : '', said.detail, said.hint ? ` ${said.hint}` : ''))));
  } else {
    setAlert($('#files-error'), '');
  }
  renderSegments();
  refreshHeaders();
  changed();
}

function removeSegment(id) {
  const i = state.segments.findIndex((s) => s.id === id);
  if (i < 0) return;
  const [seg] = state.segments.splice(i, 1);
  $('#files-status').textContent = `Removed segment “${seg.name}”.`;
  renderSegments();
  refreshHeaders();
  changed();
  const buttons = $$('#segment-list .remove');
  (buttons[Math.min(i, buttons.length - 1)] ?? $('#files')).focus();
}

function renderSegments() {
  const list = $('#segment-list');
  list.replaceChildren();
  show($('#segments-empty'), state.segments.length === 0);
  state.segments.forEach((s, i) => {
    const nameId = `seg-name-${s.id}`;
    const metaId = `seg-meta-${s.id}`;
    const input = h('input', {
      id: nameId, value: s.name, 'data-path': `segments[${i}].name`, autocomplete: 'off', 'aria-describedby': `${metaId} segment-name-rule`,
      oninput: (e) => { s.name = e.target.value; changed(); },
    });
    const ins = s.inspection;
    const meta = s.pending
      ? h('p', { class: 'seg-meta seg-pending', id: metaId }, 'Waiting for its file ', h('span', { class: 'file mono' }, s.fileName), ': add it above.')
      : h('p', { class: 'seg-meta', id: metaId },
        h('span', { class: 'file' }, s.fileName), ' · ', s.format.toUpperCase(),
        s.dialect?.delimiter && s.dialect.delimiter !== ',' ? ` (${s.dialect.delimiter === '\t' ? 'tab' : `“${s.dialect.delimiter}”`}-separated)` : '', ' · ',
        h('span', { class: 'rows' }, fmt.plural(ins?.rows ?? 0, 'row')), ' · ', fmt.plural(ins?.headers?.length ?? 0, 'field'),
        ins?.invalidUtf8Rows ? h('span', { class: 'field-warning' }, ` · ${fmt.plural(ins.invalidUtf8Rows, 'row')} not valid UTF-8`) : null);
    list.append(h('li', { class: s.pending ? 'segment pending' : 'segment', 'data-segment-id': s.id },
      h('div', { class: 'field' }, h('label', { for: nameId }, `Segment ${i + 1} name`), input, meta),
      h('button', { type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove segment ${s.name}`, onclick: () => removeSegment(s.id) }, 'Remove')));
  });
}

function setupDropzone() {
  const zone = $('#dropzone');
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());
  zone.addEventListener('dragenter', () => zone.classList.add('dragging'));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'; zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', (e) => { if (!zone.contains(/** @type {Node} */ (e.relatedTarget))) zone.classList.remove('dragging'); });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    if (e.dataTransfer?.files?.length) addFiles(e.dataTransfer.files);
  });
  $('#files').addEventListener('change', (e) => addFiles(/** @type {HTMLInputElement} */ (e.target).files ?? []));
}

// ------------------------------------------------------------------ data matching

const allTargets = () => [...state.targets.core, ...state.targets.more];

function headers() {
  return unionHeaders(state.segments.map((s) => s.inspection?.headers ?? []));
}

function getTarget(key) {
  if (key === 'idField') return state.settings.idField ?? '';
  if (key.startsWith('fields.')) return state.mapping.fields[key.slice(7)] ?? '';
  return state.mapping[key] ?? '';
}

function setTarget(key, value) {
  if (key === 'idField') state.settings.idField = value;
  else if (key.startsWith('fields.')) state.mapping.fields[key.slice(7)] = value;
  else state.mapping[key] = value;
}

/** Fills a select with "not mapped" + the headers, keeping its value (even if gone from the files). */
function fillSelect(select, value, { emptyLabel = '— Not mapped —' } = {}) {
  const hs = headers();
  select.replaceChildren(h('option', { value: '' }, emptyLabel));
  for (const hd of hs) select.append(h('option', { value: hd }, hd));
  if (value && !hs.includes(value)) select.append(h('option', { value }, `${value} (not in the files)`));
  select.value = value;
}

function buildMappingRows() {
  $('#map-core').replaceChildren();
  $('#map-more').replaceChildren();
  for (const [list, box] of [[state.targets.core, $('#map-core')], [state.targets.more, $('#map-more')]]) {
    for (const t of list) {
      const id = `map-${t.key.replace('.', '-')}`;
      const select = h('select', { id, 'data-path': t.path, 'data-target': t.key, required: t.required });
      select.addEventListener('change', () => {
        setTarget(t.key, select.value);
        state.touched.add(t.key);
        state.suggested.delete(t.key);
        renderSuggestedTags();
        renderCustomSuggestions();
        changed();
      });
      box.append(h('div', { class: 'field map-row' },
        h('label', { for: id }, t.label, t.required ? h('span', { class: 'req' }, ' (required)') : null),
        h('div', { class: 'map-control' }, select, h('span', { class: 'tag tag-suggested', 'data-suggested-for': t.key, hidden: true }, 'suggested'))));
    }
  }
  $('#idField').addEventListener('change', (e) => {
    state.settings.idField = /** @type {HTMLSelectElement} */ (e.target).value;
    state.touched.add('idField');
    state.suggested.delete('idField');
    changed();
  });
}

/** The package's suggestions of every loaded file, merged (first file wins). */
function suggestion() {
  return mergeSuggestions(state.segments.filter((s) => s.suggestion).map((s) => s.suggestion));
}

/** Re-fills every select from the current headers and applies suggestions to untouched targets. */
function refreshHeaders() {
  const hs = headers();
  const sugg = suggestion();
  for (const key of [...allTargets().map((x) => x.key), 'idField']) {
    if (state.touched.has(key) && !(key === 'email' && !getTarget(key))) continue;
    const current = getTarget(key);
    if (current && !state.suggested.has(key) && hs.includes(current)) continue;
    const next = (key === 'idField' ? sugg.idField : sugg.targets[key]) ?? '';
    setTarget(key, next);
    if (next) state.suggested.add(key); else state.suggested.delete(key);
  }
  for (const t of allTargets()) fillSelect(/** @type {HTMLSelectElement} */ ($(`[data-target="${t.key}"]`)), getTarget(t.key));
  fillSelect(/** @type {HTMLSelectElement} */ ($('#idField')), state.settings.idField, { emptyLabel: '— None (row numbers only) —' });
  renderCustom();
  renderCustomSuggestions();
  renderSuggestedTags();
}

function renderSuggestedTags() {
  for (const tag of $$('[data-suggested-for]')) tag.hidden = !state.suggested.has(tag.dataset.suggestedFor);
  const mapped = state.targets.more.filter((t) => getTarget(t.key)).length;
  $('#more-count').textContent = mapped ? `(${mapped} mapped)` : '';
  if (mapped && !state.moreOpened) { /** @type {HTMLDetailsElement} */ ($('#more-fields')).open = true; state.moreOpened = true; }
}

/** Custom fields the package suggests from the headers (types from sampled values), to confirm. */
function pendingCustomSuggestions() {
  const mapped = new Set([...allTargets().map((t) => getTarget(t.key)), ...state.mapping.custom.map((c) => c.source)].filter(Boolean));
  return suggestion().custom.filter((c) => !mapped.has(c.source) && !state.declined.has(c.source));
}

function typeLabel(name) {
  return state.meta?.customTypes?.find((t) => t.name === name)?.label ?? name;
}

function renderCustomSuggestions() {
  const box = $('#custom-suggestions');
  const list = pendingCustomSuggestions();
  box.replaceChildren();
  show(box, list.length > 0);
  if (!list.length) return;
  box.append(
    h('p', { id: 'custom-sugg-text' }, h('strong', {}, `${fmt.plural(list.length, 'more column')} could be sent as custom fields.`),
      ' Types were guessed from the values in the files; check them, untick what should stay out, then add.'),
    h('ul', { class: 'sugg-list' }, list.map((c, i) => h('li', { 'data-type': c.type },
      h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `cs-${i}`, checked: true, 'data-source': c.source }),
        h('label', { for: `cs-${i}` }, h('span', { class: 'mono' }, c.source), ` → “${c.name}”, ${typeLabel(c.type)}`))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-small btn-primary', id: 'custom-sugg-add', onclick: acceptCustomSuggestions }, 'Add the ticked fields'),
      h('button', { type: 'button', class: 'btn btn-small', id: 'custom-sugg-dismiss', onclick: () => { for (const c of list) state.declined.add(c.source); renderCustomSuggestions(); } }, 'Not now')));
}

function acceptCustomSuggestions() {
  const list = pendingCustomSuggestions();
  for (const c of list) {
    const box = /** @type {HTMLInputElement} */ (document.querySelector(`#custom-suggestions input[data-source="${CSS.escape(c.source)}"]`));
    if (box?.checked) state.mapping.custom.push({ source: c.source, name: c.name, type: c.type });
    else state.declined.add(c.source);
  }
  renderCustom();
  renderCustomSuggestions();
  changed();
  ($('#custom-list li:last-child input') ?? $('#add-custom')).focus();
}

function renderCustom() {
  const list = $('#custom-list');
  const focusedId = document.activeElement?.id;
  list.replaceChildren();
  const types = state.meta?.customTypes ?? [];
  state.mapping.custom.forEach((c, i) => {
    const base = `mapping.custom[${i}]`;
    const src = h('select', { id: `cf-source-${i}`, 'data-path': `${base}.source` });
    fillSelect(src, c.source, { emptyLabel: '— Choose a profile field —' });
    const nameInput = /** @type {HTMLInputElement} */ (h('input', { id: `cf-name-${i}`, value: c.name, 'data-path': `${base}.name`, autocomplete: 'off', oninput: (e) => { c.name = e.target.value; changed(); } }));
    src.addEventListener('change', () => {
      const before = c.source;
      c.source = /** @type {HTMLSelectElement} */ (src).value;
      if (!c.name || c.name === before) { c.name = c.source; nameInput.value = c.name; }
      changed();
    });
    const type = /** @type {HTMLSelectElement} */ (h('select', { id: `cf-type-${i}`, 'data-path': `${base}.type` }, types.map((t) => h('option', { value: t.name }, t.label ?? t.name))));
    if (c.type && !types.some((t) => t.name === c.type)) type.append(h('option', { value: c.type }, c.type));
    type.value = c.type;
    type.addEventListener('change', () => { c.type = type.value; changed(); });
    list.append(h('li', { class: 'custom-row' },
      h('div', { class: 'field' }, h('label', { for: src.id }, 'Profile field'), src),
      h('div', { class: 'field' }, h('label', { for: nameInput.id }, 'Autopilot field name'), nameInput),
      h('div', { class: 'field' }, h('label', { for: type.id }, 'Type'), type),
      h('button', {
        type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove custom field ${i + 1}`,
        onclick: () => {
          const [gone] = state.mapping.custom.splice(i, 1);
          if (gone?.source) state.declined.add(gone.source);
          renderCustom();
          renderCustomSuggestions();
          changed();
          ($$('#custom-list .remove')[Math.min(i, state.mapping.custom.length - 1)] ?? $('#add-custom')).focus();
        },
      }, 'Remove')));
  });
  if (focusedId) document.getElementById(focusedId)?.focus();
}

// ------------------------------------------------------------------ settings

function radio(name) {
  return /** @type {HTMLInputElement | null} */ ($(`input[name="${name}"]:checked`))?.value ?? '';
}

function setRadio(name, value) {
  for (const r of /** @type {HTMLInputElement[]} */ ($$(`input[name="${name}"]`))) r.checked = r.value === value;
}

/**
 * Reads the settings controls into state.settings, values moved as typed. An empty field or
 * a choice left at the package's default is not set (the package applies its default).
 */
function readSettings() {
  const s = state.settings;
  s.cap = /** @type {HTMLInputElement} */ ($('#cap')).value;
  const rate = /** @type {HTMLInputElement} */ ($('#rate')).value;
  s.run = { ...s.run, ratePerSecond: rate };
  s.listPrefix = /** @type {HTMLInputElement} */ ($('#listPrefix')).value;
  for (const k of ['lists', 'overCap', 'membership']) s[k] = state.explicit.has(k) ? radio(k) : '';
  const pct = /** @type {HTMLInputElement} */ ($('#maxRemovalPct')).value.trim();
  s.maxRemovalRatio = radio('membership') !== 'mirror' || pct === '' ? '' : Number.isFinite(Number(pct)) ? Number(pct) / 100 : pct;
}

function writeSettings() {
  const s = state.settings;
  const d = state.meta?.defaults ?? {};
  /** @type {HTMLInputElement} */ ($('#cap')).value = s.cap === '' || s.cap === undefined ? '' : String(s.cap);
  /** @type {HTMLInputElement} */ ($('#rate')).value = s.run?.ratePerSecond === undefined ? '' : String(s.run.ratePerSecond);
  /** @type {HTMLInputElement} */ ($('#listPrefix')).value = s.listPrefix ?? '';
  setRadio('lists', s.lists || d.lists);
  setRadio('overCap', s.overCap || d.overCap);
  setRadio('membership', s.membership || d.membership);
  const ratio = Number(s.maxRemovalRatio);
  /** @type {HTMLInputElement} */ ($('#maxRemovalPct')).value = s.maxRemovalRatio !== '' && Number.isFinite(ratio) ? String(Math.round(ratio * 1e6) / 1e4) : '';
  writeSettingsState();
}

/** Reads defaults, bounds and lists of the package's metadata into the controls. */
function applyMetadata(meta) {
  const d = meta.defaults ?? {};
  const opt = (name) => (meta.numbers ?? meta.options ?? []).find((o) => o.name === name);
  const rate = opt('ratePerSecond');
  const rateInput = /** @type {HTMLInputElement} */ ($('#rate'));
  if (rate) {
    if (Number.isFinite(rate.min)) rateInput.min = String(rate.min);
    if (Number.isFinite(rate.max)) rateInput.max = String(rate.max);
  }
  rateInput.placeholder = String(d.ratePerSecond ?? '');
  $('#rate-hint').textContent = `Empty: ${fmt.rate(d.ratePerSecond, 'requests')}, Autopilot's limit per API key unless it has raised yours.`;
  const capInput = /** @type {HTMLInputElement} */ ($('#cap'));
  const capSpec = opt('cap');
  const max = capSpec?.max ?? meta.maxProfiles ?? d.cap;
  if (Number.isFinite(capSpec?.min)) capInput.min = String(capSpec.min);
  if (Number.isFinite(max)) capInput.max = String(max);
  capInput.placeholder = String(d.cap ?? '');
  $('#cap-hint').textContent = `At most ${fmt.num(max)} unique profiles per export (empty: ${fmt.num(d.cap)}); lower it if your Autopilot contract allows fewer.`;
  const pct = /** @type {HTMLInputElement} */ ($('#maxRemovalPct'));
  if (Number.isFinite(d.maxRemovalRatio)) pct.placeholder = String(Math.round(d.maxRemovalRatio * 1e6) / 1e4);
  const ratio = opt('maxRemovalRatio');
  if (Number.isFinite(ratio?.min)) pct.min = String(ratio.min * 100);
  if (Number.isFinite(ratio?.max)) pct.max = String(ratio.max * 100);
  $('#default-base').textContent = d.baseUrl ? ` (${d.baseUrl})` : '';
  /** @type {HTMLInputElement} */ ($('#baseUrl')).placeholder = d.baseUrl ?? '';
  state.targets = targets(meta);
  state.settings = { cap: '', overCap: '', lists: '', listPrefix: '', idField: '', membership: '', maxRemovalRatio: '', run: {} };
  state.explicit.clear();
  show($('#membership-box'), Boolean(d.membership));
  writeSettings();
}

// ------------------------------------------------------------------ job, validation, preview

/**
 * The package's ExportJob of the page. `light`: without the files' bytes (validation of the
 * configuration only needs the segment names; this keeps every keystroke cheap).
 */
function currentJob({ light = false } = {}) {
  readSettings();
  const segments = state.segments.filter((s) => !s.pending).map((s) => (light ? { ...s, bytes: undefined } : s));
  return toJob({ connection: jobConnection(), mapping: state.mapping, segments, settings: state.settings });
}

/** Identity of what a preview showed: the configuration, the files, the rate and the sync state. */
function previewKey() {
  const cfg = currentConfig();
  return `${configKey(cfg, state.segments)}|${JSON.stringify(cfg.run ?? {})}|${state.record?.syncStateAt ?? ''}|${state.connId ?? ''}`;
}

/** Identity of a job for resuming (rate and sync state may differ). */
function resumeKey() {
  return configKey(currentConfig(), state.segments);
}

const JOB_PATHS = ['mapping.', 'segments', 'cap', 'listPrefix', 'idField', 'overCap', 'lists', 'membership', 'maxRemovalRatio', 'run.'];

/** Live validation by the package: field messages once there is something to validate. */
async function validateLive() {
  if (!api) return [];
  const seq = ++validateSeq.n;
  if (state.segments.length === 0 && !state.previewAttempted) {
    clearFieldErrors(JOB_PATHS);
    return [];
  }
  let issues;
  try {
    issues = (await api.validateJob(currentJob({ light: true }))).filter((i) => !i.path.startsWith('connection'));
  } catch (e) {
    issues = e.issues ?? [];
  }
  if (seq !== validateSeq.n) return issues; // a newer validation is on its way
  clearFieldErrors(JOB_PATHS);
  placeIssues(issues);
  return issues;
}

/** Called after every change to segments, mapping or settings. */
function changed() {
  validateLive();
  const stale = state.preview && state.preview.key !== previewKey();
  $('#preview-status').textContent = stale ? 'Settings changed since the last preview: preview again.' : $('#preview-status').textContent.replace(/^Settings changed.*$/, '');
  $('#preview-result').classList.toggle('stale', Boolean(stale));
  writeSettingsState();
  updatePreviewButton();
  updateExportControls();
}

function writeSettingsState() {
  /** @type {HTMLInputElement} */ ($('#maxRemovalPct')).disabled = radio('membership') !== 'mirror';
}

function updatePreviewButton() {
  const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
  let why = '';
  if (!api) why = 'The autopilot-export package is not loaded.';
  else if (state.run) why = 'An export is running.';
  else if (state.segments.length === 0) why = 'Add a segment file first (step 2).';
  else if (waiting.length) why = `Add the ${waiting.length === 1 ? 'file' : 'files'} of the imported configuration first: ${waiting.join(', ')}.`;
  setDisabled($('#preview-btn'), $('#preview-why'), why);
}

/**
 * Previews the job. One preview at a time: a request made while one runs (a click, a changed
 * "Above the limit" choice) runs once more when it ends, with the settings of that moment.
 */
async function onPreview() {
  if (!api) return;
  if (state.previewing) { state.previewAgain = true; return; }
  state.previewing = true;
  $('#preview-btn').setAttribute('aria-busy', 'true');
  try {
    do {
      state.previewAgain = false;
      await previewOnce();
    } while (state.previewAgain);
  } finally {
    state.previewing = false;
    $('#preview-btn').removeAttribute('aria-busy');
    changed();
  }
}

async function previewOnce() {
  state.previewAttempted = true;
  setAlert($('#preview-error'), '');
  const issues = await validateLive();
  if (issues.length) {
    state.preview = null;
    show($('#preview-result'), false);
    setAlert($('#preview-error'), `Fix ${issues.length === 1 ? 'this problem' : `these ${issues.length} problems`} first:`, '', h('ul', {}, issueLinks(issues)));
    return;
  }
  const key = previewKey();
  const job = currentJob();
  $('#preview-status').textContent = 'Reading the segment files…';
  await nextPaint();
  let summary;
  try {
    summary = await api.preview(job, { ...rateOption(), syncState: state.connection ? state.record?.syncState : undefined });
  } catch (e) {
    state.preview = null;
    show($('#preview-result'), false);
    $('#preview-status').textContent = '';
    if (e.issues?.length) placeIssues(e.issues);
    showError($('#preview-error'), e, e.issues?.length ? h('ul', {}, issueLinks(e.issues)) : null);
    return;
  }
  state.preview = { summary, key };
  $('#preview-status').textContent = summary.wouldSend
    ? `Preview ready: ${fmt.plural(summary.totals.uniqueProfiles, 'unique profile')}, ${fmt.plural(summary.batches, 'batch', 'batches')}.`
    : 'Preview ready: nothing would be sent (see below).';
  renderPreview(summary, { toCsv: api.toCsv, syncState: Boolean(state.connection && state.record?.syncState) });
  await saveConfig();
}

/** The rate option for preview (the package validates it). */
function rateOption() {
  const run = runOptions(state.settings);
  return run.ratePerSecond === undefined ? {} : { ratePerSecond: run.ratePerSecond };
}

// ------------------------------------------------------------------ export

function previewFresh() {
  return Boolean(state.preview && state.preview.key === previewKey());
}

function resumable() {
  const r = state.record?.resume;
  return Boolean(r && state.connection && !state.segments.some((s) => s.pending) && state.segments.length && r.configKey === resumeKey());
}

function updateExportControls() {
  const running = Boolean(state.run);
  const fresh = previewFresh();
  const summary = fresh ? state.preview.summary : null;
  const resume = state.connection ? state.record?.resume ?? null : null;
  const guard = summary ? guardHits(summary).length > 0 : false;
  let hint;
  if (running) hint = 'Exporting… you can cancel and resume later.';
  else if (!state.connection) hint = 'Connect to Autopilot first (step 1).';
  else if (state.segments.length === 0) hint = 'Add at least one segment (step 2).';
  else if (state.segments.some((s) => s.pending)) hint = 'Add the segment files of the configuration first (step 2).';
  else if (!fresh) hint = 'Preview the export first (step 4): it shows what will be sent.';
  else if (!summary.wouldSend && summary.capExceeded) hint = 'Above the profile limit with “Refuse” selected: nothing can be sent.';
  else if (!summary.wouldSend && summary.blocked) hint = `Nothing can be sent: ${fmt.sentence(summary.blocked.message)}`;
  else if (guard) hint = 'The run would remove too many list members: nothing can be sent (see the preview).';
  else if (!sends(summary)) hint = summary.changes ? 'Nothing changed since the last run: nothing to send.' : 'No valid profiles to export.';
  else {
    const n = summary.changes ? summary.changes.added + summary.changes.updated : summary.totals.memberships;
    hint = `Ready: ${fmt.plural(n, 'list membership')} in ${fmt.plural(summary.batches, 'batch', 'batches')} of at most 100, about ${fmt.duration(summary.estimatedDurationMs)} at ${fmt.rate(summary.ratePerSecond, 'requests')}.`;
  }
  $('#export-hint').textContent = hint;
  const canStart = Boolean(state.connection && fresh && sends(summary) && !guard && !running);
  const exportBtn = /** @type {HTMLButtonElement} */ ($('#export-btn'));
  setDisabled(exportBtn, null, canStart ? '' : hint);
  exportBtn.textContent = resume ? 'Start over' : 'Export to Autopilot';
  exportBtn.classList.toggle('btn-primary', !resume);
  show($('#cancel-btn'), running);
  show($('#resume-btn'), Boolean(resume) && !running);
  show($('#discard-btn'), Boolean(resume) && !running);
  const info = $('#resume-info');
  if (resume && !running) {
    const ok = resumable();
    const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
    const why = ok ? '' : waiting.length ? `To resume, add ${waiting.join(', ')}.` : 'To resume, add the same files with the same settings (the saved progress belongs to another configuration).';
    info.textContent = `Saved progress of a cancelled export: ${fmt.num(resume.batchesDone)} of ${fmt.num(resume.batchesTotal)} batches done (${fmt.dateTime(resume.savedAt)}). `
      + (ok ? 'Resume sends only the batches not done yet.' : why);
    setDisabled($('#resume-btn'), null, ok ? '' : why);
    show(info, true);
  } else {
    show(info, false);
  }
  updatePreviewButton();
}

async function saveResume(resume) {
  if (!state.connId) return;
  const rec = await keep((s) => s.saveResume(state.connId, resume));
  if (rec) state.record = rec;
}

async function onExportClick() {
  const resume = state.record?.resume;
  if (resume) {
    const ok = await confirmDialog({
      title: 'Start over?',
      body: [`The saved progress (${fmt.num(resume.batchesDone)} of ${fmt.num(resume.batchesTotal)} batches done) is discarded and the export runs from the beginning, sending everything the preview shows.`,
        'To send only what is left of the cancelled run, choose “Resume export” instead.'],
      confirm: 'Start over', danger: true,
    });
    if (!ok) return;
    await saveResume(null);
  }
  const c = state.preview?.summary?.changes;
  if (c?.removed > 0) {
    const segs = state.preview.summary.segments.filter((s) => s.changes?.removed > 0);
    const ok = await confirmDialog({
      title: `Remove ${fmt.plural(c.removed, 'member')} from Autopilot lists?`,
      body: ['Mirror mode removes people who left their segment from its list (only people this tool added; contacts themselves are kept):',
        h('ul', {}, segs.map((s) => h('li', {}, `${s.listTitle ?? s.name}: ${fmt.plural(s.changes.removed, 'removal')}`)))],
      confirm: `Remove ${fmt.num(c.removed)} and export`, danger: true,
    });
    if (!ok) return;
  }
  startExport(false);
}

async function startExport(resume) {
  if (!api || state.run) return;
  const job = currentJob();
  const key = resumeKey();
  const saved = state.record?.resume;
  const controller = new AbortController();
  state.run = { controller };
  let last = null;
  setAlert($('#export-error'), '');
  show($('#report'), false);
  show($('#progress-box'), true);
  startProgress(job.lists === 'none' ? 'contacts' : 'list memberships', resume ? 'Resuming the export…' : 'Starting the export…');
  /** @type {HTMLButtonElement} */ ($('#cancel-btn')).disabled = false;
  updateExportControls();
  $('#cancel-btn').focus();
  await saveConfig();

  const conn = state.connection;
  const connId = state.connId;
  let report = null;
  let error = null;
  try {
    report = await api.runExport(job, {
      signal: controller.signal,
      onProgress: (p) => { last = p; showProgress(p); },
      ...runOptions(state.settings),
      checkpoint: resume ? saved?.checkpoint : undefined,
      syncState: state.record?.syncState,
    });
  } catch (e) {
    error = e;
    report = e.report ?? null;
  }
  state.run = null;
  if (report?.syncState && connId) {
    const rec = await keep((s) => s.saveSyncState(connId, report.syncState));
    if (rec) state.record = rec;
  }

  if (report?.status === 'cancelled' || report?.status === 'paused') {
    const cp = report.checkpoint;
    await saveResume({
      checkpoint: cp, configKey: key, savedAt: new Date().toISOString(),
      batchesDone: last?.batchesDone ?? cp?.done?.length ?? 0,
      batchesTotal: last?.batchesTotal ?? cp?.batches ?? 0,
    });
    endProgress(`Export ${report.status}. You can resume it: only the batches not done yet will be sent.`);
  } else if (report) {
    await saveResume(null);
    endProgress(`Export ${fmt.status(report.status).toLowerCase()}.`, { full: report.status === 'succeeded' });
  } else {
    endProgress(error?.code === 'ABORTED' ? 'Cancelled before anything was sent.' : 'The export did not start.');
    if (!last) show($('#progress-box'), false);
  }

  if (error && error.code !== 'ABORTED') {
    const e = await explainNetwork(error, effectiveBaseUrl(conn));
    showError($('#export-error'), e, e.issues?.length ? h('ul', {}, issueLinks(e.issues)) : null,
      e.code === 'AUTH_FAILED' ? h('p', {}, 'Change the connection (step 1) with a valid API key, then export again.') : null);
  }
  const ctx = { displayName: conn.displayName, exportUser: conn.exportUser, errorCode: error?.code };
  if (report) {
    renderReport(report, { toCsv: api.toCsv });
    if (report.error?.code === 'NETWORK' && !error) {
      const e = await explainNetwork(report.error, effectiveBaseUrl(conn));
      if (e.code === 'BLOCKED') showError($('#export-error'), e);
    }
  }
  if (report || (error && error.code !== 'ABORTED' && error.code !== 'CHECKPOINT_MISMATCH')) {
    const list = await keep((s) => s.addHistory(entryFrom(report, ctx)));
    if (list) renderHistory(list);
  }
  renderSyncInfo();
  changed();
  if (report) $('#report').focus();
  else if (state.record?.resume) $('#resume-btn').focus();
}

// ------------------------------------------------------------------ history

function renderHistory(list) {
  const table = $('#history-table');
  const tbody = $('tbody', table);
  tbody.replaceChildren();
  for (const e of list) {
    tbody.append(h('tr', {},
      h('td', {}, fmt.dateTime(e.at)),
      h('td', {}, h('span', { class: `badge badge-${fmt.tone(e.status)}` }, fmt.status(e.status)), e.resumed ? h('span', { class: 'muted' }, ' (resumed)') : null,
        e.error ? h('span', { class: 'muted' }, ` ${e.error}`) : null),
      h('td', {}, e.displayName, h('span', { class: 'sub-line' }, breakable(e.exportUser))),
      ...['profilesIn', 'exported', 'unchanged', 'removed', 'failed'].map((k) => h('td', { class: 'num' }, fmt.num(e.totals?.[k] ?? 0))),
      h('td', { class: 'num' }, fmt.duration(e.durationMs))));
  }
  stackable(/** @type {HTMLTableElement} */ (table));
  show(table, list.length > 0);
  show($('#history-empty'), list.length === 0);
  show($('#clear-history'), list.length > 0);
}

// ------------------------------------------------------------------ boot

async function loadDemoConfig() {
  try {
    const res = await fetch(new URL('demo-config.json', document.baseURI), { cache: 'no-store' });
    if (!res.ok) return;
    const cfg = await res.json();
    if (cfg && typeof cfg.baseUrl === 'string' && cfg.baseUrl && !/** @type {HTMLInputElement} */ ($('#baseUrl')).value) {
      /** @type {HTMLInputElement} */ ($('#baseUrl')).value = cfg.baseUrl;
      show($('#demo-hint'), true);
    }
  } catch {
    // Served without serve.mjs (e.g. inside an extension): the package's default base URL applies.
  }
}

async function loadPackage() {
  try {
    const mod = await import('./exporter.js');
    state.meta = await mod.init();
    api = mod;
  } catch (e) {
    setAlert($('#load-error'), 'The autopilot-export package could not be loaded.',
      `Build it with pkg-template/build.sh and serve the page with node www/serve.mjs. (${e instanceof Error ? e.message : e?.message ?? e})`);
  }
}

async function loadStorage() {
  try {
    store = await openStorage();
  } catch (e) {
    $('#config-status').textContent = `Nothing can be kept in this browser: ${e instanceof Error ? e.message : e}`;
  }
}

function bind() {
  form().addEventListener('submit', onConnect);
  $('#consent').addEventListener('change', updateConnectButton);
  $('#disconnect-btn').addEventListener('click', onDisconnect);
  for (const id of ['#displayName', '#apiKey', '#exportUser', '#baseUrl']) {
    $(id).addEventListener('input', () => {
      const el = $(id);
      if (el.getAttribute('aria-invalid')) clearFieldErrors([el.dataset.path]);
    });
  }
  setupDropzone();
  $('#config-file').addEventListener('change', onImportConfig);
  $('#config-export').addEventListener('click', onExportConfig);
  $('#add-custom').addEventListener('click', () => {
    state.mapping.custom.push({ source: '', name: '', type: state.meta?.customTypes?.[0]?.name ?? '' });
    renderCustom();
    changed();
    $(`#cf-source-${state.mapping.custom.length - 1}`).focus();
  });
  for (const id of ['#cap', '#rate', '#listPrefix', '#maxRemovalPct']) $(id).addEventListener('input', changed);
  for (const name of ['lists', 'membership']) for (const r of $$(`input[name="${name}"]`)) r.addEventListener('change', () => { state.explicit.add(name); changed(); });
  for (const r of $$('input[name="overCap"]')) {
    r.addEventListener('change', () => {
      state.explicit.add('overCap');
      // The choice changes what would be sent: refresh the preview at once (no network).
      if (state.preview) onPreview(); else changed();
    });
  }
  $('#forget-sync').addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Forget the sync state?',
      body: ['The next run then sends every contact again, as a first run does. Mirror mode removes nobody until a run has confirmed its members again.'],
      confirm: 'Forget it',
    });
    if (!ok || !state.connId) return;
    const rec = await keep((s) => s.saveSyncState(state.connId, null));
    if (rec) state.record = rec;
    renderSyncInfo();
    changed();
  });
  $('#preview-btn').addEventListener('click', onPreview);
  $('#export-btn').addEventListener('click', onExportClick);
  $('#resume-btn').addEventListener('click', () => startExport(true));
  $('#cancel-btn').addEventListener('click', () => {
    if (!state.run) return;
    /** @type {HTMLButtonElement} */ ($('#cancel-btn')).disabled = true;
    $('#progress-text').textContent = 'Cancelling: stopping the requests in flight…';
    state.run.controller.abort();
  });
  $('#discard-btn').addEventListener('click', async () => {
    await saveResume(null);
    updateExportControls();
    $('#export-btn').focus();
  });
  window.addEventListener('beforeunload', (e) => { if (state.run) e.preventDefault(); });
  $('#clear-history').addEventListener('click', async () => {
    await keep((s) => s.clearHistory());
    renderHistory([]);
    $('#h-history').setAttribute('tabindex', '-1');
    $('#h-history').focus();
  });
}

async function boot() {
  bind();
  renderSegments();
  await Promise.all([loadPackage(), loadStorage()]);
  // The connection fields of the last configuration used in this browser (never a key).
  const last = (await keep((s) => s.connections()))?.find((r) => r.config?.connection);
  if (last) writeForm(fromConfigFile(JSON.stringify(last.config)).form);
  await loadDemoConfig();
  if (state.meta) {
    applyMetadata(state.meta);
    buildMappingRows();
    refreshHeaders();
  }
  renderHistory((await keep((s) => s.history())) ?? []);
  updateConnectButton();
  changed();
  document.documentElement.dataset.ready = api ? 'true' : 'error';
}

boot();
