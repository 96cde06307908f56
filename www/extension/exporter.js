// The extension's replacement for the page's www/exporter.js (build.sh puts it in its
// place). Same exported interface; every call goes over the runtime port to the service
// worker, which runs the page's own exporter module there (lib/page-exporter.sw.js, built
// from www/exporter.js with its package import pointing at the worker's core) and so needs
// no CORS: the worker has host permission for the API.
//   - checkConnection(): the worker also files a key Autopilot accepted (session storage, or
//     local storage when the user chose "remember on this device");
//   - runExport(): the job goes to IndexedDB without the key; the worker runs it and keeps it
//     going when Chrome stops and restarts the worker; progress, interim checkpoints, cancel
//     and the report travel over the port (lib/client.js).
// It also records the verified connection and the last job with bytes for the panel.

import * as client from './lib/client.js';
import * as idb from './lib/idb.js';
import { connectionId, newId, withoutKey } from './lib/ids.js';

/**
 * @typedef {{path: string, code: string, message: string}} Issue
 * @typedef {{name: 'PageError', code: string, message: string, issues: Issue[], status?: number, report?: object}} PageError
 */

/** Calls the page's exporter function `fn` in the worker. Rejects with a PageError. */
async function forward(fn, args, opts) {
  try {
    return await client.call('page', { fn, args }, opts);
  } catch (e) {
    throw toPageError(e);
  }
}

/** Loads the package (in the worker) and returns its metadata. @returns {Promise<object>} */
export function init() {
  return forward('init', []);
}

/** Every problem of a connection, without any request. @returns {Promise<Issue[]>} */
export function validateConnection(conn) {
  return forward('validateConnection', [conn]);
}

/** Every problem of a job's configuration. @returns {Promise<Issue[]>} */
export function validateJob(job) {
  return forward('validateJob', [job]);
}

/** Every problem of run options (the configuration file's "run"). @returns {Promise<Issue[]>} */
export function validateRunOptions(options) {
  return forward('validateRunOptions', [options]);
}

/**
 * Verifies the key with Autopilot from the worker, which then stores it (session storage by
 * default, local storage after "remember on this device"). A rejected key is stored nowhere.
 * @param {object} conn
 * @param {{signal?: AbortSignal}} [opts]
 * @returns {Promise<object>} AccountInfo
 */
export async function checkConnection(conn, { signal } = {}) {
  try {
    const { account, connectionId: id } = await client.call('checkConnection', { connection: conn, keyArea: client.shared.keyArea }, { signal });
    client.shared.connected = { connection: conn, connectionId: id, account };
    window.dispatchEvent(new CustomEvent('autopilot-export:connected', { detail: { connectionId: id } }));
    return account;
  } catch (e) {
    throw toPageError(e);
  }
}

/** What a segment file holds (the core's inspection). */
export function inspect(bytes, format, opts) {
  return forward('inspect', opts === undefined ? [bytes, format] : [bytes, format, opts]);
}

/** The core's suggestion of a mapping (same arguments as the page's exporter). */
export function suggestMapping(...args) {
  return forward('suggestMapping', args);
}

function remember(job, opts) {
  if (job?.segments?.some((s) => Object.values(s.profiles ?? {}).some((v) => v instanceof Uint8Array))) client.shared.lastJob = job;
  if (opts?.ratePerSecond !== undefined) client.shared.lastRate = opts.ratePerSecond;
}

/**
 * Dry run in the worker (no request to Autopilot).
 * @param {object} job
 * @param {{ratePerSecond?: number, syncState?: Uint8Array, sample?: number}} [opts]
 */
export function preview(job, opts = {}) {
  remember(job, opts);
  return forward('preview', [job, opts]);
}

/**
 * Runs the export in the worker. Resolves with the report (status `cancelled` plus
 * `checkpoint` when `signal` aborts); rejects with a PageError carrying `report` when the run
 * had started. `onProgress` and `onCheckpoint` are called with what the worker forwards.
 * @param {object} job
 * @param {{signal?: AbortSignal, onProgress?: (p: object) => void, onCheckpoint?: (c: object) => void,
 *   ratePerSecond?: number, checkpoint?: object, syncState?: Uint8Array, fullResync?: boolean}} [opts]
 */
export async function runExport(job, { signal, onProgress, onCheckpoint, ...options } = {}) {
  remember(job, options);
  for (const [k, v] of Object.entries(options)) if (v === undefined || v === null || typeof v === 'function') delete options[k];
  const now = new Date().toISOString();
  const record = {
    id: newId('run'), kind: 'page', connectionId: connectionId(job.connection, await apiBaseUrl(job.connection.baseUrl)), job: withoutKey(job), options,
    startedAt: now, updatedAt: now, restarts: 0, pending: true, // until the worker starts it ('run')
  };
  try {
    await idb.put('runs', record);
    return await client.run(record.id, job.connection.apiKey, { signal, onProgress, onCheckpoint });
  } catch (e) {
    throw toPageError(e);
  }
}

/** RFC 4180 text of `rows`, formula cells neutralised by the core. @returns {Promise<string>} */
export function toCsv(rows) {
  return forward('toCsv', [rows]);
}

/** Whether `url` names a loopback host. @returns {Promise<boolean>} */
export function isLoopbackUrl(url) {
  return forward('isLoopbackUrl', [url]);
}

/** The API base a connection with this `baseUrl` uses, as the core writes it. @returns {Promise<string>} */
export function apiBaseUrl(baseUrl) {
  return forward('apiBaseUrl', [baseUrl]);
}

/**
 * What the page shows for anything thrown. The worker's answers already are PageErrors (the
 * page's own exporter made them there); what fails on the way (the port, the worker) keeps
 * its code, anything else becomes INTERNAL.
 * @returns {PageError}
 */
export function toPageError(e) {
  const o = /** @type {any} */ (e);
  if (o && typeof o === 'object' && typeof o.code === 'string') {
    const out = { name: 'PageError', code: o.code, message: String(o.message ?? ''), issues: Array.isArray(o.issues) ? o.issues : [] };
    if (Number.isInteger(o.status)) out.status = o.status;
    if (o.report) out.report = o.report;
    return out;
  }
  return { name: 'PageError', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), issues: [] };
}
