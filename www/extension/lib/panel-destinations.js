// "Scheduled refreshes": save the page's current export as a destination, and the list of
// saved destinations with their schedule, key status, last run (what changed), progress,
// history and actions. Everything is stored and run by the service worker; this module
// only talks to it (client.js) and shows what it answers.

import * as fmt from '../format.js';
import * as client from './client.js';
import { $, h, sentence, setAlert } from './dom.js';
import { sourceOfBytes, urlSources } from './panel-sources.js';
import { KINDS, WEEKDAYS, describe, scheduleIssues } from './schedule.js';

const EVERY_LABEL = { never: 'Manual only (Run now)', hour: 'Every hour', day: 'Every day', week: 'Every week' };
const STATE_LABEL = {
  idle: 'Not run yet', running: 'Running', queued: 'Queued', 'waiting-key': 'Waiting for the API key',
  succeeded: 'Succeeded', partial: 'Partly succeeded', failed: 'Failed', cancelled: 'Cancelled', paused: 'Paused',
};
const TONE = { succeeded: 'ok', partial: 'warn', failed: 'error', 'waiting-key': 'warn', queued: 'muted', running: 'muted', cancelled: 'muted' };
const TRIGGER = { schedule: 'scheduled', manual: 'run now', retry: 'retried', key: 'after connecting' };
const num = (n) => (fmt.num ? fmt.num(n) : String(n));
const when = (iso) => (fmt.dateTime ? fmt.dateTime(iso) : String(iso));

let status = null;
let metadata = null;

/** A byte source of the page's job: its format (the key holding the bytes), bytes and options. */
function byteSource(seg) {
  const p = seg?.profiles;
  if (!p || typeof p !== 'object') return null;
  const entry = Object.entries(p).find(([, v]) => v instanceof Uint8Array);
  if (!entry) return null;
  const [format, bytes] = entry;
  const { [format]: _, ...options } = p;
  return { format, bytes, options };
}

/** Whether the page's job still names the connection Autopilot accepted (as typed). */
function sameConnection(a, b) {
  const typed = (c) => [String(c?.displayName ?? '').trim(), String(c?.baseUrl ?? '').trim()];
  return typed(a).join('\n') === typed(b).join('\n');
}

/** The destination the form describes (from the page's last job) or the problems in the way. */
function fromPage(form) {
  const problems = [];
  const job = client.shared.lastJob;
  const conn = client.shared.connected;
  if (!conn) problems.push('Connect to Autopilot first (step 1).');
  if (!job?.segments?.length) problems.push('Add the segments from their URLs (step 2, “Add a segment from a URL”) and preview the export first.');
  const sources = [];
  const tokens = {};
  for (const seg of job?.segments ?? []) {
    const bs = byteSource(seg);
    const src = bs ? sourceOfBytes(bs.bytes) : undefined;
    if (!src) {
      problems.push(`Segment “${seg.name}” comes from a file on this computer: a scheduled refresh needs it from a URL. Remove it, or add it with “Add a segment from a URL”.`);
      continue;
    }
    if (src.token) tokens[sources.length] = src.token;
    sources.push({ name: seg.name, url: src.url, format: bs.format, options: bs.options });
  }
  if (job && conn && !sameConnection(job.connection, conn.connection)) problems.push('Connect again: the page’s connection changed since Autopilot accepted the key.');
  const schedule = readSchedule(form);
  for (const i of scheduleIssues(schedule)) problems.push(sentence(i.message));
  if (problems.length) return { problems };
  const { connection, segments, ...config } = job;
  const run = {};
  if (client.shared.lastRate !== undefined) run.ratePerSecond = client.shared.lastRate;
  return {
    destination: { name: $('#dest-name', form).value.trim() || connection.displayName, connectionId: conn.connectionId, job: config, sources, run, schedule },
    tokens,
  };
}

function readSchedule(form) {
  const every = $('#dest-every', form).value;
  if (every === 'hour') return { every, minute: Number($('#dest-minute', form).value) };
  if (every === 'day') return { every, time: $('#dest-time', form).value };
  if (every === 'week') return { every, day: Number($('#dest-day', form).value), time: $('#dest-time', form).value };
  return { every: 'never' };
}

