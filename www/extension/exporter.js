// The extension's replacement for the page's www/exporter.js (build.sh copies the page's
// own module next to it as page-exporter.js and puts this one in its place). Same exported
// interface; what needs the network runs in the service worker, which has host permission
// for the API and so needs no CORS:
//   - connect()   -> the worker checks the key and files it (session or local storage);
//   - runExport() -> the job goes to IndexedDB without the key, the worker runs it; progress,
//                    cancel and the report travel over the runtime port (lib/client.js).
// Everything else (building the package's shapes, validation, the dry-run preview: pure,
// synchronous functions) is the page's own module, running on the page's copy of the core.
// It also records the verified connection and the last job for the extension's panel.

import * as page from './page-exporter.js';
import * as client from './lib/client.js';
import * as idb from './lib/idb.js';
import { connectionId, newId, withoutKey } from './lib/ids.js';

export * from './page-exporter.js';

/**
 * The package's `ExportJob` (the page's own toJob); the extension's panel keeps the newest
 * one to save it as a destination.
 * @param {Parameters<typeof page.toJob>[0]} s
 */
export function toJob(s) {
  const job = page.toJob(s);
  client.shared.lastJob = job;
  return job;
}

/**
 * Dry run (the page's own previewJob); remembers the rate for a destination saved later.
 * @param {object} job
 * @param {number} [ratePerSecond]
 */
export function previewJob(job, ratePerSecond) {
  client.shared.lastJob = job;
  if (ratePerSecond !== undefined) client.shared.lastRate = ratePerSecond;
  return ratePerSecond === undefined ? page.previewJob(job) : page.previewJob(job, ratePerSecond);
}

/**
 * Verifies the key with Autopilot from the service worker. On success the worker stores the
 * key in chrome.storage.session (or .local when the user chose "remember on this device").
 * Resolves with the account object; rejects with a `PageError`.
 * @param {object} conn
 * @param {{signal?: AbortSignal, timeoutMs?: number}} [opts]
 */
export async function connect(conn, { signal, timeoutMs } = {}) {
  try {
    const { account, connectionId: id } = await client.call('checkConnection', { connection: conn, timeoutMs, keyArea: client.shared.keyArea }, { signal });
    client.shared.connected = { connection: conn, connectionId: id, account };
    window.dispatchEvent(new CustomEvent('autopilot-export:connected', { detail: { connectionId: id } }));
    return account;
  } catch (e) {
    throw page.toPageError(e);
  }
}

/**
 * Runs the export in the service worker. Resolves with the report (status `cancelled` plus
 * `checkpoint` when `signal` aborts); rejects with a `PageError`, carrying `report` when the
 * run had started. Options other than `signal` and `onProgress` go to the core unchanged.
 * @param {object} job
 * @param {{signal?: AbortSignal, onProgress?: (p: object) => void, ratePerSecond?: number, checkpoint?: object}} [opts]
 */
export async function runExport(job, { signal, onProgress, ...options } = {}) {
  client.shared.lastJob = job;
  if (options.ratePerSecond !== undefined) client.shared.lastRate = options.ratePerSecond;
  for (const [k, v] of Object.entries(options)) if (v === undefined) delete options[k];
  const now = new Date().toISOString();
  const record = {
    id: newId('run'), kind: 'page', connectionId: connectionId(job.connection), job: withoutKey(job), options,
    startedAt: now, updatedAt: now, restarts: 0,
  };
  try {
    await idb.put('runs', record);
    return await client.run(record.id, job.connection.apiKey, { signal, onProgress });
  } catch (e) {
    throw page.toPageError(e);
  }
}
