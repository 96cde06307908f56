#!/usr/bin/env node
// Preparation speed: `preview` (validation, mapping, dedupe, cap, batching) of ~100,000 profile
// rows in the wasm core under Node, against a plain-JS implementation of the same rules
// (reference.mjs), from plain objects and from CSV bytes; plus the input-path variants of
// the wasm core (objects → JSON text inside the glue, NDJSON bytes, JSON bytes, one record
// at a time). Runs are interleaved (wasm, JS, wasm, JS, ...) after warm-up; medians reported.
//
//   node tests/bench/prepare.mjs [--short | --long] [--rows N]
//
// --short: 3 measured runs per variant after 1 warm-up (CI); --long: 11 after 2. Prints numbers, asserts nothing
// about time; exits 1 only if the wasm and JS results disagree (then the timing is moot).

import { performance } from 'node:perf_hooks';
import { fmtMs, loadPkg, makeJob, makeSegments, median, parseArgs, toCsv, toNdjson } from './common.mjs';
import { csvRecords, planJs } from './reference.mjs';

const args = parseArgs();
const runs = args.mode === 'long' ? 11 : 3;
const warmup = args.mode === 'long' ? 2 : 1;
const targetRows = Number(args.flags.rows ?? 100_000);

const pkg = await loadPkg();
// rows ≈ 1.2 × unique × (1 + 1/200 + 1/250) with the default segment layout.
const unique = Math.round(targetRows / 1.2108);
const segs = makeSegments({ unique, segments: 3, seed: 11 });
const rows = segs.reduce((a, s) => a + s.rows.length, 0);
const enc = new TextEncoder();
const csv = segs.map((s) => enc.encode(toCsv(s.rows)));
const ndjson = segs.map((s) => enc.encode(toNdjson(s.rows)));
const json = segs.map((s) => enc.encode(JSON.stringify(s.rows)));
const size = (arr) => arr.reduce((a, b) => a + b.length, 0);

const job = (profiles) => makeJob(segs, { profiles });
const jsConfig = makeJob(segs);
const wanted = [...new Set([jsConfig.mapping.email, jsConfig.idField, ...Object.values(jsConfig.mapping.fields),
  jsConfig.mapping.firstName, jsConfig.mapping.lastName, ...jsConfig.mapping.custom.map((c) => c.source)])];

const variants = {
  'wasm objects': () => pkg.preview(job((s) => s.rows)),
  'js objects': () => planJs(jsConfig, segs.map((s) => s.rows)),
  'wasm csv bytes': () => pkg.preview(job((s) => ({ csv: csv[segs.indexOf(s)] }))),
  'js csv bytes': () => planJs(jsConfig, csv.map((b) => csvRecords(b, wanted))),
  'wasm ndjson bytes': () => pkg.preview(job((s) => ({ ndjson: ndjson[segs.indexOf(s)] }))),
  'wasm json bytes': () => pkg.preview(job((s) => ({ json: json[segs.indexOf(s)] }))),
  'wasm records one by one': () => pkg.preview(job((s) => s.rows.values())),
  'JSON.stringify(objects) alone': () => segs.map((s) => JSON.stringify(s.rows).length),
  'stringify + encode as NDJSON (JS)': () => segs.map((s) => enc.encode(toNdjson(s.rows)).length),
};

// Correctness first: the two implementations must agree on every count.
const pick = (r) => ({ totals: r.totals, batches: r.batches, segments: r.segments.map((s) => [s.profilesIn, s.invalid, s.duplicates, s.overCap, s.memberships, JSON.stringify(Object.entries(s.invalidByReason).sort())]),
  warnings: r.warnings.map((w) => `${w.code} ${w.field} ${w.count}`).sort() });
const ref = JSON.stringify(pick(variants['js objects']()));
let disagree = false;
for (const name of ['wasm objects', 'wasm csv bytes', 'js csv bytes', 'wasm ndjson bytes', 'wasm json bytes', 'wasm records one by one']) {
  const got = JSON.stringify(pick(variants[name]()));
  if (got !== ref) {
    disagree = true;
    console.log(`MISMATCH ${name}:\n  got ${got}\n  js  ${ref}`);
  }
}

const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < warmup + runs; i += 1) {
  for (const [name, fn] of Object.entries(variants)) {
    const t0 = performance.now();
    fn();
    const dt = performance.now() - t0;
    if (i >= warmup) times[name].push(dt);
  }
}
const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));

console.log(`prepare: ${rows} rows (${unique} unique valid profiles, 3 segments), node ${process.version}, ${runs} runs after ${warmup} warm-up, medians`);
console.log(`  input sizes: CSV ${(size(csv) / 1e6).toFixed(1)} MB, NDJSON ${(size(ndjson) / 1e6).toFixed(1)} MB, JSON ${(size(json) / 1e6).toFixed(1)} MB`);
for (const [k, v] of Object.entries(med)) {
  const spread = `${fmtMs(Math.min(...times[k]))}–${fmtMs(Math.max(...times[k]))}`;
  console.log(`  ${k.padEnd(36)} ${fmtMs(v).padStart(9)}   (${spread}; ${(rows / v * 1000 / 1e6).toFixed(2)} M rows/s)`);
}
const r = (a, b) => (med[a] / med[b]).toFixed(2);
console.log('ratios (JS time / wasm time; > 1 = wasm faster):');
console.log(`  from CSV bytes:     ${r('js csv bytes', 'wasm csv bytes')}x   (goal >= 2)`);
console.log(`  from plain objects: ${r('js objects', 'wasm objects')}x   (goal >= 1)`);
console.log('input paths of the wasm core (time / objects-path time; < 1 = faster than passing objects):');
for (const k of ['wasm ndjson bytes', 'wasm json bytes', 'wasm records one by one']) console.log(`  ${k.padEnd(24)} ${r(k, 'wasm objects')}`);
console.log(`  share of JSON.stringify in the objects path: ${(med['JSON.stringify(objects) alone'] / med['wasm objects'] * 100).toFixed(0)} %`);
console.log(`RESULT prepare csv_ratio=${r('js csv bytes', 'wasm csv bytes')} objects_ratio=${r('js objects', 'wasm objects')} wasm_csv_ms=${med['wasm csv bytes'].toFixed(0)} js_csv_ms=${med['js csv bytes'].toFixed(0)} wasm_objects_ms=${med['wasm objects'].toFixed(0)} js_objects_ms=${med['js objects'].toFixed(0)}${disagree ? ' MISMATCH' : ''}`);
process.exit(disagree ? 1 : 0);
