// Browser entry: fetch and instantiate the .wasm next to this file (top-level await).
// Where top-level await is not allowed (e.g. an extension's service worker), import
// 'autopilot-export/init' instead and call its default export `init()` yourself.
import init from './autopilot_export.js';

await init({ module_or_path: new URL('./autopilot_export_bg.wasm', import.meta.url) });

export * from './autopilot_export.js';
export * from './errors.js';
