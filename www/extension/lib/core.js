// The autopilot-export core inside the service worker. A service worker cannot use the
// package's browser entry (module graphs with top-level await are refused there), so this
// imports the wasm-bindgen module and initialises it with the .wasm fetched from the
// extension's own URL.

import init, * as core from '../pkg/autopilot_export.js';

let loading = null;

/**
 * The initialised package (its exported functions). Safe to call many times.
 * @returns {Promise<typeof core>}
 */
export function loadCore() {
  if (!loading) {
    loading = init({ module_or_path: chrome.runtime.getURL('pkg/autopilot_export_bg.wasm') })
      .then(() => core)
      .catch((e) => { loading = null; throw e; });
  }
  return loading;
}

/**
 * What this build of the core supports: sync state and sliced runs (`maxRequests`) come with
 * `metadata()`; URL segment sources come with the input-file work (`inspect()`), until then
 * the worker downloads URL sources itself.
 * @param {typeof core} c
 */
export function features(c) {
  const meta = typeof c.metadata === 'function' ? c.metadata() : null;
  const numbers = new Set((meta?.numbers ?? []).map((o) => o.name));
  return {
    meta,
    urlSources: typeof (/** @type {any} */ (c)).inspect === 'function',
    syncState: meta !== null,
    slices: numbers.has('maxRequests'),
  };
}
