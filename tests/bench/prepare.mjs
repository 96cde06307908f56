#!/usr/bin/env node
// Preparation speed: `preview` (validation, mapping, dedupe, cap, batching) of ~100,000 profile
// rows in the wasm core under Node, against plain JS doing the same (the rules of
// reference.mjs): from plain objects; from CSV bytes (JS: papaparse, what JS users pick, with
// `header: true`, then the rules; also the hand-written parser of reference.mjs); from NDJSON
// bytes (JS: `JSON.parse` per line, then the rules); plus the other input paths of the wasm
// core (JSON bytes, one record at a time). Runs are interleaved (wasm, JS, wasm, JS, ...)
// after warm-up; medians reported, each ratio against its goal (issue 15).
//
//   node tests/bench/prepare.mjs [--short | --long] [--rows N]
//
// --short: 3 measured runs per variant after 1 warm-up (CI); --long: 11 after 2. Prints numbers, asserts nothing
// about time; exits 1 only if the wasm and JS results disagree (then the timing is moot).

import { performance } from 'node:perf_hooks';
import { fmtMs, loadPkg, makeJob, makeSegments, median, parseArgs, toCsv, toNdjson } from './common.mjs';
import Papa from 'papaparse';
import { csvRecords, planJs, rustTrim } from './reference.mjs';

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

const dec = new TextDecoder();
// papaparse as its documentation shows it: header row → objects, blank lines skipped, header
// names trimmed (the core's rule); a row with the wrong field count is MALFORMED_ROW.
function* papaRecords(bytes) {
  const out = Papa.parse(dec.decode(bytes), { header: true, skipEmptyLines: true, transformHeader: (h) => rustTrim(h) });
  const bad = new Set(out.errors.filter((e) => e.type === 'FieldMismatch').map((e) => e.row));
  for (let i = 0; i < out.data.length; i += 1) yield bad.has(i) ? { __reject: 'MALFORMED_ROW' } : out.data[i];
}
// NDJSON the plain way: decode, split lines, JSON.parse each non-blank one.
function* ndjsonRecords(bytes) {
  for (const line of dec.decode(bytes).split('\n')) {
    if (line.trim() === '') continue;
    let v;
    try { v = JSON.parse(line); } catch { yield { __reject: 'MALFORMED_ROW' }; continue; }
    yield v;
  }
}

const variants = {
  'wasm objects': () => pkg.preview(job((s) => s.rows)),
  'js objects': () => planJs(jsConfig, segs.map((s) => s.rows)),
  'wasm csv bytes': () => pkg.preview(job((s) => ({ csv: csv[segs.indexOf(s)] }))),
  'js csv bytes (papaparse)': () => planJs(jsConfig, csv.map((b) => papaRecords(b))),
  'js csv bytes (reference.mjs parser)': () => planJs(jsConfig, csv.map((b) => csvRecords(b, wanted))),
  'wasm ndjson bytes': () => pkg.preview(job((s) => ({ ndjson: ndjson[segs.indexOf(s)] }))),
  'js ndjson bytes (JSON.parse per line)': () => planJs(jsConfig, ndjson.map((b) => ndjsonRecords(b))),
  'wasm json bytes': () => pkg.preview(job((s) => ({ json: json[segs.indexOf(s)] }))),
  'wasm records one by one': () => pkg.preview(job((s) => s.rows.values())),
  'JSON.stringify(objects) alone': () => segs.map((s) => JSON.stringify(s.rows).length),
  'stringify + encode as NDJSON (JS)': () => segs.map((s) => enc.encode(toNdjson(s.rows)).length),
};

// Correctness first: the two implementations must agree on every count.
// Totals of the preparation only (the core's report has more, e.g. for refreshes).
const TOTALS = ['profilesIn', 'invalid', 'duplicates', 'overCap', 'uniqueProfiles', 'memberships'];
const pick = (r) => ({ totals: TOTALS.map((k) => r.totals[k]), batches: r.batches, segments: r.segments.map((s) => [s.profilesIn, s.invalid, s.duplicates, s.overCap, s.memberships, JSON.stringify(Object.entries(s.invalidByReason).sort())]),
  warnings: r.warnings.map((w) => `${w.code} ${w.field} ${w.count}`).sort() });
const ref = JSON.stringify(pick(variants['js objects']()));
let disagree = false;
for (const name of ['wasm objects', 'wasm csv bytes', 'js csv bytes (papaparse)', 'js csv bytes (reference.mjs parser)', 'wasm ndjson bytes', 'js ndjson bytes (JSON.parse per line)', 'wasm json bytes', 'wasm records one by one']) {
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
  console.log(`  ${k.padEnd(40)} ${fmtMs(v).padStart(9)}   (${spread}; ${(rows / v * 1000 / 1e6).toFixed(2)} M rows/s)`);
}
const r = (a, b) => (med[a] / med[b]).toFixed(2);
const goals = [
  ['from CSV bytes (papaparse + rules)', 'js csv bytes (papaparse)', 'wasm csv bytes', 5],
  ['from plain objects', 'js objects', 'wasm objects', 1.5],
  ['from NDJSON bytes (JSON.parse per line + rules)', 'js ndjson bytes (JSON.parse per line)', 'wasm ndjson bytes', 3],
];
console.log('ratios (JS time / wasm time; > 1 = wasm faster), goals of issue 15:');
let missed = 0;
for (const [label, js, wasm, goal] of goals) {
  const ok = med[js] / med[wasm] >= goal;
  if (!ok) missed += 1;
  console.log(`  ${label.padEnd(48)} ${r(js, wasm).padStart(6)}x   (goal >= ${goal}: ${ok ? 'met' : 'MISSED'})`);
}
console.log(`  ${'from CSV bytes (reference.mjs parser + rules)'.padEnd(48)} ${r('js csv bytes (reference.mjs parser)', 'wasm csv bytes').padStart(6)}x   (no goal)`);
console.log('input paths of the wasm core (time / objects-path time; < 1 = faster than passing objects):');
for (const k of ['wasm csv bytes', 'wasm ndjson bytes', 'wasm json bytes', 'wasm records one by one']) console.log(`  ${k.padEnd(24)} ${r(k, 'wasm objects')}`);
console.log(`  share of JSON.stringify in the objects path: ${(med['JSON.stringify(objects) alone'] / med['wasm objects'] * 100).toFixed(0)} %`);
console.log(`RESULT prepare csv_ratio=${r('js csv bytes (papaparse)', 'wasm csv bytes')} objects_ratio=${r('js objects', 'wasm objects')} ndjson_ratio=${r('js ndjson bytes (JSON.parse per line)', 'wasm ndjson bytes')} goals_missed=${missed} wasm_csv_ms=${med['wasm csv bytes'].toFixed(0)} papaparse_csv_ms=${med['js csv bytes (papaparse)'].toFixed(0)} wasm_objects_ms=${med['wasm objects'].toFixed(0)} js_objects_ms=${med['js objects'].toFixed(0)} wasm_ndjson_ms=${med['wasm ndjson bytes'].toFixed(0)} js_ndjson_ms=${med['js ndjson bytes (JSON.parse per line)'].toFixed(0)}${disagree ? ' MISMATCH' : ''}`);
process.exit(disagree ? 1 : 0);
