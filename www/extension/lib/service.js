// The service worker's side of the runtime port (protocol in ../README.md, "Port protocol").
//
// Page -> worker:
//   {op: 'call', id, method, params}      one request, answered by {op: 'result', id, value}
//                                         or {op: 'error', id, error}
//   {op: 'run', id, runId, apiKey}        start the page run stored in IndexedDB under runId
//   {op: 'attach', id, runId}             follow a run again (after the port was lost)
//   {op: 'cancel', id}                    cancel the call or run started by request `id`
//   {op: 'ping'}                          keeps the worker awake while the page follows a run
// Worker -> page:
//   {op: 'progress', id, progress}        for 'run' and 'attach', at least once per batch
//   {op: 'checkpoint', id, checkpoint}    for 'run' and 'attach', after every finished batch
//   {op: 'result', id, value}             the report of a finished run (or a call's value)
//   {op: 'error', id, error}              an error of the package's shape (code, message, issues, report)
//   {op: 'changed'}                       runs or destinations changed (the page asks for 'status')
// Values pass through wire.js's pack/unpack (bytes as base64).

import * as connections from './connections.js';
import { loadCore } from './core.js';
import { onChange } from './events.js';
import * as destinations from './destinations.js';
import * as idb from './idb.js';
import { PORT_NAME } from './ids.js';
import { stateForCheckpoint } from './page-runs.js';
import * as runner from './runner.js';
import { apiKeyArea } from './secrets.js';
import { errorToWire, extensionError, pack, unpack } from './wire.js';
import * as pageExporter from './page-exporter.sw.js';

/** Functions of the page's exporter the page may call through 'page' (the network ones have their own methods). */
const PAGE_FUNCTIONS = new Set(['init', 'validateConnection', 'validateJob', 'validateRunOptions', 'inspect', 'suggestMapping', 'preview', 'toCsv', 'isLoopbackUrl', 'apiBaseUrl']);
import { updateBadge } from './badge.js';

/** History entries sent with each destination in 'status'. */
const HISTORY_SHOWN = 10;

/** Everything the page shows about the extension: connections, destinations, runs, core. */
async function status() {
  const core = await loadCore();
  const dests = [];
  for (const d of await idb.all('destinations')) {
    const last = await idb.get('reports', d.id);
    const history = (await idb.all('history', 'destinationId', d.id)).reverse().slice(0, HISTORY_SHOWN);
    dests.push({ ...d, keyStored: await apiKeyArea(d.connectionId), last: last ?? null, history });
  }
  dests.sort((a, b) => String(a.createdAt).localeCompare(String(b.createdAt)));
  const waiting = (await idb.all('runs')).map((r) => ({ id: r.id, kind: r.kind, destinationId: r.destinationId, startedAt: r.startedAt }));
  return {
    connections: await connections.list(),
    destinations: dests,
    runs: runner.liveRuns(),
    stored: waiting,
    metadata: core.metadata(),
  };
}

/** Calls the page may make, by method name. */
const METHODS = {
  /** A function of the page's exporter, run here on the worker's core. */
  async page({ fn, args }) {
    if (!PAGE_FUNCTIONS.has(fn)) throw extensionError('INTERNAL', `the page's exporter has no function ${fn} for the extension`);
    await loadCore();
    return pageExporter[fn](...(Array.isArray(args) ? args : []));
  },
  async checkConnection({ connection, keyArea }, signal) {
    await loadCore();
    const { account, id } = await connections.verify(connection, { signal, keyArea, check: pageExporter.checkConnection });
    await runner.resumeUnfinished();
    await destinations.runWaiting(id);
    return { account, connectionId: id };
  },
  status,
  metadata: async () => (await loadCore()).metadata(),
  /** A URL source's bytes, downloaded by the core (its rules: no redirects, complete or nothing). */
  async downloadSource({ source }, signal) { return (await loadCore()).downloadSource(source, { signal }); },
  async setKeyArea({ connectionId, keyArea }) { return connections.setKeyArea(connectionId, keyArea); },
  async forgetKey({ connectionId }) { await connections.forgetKey(connectionId); return true; },
  async saveDestination({ destination, tokens, adoptState }) { return destinations.save(destination, { tokens, adoptState }); },
  async deleteDestination({ id }) { await destinations.remove(id); return true; },
  async runDestination({ id }) { return destinations.runNow(id, 'manual'); },
  async cancelRun({ runId }) { return runner.cancel(runId); },
  async discardRun({ runId }) { const r = await runner.discard(runId); await updateBadge(); return r; },
  async history({ destinationId }) {
    const list = await idb.all('history', 'destinationId', destinationId);
    return list.reverse();
  },
  async report({ destinationId }) { return (await idb.get('reports', destinationId)) ?? null; },
};

