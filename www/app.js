// The admin page: DOM wiring and page state. All calls into the autopilot-export package
// go through ./exporter.js (loaded dynamically, so a missing build shows a message
// instead of a blank page).

import {
  CUSTOM_TYPES, TARGETS, inspectFile, segmentNameFromFile, suggestMapping, unionHeaders,
} from './mapping.js';
import * as fmt from './format.js';
import { addHistory, clearHistory, entryFrom, readHistory } from './history.js';

const CHECKPOINT_KEY = 'autopilot-export.checkpoint.v1';

/** @type {typeof import('./exporter.js') | null} */
let api = null;

const state = {
  /** Verified connection (package shape) plus what the page shows; null until Connect succeeds. */
  connection: null,
  account: null,
  /** @type {{id: number, name: string, fileName: string, size: number, lastModified: number, format: string, bytes: Uint8Array, headers: string[], rows: number, error?: string}[]} */
  segments: [],
  nextSegmentId: 1,
  mapping: { email: '', firstName: '', lastName: '', fields: {}, custom: [] },
  /** Target keys the user chose by hand (suggestions never overwrite them). */
  touched: new Set(),
  /** Target keys currently holding a suggestion the user has not changed. */
  suggested: new Set(),
  idField: '',
  options: { cap: 100000, overCap: 'refuse', lists: 'per-segment', listPrefix: '', rate: 5 },
  /** Last preview: {summary, key}. */
  preview: null,
  previewAttempted: false,
  run: null, // {controller}
  previewing: false,
  connecting: false,
  moreOpened: false,
  /** Saved progress of a cancelled run: {checkpoint, key, batchesDone, batchesTotal, savedAt}. */
  resume: null,
};

// ------------------------------------------------------------------ DOM helpers

