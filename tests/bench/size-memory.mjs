#!/usr/bin/env node
// Size and memory: the package's wasm and JS glue (raw and gzip -9), and the peak wasm linear
// memory (WebAssembly.Memory buffer byteLength; linear memory never shrinks, so its size after
// a call is the peak during it) of a fresh module instance for:
//   - 100,000 rows as plain objects (preview) and as CSV bytes (preview);
//   - 1,000,000 CSV rows fed in 1 MiB chunks through an async iterable (previewAsync):
//     all unique (900,000 beyond the cap) and 100,000 unique × 10.
//
//   node tests/bench/size-memory.mjs [--short | --long]
//   (--short skips the two extra 1,000,000-row variants: 100,000 unique × 10, and truncate)
//
// Goals (issue 15): what one runtime loads <= 200 KB gzip (the budget of
// tests/pack/size.test.mjs); peak linear memory <= 64 MB (10^6 bytes) with exact counts. Prints
// numbers and met/missed; exit 1 only when a measurement could not be made.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { PKG_DIR, fmtBytes, fmtMs, freshInstance, makeJob, makeSegments, parseArgs, toCsv } from './common.mjs';

const args = parseArgs();
const KB = 1000;
const MiB = 1 << 20;

// ------------------------------------------------------------------ sizes
// What one runtime loads (as tests/pack/size.test.mjs counts it): the .wasm, the JS glue, its
// snippets, the largest entry file and errors.js (which every entry re-exports), each gzipped
// (level 9) on its own.
const BUDGET = 200_000;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const read = (n) => { try { return readFileSync(join(PKG_DIR, n)); } catch { return Buffer.alloc(0); } };
const listFiles = (dir) => { try { return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)])); } catch { return []; } };
const snippetFiles = listFiles(join(PKG_DIR, 'snippets')).map((f) => readFileSync(f));
const entries = ['node.js', 'browser.js', 'workerd.js'].map(read);
const largestEntry = entries.reduce((a, b) => (gz(b) > gz(a) ? b : a));
const parts = [
  ['wasm (autopilot_export_bg.wasm)', [read('autopilot_export_bg.wasm')]],
  ['glue (autopilot_export.js)', [read('autopilot_export.js')]],
  [`snippets (${snippetFiles.length} files)`, snippetFiles],
  ['largest entry (node.js, browser.js, workerd.js)', [largestEntry]],
  ['errors.js (re-exported by every entry)', [read('errors.js')]],
];
let totalGz = 0;
let totalRaw = 0;
console.log(`size-memory: package ${PKG_DIR}`);
for (const [label, bufs] of parts) {
  const raw = bufs.reduce((a, b) => a + b.length, 0);
  const g = bufs.reduce((a, b) => a + gz(b), 0);
  totalGz += g;
  totalRaw += raw;
  console.log(`  ${label.padEnd(48)} ${String(raw).padStart(8)} B raw  ${String(g).padStart(7)} B gzip`);
}
let dts = 0;
try { dts = statSync(join(PKG_DIR, 'autopilot_export.d.ts')).size; } catch { /* none */ }
console.log(`  what one runtime loads                           ${String(totalRaw).padStart(8)} B raw  ${String(totalGz).padStart(7)} B gzip = ${(totalGz / KB).toFixed(1)} KB (budget <= ${BUDGET / KB} KB: ${totalGz <= BUDGET ? 'met' : 'MISSED'}); .d.ts ${dts} B (not shipped to runtimes)`);

// ------------------------------------------------------------------ memory
const results = {};
async function measure(label, run) {
  const { api, memory } = await freshInstance();
  const base = memory.buffer.byteLength;
  const heap0 = process.memoryUsage();
  const t0 = performance.now();
  const summary = await run(api);
  const dt = performance.now() - t0;
  const peak = memory.buffer.byteLength;
  const heap1 = process.memoryUsage();
  results[label] = { base, peak, ms: dt };
  console.log(`  ${label.padEnd(58)} linear memory ${fmtBytes(base)} -> ${fmtBytes(peak).padStart(10)} in ${fmtMs(dt).padStart(9)}`
    + `  (rows ${summary.totals.profilesIn}, unique kept ${summary.totals.uniqueProfiles}, uniqueSeen ${summary.uniqueSeen}, batches ${summary.batches}; node rss +${fmtBytes(Math.max(0, heap1.rss - heap0.rss))})`);
  return peak;
}