/**
 * Serves one page's port until it disconnects. Runs it started go on without it. Call it
 * synchronously from onConnect: a message that arrives before a listener is registered is
 * lost, so the listeners go on at once and each message waits for `ready` (the worker's
 * start-up) before it is handled.
 * @param {chrome.runtime.Port} port
 * @param {Promise<unknown>} ready
 */
export function serve(port, ready) {
  if (port.name !== PORT_NAME) return;
  let open = true;
  const post = (msg) => { if (open) { try { port.postMessage(msg); } catch { open = false; } } };
  /** request id -> cleanup (unsubscribe, abort) */
  const active = new Map();
  let pending = null;
  const unwatch = onChange(() => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; post({ op: 'changed' }); }, 300);
  });

  /** Forwards a run's progress and outcome as answers to request `id`. */
  const follow = async (id, runId) => {
    let finished = false;
    const unsubscribe = await runner.attach(runId, (ev) => {
      if (ev.type === 'progress' || ev.type === 'checkpoint') {
        post({ op: ev.type, id, runId, [ev.type]: pack(ev[ev.type]) });
        return;
      }
      finished = true;
      active.delete(id);
      const { report, error } = ev.result;
      if (error) post({ op: 'error', id, runId, error: { ...error, ...(report ? { report: pack(report) } : {}) } });
      else post({ op: 'result', id, runId, value: pack(report) });
    });
    if (finished) unsubscribe();
    else active.set(id, { runId, unsubscribe });
  };

  port.onMessage.addListener(async (raw) => {
    const msg = /** @type {any} */ (raw);
    const id = msg?.id;
    try {
      await ready;
      if (msg.op === 'call') {
        const fn = METHODS[msg.method];
        if (!fn) throw extensionError('INTERNAL', `unknown method ${msg.method}`);
        const controller = new AbortController();
        active.set(id, { abort: () => controller.abort() });
        const value = await fn(unpack(msg.params ?? {}), controller.signal);
        active.delete(id);
        post({ op: 'result', id, value: pack(value) });
      } else if (msg.op === 'run') {
        const record = await idb.get('runs', msg.runId);
        if (!record || record.kind !== 'page') throw extensionError('INTERNAL', 'the export to start was not found');
        const release = runner.reserve();
        if (!release) {
          if (!runner.liveRuns().some((r) => r.id === record.id)) await idb.del('runs', record.id);
          throw extensionError('BUSY', 'another export is running in the extension (a scheduled refresh); wait for it to finish or cancel it below');
        }
        try {
          delete record.pending; // stored by the page, started now (runner.start stores it again)
          if (record.options.checkpoint && !record.options.syncState) {
            const s = await stateForCheckpoint(record.options.checkpoint);
            if (s) record.options.syncState = s;
          }
          active.set(id, { runId: record.id });
          await runner.start(record, msg.apiKey);
        } finally {
          release();
        }
        await follow(id, record.id);
      } else if (msg.op === 'attach') {
        active.set(id, { runId: msg.runId });
        await follow(id, msg.runId);
      } else if (msg.op === 'cancel') {
        const a = active.get(id);
        if (a?.runId) runner.cancel(a.runId);
        a?.abort?.();
      }
    } catch (e) {
      active.delete(id);
      post({ op: 'error', id, error: errorToWire(e) });
    }
  });
  port.onDisconnect.addListener(() => {
    open = false;
    unwatch();
    if (pending) clearTimeout(pending);
    for (const a of active.values()) { a.unsubscribe?.(); a.abort?.(); }
    active.clear();
  });
}