const $ = (sel, root = document) => /** @type {HTMLElement} */ (root.querySelector(sel));
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** Creates an element: h('p', {class: 'x'}, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function show(el, on = true) { el.hidden = !on; }

/** Text with line-break opportunities after "@" (long email-like names in narrow columns). */
function breakable(text) {
  const parts = String(text).split('@');
  return parts.flatMap((p, i) => (i < parts.length - 1 ? [p, '@', document.createElement('wbr')] : [p]));
}

/** Fills an alert box; an empty message hides it. */
function setAlert(el, title, detail, extra) {
  el.replaceChildren();
  if (!title) { el.hidden = true; return; }
  el.append(h('strong', {}, title));
  if (detail) el.append(' ', h('span', {}, detail));
  if (extra) el.append(extra);
  el.hidden = false;
}

// ------------------------------------------------------------------ issues next to fields

let errorIds = 0;

/** Parent of an issue path: `mapping.custom[2].type` -> `mapping.custom[2]` -> `mapping.custom` -> `mapping`. */
function parentPath(p) {
  const m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(p);
  return m ? m[1] : '';
}

/** The control an issue path concerns (or its nearest ancestor's control). */
function controlFor(path) {
  for (let p = path; p; p = parentPath(p)) {
    const el = document.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (el) return el;
  }
  return null;
}

function clearFieldErrors(prefixes) {
  for (const el of $$('[data-path]')) {
    const p = el.dataset.path;
    if (!prefixes.some((pre) => p === pre || p.startsWith(pre))) continue;
    el.removeAttribute('aria-invalid');
    const box = fieldBox(el);
    const err = box.querySelector(':scope > .field-error');
    if (err) {
      const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((x) => x && x !== err.id);
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
      err.remove();
    }
  }
}

function fieldBox(el) {
  return el.closest('.field') ?? el.parentElement;
}

/** Shows a message under the control (and links it with aria-describedby). */
function fieldError(el, message) {
  const box = fieldBox(el);
  let err = box.querySelector(':scope > .field-error');
  if (!err) {
    err = h('p', { class: 'field-error', id: `err-${++errorIds}` });
    box.append(err);
    const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    el.setAttribute('aria-describedby', [...ids, err.id].join(' '));
  }
  err.textContent = err.textContent ? `${err.textContent} ${capitalise(message)}.` : `${capitalise(message)}.`;
  el.setAttribute('aria-invalid', 'true');
}

function capitalise(s) {
  const t = String(s).replace(/\.$/, '');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/**
 * Shows each issue next to its control; returns a list (for a summary alert) where each
 * item links to the control it concerns.
 */
function placeIssues(issues) {
  const items = [];
  for (const issue of issues) {
    const el = controlFor(issue.path);
    if (el) fieldError(el, issue.message);
    const label = el ? labelOf(el) : issue.path || 'Job';
    const li = h('li', {});
    if (el) {
      li.append(h('a', { href: `#${el.id || ''}`, onclick: (e) => { e.preventDefault(); focusControl(el); } }, label), `: ${issue.message}`);
    } else {
      li.append(`${label}: ${issue.message}`);
    }
    items.push(li);
  }
  return items;
}

function labelOf(el) {
  if (el.dataset.label) return el.dataset.label;
  if (el.id) {
    const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (l) return l.textContent.replace(/\s+/g, ' ').replace(/\(required\)/, '').trim();
  }
  const legend = el.querySelector?.('legend');
  if (legend) return legend.textContent.trim();
  return el.getAttribute('aria-label') ?? el.dataset.path;
}

function focusControl(el) {
  const details = el.closest('details');
  if (details) details.open = true;
  const target = el.matches('input, select, textarea, button') ? el : el.querySelector('input, select, textarea, button') ?? el;
  target.focus();
  target.scrollIntoView?.({ block: 'center' });
}

// ------------------------------------------------------------------ connection

const form = () => /** @type {HTMLFormElement} */ ($('#connect-form'));

function readConnectionForm() {
  return {
    displayName: $('#displayName').value,
    apiKey: $('#apiKey').value,
    consent: $('#consent').checked,
    exportUser: $('#exportUser').value,
    baseUrl: $('#baseUrl').value,
  };
}

function updateConnectButton() {
  $('#connect-btn').disabled = !api || !$('#consent').checked || state.connecting === true;
}

async function onConnect(event) {
  event.preventDefault();
  if (!api || !$('#consent').checked) return;
  const conn = api.toConnection(readConnectionForm());
  clearFieldErrors(['connection.']);
  setAlert($('#connect-error'), '');
  const issues = api.connectionIssues(conn).map((i) => ({ ...i, path: `connection.${i.path}` }));
  if (issues.length) {
    const list = h('ul', {}, placeIssues(issues));
    setAlert($('#connect-error'), `Please fix ${issues.length === 1 ? 'this problem' : `these ${issues.length} problems`}:`, '', list);
    focusControl(controlFor(issues[0].path) ?? $('#displayName'));
    return;
  }
  state.connecting = true;
  updateConnectButton();
  $('#connect-btn').setAttribute('aria-busy', 'true');
  $('#connect-status').textContent = 'Checking the API key with Autopilot…';
  try {
    const account = await api.connect(conn, { timeoutMs: 15000 });
    state.connection = conn;
    state.account = account;
    $('#apiKey').value = ''; // the key now lives only in state.connection
    $('#connect-status').textContent = '';
    renderConnected();
    $('#connected-msg').focus?.();
  } catch (e) {
    $('#connect-status').textContent = '';
    const base = conn.baseUrl ?? 'https://api2.autopilothq.com/v1';
    let hint = '';
    if (e.code === 'AUTH_FAILED') {
      fieldError($('#apiKey'), 'Autopilot did not accept this key: check it and try again');
      hint = ' Copy the key again from Autopilot (Settings → Autopilot API).';
    } else if (e.code === 'NETWORK') {
      fieldError($('#baseUrl'), `No answer from ${base}`);
      hint = ' Check the API base URL and your network connection.';
    } else if (e.issues?.length) {
      placeIssues(e.issues.map((i) => ({ ...i, path: `connection.${i.path}` })));
    }
    setAlert($('#connect-error'), fmt.errorTitle(e.code), `${capitalise(e.message)}.${hint}`);
    focusControl(e.code === 'NETWORK' ? $('#baseUrl') : $('#apiKey'));
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
    $('#c-server').textContent = c.baseUrl ?? 'https://api2.autopilothq.com/v1';
    $('#c-instance').textContent = String(state.account?.instanceId ?? '–');
    badge.textContent = `Connected · ${c.displayName} · ${fmt.maskKey(c.apiKey)}`;
    badge.className = 'badge badge-ok';
  } else {
    badge.textContent = 'Not connected';
    badge.className = 'badge badge-muted';
  }
  updateExportControls();
}

function onDisconnect() {
  state.connection = null;
  state.account = null;
  renderConnected();
  $('#apiKey').focus();
}

// ------------------------------------------------------------------ segments

async function addFiles(fileList) {
  const files = [...fileList];
  if (!files.length) return;
  const added = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = inspectFile(file.name, bytes);
    let name = segmentNameFromFile(file.name);
    const taken = new Set(state.segments.map((s) => s.name.toLowerCase()));
    for (let n = 2; taken.has(name.toLowerCase()); n += 1) name = `${segmentNameFromFile(file.name)} ${n}`;
    const seg = {
      id: state.nextSegmentId++, name, fileName: file.name, size: file.size, lastModified: file.lastModified,
      bytes, ...info,
    };
    state.segments.push(seg);
    added.push(seg);
  }
  $('#files').value = '';
  $('#files-status').textContent = `Added ${added.length === 1 ? `segment “${added[0].name}”` : `${added.length} segments`}.`;
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
  // Keep keyboard focus in the list (or on the file button when it is empty).
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
      id: nameId, value: s.name, 'data-path': `segments[${i}].name`, autocomplete: 'off', 'aria-describedby': metaId,
      oninput: (e) => { s.name = e.target.value; changed(); },
    });
    const meta = h('p', { class: 'seg-meta', id: metaId },
      h('span', { class: 'file' }, s.fileName), ' · ', s.format.toUpperCase(), ' · ',
      h('span', { class: 'rows' }, `${fmt.num(s.rows)} ${s.rows === 1 ? 'row' : 'rows'}`), ' · ',
      `${s.headers.length} ${s.headers.length === 1 ? 'field' : 'fields'}`);
    const li = h('li', { class: 'segment', 'data-segment-id': s.id },
      h('div', { class: 'field' }, h('label', { for: nameId }, `Segment ${i + 1} name`), input, meta,
        s.error ? h('p', { class: 'field-warning' }, capitalise(s.error), '.') : null),
      h('button', {
        type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove segment ${s.name}`,
        onclick: () => removeSegment(s.id),
      }, 'Remove'));
    list.append(li);
  });
}

function setupDropzone() {
  const zone = $('#dropzone');
  // A file dropped outside the zone must not navigate away from the page.
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

function headers() {
  return unionHeaders(state.segments.map((s) => s.headers));
}

function getTarget(key) {
  if (key.startsWith('fields.')) return state.mapping.fields[key.slice(7)] ?? '';
  return state.mapping[key] ?? '';
}

function setTarget(key, value) {
  if (key.startsWith('fields.')) state.mapping.fields[key.slice(7)] = value;
  else state.mapping[key] = value;
}

/** Fills a select with "not mapped" + the headers, keeping its value (even if gone from the files). */
function fillSelect(select, value, { emptyLabel = '— Not mapped —', exclude = '' } = {}) {
  const hs = headers();
  select.replaceChildren(h('option', { value: '' }, emptyLabel));
  for (const hd of hs) if (hd !== exclude || hd === value) select.append(h('option', { value: hd }, hd));
  if (value && !hs.includes(value)) select.append(h('option', { value }, `${value} (not in the files)`));
  select.value = value;
}

function buildMappingRows() {
  const core = $('#map-core');
  const more = $('#map-more');
  for (const t of TARGETS) {
    const id = `map-${t.key.replace('.', '-')}`;
    const select = h('select', { id, 'data-path': t.path, 'data-target': t.key, required: t.required });
    select.addEventListener('change', () => {
      setTarget(t.key, select.value);
      state.touched.add(t.key);
      state.suggested.delete(t.key);
      renderSuggestedTags();
      changed();
    });
    const row = h('div', { class: 'field map-row' },
      h('label', { for: id }, t.label, t.required ? h('span', { class: 'req' }, ' (required)') : null),
      h('div', { class: 'map-control' }, select, h('span', { class: 'tag tag-suggested', 'data-suggested-for': t.key, hidden: true }, 'suggested')));
    (t.key === 'email' || t.key === 'firstName' || t.key === 'lastName' ? core : more).append(row);
  }
  $('#idField').addEventListener('change', (e) => {
    state.idField = e.target.value;
    state.touched.add('idField');
    state.suggested.delete('idField');
    changed();
  });
}

/** Re-fills every select from the current headers and applies suggestions to untouched targets. */
function refreshHeaders() {
  const hs = headers();
  const sugg = suggestMapping(hs);
  for (const t of [...TARGETS.map((x) => x.key), 'idField']) {
    // A hand-picked value (even "not mapped") is kept; the required email is still
    // suggested while it is empty.
    if (state.touched.has(t) && !(t === 'email' && !getTarget(t))) continue;
    const current = t === 'idField' ? state.idField : getTarget(t);
    const wasSuggested = state.suggested.has(t);
    if (current && !wasSuggested && hs.includes(current)) continue;
    const next = sugg[t] ?? '';
    if (t === 'idField') state.idField = next; else setTarget(t, next);
    if (next) state.suggested.add(t); else state.suggested.delete(t);
  }
  for (const t of TARGETS) fillSelect(/** @type {HTMLSelectElement} */ ($(`[data-target="${t.key}"]`)), getTarget(t.key));
  fillSelect(/** @type {HTMLSelectElement} */ ($('#idField')), state.idField, { emptyLabel: '— None (row numbers only) —' });
  renderCustom();
  renderSuggestedTags();
}

function renderSuggestedTags() {
  for (const tag of $$('[data-suggested-for]')) tag.hidden = !state.suggested.has(tag.dataset.suggestedFor);
  const mapped = TARGETS.filter((t) => t.key.startsWith('fields.') && getTarget(t.key)).length;
  $('#more-count').textContent = mapped ? `(${mapped} mapped)` : '';
  if (mapped && !state.moreOpened) { $('#more-fields').open = true; state.moreOpened = true; }
}

function renderCustom() {
  const list = $('#custom-list');
  const focusedId = document.activeElement?.id;
  list.replaceChildren();
  state.mapping.custom.forEach((c, i) => {
    const base = `mapping.custom[${i}]`;
    const src = h('select', { id: `cf-source-${i}`, 'data-path': `${base}.source` });
    fillSelect(src, c.source, { emptyLabel: '— Choose a profile field —' });
    src.addEventListener('change', () => {
      const before = c.source;
      c.source = src.value;
      if (!c.name || c.name === before) { c.name = src.value; nameInput.value = c.name; }
      changed();
    });
    const nameInput = h('input', { id: `cf-name-${i}`, value: c.name, 'data-path': `${base}.name`, autocomplete: 'off', oninput: (e) => { c.name = e.target.value; changed(); } });
    const type = h('select', { id: `cf-type-${i}`, 'data-path': `${base}.type` }, CUSTOM_TYPES.map((t) => h('option', { value: t }, t)));
    type.value = c.type;
    type.addEventListener('change', () => { c.type = type.value; changed(); });
    list.append(h('li', { class: 'custom-row' },
      h('div', { class: 'field' }, h('label', { for: src.id }, 'Profile field'), src),
      h('div', { class: 'field' }, h('label', { for: nameInput.id }, 'Autopilot field name'), nameInput),
      h('div', { class: 'field' }, h('label', { for: type.id }, 'Type'), type),
      h('button', {
        type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove custom field ${i + 1}`,
        onclick: () => {
          state.mapping.custom.splice(i, 1);
          renderCustom();
          changed();
          ($$('#custom-list .remove')[Math.min(i, state.mapping.custom.length - 1)] ?? $('#add-custom')).focus();
        },
      }, 'Remove')));
  });
  if (focusedId) document.getElementById(focusedId)?.focus();
}

