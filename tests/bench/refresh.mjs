#!/usr/bin/env node
// Scheduled refresh vs full export (issue 11, "How it is shown"): for N list memberships over
// 3 overlapping segments, against the emulator in its own process at 5 requests/s with
// 250 ± 100 ms latency, prints side by side in one run:
//   - state bytes per membership (report.syncState of the full export; goal ≤ 32),
//   - diff time: preview with the state, median of a few runs (no network),
//   - requests and wall time of a full export (no state) and of a refresh with 1 % of the
//     memberships changed (the state of the full export),
// and the goal line "1 % refresh ≤ 1/20 of the full export's time" with the measured ratio.
//
//   node tests/bench/refresh.mjs            # --short (default, CI): 10,000 memberships (~30 s)
//   node tests/bench/refresh.mjs --long     # 100,000 memberships: the full export runs for real (~4 min)
//   node tests/bench/refresh.mjs --memberships N [--rate R --latency MS --jitter MS --runs K]
//
// Exit 1 only when a run went wrong (not succeeded, the refresh sent other than the changes,
// the emulator's contacts differ) or ran past its deadline; a missed goal is printed, not fatal.

import { performance } from 'node:perf_hooks';
import { fmtMs, loadPkg, makeJob, makeSegments, median, parseArgs, startEmulatorProcess } from './common.mjs';

const args = parseArgs();
const long = args.mode === 'long';
const target = Number(args.flags.memberships ?? (long ? 100_000 : 10_000));
const rate = Number(args.flags.rate ?? 5);
const latency = Number(args.flags.latency ?? 250);
const jitter = Number(args.flags.jitter ?? 100);
const runs = Number(args.flags.runs ?? (long ? 7 : 5));
const CHANGE_EVERY = 100; // 1 %

const group = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

const pkg = await loadPkg();
// Three segments, each a 40 % window of the universe: memberships ≈ 1.2 × unique profiles.
const segs = makeSegments({ unique: Math.round(target / 1.2), segments: 3, seed: 11 });
const emu = await startEmulatorProcess({ rate, latency, jitter, seed: 9 });
let failed = false;
const fail = (why) => {
  failed = true;
  console.log(`  FAILED: ${why}`);
};

/** The emulator's counters (one retry: a kept-alive socket may have been closed by the server). */
async function emuState() {
  try {
    return await emu.state(false);
  } catch {
    return emu.state(false);
  }
}

/** Runs an export with a deadline (twice the rate floor of the planned requests, plus a minute). */
async function timedExport(job, options, planned) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), (planned / rate) * 2000 + 60_000);
  const t0 = performance.now();
  let report;
  try {
    report = await pkg.exportSegments(job, { ratePerSecond: rate, signal: controller.signal, ...options });
  } catch (e) {
    report = { status: `threw ${e.code ?? e.name}: ${e.message}`, totals: {}, requests: {}, syncState: new Uint8Array() };
  }
  clearTimeout(timer);
  return { report, ms: performance.now() - t0 };
}

