// Saved destinations and their unattended refreshes, in the service worker.
//
// A destination is everything a refresh needs except secrets: the connection (no key), the
// job's configuration (mapping, lists, options, membership mode), its segment sources as URLs
// (CSV/NDJSON/JSON, an optional bearer token kept in secrets.js), the run options and a
// schedule. Each schedule is one chrome.alarms alarm named `dest:<id>`, set to the next time
// (schedule.js) and set again after every run. A refresh uses the destination's sync state
// from IndexedDB and stores the new one, the report and a history entry; a failure sets the
// badge and shows a notification; a missing API key makes it wait (badge "KEY") until the
// user connects again.

import { entryFrom } from '../history.js';
import { loadCore } from './core.js';
import { emitChange } from './events.js';
import { filing } from './filing.js';
import * as idb from './idb.js';
import { newId } from './ids.js';
import { notify, updateBadge } from './badge.js';
import { listsIdentity } from './page-runs.js';
import { discard, liveRuns, registerKind, reserve, resumeSoon, start, storedRuns } from './runner.js';
import { nextRun, scheduleIssues } from './schedule.js';
import { forgetSourceTokens, getApiKey, getSourceToken, setSourceToken } from './secrets.js';
import { extensionError } from './wire.js';

/** Alarm name prefixes. */
export const ALARM = Object.freeze({ schedule: 'dest:', retry: 'retry:' });
/** Minutes before a refresh that found another export running tries again. */
const RETRY_MINUTES = 1;
/** A scheduled run missed while the browser was closed runs this long after it starts. */
const MISSED_DELAY_MS = 60_000;
/** History entries kept per destination. */
const HISTORY_KEPT = 50;

/**
 * @typedef {object} Source
 * @property {string} name     segment name (list title = the job's listPrefix + name)
 * @property {string} url
 * @property {'csv'|'ndjson'|'json'} format
 * @property {string} [tokenRef]  set when a bearer token is stored for this source
 * @property {{delimiter?: string, encoding?: string}} [options]  byte source options the page chose
 *
 * @typedef {object} Destination
 * @property {string} id
 * @property {string} name
 * @property {string} connectionId
 * @property {object} connection  the package's Connection without apiKey
 * @property {object} job         ExportJob without connection and segments (mapping, lists, membership, …)
 * @property {Source[]} sources
 * @property {object} run         run options (ratePerSecond, …)
 * @property {import('./schedule.js').Schedule} schedule
 * @property {{state: string, message?: string, at?: string, runId?: string}} status
 * @property {number|null} nextRunAt
 */

// ------------------------------------------------------------------ saving

/**
 * Problems of a destination before it is stored (the core validates the job itself).
 * @returns {Promise<{path: string, code: string, message: string}[]>}
 */
async function issuesOf(dest, apiKey) {
  const issues = [];
  if (!String(dest.name ?? '').trim()) issues.push({ path: 'name', code: 'REQUIRED', message: 'give the destination a name' });
  for (const i of scheduleIssues(dest.schedule)) issues.push({ ...i, code: 'SCHEDULE_INVALID' });
  // The core checks the rest: connection, mapping, options and the URL sources themselves.
  const core = await loadCore();
  const segments = (dest.sources ?? []).map((s) => ({ name: s.name, profiles: { ...(s.options ?? {}), url: s.url, format: s.format } }));
  for (const i of core.validateExportConfig({ ...dest.job, connection: { ...dest.connection, apiKey }, segments })) issues.push(i);
  return issues;
}

/**
 * Stores a destination (new or changed) and sets its alarm. Tokens are stored as secrets
 * in the connection's key area; the destination keeps only a reference to them.
 * @param {Destination} input          without id for a new one
 * @param {{tokens?: Record<number, string>, adoptState?: boolean}} opts
 *   tokens: bearer tokens by source index; adoptState: start from the sync state of the
 *   connection's last page export when it covered the same segments and lists
 * @returns {Promise<Destination>}
 */