// ------------------------------------------------------------------ job, validation, preview

function readOptions() {
  const cap = Number($('#cap').value);
  const rate = Number($('#rate').value);
  state.options.cap = $('#cap').value.trim() === '' ? 100000 : cap;
  state.options.rate = rate;
  state.options.listPrefix = $('#listPrefix').value;
  state.options.lists = /** @type {HTMLInputElement} */ ($('input[name="lists"]:checked')).value;
  state.options.overCap = /** @type {HTMLInputElement} */ ($('input[name="overCap"]:checked')).value;
}

function currentJob() {
  readOptions();
  const connection = state.connection ?? api.toConnection({ ...readConnectionForm(), consent: true });
  return api.toJob({
    connection,
    mapping: state.mapping,
    segments: state.segments,
    options: { ...state.options, idField: state.idField },
  });
}

/** Identity of the job as the page sees it (files, names, mapping, options). */
function jobKey({ withRate = false } = {}) {
  readOptions();
  const { rate, ...options } = state.options;
  return JSON.stringify({
    segments: state.segments.map((s) => [s.name, s.fileName, s.size, s.lastModified, s.format]),
    mapping: state.mapping,
    idField: state.idField,
    options,
    rate: withRate ? rate : undefined,
  });
}

/** Issues about the job itself (the connection is checked in its own section). */
function jobIssues() {
  const issues = api.configIssues(currentJob()).filter((i) => !i.path.startsWith('connection'));
  const rate = state.options.rate;
  if (!(Number.isFinite(rate) && rate > 0 && rate <= 1000)) {
    issues.push({ path: 'options.ratePerSecond', code: 'OPTION_OUT_OF_RANGE', message: 'requests per second must be a number above 0 and at most 1000' });
  }
  return issues;
}