try {
  // 1. The full export: no state.
  const job = makeJob(segs, { baseUrl: emu.url });
  const plan = pkg.preview(job, { ratePerSecond: rate });
  const memberships = plan.totals.memberships;
  console.log(`refresh: ${group(memberships)} memberships (${group(plan.totals.uniqueProfiles)} unique profiles, 3 segments) at ${rate} requests/s, latency ${latency} ± ${jitter} ms`);
  const full = await timedExport(job, {}, plan.requests.total);
  if (full.report.status !== 'succeeded' || full.report.totals.exported !== memberships) fail(`full export: ${full.report.status}, exported ${full.report.totals.exported}`);
  const state = full.report.syncState;
  const bytesPer = state.length / memberships;

  // 2. One membership in a hundred changes (a new first name in that segment's row; the
  //    profile objects are shared between segments, so changed rows are copies).
  const changedSegs = segs.map((s) => ({
    name: s.name,
    rows: s.rows.map((r, i) => (i % CHANGE_EVERY === CHANGE_EVERY - 1 ? { ...r, first_name: `${r.first_name} Changed` } : r)),
  }));
  const job2 = makeJob(changedSegs, { baseUrl: emu.url });

  // 3. The diff: preview with the state (no network), median of `runs`.
  const diffMs = [];
  let summary;
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    summary = pkg.preview(job2, { ratePerSecond: rate, syncState: state, sample: 0 });
    diffMs.push(performance.now() - t0);
  }
  const ch = summary.changes;
  const toSend = ch.added + ch.updated;

  // 4. The refresh with the state.
  const before = (await emuState()).counters.byRoute;
  const refresh = await timedExport(job2, { syncState: state }, summary.requests.total);
  const r = refresh.report;
  if (r.status !== 'succeeded') fail(`refresh: ${r.status}`);
  if (r.totals.exported !== toSend || r.totals.unchanged !== memberships - toSend) fail(`refresh sent ${r.totals.exported}, unchanged ${r.totals.unchanged}; the diff said ${toSend} to send`);
  const st = await emuState();
  const byRoute = Object.entries(st.counters.byRoute).map(([route, by]) => {
    const n = Object.values(by).reduce((a, b) => a + b, 0) - Object.values(before[route] ?? {}).reduce((a, b) => a + b, 0);
    return n > 0 ? `${route} ${n}` : null;
  }).filter(Boolean);
  if (st.contactCount !== plan.totals.uniqueProfiles) fail(`the emulator holds ${st.contactCount} contacts, not ${plan.totals.uniqueProfiles}`);

  const ratio = refresh.ms / full.ms;
  const rows = [
    ['', 'full export', '1 % refresh'],
    ['memberships sent', group(full.report.totals.exported), group(r.totals.exported)],
    ['unchanged (not sent)', group(full.report.totals.unchanged ?? 0), group(r.totals.unchanged)],
    ['requests', group(full.report.requests.sent), group(r.requests.sent)],
    ['wall time', secs(full.ms), secs(refresh.ms)],
  ];
  const w = [22, 14, 14];
  for (const row of rows) console.log(`  ${row[0].padEnd(w[0])}${row[1].padStart(w[1])}${row[2].padStart(w[2])}`);
  console.log(`  refresh requests by route: ${byRoute.join(', ')}`);
  console.log(`  changes found by the diff: ${group(ch.updated)} updated, ${group(ch.added)} added, ${group(ch.removed)} removed, ${group(ch.unchanged)} unchanged`);
  console.log(`state: ${bytesPer.toFixed(1)} bytes per membership (${group(state.length)} bytes; goal ≤ 32: ${bytesPer <= 32 ? 'met' : 'MISSED'})`);
  console.log(`diff (preview with the state): median ${fmtMs(median(diffMs))} of ${runs} runs (${((median(diffMs) * 1000) / memberships).toFixed(2)} µs per membership)`);
  console.log(`goal: 1 % refresh ≤ 1/20 of the full export's time: ${secs(refresh.ms)} / ${secs(full.ms)} = 1/${(1 / ratio).toFixed(1)} (ratio ${ratio.toFixed(3)}): ${ratio <= 1 / 20 ? 'met' : 'MISSED'}`);
  console.log(`RESULT refresh memberships=${memberships} state_bytes_per_membership=${bytesPer.toFixed(1)} diff_ms=${median(diffMs).toFixed(1)} `
    + `full_requests=${full.report.requests.sent} full_ms=${Math.round(full.ms)} refresh_requests=${r.requests.sent} refresh_ms=${Math.round(refresh.ms)} `
    + `ratio=${ratio.toFixed(3)} goal=${ratio <= 1 / 20 ? 'met' : 'missed'}${failed ? ' FAILED' : ''}`);
} finally {
  await emu.stop();
}
process.exit(failed ? 1 : 0);
