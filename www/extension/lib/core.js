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
