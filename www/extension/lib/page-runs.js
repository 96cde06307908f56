// Exports started from the extension's page (its Export and Resume buttons): the page stores
// the job (without the API key) in IndexedDB and asks the worker to run it; the worker adds
// the key and runs it like any other run (runner.js), so it survives a stop of the worker.
// The outcome is delivered over the page's port; the sync state of the run is kept per
// connection so a destination saved from the same setup can start from it.

import * as idb from './idb.js';
import { registerKind } from './runner.js';

/**
 * What identifies the lists of a job's sync state: segment names, list prefix and list mode.
 * A destination adopts a connection's state only when these are equal.
 * @param {{segments: {name: string}[], listPrefix?: string, lists?: string}} job
 */
export function listsIdentity(job) {
  return JSON.stringify({ segments: job.segments.map((s) => s.name), listPrefix: job.listPrefix ?? '', lists: job.lists ?? null });
}

/**
 * The newest finished run with this checkpoint's fingerprint, for its sync state (a page
 * that resumes passes only the checkpoint).
 * @param {object} checkpoint
 */
export async function stateForCheckpoint(checkpoint) {
  const fp = checkpoint?.fingerprint;
  if (!fp) return undefined;
  const results = (await idb.all('results')).filter((r) => r.report?.checkpoint?.fingerprint === fp && r.report?.syncState);
  results.sort((a, b) => String(b.finishedAt).localeCompare(String(a.finishedAt)));
  return results[0]?.report.syncState;
}

registerKind('page', {
  async job(record, apiKey) {
    return { ...record.job, connection: { ...record.job.connection, apiKey } };
  },
  async finish(record, result) {
    const state = result.report?.syncState;
    if (state instanceof Uint8Array && state.length) {
      await idb.put('states', {
        id: `conn:${record.connectionId}`, bytes: state, lists: listsIdentity(record.job), updatedAt: new Date().toISOString(),
      });
    }
  },
});
