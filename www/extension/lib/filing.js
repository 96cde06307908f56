// One at a time, in the service worker: re-filing a connection's records under another id
// (connections.js, adopt) and filing a finished run's outcome under its connection
// (runner.js, end). Each reads what the other writes — the run's connection id, the
// `conn:<id>` sync state — so neither may run between the other's read and write. A
// finish that never settled would hold connecting again too; every step of one is an
// IndexedDB or extension API call, which settles.

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