const JOB_PATHS = ['mapping.', 'segments', 'cap', 'listPrefix', 'idField', 'overCap', 'lists', 'options.'];

/** Live validation: field messages once there is something to validate. */
function validateLive() {
  if (!api) return [];
  clearFieldErrors(JOB_PATHS);
  if (state.segments.length === 0 && !state.previewAttempted) return [];
  const issues = jobIssues();
  placeIssues(issues);
  return issues;
}

/** Called after every change to segments, mapping or options. */
function changed() {
  validateLive();
  const stale = state.preview && state.preview.key !== jobKey({ withRate: true });
  $('#preview-status').textContent = stale ? 'Settings changed since the last preview: preview again.' : '';
  $('#preview-result').classList.toggle('stale', Boolean(stale));
  updatePreviewButton();
  updateExportControls();
}

function updatePreviewButton() {
  $('#preview-btn').disabled = !api || state.segments.length === 0 || Boolean(state.run);
}

/** Lets the browser paint (a status message) before a long synchronous call. */
const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function onPreview() {
  if (!api || state.previewing) return;
  state.previewAttempted = true;
  setAlert($('#preview-error'), '');
  const issues = validateLive();
  if (issues.length) {
    state.preview = null;
    show($('#preview-result'), false);
    setAlert($('#preview-error'), `Fix ${issues.length === 1 ? 'this problem' : `these ${issues.length} problems`} first:`, '', h('ul', {}, issueLinks(issues)));
    updateExportControls();
    return;
  }
  const key = jobKey({ withRate: true });
  const job = currentJob();
  $('#preview-status').textContent = 'Reading the segment files…';
  state.previewing = true;
  $('#preview-btn').setAttribute('aria-busy', 'true');
  await nextPaint();
  let summary;
  try {
    summary = api.previewJob(job, state.options.rate);
  } catch (e) {
    state.preview = null;
    show($('#preview-result'), false);
    $('#preview-status').textContent = '';
    const list = e.issues?.length ? h('ul', {}, issueLinks(e.issues)) : null;
    if (e.issues?.length) placeIssues(e.issues);
    setAlert($('#preview-error'), fmt.errorTitle(e.code), capitalise(e.message) + '.', list);
    updateExportControls();
    return;
  } finally {
    state.previewing = false;
    $('#preview-btn').removeAttribute('aria-busy');
  }
  state.preview = { summary, key };
  $('#preview-status').textContent = `Preview ready: ${fmt.num(summary.totals.uniqueProfiles)} unique profiles, ${fmt.num(summary.batches)} ${summary.batches === 1 ? 'batch' : 'batches'}.`;
  renderPreview(summary);
  changed();
}

/** Links to the controls of issues, without adding field messages a second time. */
function issueLinks(issues) {
  return issues.map((issue) => {
    const el = controlFor(issue.path);
    const label = el ? labelOf(el) : issue.path || 'Job';
    return el
      ? h('li', {}, h('a', { href: '#', onclick: (e) => { e.preventDefault(); focusControl(el); } }, label), `: ${issue.message}`)
      : h('li', {}, `${label}: ${issue.message}`);
  });
}

function stat(label, value, { id, tone } = {}) {
  return h('div', { class: tone ? `stat stat-${tone}` : 'stat', 'data-stat': id }, h('dt', {}, label), h('dd', {}, value));
}

function renderPreview(s) {
  show($('#preview-result'), true);
  $('#preview-result').classList.remove('stale');
  const t = s.totals;
  const capBox = $('#cap-box');
  capBox.replaceChildren();
  const choice = $('#overcap-choice');
  if (s.capExceeded) {
    capBox.className = 'alert alert-warning';
    capBox.setAttribute('role', 'alert');
    capBox.append(
      h('strong', {}, `${fmt.num(s.uniqueSeen)} unique profiles: more than the limit of ${fmt.num(s.cap)} per export.`), ' ',
      s.overCap === 'truncate'
        ? `Only the first ${fmt.num(s.cap)} will be exported; ${fmt.num(t.overCap)} segment ${t.overCap === 1 ? 'row is' : 'rows are'} left out.`
        : 'Nothing will be sent. Make the segments smaller, or choose Truncate below.');
    show(choice, true);
  } else {
    capBox.className = 'alert alert-success';
    capBox.setAttribute('role', 'status');
    capBox.append(h('strong', {}, 'Within the limit:'), ` ${fmt.num(s.uniqueSeen)} of ${fmt.num(s.cap)} unique profiles.`);
    show(choice, s.overCap === 'truncate');
  }
  const rate = s.ratePerSecond;
  $('#preview-stats').replaceChildren(
    stat('Profiles read', fmt.num(t.profilesIn), { id: 'profilesIn' }),
    stat('Unique valid profiles', fmt.num(t.uniqueProfiles), { id: 'uniqueProfiles', tone: 'good' }),
    stat('List memberships', fmt.num(t.memberships), { id: 'memberships' }),
    stat('Invalid', fmt.num(t.invalid), { id: 'invalid', tone: t.invalid ? 'warn' : undefined }),
    stat('Duplicates', fmt.num(t.duplicates), { id: 'duplicates' }),
    stat('Over the limit', fmt.num(t.overCap), { id: 'overCap', tone: t.overCap ? 'warn' : undefined }),
    stat('Requests', `${fmt.num(s.requests.total)}`, { id: 'requests' }),
    stat(`Estimated time at ${fmt.num(rate)}/s`, fmt.duration(s.estimatedDurationMs), { id: 'duration' }),
  );
  const rq = $('#preview-stats [data-stat="requests"] dd');
  rq.append(h('span', { class: 'sub-value' }, ` (${fmt.num(s.requests.contacts)} batches of ≤ 100${s.requests.lists ? `, ${fmt.num(s.requests.lists)} for lists` : ''})`));

  const tbody = $('#preview-table tbody');
  tbody.replaceChildren();
  s.segments.forEach((seg, i) => {
    const order = Object.keys(fmt.REASONS);
    const reasons = Object.entries(seg.invalidByReason ?? {}).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    const invalidCell = h('td', { class: 'num' }, fmt.num(seg.invalid));
    if (reasons.length) {
      invalidCell.append(h('ul', { class: 'reasons' }, reasons.map(([r, n]) => h('li', { 'data-reason': r }, `${fmt.reason(r)}: ${fmt.num(n)}`))));
    }
    tbody.append(h('tr', { 'data-segment': i },
      h('th', { scope: 'row' }, seg.name),
      h('td', {}, seg.listTitle ?? '—'),
      h('td', { class: 'num', 'data-col': 'profilesIn' }, fmt.num(seg.profilesIn)),
      h('td', { class: 'num', 'data-col': 'memberships' }, fmt.num(seg.memberships)),
      invalidCell,
      h('td', { class: 'num', 'data-col': 'duplicates' }, fmt.num(seg.duplicates)),
      h('td', { class: 'num', 'data-col': 'overCap' }, fmt.num(seg.overCap))));
  });

  renderRejects($('#preview-rejects'), s.rejects, s.rejectsOmitted, s.segments.map((x) => x.name), 'Rejected rows');
  renderWarnings($('#preview-warnings'), s.warnings, s.segments.map((x) => x.name));
}

