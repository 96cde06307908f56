// The page's end of the runtime port to the service worker (protocol: service.js). Calls
// are requests with an id; a run streams progress and ends with its report. When the port
// is lost mid-run (Chrome stopped the worker), the client connects again, which starts the
// worker, and follows the same run, which the worker resumes from its stored checkpoint.
// Also holds what the extension's page modules share: the verified connection and the
// last job the page built (exporter.js records them; panel.js reads them).

import { PORT_NAME } from './ids.js';
import { errorFromWire, extensionError, pack, unpack } from './wire.js';

/** Reconnection attempts for a run whose port was lost (each one starts the worker). */
const RECONNECTS = 5;
/** While a run is followed, the page sends a ping this often: an event for the worker. */
const PING_MS = 20_000;

let port = null;
let nextId = 1;
/** id -> {resolve, reject, onProgress?, onCheckpoint?, runId?, reconnects} */
const pending = new Map();
const changeListeners = new Set();

/** State shared by the page's modules (page memory only, never stored). */
export const shared = {
  /** 'session' (default) or 'local' ("remember on this device"): where a verified key goes. */
  keyArea: /** @type {'session'|'local'} */ ('session'),
  /** The last connection Autopilot accepted: {connection (with key), connectionId, account}. */
  connected: null,
  /** The last job the page built (exporter.js's toJob) and the last rate it ran or previewed with. */
  lastJob: null,
  lastRate: undefined,
};

function onMessage(raw) {
  const msg = /** @type {any} */ (raw);
  if (msg.op === 'changed') { for (const fn of changeListeners) fn(); return; }
  const p = pending.get(msg.id);
  if (!p) return;
  if (msg.op === 'progress') { p.onProgress?.(unpack(msg.progress)); return; }
  if (msg.op === 'checkpoint') { p.onCheckpoint?.(unpack(msg.checkpoint)); return; }
  pending.delete(msg.id);
  if (msg.op === 'result') p.resolve(unpack(msg.value));
  else p.reject(errorFromWire(msg.error));
}

function onDisconnect() {
  port = null;
  if (changeListeners.size) {
    // The page's status view keeps listening: reconnect (this starts the worker again).
    setTimeout(() => { try { ensurePort(); for (const fn of changeListeners) fn(); } catch { /* extension reloaded */ } }, 500);
  }
  for (const [id, p] of [...pending]) {
    if (p.runId && p.reconnects < RECONNECTS) {
      p.reconnects += 1;
      // The run goes on in the worker (resumed from its checkpoint if the worker stopped).
      setTimeout(() => {
        try { ensurePort().postMessage({ op: 'attach', id, runId: p.runId }); } catch (e) { pending.delete(id); p.reject(e); }
      }, 200 * p.reconnects);
    } else {
      pending.delete(id);
      p.reject(extensionError('WORKER_STOPPED', 'the extension’s background worker stopped before answering; try again'));
    }
  }
}

function ensurePort() {
  if (!port) {
    port = chrome.runtime.connect({ name: PORT_NAME });
    port.onMessage.addListener(onMessage);
    port.onDisconnect.addListener(onDisconnect);
  }
  return port;
}

/**
 * Calls a method of the service worker (service.js's METHODS).
 * @param {string} method
 * @param {object} [params]
 * @param {{signal?: AbortSignal}} [opts]
 * @returns {Promise<any>}
 */
export function call(method, params = {}, { signal } = {}) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, reconnects: RECONNECTS });
    ensurePort().postMessage({ op: 'call', id, method, params: pack(params) });
    signal?.addEventListener('abort', () => { try { port?.postMessage({ op: 'cancel', id }); } catch { /* gone */ } }, { once: true });
  });
}

/**
 * Starts the page run stored under `runId` (IndexedDB "runs") and follows it to its end.
 * @param {string} runId
 * @param {string} apiKey   travels in the message only; the worker files it with the connection
 * @param {{signal?: AbortSignal, onProgress?: (p: object) => void, onCheckpoint?: (c: object) => void}} opts
 * @returns {Promise<object>} the report
 */
export function run(runId, apiKey, { signal, onProgress, onCheckpoint } = {}) {
  const id = nextId++;
  let ping = null;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress, onCheckpoint, runId, reconnects: 0 });
    ensurePort().postMessage({ op: 'run', id, runId, apiKey });
    const cancel = () => { try { ensurePort().postMessage({ op: 'cancel', id }); } catch { /* gone */ } };
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    ping = setInterval(() => { try { port?.postMessage({ op: 'ping' }); } catch { /* reconnecting */ } }, PING_MS);
  }).finally(() => clearInterval(ping));
}

/** Calls `fn()` when the worker says runs or destinations changed. @returns {() => void} */
export function onChanged(fn) {
  changeListeners.add(fn);
  ensurePort();
  return () => changeListeners.delete(fn);
}
