// The size budget (DESIGN.md §2, §7; issue 15): what one runtime loads (the .wasm, the JS glue,
// its snippets, one entry file and errors.js, which every entry re-exports) stays within
// 200 KB (200,000 bytes) gzipped, read strictly.
//
// Met since issue 15's fifteenth round (199,068 B on 2026-11-30: tests/bench/README.md, "Speed
// over bytes", where the bytes are and the cuts made). The test fails above the budget. The
// margin is about 1 KB: an upgrade of the Rust toolchain, wasm-bindgen or binaryen can move
// the size by that much, and so can a new feature; measure before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '../../pkg');
const BUDGET = 200_000; // "200 KB", read strictly

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The total in bytes, measured and printed. */
function measure() {
  assert.ok(existsSync(join(pkg, 'package.json')), 'run pkg-template/build.sh first');
  const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
  const wasm = gz(join(pkg, 'autopilot_export_bg.wasm'));
  const glue = gz(join(pkg, 'autopilot_export.js'));
  const snippets = existsSync(join(pkg, 'snippets')) ? files(join(pkg, 'snippets')).reduce((n, f) => n + gz(f), 0) : 0;
  const entry = Math.max(...['node.js', 'browser.js', 'workerd.js'].map((f) => gz(join(pkg, f))));
  const errors = gz(join(pkg, 'errors.js'));
  const total = wasm + glue + snippets + entry + errors;
  console.log(`# gzip -9: wasm ${wasm} B + glue ${glue} B + snippets ${snippets} B + entry ${entry} B + errors.js ${errors} B = ${total} B (budget ${BUDGET} B${total > BUDGET ? `: MISSED by ${total - BUDGET} B` : ''})`);
  return total;
}

test('wasm + JS glue of one runtime stay within 200 KB gzipped', () => {
  const total = measure();
  assert.ok(total <= BUDGET, `${total} B gzipped is over the ${BUDGET} B budget`);
});