const REJECTS_SHOWN = 200;
let rejectsUrl = null;

function renderRejects(box, rejects, omitted, names, title) {
  box.replaceChildren();
  const total = rejects.length + (omitted ?? 0);
  if (total === 0) return;
  const table = h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Segment'), h('th', { scope: 'col', class: 'num' }, 'Row'), h('th', { scope: 'col' }, 'Identifier'), h('th', { scope: 'col' }, 'Reason'))),
    h('tbody', {}, rejects.slice(0, REJECTS_SHOWN).map((r) => h('tr', {},
      h('td', {}, names[r.segment] ?? String(r.segment)),
      h('td', { class: 'num' }, fmt.num(r.row)),
      h('td', {}, r.id ?? '—'),
      h('td', { 'data-reason': r.reason }, fmt.reason(r.reason), r.detail ? h('span', { class: 'muted' }, ` (${r.detail})`) : null)))));
  if (rejectsUrl) URL.revokeObjectURL(rejectsUrl);
  rejectsUrl = URL.createObjectURL(new Blob([fmt.rejectsCsv(rejects, names)], { type: 'text/csv' }));
  const more = [];
  if (rejects.length > REJECTS_SHOWN) more.push(`Showing the first ${fmt.num(REJECTS_SHOWN)}.`);
  if (omitted) more.push(`${fmt.num(omitted)} more were counted but not listed.`);
  box.append(h('details', { class: 'sub rejects' },
    h('summary', {}, `${title} (${fmt.num(total)})`),
    h('p', { class: 'hint' }, 'Row numbers count from 1 (a CSV header row is not counted). No email addresses are shown. ', more.join(' ')),
    h('div', { class: 'table-wrap' }, table),
    h('p', {}, h('a', { href: rejectsUrl, download: 'rejected-rows.csv', class: 'btn btn-small' }, 'Download rejected rows (CSV)'))));
}

/** "0:93" (segment index : row) -> "VIP customers row 93". */
function exampleRows(examples, names) {
  return examples.map((e) => {
    const [seg, row] = String(e).split(':');
    const name = names[Number(seg)];
    return name !== undefined && row !== undefined ? `${name} row ${row}` : String(e);
  }).join(', ');
}

function renderWarnings(box, warnings, names = []) {
  box.replaceChildren();
  if (!warnings?.length) return;
  box.append(h('div', { class: 'alert alert-warning', role: 'status' },
    h('strong', {}, `${warnings.length === 1 ? 'Warning' : 'Warnings'}: values left out`),
    h('ul', {}, warnings.map((w) => h('li', { 'data-warning': w.code },
      `${w.field}: ${fmt.num(w.count)} ${w.count === 1 ? 'value' : 'values'} ${w.code === 'VALUE_NESTED' ? 'not a plain value' : 'could not be converted'} (${w.code}); those contacts are still exported without it.`,
      w.examples?.length ? h('span', { class: 'muted' }, ` For example: ${exampleRows(w.examples, names)}.`) : null)))));
}

// ------------------------------------------------------------------ export

function previewFresh() {
  return state.preview && state.preview.key === jobKey({ withRate: true });
}

