// The size budget (DESIGN.md §2, §7; raised from issue 4's 150 KB to 200 KB): what one runtime
// loads (the .wasm, the JS glue, its snippets and one entry file) stays within 200 KB
// (200,000 bytes) gzipped. Prints the measured sizes.
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

test('wasm + JS glue of one runtime stay within 200 KB gzipped', () => {
  assert.ok(existsSync(join(pkg, 'package.json')), 'run pkg-template/build.sh first');
  const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
  const wasm = gz(join(pkg, 'autopilot_export_bg.wasm'));
  const glue = gz(join(pkg, 'autopilot_export.js'));
  const snippets = existsSync(join(pkg, 'snippets')) ? files(join(pkg, 'snippets')).reduce((n, f) => n + gz(f), 0) : 0;
  const entry = Math.max(...['node.js', 'browser.js', 'workerd.js'].map((f) => gz(join(pkg, f))));
  const total = wasm + glue + snippets + entry;
  console.log(`# gzip -9: wasm ${wasm} B + glue ${glue} B + snippets ${snippets} B + entry ${entry} B = ${total} B (budget ${BUDGET} B)`);
  assert.ok(total <= BUDGET, `${total} B gzipped is over the ${BUDGET} B budget`);
});