function scheduleControls() {
  const every = h('select', { id: 'dest-every' }, KINDS.map((k) => h('option', { value: k }, EVERY_LABEL[k] ?? k)));
  const minute = h('input', { id: 'dest-minute', type: 'number', min: 0, max: 59, step: 1, value: 0, inputmode: 'numeric' });
  const time = h('input', { id: 'dest-time', type: 'time', value: '07:00' });
  const day = h('select', { id: 'dest-day' }, WEEKDAYS.map((d, i) => h('option', { value: i }, d)));
  day.value = '1';
  every.value = 'day';
  const minuteBox = h('div', { class: 'field' }, h('label', { for: 'dest-minute' }, 'Minutes past the hour'), minute);
  const dayBox = h('div', { class: 'field' }, h('label', { for: 'dest-day' }, 'Day'), day);
  const timeBox = h('div', { class: 'field' }, h('label', { for: 'dest-time' }, 'Time (this computer’s time zone)'), time);
  const sync = () => {
    minuteBox.hidden = every.value !== 'hour';
    dayBox.hidden = every.value !== 'week';
    timeBox.hidden = every.value !== 'day' && every.value !== 'week';
  };
  every.addEventListener('change', sync);
  sync();
  return h('fieldset', { class: 'ext-schedule' }, h('legend', {}, 'Schedule'),
    h('div', { class: 'ext-schedule-row' }, h('div', { class: 'field' }, h('label', { for: 'dest-every' }, 'Refresh'), every), minuteBox, dayBox, timeBox),
    h('p', { class: 'hint' }, 'Runs while the browser is open; a refresh missed while it was closed runs when it starts again.'));
}

/**
 * Adds the "Scheduled refreshes" section to the page.
 * @param {object|null} meta  the core's metadata (membership labels)
 */
export async function mountDestinations(meta) {
  metadata = meta;
  const form = h('form', { id: 'dest-form', novalidate: true },
    h('div', { class: 'grid-2' },
      h('div', { class: 'field' }, h('label', { for: 'dest-name' }, 'Destination name'),
        h('input', { id: 'dest-name', autocomplete: 'off', 'aria-describedby': 'dest-name-hint' }),
        h('p', { class: 'hint', id: 'dest-name-hint' }, 'Empty: the connection’s display name.'))),
    scheduleControls(),
    h('p', { class: 'hint', id: 'dest-what' }, 'Saves the connection (without the key), the data matching, list and membership settings, and the segment URLs of the export you previewed above.'),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', id: 'dest-save', class: 'btn btn-primary' }, 'Save destination'),
      h('span', { id: 'dest-status', class: 'status-text', role: 'status' })),
    h('div', { id: 'dest-error', class: 'alert alert-error', role: 'alert', hidden: true }));
  const section = h('section', { id: 'destinations', class: 'card', 'aria-labelledby': 'h-destinations' },
    h('h2', { id: 'h-destinations' }, 'Scheduled refreshes'),
    h('p', { class: 'lead' }, 'Save the export above as a destination and the extension refreshes it on a schedule, also with this page closed: '
      + 'it downloads the segment URLs again and sends only what changed since its last run.'),
    form,
    h('h3', { class: 'ext-dest-title' }, 'Saved destinations'),
    h('p', { id: 'dest-empty', class: 'empty' }, 'No destinations yet.'),
    h('ul', { id: 'dest-list', class: 'ext-dest-list', 'aria-label': 'Saved destinations' }));
  const after = $('#export');
  if (after) after.after(section);
  else ($('main') ?? document.body).append(section);
  const nav = $('.steps ol');
  if (nav) nav.append(h('li', {}, h('a', { href: '#destinations' }, 'Schedules')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const err = $('#dest-error', form);
    setAlert(err, '');
    const { destination, tokens, problems } = fromPage(form);
    if (problems) { setAlert(err, 'The destination cannot be saved yet:', '', problems); return; }
    $('#dest-status', form).textContent = 'Saving…';
    try {
      const saved = await client.call('saveDestination', { destination, tokens, adoptState: true });
      $('#dest-status', form).textContent = `Saved “${saved.name}”: ${describe(saved.schedule).toLowerCase()}.`;
      await refresh();
    } catch (ex) {
      $('#dest-status', form).textContent = '';
      setAlert(err, 'The destination was not saved.', sentence(ex.message), (ex.issues ?? []).map((i) => `${i.path}: ${i.message}`));
    }
  });

  client.onChanged(() => { refresh(); });
  await refresh();
  return { urlSources };
}