function updateExportControls() {
  const running = Boolean(state.run);
  const fresh = previewFresh();
  const summary = fresh ? state.preview.summary : null;
  const resumable = state.resume && state.resume.key === jobKey();
  let hint = '';
  if (!state.connection) hint = 'Connect to Autopilot first (step 1).';
  else if (state.segments.length === 0) hint = 'Add at least one segment (step 2).';
  else if (!fresh) hint = 'Preview the export first (step 4): it shows what will be sent.';
  else if (!summary.wouldSend) hint = 'Above the profile limit with “Refuse” selected: nothing can be sent.';
  else if (summary.totals.memberships === 0) hint = 'No valid profiles to export.';
  else hint = `Ready: ${fmt.num(summary.totals.uniqueProfiles)} contacts in ${fmt.num(summary.batches)} ${summary.batches === 1 ? 'batch' : 'batches'} of at most 100, about ${fmt.duration(summary.estimatedDurationMs)} at ${fmt.num(summary.ratePerSecond)} requests per second.`;
  if (running) hint = 'Exporting… you can cancel and resume later.';
  $('#export-hint').textContent = hint;

  const canStart = Boolean(state.connection && fresh && summary.wouldSend && summary.totals.memberships > 0 && !running);
  const exportBtn = /** @type {HTMLButtonElement} */ ($('#export-btn'));
  exportBtn.disabled = !canStart;
  exportBtn.textContent = state.resume ? 'Start over' : 'Export to Autopilot';
  exportBtn.classList.toggle('btn-primary', !state.resume);
  show($('#cancel-btn'), running);
  show($('#resume-btn'), Boolean(state.resume) && !running);
  $('#resume-btn').disabled = !(canStart && resumable);
  show($('#discard-btn'), Boolean(state.resume) && !running);
  const info = $('#resume-info');
  if (state.resume && !running) {
    const r = state.resume;
    info.textContent = `Saved progress of a cancelled export: ${fmt.num(r.batchesDone)} of ${fmt.num(r.batchesTotal)} batches done (${fmt.dateTime(r.savedAt)}).`
      + (resumable ? ' Resume sends only the batches not done yet.' : ' To resume, add the same files with the same settings and preview again.');
    show(info, true);
  } else {
    show(info, false);
  }
  updatePreviewButton();
}

function saveResume(r) {
  state.resume = r;
  try {
    if (r) sessionStorage.setItem(CHECKPOINT_KEY, JSON.stringify(r)); else sessionStorage.removeItem(CHECKPOINT_KEY);
  } catch { /* session storage disabled: keep it in memory */ }
}

function loadResume() {
  try {
    const r = JSON.parse(sessionStorage.getItem(CHECKPOINT_KEY) ?? 'null');
    if (r && r.checkpoint && typeof r.key === 'string') state.resume = r;
  } catch { /* ignore */ }
}

let announced = -1;
let lastProgress = null;

function onProgress(p) {
  lastProgress = p;
  const bar = /** @type {HTMLProgressElement} */ ($('#progress'));
  const label = $('#progress-pct');
  if (p.phase === 'lists' || p.contactsTotal === 0) {
    bar.removeAttribute('value'); // indeterminate while the lists are prepared
    label.textContent = '';
  } else {
    const frac = Math.min(1, p.contactsDone / p.contactsTotal);
    bar.value = frac;
    label.textContent = `${Math.floor(frac * 100)}%`;
  }
  $('#p-contacts-label').textContent = state.runUnit === 'memberships' ? 'List memberships' : 'Contacts';
  $('#p-contacts').textContent = `${fmt.num(p.contactsDone)} / ${fmt.num(p.contactsTotal)}`;
  $('#p-batches').textContent = `${fmt.num(p.batchesDone)} / ${fmt.num(p.batchesTotal)}`;
  $('#p-rate').textContent = p.contactsPerSecond > 0 ? `${fmt.num(Math.round(p.contactsPerSecond))} per second` : '–';
  $('#p-eta').textContent = p.phase === 'done' ? 'done' : Number.isFinite(p.etaMs) ? fmt.duration(p.etaMs) : '–';
  $('#progress-box').dataset.batchesDone = String(p.batchesDone);
  // Screen readers hear every 10 % (and the phases), not every batch.
  const decile = p.contactsTotal ? Math.floor((10 * p.contactsDone) / p.contactsTotal) : -1;
  if (p.phase === 'lists' && announced === -1) {
    $('#progress-text').textContent = 'Preparing the Autopilot lists…';
    announced = -0.5;
  } else if (p.phase !== 'lists' && decile > announced) {
    announced = decile;
    const unit = state.runUnit === 'memberships' ? 'list memberships' : 'contacts';
    $('#progress-text').textContent = `Exported ${fmt.num(p.contactsDone)} of ${fmt.num(p.contactsTotal)} ${unit} (${decile * 10}%).`;
  }
}

async function startExport(resume) {
  if (!api || state.run) return;
  const job = currentJob();
  const key = jobKey();
  const controller = new AbortController();
  state.run = { controller };
  state.runUnit = job.lists === 'none' ? 'contacts' : 'memberships';
  announced = -1;
  lastProgress = null;
  setAlert($('#export-error'), '');
  show($('#report'), false);
  show($('#progress-box'), true);
  $('#progress').removeAttribute('value');
  $('#progress-text').textContent = resume ? 'Resuming the export…' : 'Starting the export…';
  for (const id of ['#p-contacts', '#p-batches', '#p-rate', '#p-eta']) $(id).textContent = '–';
  $('#progress-box').dataset.batchesDone = '0';
  $('#cancel-btn').disabled = false;
  updateExportControls();
  $('#cancel-btn').focus();

  const conn = state.connection;
  let report = null;
  let error = null;
  try {
    report = await api.runExport(job, {
      signal: controller.signal,
      onProgress,
      ratePerSecond: state.options.rate,
      checkpoint: resume ? state.resume?.checkpoint : undefined,
    });
  } catch (e) {
    error = e;
    report = e.report ?? null;
  }
  state.run = null;

  if (report?.status === 'cancelled') {
    const cp = report.checkpoint;
    saveResume({
      checkpoint: cp, key, savedAt: new Date().toISOString(),
      batchesDone: lastProgress?.batchesDone ?? cp?.done?.length ?? 0,
      batchesTotal: lastProgress?.batchesTotal ?? cp?.batches ?? 0,
    });
    $('#progress-text').textContent = 'Export cancelled. You can resume it: only the batches not done yet will be sent.';
    $('#p-eta').textContent = '–';
    $('#p-rate').textContent = '–';
  } else if (report) {
    saveResume(null);
    $('#progress-text').textContent = `Export ${fmt.status(report.status).toLowerCase()}.`;
    if (report.status === 'succeeded') /** @type {HTMLProgressElement} */ ($('#progress')).value = 1;
    else $('#p-eta').textContent = '–';
  } else {
    $('#progress-text').textContent = error?.code === 'ABORTED' ? 'Cancelled before anything was sent.' : 'The export did not start.';
    if (error?.code !== 'ABORTED' || !lastProgress) show($('#progress-box'), Boolean(lastProgress));
  }

  if (error && error.code !== 'ABORTED') {
    const list = error.issues?.length ? h('ul', {}, issueLinks(error.issues)) : null;
    let extra = list;
    if (error.code === 'CHECKPOINT_MISMATCH') {
      extra = h('p', {}, 'The settings or files changed since the export was cancelled. Discard the saved progress to start over.');
    }
    setAlert($('#export-error'), fmt.errorTitle(error.code), capitalise(error.message) + '.', extra);
    if (error.code === 'AUTH_FAILED') {
      $('#export-error').append(h('p', {}, 'Change the connection (step 1) with a valid API key, then export again.'));
    }
  }
  if (report) {
    renderReport(report);
    const list = addHistory(localStorage, entryFrom(report, { displayName: conn.displayName, exportUser: conn.exportUser, errorCode: error?.code }));
    renderHistory(list);
  } else if (error && error.code !== 'ABORTED' && error.code !== 'CHECKPOINT_MISMATCH') {
    const list = addHistory(localStorage, entryFrom(null, { displayName: conn.displayName, exportUser: conn.exportUser, errorCode: error.code }));
    renderHistory(list);
  }
  updateExportControls();
  if (report) $('#report').focus();
  else if (state.resume) $('#resume-btn').focus();
}