const COLUMNS = 'id,email,first_name,last_name,company,phone,city,country,tier,orders,ltv,signup,optin,notes';
function csvRow(i, u) {
  return `p${i},user.${u}@Example${u % 97}.com,First${u % 100},Last${u % 300},Company ${u % 1000},+44 20 7${u % 1000} ${u % 9000},City ${u % 50},GB,${['gold', 'silver', 'bronze'][u % 3]},${u % 17},${(u % 10000) / 100},2020-0${1 + (u % 9)}-1${u % 10},${u % 2 ? 'yes' : 'no'},"note, ""quoted"" ${i}"\r\n`;
}

/** `rows` CSV rows (row i holds profile i % unique) after a header, in chunks of exactly 1 MiB. */
async function* csvChunks(rows, unique) {
  const enc = new TextEncoder();
  let pending = enc.encode(`${COLUMNS}\r\n`);
  let parts = [];
  for (let i = 0; i < rows; i += 1) {
    parts.push(csvRow(i, i % unique));
    if (parts.length === 2000 || i === rows - 1) {
      const bytes = enc.encode(parts.join(''));
      parts = [];
      const merged = new Uint8Array(pending.length + bytes.length);
      merged.set(pending);
      merged.set(bytes, pending.length);
      pending = merged;
      while (pending.length >= MiB) {
        yield pending.slice(0, MiB);
        pending = pending.subarray(MiB);
      }
    }
  }
  if (pending.length) yield pending.slice();
}

console.log('memory (fresh module instance per line; linear memory only grows, so the final size is the peak):');
const segs = makeSegments({ unique: 82_600, segments: 3, seed: 11 });
const csv = segs.map((s) => new TextEncoder().encode(toCsv(s.rows)));
const rows100k = segs.reduce((a, s) => a + s.rows.length, 0);
const peaks = [];
try {
  peaks.push(await measure(`preview, ${rows100k} rows as plain objects`, (api) => api.preview(makeJob(segs))));
  peaks.push(await measure(`preview, ${rows100k} rows as CSV bytes`, (api) => api.preview(makeJob(segs, { profiles: (s) => ({ csv: csv[segs.indexOf(s)] }) }))));
  const one = [{ name: 'Everyone', rows: [] }];
  peaks.push(await measure('previewAsync, 1,000,000 CSV rows in 1 MiB chunks, all unique', (api) =>
    api.previewAsync(makeJob(one, { profiles: () => ({ csv: csvChunks(1_000_000, 1_000_000) }) }))));
  if (args.mode === 'long') {
    peaks.push(await measure('previewAsync, 1,000,000 CSV rows in 1 MiB chunks, 100,000 unique', (api) =>
      api.previewAsync(makeJob(one, { profiles: () => ({ csv: csvChunks(1_000_000, 100_000) }) }))));
    peaks.push(await measure('previewAsync, same, overCap truncate, all unique', (api) =>
      api.previewAsync(makeJob(one, { overCap: 'truncate', profiles: () => ({ csv: csvChunks(1_000_000, 1_000_000) }) }))));
  }
} catch (e) {
  console.log(`measurement failed: ${e.name}: ${e.message}`);
  console.log('RESULT size-memory FAILED');
  process.exit(1);
}
const peak = Math.max(...peaks);
console.log(`  largest peak ${fmtBytes(peak)} (${(peak / 1e6).toFixed(1)} MB; goal <= 64 MB: ${peak <= 64e6 ? 'met' : 'MISSED'})`);
console.log(`RESULT size-memory gzip_total_bytes=${totalGz} raw_total_bytes=${totalRaw} peak_linear_memory_bytes=${peak} mem_1m_unique=${peaks[2]} ${peaks[3] ? `mem_1m_100k_unique=${peaks[3]} ` : ''}mem_100k_objects=${peaks[0]} mem_100k_csv=${peaks[1]}`);
