// One slice of a sliced export: exactly one `exportSegments` call that makes at most
// `maxRequests` requests, continuing from the previous slice's checkpoint and sync state.
// It classifies the outcome for the Durable Object (paused / finished / cancelled / failed)
// and performs no storage itself.

/**
 * @typedef {object} SliceOutcome
 * @property {'paused'|'finished'|'cancelled'|'failed'} kind
 * @property {any} [report]      the package's report (absent when it threw before starting)
 * @property {{code: string, message: string}} [error]
 * @property {any} [progress]    the last progress snapshot
 * @property {number} sent       requests this slice sent (the package's count)
 * @property {number} abandoned  requests still in flight when the slice was stopped
 */

/**
 * Runs one slice.
 * @param {{exportSegments: Function}} core the package
 * @param {object} job the package's ExportJob (stored bytes as sources)
 * @param {{options: Record<string, number>, checkpoint?: object, syncState?: Uint8Array, signal: AbortSignal, onProgress?: (p: any) => void}} args
 *   `options` holds the RunOptions numbers, `maxRequests` among them
 * @returns {Promise<SliceOutcome>}
 */
export async function runSlice(core, job, { options, checkpoint, syncState, signal, onProgress }) {
  const budget = pauseAfter(options, signal);
  let last;
  let sentBefore;
  const opts = {
    ...budget.options,
    signal: budget.signal,
    onProgress: (p) => {
      sentBefore ??= p.requests?.sent ?? 0;
      last = p;
      budget.onProgress(p);
      onProgress?.(p);
    },
  };
  if (checkpoint) opts.checkpoint = checkpoint;
  if (syncState) opts.syncState = syncState;
  const sent = (report) => Math.max(0, (report?.requests?.sent ?? last?.requests?.sent ?? 0) - (sentBefore ?? 0));
  try {
    const report = await core.exportSegments(job, opts);
    const status = budget.statusOf(report);
    const kind = status === 'paused' ? 'paused' : status === 'cancelled' ? 'cancelled' : 'finished';
    return { kind, report, progress: last, sent: sent(report), abandoned: budget.abandoned(report) };
  } catch (e) {
    const error = { code: typeof e?.code === 'string' ? e.code : 'INTERNAL', message: String(e?.message ?? e) };
    return { kind: 'failed', report: e?.report, error, progress: last, sent: sent(e?.report), abandoned: 0 };
  }
}

/**
 * TEMPORARY ADAPTER, until the package's `RunOptions.maxRequests` lands (see
 * /work/api-contract.md): stops the run through its abort signal before the request count can
 * pass the budget, and reads the resulting 'cancelled' report as 'paused'. Requests in flight
 * at that moment are abandoned (their batches are sent again by the next slice). With
 * `maxRequests` in the package this function becomes: pass `options` through, use `signal`,
 * and take `report.status` as it is.
 *
 * The package calls onProgress after each finished batch, before it sends again, and after one
 * completion it can only fill the connections that are free; so stopping when
 * `sent + free connections > budget` keeps a slice at or under the budget, unless a request
 * is retried between two finished batches (a retry sends without a progress call).
 * `maxRequests` in the package has no such gap.
 */
function pauseAfter(options, signal) {
  const { maxRequests, ...rest } = options;
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  if (signal.aborted) inner.abort();
  else signal.addEventListener('abort', onOuterAbort, { once: true });
  let pausedInFlight = -1;
  let base; // the job's count when this call started (counters continue the checkpoint's)
  return {
    options: rest,
    signal: inner.signal,
    onProgress(p) {
      const sent = p.requests?.sent ?? 0;
      base ??= sent;
      if (inner.signal.aborted || p.phase === 'done') return;
      const free = Math.max(0, rest.maxInFlight - (p.inFlight ?? 0));
      if (sent - base + free > maxRequests) {
        pausedInFlight = p.inFlight ?? 0;
        inner.abort();
      }
    },
    statusOf(report) {
      signal.removeEventListener('abort', onOuterAbort);
      if (report.status === 'cancelled' && pausedInFlight >= 0 && !signal.aborted) return 'paused';
      return report.status;
    },
    abandoned: () => Math.max(0, pausedInFlight),
  };
}