let reportUrl = null;

function renderReport(r) {
  const box = $('#report');
  box.replaceChildren();
  const t = r.totals;
  const tone = { succeeded: 'ok', partial: 'warn', failed: 'error', cancelled: 'muted' }[r.status] ?? 'muted';
  // With per-segment lists a contact is upserted once per segment list it belongs to.
  const withLists = r.segments.some((s) => s.listTitle);
  const unit = (n) => (withLists ? `list ${n === 1 ? 'membership' : 'memberships'}` : n === 1 ? 'contact' : 'contacts');
  const what = `${fmt.num(t.exported)} ${unit(t.exported)}${withLists ? ` (${fmt.num(t.uniqueProfiles)} contacts)` : ''}`;
  const sentence = {
    succeeded: r.resumed
      ? `Exported ${what} to Autopilot; this resumed run took ${fmt.duration(r.durationMs)}.`
      : `Exported ${what} to Autopilot in ${fmt.duration(r.durationMs)}.`,
    partial: `Exported ${fmt.num(t.exported)} ${unit(t.exported)}; ${fmt.num(t.failed)} could not be exported (see the failed contacts below).`,
    failed: `The export failed${r.error ? ` (${r.error.code}): ${r.error.message}` : '.'}`,
    cancelled: `Cancelled after exporting ${fmt.num(t.exported)} of ${fmt.num(t.memberships)} ${unit(t.memberships)}. Resume to send the rest.`,
  }[r.status] ?? '';

  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([JSON.stringify(r, null, 2)], { type: 'application/json' }));
  const stamp = (r.finishedAt ?? new Date().toISOString()).replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');

  box.append(
    h('div', { class: 'report-head' },
      h('h3', { id: 'report-title' }, 'Run report ', h('span', { class: `badge badge-${tone}`, 'data-status': r.status }, fmt.status(r.status))),
      h('a', { id: 'download-report', class: 'btn btn-small', href: reportUrl, download: `autopilot-export-report-${stamp}.json` }, 'Download report (JSON)')),
    h('p', { class: 'report-sentence' }, sentence),
    h('dl', { class: 'kv' },
      h('div', {}, h('dt', {}, 'Display name'), h('dd', {}, r.displayName)),
      h('div', {}, h('dt', {}, 'Export user'), h('dd', {}, breakable(r.exportUser))),
      h('div', {}, h('dt', {}, 'Started'), h('dd', {}, fmt.dateTime(r.startedAt))),
      h('div', {}, h('dt', {}, 'Finished'), h('dd', {}, fmt.dateTime(r.finishedAt))),
      h('div', {}, h('dt', {}, 'Duration'), h('dd', {}, fmt.duration(r.durationMs))),
      h('div', {}, h('dt', {}, 'Resumed run'), h('dd', {}, r.resumed ? 'Yes' : 'No'))),
    h('dl', { class: 'stats', id: 'report-stats' },
      stat('Profiles read', fmt.num(t.profilesIn), { id: 'profilesIn' }),
      stat('Exported', fmt.num(t.exported), { id: 'exported', tone: 'good' }),
      stat('Failed', fmt.num(t.failed), { id: 'failed', tone: t.failed ? 'bad' : undefined }),
      stat('Invalid', fmt.num(t.invalid), { id: 'invalid', tone: t.invalid ? 'warn' : undefined }),
      stat('Duplicates', fmt.num(t.duplicates), { id: 'duplicates' }),
      stat('Over the limit', fmt.num(t.overCap), { id: 'overCap' }),
      stat('Unique profiles', fmt.num(t.uniqueProfiles), { id: 'uniqueProfiles' }),
      stat('Requests', `${fmt.num(r.requests.sent)}`, { id: 'requests' })),
    h('p', { class: 'hint' }, `Requests: ${fmt.num(r.requests.sent)} sent, ${fmt.num(r.requests.retried)} retried, ${fmt.num(r.requests.throttled)} throttled (429), ${fmt.num(r.requests.errors)} errors.`),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'report-segments' },
      h('caption', {}, 'Per segment'),
      h('thead', {}, h('tr', {}, ...['Segment', 'Autopilot list', 'List id'].map((x) => h('th', { scope: 'col' }, x)),
        ...['Rows', 'Exported', 'Failed', 'Invalid', 'Duplicates', 'Over limit'].map((x) => h('th', { scope: 'col', class: 'num' }, x)))),
      h('tbody', {}, r.segments.map((s, i) => h('tr', { 'data-segment': i },
        h('th', { scope: 'row' }, s.name),
        h('td', {}, s.listTitle ?? '—', s.listCreated ? h('span', { class: 'tag' }, 'new') : null),
        h('td', { class: 'mono', 'data-col': 'listId' }, s.listId ?? '—'),
        h('td', { class: 'num' }, fmt.num(s.profilesIn)),
        h('td', { class: 'num', 'data-col': 'exported' }, fmt.num(s.exported)),
        h('td', { class: 'num', 'data-col': 'failed' }, fmt.num(s.failed)),
        h('td', { class: 'num' }, fmt.num(s.invalid)),
        h('td', { class: 'num' }, fmt.num(s.duplicates)),
        h('td', { class: 'num' }, fmt.num(s.overCap)))))))
  );
  const rejects = h('div', {});
  renderRejects(rejects, r.rejects ?? [], r.rejectsOmitted, r.segments.map((s) => s.name), 'Rejected rows and failed contacts');
  const rejectCount = (r.rejects?.length ?? 0) + (r.rejectsOmitted ?? 0);
  box.append(h('p', { id: 'report-rejects-count' }, `${fmt.num(rejectCount)} rejected ${rejectCount === 1 ? 'row' : 'rows'} or failed ${rejectCount === 1 ? 'contact' : 'contacts'}.`), rejects);
  const warnings = h('div', {});
  renderWarnings(warnings, r.warnings, r.segments.map((s) => s.name));
  box.append(warnings);
  show(box, true);
}