export async function save(input, { tokens = {}, adoptState = true } = {}) {
  const conn = await idb.get('connections', input.connectionId);
  if (!conn) throw extensionError('NOT_CONNECTED', 'connect to Autopilot first: the destination uses that connection');
  const apiKey = await getApiKey(conn.id);
  if (!apiKey) throw extensionError('KEY_MISSING', 'the API key of this connection is no longer stored: connect again');
  const old = input.id ? await idb.get('destinations', input.id) : null;
  const { id: connId, keyArea, verifiedAt, instanceId, ...connection } = conn;
  /** @type {Destination} */
  const dest = {
    id: old?.id ?? newId('dest'),
    name: String(input.name ?? '').trim(),
    connectionId: conn.id,
    connection,
    job: input.job ?? {},
    sources: (input.sources ?? []).map((s, i) => {
      const out = { name: String(s.name ?? '').trim(), url: String(s.url ?? '').trim(), format: s.format };
      if (s.options && Object.keys(s.options).length) out.options = { ...s.options };
      if (tokens[i] || s.tokenRef) out.tokenRef = String(i);
      return out;
    }),
    run: input.run ?? {},
    schedule: input.schedule ?? { every: 'never' },
    createdAt: old?.createdAt ?? new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    status: old?.status ?? { state: 'idle' },
    nextRunAt: null,
  };
  const issues = await issuesOf(dest, apiKey);
  if (issues.length) {
    const e = extensionError('CONFIG_INVALID', `the destination has ${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}`);
    e.issues = issues;
    throw e;
  }
  for (const [i, token] of Object.entries(tokens)) if (token) await setSourceToken(dest.id, String(i), token, keyArea);
  if (!old && adoptState) {
    const state = await idb.get('states', `conn:${conn.id}`);
    const identity = listsIdentity({ ...dest.job, segments: dest.sources });
    if (state?.bytes && state.lists === identity) {
      await idb.put('states', { id: `dest:${dest.id}`, bytes: state.bytes, lists: identity, updatedAt: new Date().toISOString(), adoptedFrom: state.id });
    }
  }
  dest.nextRunAt = await arm(dest);
  await idb.put('destinations', dest);
  emitChange();
  return dest;
}

/** Deletes a destination with its alarm, tokens, sync state, report and history. */
export async function remove(id) {
  await chrome.alarms.clear(ALARM.schedule + id);
  await chrome.alarms.clear(ALARM.retry + id);
  await forgetSourceTokens(id);
  await idb.del('states', `dest:${id}`);
  await idb.del('reports', id);
  await idb.delWhere('history', 'destinationId', id);
  await idb.del('destinations', id);
  await updateBadge();
  emitChange();
}

/** Sets the alarm of a destination's next scheduled run; returns its time (or null). */
async function arm(dest) {
  const when = nextRun(dest.schedule, Date.now());
  if (when === null) await chrome.alarms.clear(ALARM.schedule + dest.id);
  else await chrome.alarms.create(ALARM.schedule + dest.id, { when });
  return when;
}

/**
 * Sets the alarms of every destination again (after install, update or browser start).
 * A run whose time passed while no alarm was set (the browser was closed, or Chrome dropped
 * the alarm on restart) runs a minute from now instead of being skipped.
 */
export async function armAll() {
  for (const d of await idb.all('destinations')) {
    const alarm = await chrome.alarms.get(ALARM.schedule + d.id);
    let nextRunAt = alarm?.scheduledTime ?? null;
    if (!alarm) {
      if (d.nextRunAt && d.nextRunAt <= Date.now()) {
        nextRunAt = Date.now() + MISSED_DELAY_MS;
        await chrome.alarms.create(ALARM.schedule + d.id, { when: nextRunAt });
      } else {
        nextRunAt = await arm(d);
      }
    }
    if (nextRunAt !== d.nextRunAt) await idb.update('destinations', d.id, (cur) => ({ ...cur, nextRunAt }));
  }
}

async function setStatus(id, status) {
  // In place: a re-filing of its connection meanwhile (connections.js, adopt) stays.
  const next = await idb.update('destinations', id, (d) => ({ ...d, status: { ...status, at: new Date().toISOString() } }));
  if (!next) return null;
  await updateBadge();
  emitChange();
  return next;
}

// ------------------------------------------------------------------ running