/** Reloads the extension's status and redraws the destinations. */
export async function refresh() {
  try {
    status = await client.call('status');
  } catch {
    return;
  }
  const list = $('#dest-list');
  if (!list) return;
  $('#dest-empty').hidden = status.destinations.length > 0;
  const seen = new Set();
  for (const d of status.destinations) {
    seen.add(d.id);
    let li = list.querySelector(`[data-dest-id="${CSS.escape(d.id)}"]`);
    if (!li) { li = card(d); list.append(li); }
    update(li, d);
  }
  for (const li of [...list.children]) if (!seen.has(li.dataset.destId)) li.remove();
}

function card(d) {
  const li = h('li', { class: 'ext-dest', 'data-dest-id': d.id });
  const run = h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-action': 'run' }, 'Run now');
  const cancel = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'data-action': 'cancel', hidden: true }, 'Cancel');
  const remove = h('button', { type: 'button', class: 'btn btn-small', 'data-action': 'delete' }, 'Delete');
  const msg = h('p', { class: 'status-text', role: 'status', 'data-part': 'message' });
  run.addEventListener('click', async () => {
    msg.textContent = '';
    try {
      const r = await client.call('runDestination', { id: d.id });
      if (r.waiting) msg.textContent = sentence(r.waiting);
      else if (r.queued) msg.textContent = 'Another export is running; this refresh starts when it is done.';
      else if (r.running) msg.textContent = 'This destination’s refresh is already running.';
    } catch (e) { msg.textContent = sentence(e.message); }
    refresh();
  });
  cancel.addEventListener('click', async () => {
    const runId = li.dataset.runId;
    if (runId) await client.call('cancelRun', { runId });
  });
  remove.addEventListener('click', async () => {
    if (!window.confirm(`Delete the destination “${d.name}” with its schedule, history and sync state? Its Autopilot lists and contacts stay as they are.`)) return;
    await client.call('deleteDestination', { id: d.id });
    refresh();
  });
  li.append(
    h('div', { class: 'ext-dest-head' }, h('h3', { 'data-part': 'name' }), h('span', { class: 'badge', 'data-part': 'state' })),
    h('dl', { class: 'kv ext-dest-kv', 'data-part': 'facts' }),
    h('div', { class: 'ext-dest-last', 'data-part': 'last' }),
    h('div', { class: 'ext-dest-progress', 'data-part': 'progress', hidden: true }, h('progress', { max: 1 }), h('span', { class: 'status-text' })),
    h('div', { class: 'actions' }, run, cancel, remove), msg,
    h('details', { class: 'ext-dest-history', 'data-part': 'history' }, h('summary', {}, 'History'), h('div', { class: 'table-wrap' })));
  return li;
}

function membershipLabel(name) {
  const modes = metadata?.membership ?? [];
  const m = modes.find((x) => x.name === (name ?? metadata?.defaults?.membership));
  return m?.label ?? name ?? '–';
}

function keyText(d) {
  if (d.keyStored === 'local') return 'Remembered on this device';
  if (d.keyStored === 'session') return 'Kept for this browser session';
  return 'Not stored: connect again to run';
}