// ------------------------------------------------------------------ history

function renderHistory(list = readHistory(localStorage)) {
  const table = $('#history-table');
  const tbody = $('tbody', table);
  tbody.replaceChildren();
  for (const e of list) {
    const tone = { succeeded: 'ok', partial: 'warn', failed: 'error', cancelled: 'muted' }[e.status] ?? 'muted';
    tbody.append(h('tr', {},
      h('td', {}, fmt.dateTime(e.at)),
      h('td', {}, h('span', { class: `badge badge-${tone}` }, fmt.status(e.status)), e.resumed ? h('span', { class: 'muted' }, ' (resumed)') : null,
        e.error ? h('span', { class: 'muted' }, ` ${e.error}`) : null),
      h('td', {}, e.displayName),
      h('td', {}, e.exportUser),
      h('td', { class: 'num' }, fmt.num(e.totals?.profilesIn)),
      h('td', { class: 'num' }, fmt.num(e.totals?.exported)),
      h('td', { class: 'num' }, fmt.num(e.totals?.failed)),
      h('td', { class: 'num' }, fmt.num(e.totals?.invalid)),
      h('td', { class: 'num' }, fmt.duration(e.durationMs))));
  }
  show(table, list.length > 0);
  show($('#history-empty'), list.length === 0);
  show($('#clear-history'), list.length > 0);
}

// ------------------------------------------------------------------ boot

async function loadDemoConfig() {
  try {
    const res = await fetch('/demo-config.json', { cache: 'no-store' });
    if (!res.ok) return;
    const cfg = await res.json();
    if (cfg && typeof cfg.baseUrl === 'string' && cfg.baseUrl && !$('#baseUrl').value) {
      $('#baseUrl').value = cfg.baseUrl;
      show($('#demo-hint'), true);
    }
  } catch {
    // Served without serve.mjs (e.g. inside an extension): Autopilot's own API is the default.
  }
}

async function loadPackage() {
  try {
    api = await import('./exporter.js');
  } catch (e) {
    setAlert($('#load-error'), 'The autopilot-export package could not be loaded.',
      `Build it with pkg-template/build.sh and serve the page with node www/serve.mjs. (${e instanceof Error ? e.message : e})`);
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
  $('#add-custom').addEventListener('click', () => {
    state.mapping.custom.push({ source: '', name: '', type: 'string' });
    renderCustom();
    changed();
    $(`#cf-source-${state.mapping.custom.length - 1}`).focus();
  });
  for (const id of ['#cap', '#rate', '#listPrefix']) $(id).addEventListener('input', changed);
  for (const r of $$('input[name="lists"]')) r.addEventListener('change', changed);
  for (const r of $$('input[name="overCap"]')) {
    r.addEventListener('change', () => {
      // The choice changes what would be sent: refresh the preview at once (no network).
      if (state.preview) onPreview(); else changed();
    });
  }
  $('#preview-btn').addEventListener('click', onPreview);
  $('#export-btn').addEventListener('click', () => {
    if (state.resume) saveResume(null);
    startExport(false);
  });
  $('#resume-btn').addEventListener('click', () => startExport(true));
  $('#cancel-btn').addEventListener('click', () => {
    if (!state.run) return;
    $('#cancel-btn').disabled = true;
    $('#progress-text').textContent = 'Cancelling: stopping the requests in flight…';
    state.run.controller.abort();
  });
  $('#discard-btn').addEventListener('click', () => {
    saveResume(null);
    updateExportControls();
    $('#export-btn').focus();
  });
  // Leaving the page stops a running export: ask first (the browser shows its own prompt).
  window.addEventListener('beforeunload', (e) => { if (state.run) e.preventDefault(); });
  $('#clear-history').addEventListener('click', () => {
    clearHistory(localStorage);
    renderHistory([]);
    $('#h-history').setAttribute('tabindex', '-1');
    $('#h-history').focus();
  });
}

async function boot() {
  buildMappingRows();
  refreshHeaders();
  bind();
  renderSegments();
  renderHistory();
  loadResume();
  await Promise.all([loadDemoConfig(), loadPackage()]);
  updateConnectButton();
  changed();
  document.documentElement.dataset.ready = api ? 'true' : 'error';
}

boot();
