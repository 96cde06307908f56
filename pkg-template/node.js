// Node, Deno and Bun entry: read the .wasm next to this file and instantiate it synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from './autopilot_export.js';

initSync({ module: readFileSync(new URL('./autopilot_export_bg.wasm', import.meta.url)) });

export * from './autopilot_export.js';
export * from './errors.js';
