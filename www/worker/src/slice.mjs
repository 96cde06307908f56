// One slice of a sliced export: exactly one `exportSegments` call that makes at most
// `maxRequests` requests (the package stops sending there, lets the requests in flight
// finish and reports `paused`), continuing from the previous slice's checkpoint and sync
// state, or from an interim checkpoint of an interrupted attempt at the same slice with the
// sync state that slice started from. It hands the package's interim checkpoints (one after
// every finished batch) to `onCheckpoint`, classifies the outcome for the Durable Object
// (paused / finished / cancelled / failed) and performs no storage itself.

/**
 * @typedef {object} SliceOutcome
 * @property {'paused'|'finished'|'cancelled'|'failed'} kind
 * @property {any} [report]      the package's report (absent when it threw before starting)
 * @property {{code: string, message: string}} [error]
 * @property {any} [progress]    the last progress snapshot
 * @property {number} sent       requests this slice sent (the package's count)
 */

/**
 * Runs one slice.
 * @param {{exportSegments: Function}} core the package
 * @param {object} job the package's ExportJob (stored bytes as sources)
 * @param {{options: Record<string, number|boolean>, checkpoint?: object, syncState?: Uint8Array, signal: AbortSignal, onProgress?: (p: any) => void, onCheckpoint?: (cp: any) => void}} args
 *   `options` holds the RunOptions, `maxRequests` (the slice budget) among them; `onCheckpoint`
 *   receives the package's interim checkpoints (resume them with this call's `syncState`)
 * @returns {Promise<SliceOutcome>}
 */
export async function runSlice(core, job, { options, checkpoint, syncState, signal, onProgress, onCheckpoint }) {
  let last;
  const opts = {
    ...options,
    signal,
    onProgress: (p) => {
      last = p;
      onProgress?.(p);
    },
  };
  if (onCheckpoint) opts.onCheckpoint = onCheckpoint;
  if (checkpoint) opts.checkpoint = checkpoint;
  if (syncState) opts.syncState = syncState;
  // The report's counters continue the checkpoint's: this slice's requests are the difference.
  const before = checkpoint?.requests?.sent ?? 0;
  const sent = (report) => Math.max(0, (report?.requests?.sent ?? last?.requests?.sent ?? before) - before);
  try {
    const report = await core.exportSegments(job, opts);
    const kind = report.status === 'paused' ? 'paused' : report.status === 'cancelled' ? 'cancelled' : 'finished';
    return { kind, report, progress: last, sent: sent(report) };
  } catch (e) {
    const error = { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: String(e?.message ?? e) };
    return { kind: 'failed', report: e?.report, error, progress: last, sent: sent(e?.report) };
  }
}
