// Runs exports inside the service worker and makes them survive the worker being stopped.
//
// A run is a record in IndexedDB ("runs") from its start to its end: what to run (the page's
// job without the API key, or a destination id), its options and the sync state the core call
// started from. Its newest checkpoint is a small record of its own ("states", `run:<run id>`),
// stored after every finished batch (the core's `onCheckpoint`): the run record, which holds
// a page's segment bytes, is not written again per batch. A run stopped with the worker
// continues from there when the worker starts
// again (`resumeUnfinished`, called on every start): the core re-sends at most what was in
// flight. When the run ends its record is replaced by a result ("results") that a
// page can still collect after reconnecting. Kinds of run ('page', 'destination') register
// how their job is built and what happens with the outcome.

import { loadCore } from './core.js';
import { emitChange } from './events.js';
import { filing } from './filing.js';
import * as idb from './idb.js';
import { hold } from './keepalive.js';
import { getApiKey } from './secrets.js';
import { errorToWire, extensionError } from './wire.js';

/** A run that keeps being interrupted is given up after this many restarts. */
export const MAX_RESTARTS = 20;
/** Results kept for pages that reconnect. */
const RESULTS_KEPT = 20;
/** A page's run stored but never started (the page went away first) is dropped after this. */
const PENDING_MS = 10 * 60 * 1000;
/** Where a run's newest checkpoint is kept (store "states"): `{id, checkpoint, updatedAt}`. */
const checkpointKey = (runId) => `run:${runId}`;

/**
 * @typedef {object} RunRecord
 * @property {string} id
 * @property {'page'|'destination'} kind
 * @property {string} connectionId
 * @property {string} [destinationId]
 * @property {object} [job]           page runs: the job without `connection.apiKey`
 * @property {object} options         run options (no signal, no callback)
 * @property {object} [checkpoint]    newest checkpoint, as an earlier version kept it (now in
 *   "states" under `run:<id>`, see `checkpointKey`)
 * @property {Uint8Array} [syncState] the sync state the run started from, as an earlier version
 *   kept it (now `options.syncState`, what an interim checkpoint resumes with)
 * @property {string} startedAt
 * @property {string} updatedAt
 * @property {number} restarts
 * @property {string} [trigger]       destination runs: 'schedule' | 'manual' | 'retry'
 * @property {boolean} [waitingForKey] stored, waiting for its API key to be stored again
 * @property {boolean} [pending]      page runs: stored by the page, not started by the worker yet
 *   (resumeUnfinished leaves it to the page's 'run' message; dropped after PENDING_MS)
 *
 * @typedef {object} Kind
 * @property {(record: RunRecord, apiKey: string) => Promise<object>} job
 * @property {(record: RunRecord, result: object) => Promise<void>} finish
 * @property {(record: RunRecord) => Promise<void>} [waiting]  the key is missing: keep the run
 *   stored until it is back (without it, such a run ends with KEY_MISSING)
 * @property {(record: RunRecord) => Promise<void>} [started]  a stored run is resumed now
 * @property {(record: RunRecord) => Promise<void>} [queued]   a stored run's key is back; it
 *   waits for the running export to end
 */

/** @type {Record<string, Kind>} */
const kinds = {};
/** Runs of this worker instance: id -> {controller, listeners, record, progress}. */
const live = new Map();

/**
 * Registers how runs of one kind are built and finished.
 * @param {string} name
 * @param {Kind} kind
 */
export function registerKind(name, kind) {
  kinds[name] = kind;
}


/** Ids and progress of the runs alive in this worker. */
export function liveRuns() {
  return [...live.values()].map((e) => ({
    id: e.record.id, kind: e.record.kind, destinationId: e.record.destinationId, startedAt: e.record.startedAt, progress: e.progress,
  }));
}

/** Starts that hold the one-export slot while they read what they need (see `reserve`). */
let reserved = 0;

/**
 * Whether an export is running in this worker, or about to start. (Stored runs are resumed
 * when the worker starts, before any alarm or page message is handled; those still stored
 * wait for a key.)
 */
function busy() {
  return live.size > 0 || reserved > 0;
}

