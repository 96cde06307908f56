// Cloudflare workerd entry: the runtime imports the .wasm as a compiled WebAssembly.Module.
import wasm from './autopilot_export_bg.wasm';
import { initSync } from './autopilot_export.js';

initSync({ module: wasm });

export * from './autopilot_export.js';
export * from './errors.js';
