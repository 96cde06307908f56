#!/usr/bin/env node
// Fault soak: one export against the emulator with, on every /v1 route, 5 % 5xx (2.5 % 500 +
// 2.5 % 503), 3 % dropped connections (1.5 % before and 1.5 % after the write is applied),
// 3 % slow-but-applied responses beyond the request timeout (requestTimeoutMs 1000, slowMs
// 1500), 2 % injected 429s, and two scripted bursts of 10 consecutive 429s (once a quarter
// and once two thirds of the batches are done).
//
// PASS when: the report says succeeded; its totals and per-segment counts equal the plain-JS
// reference plan exactly; the emulator's final contacts, fields, custom values and list
// memberships equal the expected ones exactly; and the report's request counters agree with
// the emulator's (requests sent = requests received, throttled = 429s served, errors = 5xx
// + dropped + timed-out slow responses).
//
//   node tests/soak/fault-soak.mjs            # --short (default): 10,000 unique profiles
//   node tests/soak/fault-soak.mjs --long     # 100,000 unique profiles
//   [--profiles N] [--seed S]

import { performance } from 'node:perf_hooks';
import { BENCH_KEY, instrumentFetch, loadPkg, makeJob, makeSegments, parseArgs, withDeadline } from '../bench/common.mjs';
import { startEmulator } from '../emulator/index.mjs';
import { diffCounts, diffState, expectedState } from './expect.mjs';

const args = parseArgs();
const unique = Number(args.flags.profiles ?? (args.mode === 'long' ? 100_000 : 10_000));
const seed = Number(args.flags.seed ?? 42);
const deadlineMs = args.mode === 'long' ? 20 * 60_000 : 150_000;
const RATE = 200;

const pkg = await loadPkg();
const FAULTS = {
  p429: 0.02, p500: 0.025, p503: 0.025, pDrop: 0.015, pDropAfterWrite: 0.015, pSlow: 0.03, slowMs: 1500, routes: ['*'],
};
const emu = await startEmulator({
  apiKey: BENCH_KEY, ratePerSecond: RATE, latencyMs: 5, jitterMs: 5, seed,
  faults: FAULTS,
});
const { stats, restore } = instrumentFetch();

const segs = makeSegments({ unique, segments: 3, seed });
const job = makeJob(segs, { baseUrl: emu.url });
const expected = expectedState(job);
const bursts = [1 / 4, 2 / 3];
let progressEvents = 0;
const t0 = performance.now();
let report;
let thrown;
try {
  report = await withDeadline(pkg.exportSegments(job, {
    ratePerSecond: RATE,
    requestTimeoutMs: 1000,
    maxAttempts: 12,
    onProgress: (p) => {
      progressEvents += 1;
      if (bursts.length && p.batchesTotal > 0 && p.batchesDone >= p.batchesTotal * bursts[0]) {
        bursts.shift();
        emu.configure({ faults: { ...FAULTS, script: Array(10).fill('429') } });
      }
    },
  }), deadlineMs, 'the export');
} catch (e) {
  thrown = e;
}
const elapsed = performance.now() - t0;
// Let slow responses that the client gave up on drain, so the counters are final.
await new Promise((r) => setTimeout(r, 1800));
const state = emu.state();
await emu.stop();
restore();

const c = state.counters;
const problems = [];
if (thrown) problems.push(`exportSegments threw: ${thrown.name} ${thrown.code ?? ''} ${thrown.message}`);
if (report) {
  if (report.status !== 'succeeded') problems.push(`status ${report.status}${report.error ? ` (${report.error.code}: ${report.error.message})` : ''}`);
  problems.push(...diffCounts(report, expected.plan));
  problems.push(...diffState(state, expected));
  const rq = report.requests;
  if (rq.sent !== c.requests) problems.push(`requests.sent ${rq.sent} != emulator requests ${c.requests}`);
  if (rq.sent !== stats.started) problems.push(`requests.sent ${rq.sent} != fetch calls ${stats.started}`);
  if (rq.throttled !== c.http429) problems.push(`requests.throttled ${rq.throttled} != emulator 429s ${c.http429}`);
  const expectedErrors = c.http500 + c.http503 + c.dropped + c.slow;
  if (rq.errors !== expectedErrors) problems.push(`requests.errors ${rq.errors} != 500s + 503s + dropped + slow = ${expectedErrors}`);
  if (c.duplicateEmailsInBulk !== 0) problems.push(`${c.duplicateEmailsInBulk} bulk requests carried the same email twice`);
  const sizes = Object.entries(c.bulkSizes).filter(([n]) => Number(n) > 100);
  if (sizes.length) problems.push(`bulk requests over 100 contacts: ${JSON.stringify(sizes)}`);
}

console.log(`fault-soak: ${unique} unique profiles, ${expected.plan.totals.profilesIn} rows, ${expected.plan.totals.memberships} memberships in ${expected.plan.batches} batches; seed ${seed}; ${RATE} r/s, timeout 1000 ms, slow 1500 ms`);
console.log(`  elapsed ${(elapsed / 1000).toFixed(1)} s; status ${report?.status}; progress events ${progressEvents}`);
console.log(`  emulator: requests ${c.requests}, 429 ${c.http429} (injected ${c.injected429}, rate-limited ${c.rateLimited}), 500 ${c.http500}, 503 ${c.http503}, dropped ${c.dropped} (before write ${c.droppedBeforeWrite}, after ${c.droppedAfterWrite}), slow ${c.slow}, max in flight ${c.maxInFlight}`);
if (report) console.log(`  report:   sent ${report.requests.sent}, retried ${report.requests.retried}, throttled ${report.requests.throttled}, errors ${report.requests.errors}, bisected ${report.requests.bisected}; exported ${report.totals.exported}/${report.totals.memberships}, failed ${report.totals.failed}`);
for (const p of problems) console.log(`  problem: ${p}`);
console.log(`${problems.length ? 'FAIL' : 'PASS'} fault-soak (${unique} profiles, ${c.requests} requests, ${c.http429 + c.http500 + c.http503 + c.dropped + c.slow} faults)`);
process.exit(problems.length ? 1 : 0);