/**
 * Takes the one-export slot now, before the awaits between the check and `start` (reading
 * the key, the sync state, storing the record): two starts at the same moment (two alarms,
 * an alarm and the page) would otherwise both find it free and run at once, on one key.
 * Call the returned function once `start` has resolved (the run then holds the slot) or when
 * giving up. `null` when the slot is taken.
 * @param {{thenResume?: boolean}} [opts]  thenResume (default true): a release that leaves the
 *   slot free resumes the stored runs (false inside that resuming itself)
 * @returns {(() => void) | null}
 */
export function reserve({ thenResume = true } = {}) {
  if (busy()) return null;
  reserved += 1;
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    reserved -= 1;
    // Given up without starting a run (a key missing, an error): stored runs that found the
    // slot taken meanwhile are not left waiting for the next start of the worker.
    if (thenResume && !busy()) resumeSoon();
  };
}

/**
 * Stored runs of a destination that are not running: those that wait for its API key
 * (`waitingForKey`), and those that wait for the running export to end (they continue by
 * themselves then).
 * @returns {Promise<RunRecord[]>}
 */
export async function storedRuns(destinationId) {
  return (await idb.all('runs')).filter((r) => r.destinationId === destinationId && !live.has(r.id));
}

/** Listeners of runs stored but not running yet (`attach`), given to the run when it starts. */
const waiters = new Map();

/**
 * Stores and starts a run. Resolves when the run has been stored (not when it ends).
 * @param {RunRecord} record
 * @param {string} apiKey
 */
export async function start(record, apiKey) {
  if (!kinds[record.kind]) throw extensionError('INTERNAL', `unknown run kind ${record.kind}`);
  await idb.put('runs', record);
  execute(record, apiKey);
  emitChange();
}

/**
 * Subscribes to one run: `fn({type: 'progress', progress})`, `fn({type: 'checkpoint',
 * checkpoint})` (after every batch) and finally `fn({type: 'done', result})`. A run that already ended delivers its stored result; one
 * stored but not alive (the worker was stopped) is resumed first.
 * @param {string} runId
 * @param {(event: object) => void} fn
 * @returns {Promise<() => void>} unsubscribe
 */
export async function attach(runId, fn) {
  let entry = live.get(runId);
  if (!entry) {
    const result = await idb.get('results', runId);
    if (result) { fn({ type: 'done', result }); return () => {}; }
    // A page's run stored but not started (the worker stopped before the page's 'run'
    // message): the page is here, so it starts now like any stored run.
    await idb.update('runs', runId, ({ pending, ...started }) => (pending ? started : undefined));
    await resumeUnfinished();
    entry = live.get(runId);
    if (!entry) {
      const again = await idb.get('results', runId);
      if (!again && (await idb.get('runs', runId))) {
        // Stored and waiting (for the running export to end, or for its key): followed from
        // its start on.
        if (!waiters.has(runId)) waiters.set(runId, new Set());
        waiters.get(runId).add(fn);
        return () => waiters.get(runId)?.delete(fn);
      }
      fn(again ? { type: 'done', result: again } : { type: 'done', result: { id: runId, error: errorToWire(extensionError('RUN_UNKNOWN', 'this export is no longer known to the extension')) } });
      return () => {};
    }
  }
  entry.listeners.add(fn);
  if (entry.progress) fn({ type: 'progress', progress: entry.progress });
  return () => entry.listeners.delete(fn);
}

/** Cancels a run of this worker (the core aborts in-flight requests and reports 'cancelled'). */
export function cancel(runId) {
  const entry = live.get(runId);
  if (!entry) return false;
  entry.controller.abort();
  return true;
}

/** `resumeUnfinished` without waiting for it (a failure is logged). */
export function resumeSoon() {
  resumeUnfinished().catch((e) => console.warn(`autopilot-export: resuming stored runs failed: ${e?.message ?? e}`));
}

/**
 * Starts every stored run that is not alive in this worker (after a restart of the worker).
 * Runs whose API key is no longer stored stay stored and wait (`kind.waiting`).
 */
export function resumeUnfinished() {
  // Serialised: the worker's start-up, a reconnecting page and the watchdog alarm may ask at
  // the same time, and a run must not be started twice.
  resuming = resuming.then(resumeNow, resumeNow);
  return resuming;
}
let resuming = Promise.resolve();