/** Status of a destination whose unfinished refresh waits for the running export. */
function showQueued(id, runId, trigger) {
  return setStatus(id, { state: 'queued', runId, message: 'the unfinished refresh continues when the export that is running now ends', trigger });
}

/**
 * Starts a refresh of a destination now. Waits (badge "KEY") when its API key or a source
 * token is not stored; tries again in a minute when another export is running.
 * @param {string} id
 * @param {'schedule'|'manual'|'retry'|'key'} trigger
 * @returns {Promise<{runId?: string, waiting?: string, queued?: boolean, running?: boolean}>}
 */
export async function runNow(id, trigger) {
  const dest = await idb.get('destinations', id);
  if (!dest) throw extensionError('NOT_FOUND', 'this destination no longer exists');
  // A refresh of it that runs now: this one would only do the same work again.
  const running = liveRuns().find((r) => r.destinationId === id);
  if (running) return { runId: running.id, running: true };
  const stored = await storedRuns(id);
  // A refresh of this destination that waited for the key is replaced by this one (the sync
  // state makes starting over cheap).
  for (const r of stored.filter((s) => s.waitingForKey)) await discard(r.id);
  // An interrupted refresh of it that waits for the running export: it continues by itself.
  const queued = stored.find((s) => !s.waitingForKey);
  if (queued) {
    await showQueued(id, queued.id, trigger);
    resumeSoon(); // at once if the slot is free
    return { queued: true, runId: queued.id };
  }
  const release = reserve();
  if (!release) {
    await chrome.alarms.create(ALARM.retry + id, { delayInMinutes: RETRY_MINUTES });
    await setStatus(id, { state: 'queued', message: 'another export is running; trying again in a minute', trigger });
    return { queued: true };
  }
  try {
    return await startRun(id, trigger);
  } finally {
    release();
  }
}

/**
 * The part of `runNow` that holds the slot: reads the key, tokens and state, and starts.
 * One at a time with connecting again (filing.js): `runNow` read the destination before it
 * reserved the slot, and a re-filing of its connection meanwhile (connections.js, adopt)
 * moves it, its key and its runs to another id. Read again here, the destination names the
 * id its key is stored under, and its run is stored under that id too (a re-filing after it
 * moves the run as well), so a resume finds the key.
 */
function startRun(id, trigger) {
  return filing(async () => {
    const dest = await idb.get('destinations', id);
    if (!dest) throw extensionError('NOT_FOUND', 'this destination no longer exists');
    const apiKey = await getApiKey(dest.connectionId);
    const missingToken = [];
    for (const s of dest.sources) if (s.tokenRef && !(await getSourceToken(id, s.tokenRef))) missingToken.push(s.name);
    if (!apiKey || missingToken.length) {
      const message = !apiKey
        ? 'the API key is not stored any more (it was kept for the browser session only): open the extension and connect again'
        : `the access token of ${missingToken.map((n) => `“${n}”`).join(', ')} is not stored any more: save the destination again with the token`;
      await setStatus(id, { state: 'waiting-key', message, trigger });
      return { waiting: message };
    }
    const state = await idb.get('states', `dest:${id}`);
    const options = { ...dest.run };
    if (state?.bytes) options.syncState = state.bytes;
    const now = new Date().toISOString();
    const runId = newId('run');
    await setStatus(id, { state: 'running', runId, trigger });
    await start({
      id: runId, kind: 'destination', connectionId: dest.connectionId, destinationId: id, options, trigger,
      startedAt: now, updatedAt: now, restarts: 0,
    }, apiKey);
    return { runId };
  });
}

/**
 * Runs every destination of a connection that waits for its key (called once the key is
 * stored again).
 * @param {string} connectionId
 */
export async function runWaiting(connectionId) {
  for (const d of await idb.all('destinations')) {
    if (d.connectionId !== connectionId || d.status?.state !== 'waiting-key') continue;
    try {
      await runNow(d.id, 'key');
    } catch (e) {
      // One that cannot start (removed meanwhile) does not keep the others waiting.
      console.warn(`autopilot-export: destination ${d.id}: starting its refresh failed (${e?.message ?? e})`);
    }
  }
}