function update(li, d) {
  const part = (p) => li.querySelector(`[data-part="${p}"]`);
  const state = d.status?.state ?? 'idle';
  part('name').textContent = d.name;
  const badge = part('state');
  badge.textContent = STATE_LABEL[state] ?? state;
  badge.className = `badge badge-${TONE[state] ?? 'muted'}`;
  badge.dataset.state = state;
  li.dataset.state = state;
  const live = status.runs.find((r) => r.destinationId === d.id);
  li.dataset.runId = live?.id ?? '';
  const facts = [
    ['Connection', `${d.connection.displayName} · ${d.connection.baseUrl ?? 'Autopilot'}`],
    ['API key', keyText(d)],
    ['Schedule', `${describe(d.schedule)}${d.nextRunAt ? ` · next ${when(new Date(d.nextRunAt).toISOString())}` : ''}`],
    ['Membership', membershipLabel(d.job.membership)],
    ['Segments', h('ul', { class: 'ext-sources' }, d.sources.map((s) => h('li', {}, h('strong', {}, s.name), ` (${s.format.toUpperCase()}) `, h('span', { class: 'mono' }, s.url))))],
  ];
  part('facts').replaceChildren(...facts.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', { 'data-fact': k }, v))));
  const last = d.last;
  const lastBox = part('last');
  lastBox.replaceChildren();
  if (d.status?.message && (state === 'waiting-key' || state === 'failed' || state === 'partial' || state === 'queued')) {
    lastBox.append(h('p', { class: `alert ${state === 'failed' ? 'alert-error' : 'alert-warning'}`, 'data-part-message': state }, sentence(d.status.message)));
  }
  if (last) {
    const t = last.report?.totals ?? {};
    lastBox.append(h('p', { class: 'ext-last-line' },
      `Last run (${TRIGGER[last.trigger] ?? last.trigger ?? 'run'}) ${when(last.at)}: `,
      h('span', { 'data-stat': 'status' }, fmt.status ? fmt.status(last.report?.status ?? 'failed') : last.report?.status),
      last.error ? ` (${last.error.code})` : ''),
    h('dl', { class: 'stats stats-compact ext-changes' },
      stat('Sent (new or changed)', t.exported, 'sent'),
      stat('Unchanged, not sent', t.unchanged, 'unchanged'),
      stat('Removed from lists', t.removed, 'removed'),
      stat('Failed', t.failed, 'failed'),
      stat('Requests', last.report?.requests?.sent, 'requests')));
  }
  const progress = part('progress');
  progress.hidden = !live;
  if (live?.progress) {
    const p = live.progress;
    const bar = progress.querySelector('progress');
    if (p.contactsTotal) bar.value = p.contactsDone / p.contactsTotal; else bar.removeAttribute('value');
    progress.querySelector('span').textContent = p.phase === 'lists' ? 'Preparing the Autopilot lists…' : `Sent ${num(p.contactsDone)} of ${num(p.contactsTotal)}`;
  }
  li.querySelector('[data-action="run"]').disabled = Boolean(live) || state === 'running';
  li.querySelector('[data-action="cancel"]').hidden = !live;
  const history = d.history ?? [];
  const hist = part('history');
  hist.hidden = history.length === 0;
  hist.querySelector('.table-wrap').replaceChildren(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['When', 'Trigger', 'Status', 'Sent', 'Unchanged', 'Removed', 'Failed', 'Duration'].map((x, i) => h('th', { scope: 'col', class: i >= 3 ? 'num' : undefined }, x)))),
    h('tbody', {}, history.map((e) => h('tr', {},
      h('td', {}, when(e.at)), h('td', {}, TRIGGER[e.trigger] ?? e.trigger), h('td', {}, fmt.status ? fmt.status(e.status) : e.status, e.error ? ` (${e.error})` : ''),
      h('td', { class: 'num' }, num(e.changes?.sent)), h('td', { class: 'num' }, num(e.changes?.unchanged)), h('td', { class: 'num' }, num(e.changes?.removed)),
      h('td', { class: 'num' }, num(e.changes?.failed)), h('td', { class: 'num' }, fmt.duration ? fmt.duration(e.durationMs) : e.durationMs))))));
}

function stat(label, value, id) {
  return h('div', { class: 'stat', 'data-stat': id }, h('dt', {}, label), h('dd', {}, Number.isFinite(value) ? num(value) : '–'));
}