async function resumeNow() {
  for (const record of await idb.all('runs')) {
    if (live.has(record.id)) continue;
    const kind = kinds[record.kind];
    if (!kind) continue;
    if (record.pending) {
      // A page's run between its storing and its 'run' message: the page starts it.
      if (Date.now() - Date.parse(record.startedAt) > PENDING_MS) {
        await end(record, { error: extensionError('NOT_STARTED', 'the page that stored this export went away before starting it') }, { finish: false });
      }
      continue;
    }
    if (record.restarts >= MAX_RESTARTS) {
      await end(record, { error: extensionError('RESTARTS_EXCEEDED', `the export was interrupted ${record.restarts} times and was given up`) });
      continue;
    }
    const apiKey = await getApiKey(record.connectionId);
    if (!apiKey) {
      // A kind that can wait for the key keeps its run stored; others end it.
      if (kind.waiting) {
        const waiting = await idb.update('runs', record.id, (r) => ({ ...r, waitingForKey: true }));
        if (waiting) await kind.waiting(waiting); // not when it was discarded meanwhile
      } else await end(record, { error: extensionError('KEY_MISSING', 'the API key was no longer stored when the export was to continue; connect again and resume it') });
      continue;
    }
    // Changed in place (idb.update), after the awaits: a run discarded meanwhile does not come
    // back, and what connecting again changed meanwhile (its connection id) stays.
    if (live.has(record.id)) continue;
    // The key is back: it waits for the slot now, not for its key.
    const unwaited = await idb.update('runs', record.id, ({ waitingForKey, ...rest }) => (waitingForKey ? rest : undefined));
    if (unwaited) await kind.queued?.(unwaited);
    // One export at a time: while one runs, this one stays stored; it is resumed when the
    // running one ends (execute calls this again).
    const release = reserve({ thenResume: false });
    if (!release) continue;
    let next;
    try {
      next = await idb.update('runs', record.id, ({ waitingForKey, ...rest }) => ({ ...rest, restarts: rest.restarts + 1, updatedAt: new Date().toISOString() }));
      if (!next) continue; // ended meanwhile (reserve() holds off any other start)
      await kind.started?.(next); // before it runs: its own end writes the last status
      execute(next, apiKey);
    } catch (e) {
      // Not started: it ends with the reason (a page following it learns it).
      await end(next ?? record, { error: extensionError('RESUME_FAILED', `the unfinished export could not be resumed: ${e?.message ?? e}`) });
    } finally {
      release();
    }
  }
  emitChange();
}

/** Removes a stored run that waits (e.g. for a key) without running it. */
export async function discard(runId) {
  if (live.has(runId)) return false;
  const record = await idb.get('runs', runId);
  if (record) await end(record, { error: extensionError('DISCARDED', 'the unfinished export was discarded') }, { finish: false });
  return Boolean(record);
}

function coreOptions(options) {
  const o = { ...options };
  delete o.signal;
  delete o.onProgress;
  return o;
}

