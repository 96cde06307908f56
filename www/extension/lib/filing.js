// One at a time, in the service worker: re-filing a connection's records under another id
// (connections.js, adopt), filing a finished run's outcome under its connection (runner.js,
// file) and starting a destination's run under its destination's connection (destinations.js,
// startRun). Each reads what another writes (a run's or a destination's connection id, its
// key, the `conn:<id>` sync state), so none may run between another's read and write. Every
// step of one is an IndexedDB or extension API call, which settles: a step that never did
// would hold connecting again, the filing of every run's outcome, and (startRun holds the
// export slot meanwhile) every other export.

let chain = Promise.resolve();

/**
 * Runs `fn` once every earlier `filing` call has settled; its result or error is the
 * caller's, and a failure does not stop the calls after it.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
export function filing(fn) {
  const run = chain.then(fn);
  chain = run.catch(() => {});
  return run;
}