/**
 * Handles the alarms of destinations (`dest:<id>`, `retry:<id>`); false for other alarms.
 * @param {{name: string}} alarm
 */
export async function onAlarm(alarm) {
  for (const [kind, prefix] of Object.entries(ALARM)) {
    if (!alarm.name.startsWith(prefix)) continue;
    const id = alarm.name.slice(prefix.length);
    const dest = await idb.get('destinations', id);
    if (!dest) return true;
    if (kind === 'schedule') {
      const nextRunAt = await arm(dest);
      await idb.update('destinations', id, (d) => ({ ...d, nextRunAt }));
    }
    await runNow(id, kind === 'schedule' ? 'schedule' : 'retry');
    return true;
  }
  return false;
}

/** The job of a destination's refresh: the key, and URL sources the core downloads itself. */
async function jobOf(dest, apiKey) {
  const segments = [];
  for (const s of dest.sources) {
    const token = s.tokenRef ? await getSourceToken(dest.id, s.tokenRef) : null;
    if (s.tokenRef && !token) throw extensionError('KEY_MISSING', `the access token of segment “${s.name}” is not stored any more`);
    const profiles = { ...(s.options ?? {}), url: s.url, format: s.format };
    if (token) profiles.headers = { Authorization: `Bearer ${token}` };
    segments.push({ name: s.name, profiles });
  }
  return { ...dest.job, connection: { ...dest.connection, apiKey }, segments };
}

/** What a report says changed (for the history and the page). */
export function changesOf(report) {
  const t = report?.totals ?? {};
  const n = (k) => (Number.isFinite(t[k]) ? t[k] : 0);
  return { sent: n('exported'), unchanged: n('unchanged'), removed: n('removed'), failed: n('failed'), requests: report?.requests?.sent ?? 0 };
}

registerKind('destination', {
  async job(record, apiKey) {
    const dest = await idb.get('destinations', record.destinationId);
    if (!dest) throw extensionError('NOT_FOUND', 'the destination was deleted');
    return jobOf(dest, apiKey);
  },
  async waiting(record) {
    await setStatus(record.destinationId, {
      state: 'waiting-key', runId: record.id,
      message: 'an unfinished refresh waits for the API key (kept for the browser session only): open the extension and connect again',
    });
  },
  async started(record) {
    await setStatus(record.destinationId, { state: 'running', runId: record.id, trigger: record.trigger });
  },
  async queued(record) {
    await showQueued(record.destinationId, record.id, record.trigger);
  },
  async finish(record, result) {
    const dest = await idb.get('destinations', record.destinationId);
    if (!dest) return;
    const report = result.report;
    if (report?.syncState instanceof Uint8Array && report.syncState.length) {
      await idb.put('states', { id: `dest:${dest.id}`, bytes: report.syncState, lists: listsIdentity({ ...dest.job, segments: dest.sources }), updatedAt: result.finishedAt });
    }
    if (report) {
      const { syncState, checkpoint, ...kept } = report;
      await idb.put('reports', { id: dest.id, runId: record.id, trigger: record.trigger, report: kept, error: result.error, at: result.finishedAt });
    } else {
      await idb.put('reports', { id: dest.id, runId: record.id, trigger: record.trigger, error: result.error, at: result.finishedAt });
    }
    await idb.put('history', {
      ...entryFrom(report, { displayName: dest.connection.displayName, exportUser: dest.connection.exportUser, at: result.finishedAt, errorCode: result.error?.code }),
      destinationId: dest.id, destination: dest.name, runId: record.id, trigger: record.trigger ?? 'manual', changes: changesOf(report),
    });
    await idb.trim('history', 'destinationId', dest.id, HISTORY_KEPT);
    const state = report?.status ?? 'failed';
    const message = result.error?.message ?? report?.error?.message;
    await setStatus(dest.id, { state, message, runId: record.id, trigger: record.trigger });
    if (state === 'failed' || state === 'partial') {
      const what = state === 'partial' ? 'partly failed' : 'failed';
      await notify(dest.id, `Autopilot export ${what}: ${dest.name}`, message ? `${message[0].toUpperCase()}${message.slice(1)}.` : `${changesOf(report).failed} contacts could not be exported.`);
    }
  },
});