async function execute(record, apiKey) {
  const entry = { controller: new AbortController(), listeners: new Set(waiters.get(record.id) ?? []), record, progress: null, saving: Promise.resolve() };
  waiters.delete(record.id);
  live.set(record.id, entry);
  const release = hold();
  const emit = (ev) => { for (const fn of entry.listeners) { try { fn(ev); } catch { /* closed port */ } } };
  let outcome;
  try {
    const core = await loadCore();
    const job = await kinds[record.kind].job(record, apiKey);
    // An interim checkpoint resumes with the sync state its call started from: both are kept
    // as they were when the run (or the page's resume) began.
    const interim = (await idb.get('states', checkpointKey(record.id)))?.checkpoint ?? record.checkpoint;
    const checkpoint = interim ?? record.options.checkpoint;
    const syncState = record.syncState ?? record.options.syncState;
    let saveFailed = false;
    const options = {
      ...coreOptions(record.options),
      signal: entry.controller.signal,
      onProgress: (p) => {
        entry.progress = p;
        emit({ type: 'progress', progress: p });
        emitChange();
      },
      onCheckpoint: (cp) => {
        const saved = { id: checkpointKey(record.id), checkpoint: cp, updatedAt: new Date().toISOString() };
        entry.saving = entry.saving.then(() => idb.put('states', saved)).catch((e) => {
          // The run goes on; stopped with the worker, it would resume from an older checkpoint.
          if (!saveFailed) console.warn(`autopilot-export: run ${record.id}: the checkpoint could not be stored (${e?.message ?? e})`);
          saveFailed = true;
        });
        emit({ type: 'checkpoint', checkpoint: cp });
      },
    };
    delete options.checkpoint;
    delete options.syncState;
    if (checkpoint) options.checkpoint = checkpoint;
    if (syncState) options.syncState = syncState;
    let report;
    try {
      report = await core.exportSegments(job, options);
    } catch (e) {
      // An interim checkpoint the core refuses: start again from the run's own resume point
      // (the page's checkpoint, or none), with the same sync state. Upserts are keyed by
      // email, so what is sent twice changes nothing.
      if (/** @type {any} */ (e)?.code !== 'CHECKPOINT_MISMATCH' || !interim || options.checkpoint !== interim) throw e;
      delete options.checkpoint;
      if (record.options.checkpoint) options.checkpoint = record.options.checkpoint;
      report = await core.exportSegments(job, options);
    }
    await entry.saving;
    outcome = { report };
  } catch (e) {
    await entry.saving;
    outcome = { error: e };
  } finally {
    release();
  }
  // Still live while it ends (finish, result): a resume in that moment must not start it again.
  const result = resultOf(record, outcome);
  try {
    await file(record, result);
  } catch (e) {
    // Filing failed (the kind's finish, or storing the result): the pages following the run
    // still get its result, the runs waiting for it still start, and it is not resumed (which
    // would send it all again): its record goes whatever else failed.
    console.warn(`autopilot-export: run ${record.id}: filing its result failed (${e?.message ?? e})`);
    await idb.del('runs', record.id).catch(() => {});
    await idb.del('states', checkpointKey(record.id)).catch(() => {});
  } finally {
    live.delete(record.id);
  }
  emit({ type: 'done', result });
  resumeSoon(); // stored runs that waited for this one to end
}

/** Replaces a run's record by its result; `finish: false` skips the kind's finish (discarded runs). */
async function end(record, outcome, { finish = true } = {}) {
  const result = resultOf(record, outcome);
  await file(record, result, { finish });
  return result;
}

/** What a run leaves for pages (`results`): its report and error, and when it ended. */
function resultOf(record, outcome) {
  const report = outcome.report ?? outcome.error?.report;
  const result = { id: record.id, kind: record.kind, destinationId: record.destinationId, finishedAt: new Date().toISOString() };
  if (report) result.report = report;
  if (outcome.error) {
    result.error = errorToWire(outcome.error);
    delete result.error.report; // the report is result.report
  }
  return result;
}

/** Files a run's result: the kind's finish (unless `finish` is false), then `results` replaces its record. */
async function file(record, result, { finish = true } = {}) {
  // One at a time with re-filing a connection (filing.js): the outcome goes under the
  // connection id the stored record names now (connecting again may have filed the run under
  // another id of the same connection while it ran: connections.js, adopt), and the run record
  // is gone before a re-filing could write it back.
  await filing(async () => {
    try {
      if (finish) {
        const stored = await idb.get('runs', record.id);
        await kinds[record.kind]?.finish(stored?.connectionId ? { ...record, connectionId: stored.connectionId } : record, result);
      }
    } finally {
      // The result first: a page attaching meanwhile finds the run or its result.
      await idb.put('results', result);
      await idb.del('runs', record.id);
      await idb.del('states', checkpointKey(record.id));
      const results = await idb.all('results');
      results.sort((a, b) => String(a.finishedAt).localeCompare(String(b.finishedAt)));
      for (const old of results.slice(0, Math.max(0, results.length - RESULTS_KEPT))) await idb.del('results', old.id);
      // A run ended without running (discarded, given up): whoever followed it learns so.
      for (const fn of waiters.get(record.id) ?? []) { try { fn({ type: 'done', result }); } catch { /* closed port */ } }
      waiters.delete(record.id);
      emitChange();
    }
  });
}
