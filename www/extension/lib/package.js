// The package as the page's exporter module sees it inside the service worker: build.sh
// points the import of its copy (lib/page-exporter.sw.js) here. core.js initialises the
// wasm before any call.
export * from '../pkg/autopilot_export.js';
