#!/usr/bin/env node
// Crash/resume soak: one export aborted 10 times at random points (the first abort at a
// random moment within the first 60 ms — preparation or the lists phase —, the others a few
// random milliseconds after random batch counts), each time resumed from the last checkpoint,
// then run to the end. Compared with an uninterrupted run of the same job on a reset emulator.
//
// PASS when: the final emulator state (contacts, fields, custom values, list memberships) is
// identical to the uninterrupted run's and to the plain-JS expectation; the last report is
// `succeeded` with every membership exported; no checkpoint ever lost finished batches; and
// the extra bulk requests (POST /v1/contacts received beyond the number of batches) are at
// most the requests that were in flight at the aborts.
//
//   node tests/soak/resume-soak.mjs           # --short (default): 10,000 unique profiles
//   node tests/soak/resume-soak.mjs --long    # 100,000 unique profiles
//   [--profiles N] [--seed S] [--aborts N]

import { performance } from 'node:perf_hooks';
import { BENCH_KEY, instrumentFetch, loadPkg, makeJob, makeSegments, parseArgs, prng, withDeadline } from '../bench/common.mjs';
import { startEmulator } from '../emulator/index.mjs';
import { diffState, diffStates, expectedState } from './expect.mjs';

const args = parseArgs();
const unique = Number(args.flags.profiles ?? (args.mode === 'long' ? 100_000 : 10_000));
const seed = Number(args.flags.seed ?? 9);
const abortCount = Number(args.flags.aborts ?? 10);
const RATE = args.mode === 'long' ? 200 : 100;
const deadlineMs = args.mode === 'long' ? 15 * 60_000 : 120_000;
const rand = prng(seed);

const pkg = await loadPkg();
const emu = await startEmulator({ apiKey: BENCH_KEY, ratePerSecond: RATE, latencyMs: 20, jitterMs: 10, seed });
const { stats, restore } = instrumentFetch();
const segs = makeSegments({ unique, segments: 3, seed });
const job = makeJob(segs, { baseUrl: emu.url });
const expected = expectedState(job);
const batches = expected.plan.batches;
const problems = [];
const bulkCount = (st) => Object.values(st.counters.byRoute['POST /v1/contacts'] ?? {}).reduce((a, b) => a + b, 0);

const t0 = performance.now();
const work = (async () => {
  // 1. The uninterrupted run.
  const base = await pkg.exportSegments(job, { ratePerSecond: RATE });
  const baseState = emu.state();
  if (base.status !== 'succeeded') problems.push(`uninterrupted run: status ${base.status}`);
  const baseBulk = bulkCount(baseState);
  emu.reset();
  stats.reset();

  // 2. The interrupted run.
  const targets = new Set();
  while (targets.size < Math.min(abortCount - 1, batches - 1)) targets.add(1 + Math.floor(rand() * (batches - 1)));
  const plan = [{ atMs: Math.floor(rand() * 60) }, ...[...targets].sort((a, b) => a - b).map((b) => ({ afterBatches: b, delayMs: Math.floor(rand() * 15) }))];
  let checkpoint;
  let doneBefore = 0;
  const log = [];
  let inFlightAtAborts = 0;
  let last;
  for (let attempt = 0; ; attempt += 1) {
    const step = plan[attempt];
    const controller = new AbortController();
    let abortInfo = null;
    const fire = () => {
      if (abortInfo) return;
      abortInfo = { inFlight: stats.inFlight };
      controller.abort();
    };
    let timer;
    if (step?.atMs !== undefined) timer = setTimeout(fire, step.atMs);
    let result;
    let error;
    try {
      result = await pkg.exportSegments(job, {
        ratePerSecond: RATE,
        signal: controller.signal,
        checkpoint,
        onProgress: (p) => {
          if (step?.afterBatches !== undefined && !timer && p.batchesDone >= step.afterBatches) {
            timer = setTimeout(fire, step.delayMs);
          }
        },
      });
    } catch (e) {
      error = e;
    }
    clearTimeout(timer);
    if (abortInfo) inFlightAtAborts += abortInfo.inFlight;
    if (error) {
      if (error.name !== 'AutopilotExportError' || error.code !== 'ABORTED') {
        problems.push(`attempt ${attempt}: threw ${error.name} ${error.code ?? ''}: ${error.message}`);
        break;
      }
      log.push(`#${attempt} ABORTED before sending (in flight ${abortInfo?.inFlight ?? 0})`);
      continue;
    }
    last = result;
    const done = result.checkpoint.done.reduce((a, [x, y]) => a + (y - x + 1), 0);
    log.push(`#${attempt} ${result.status}: ${done}/${result.checkpoint.batches} batches done, in flight at abort ${abortInfo?.inFlight ?? '-'}`);
    if (done < doneBefore) problems.push(`attempt ${attempt}: checkpoint has ${done} finished batches, the previous one ${doneBefore}`);
    doneBefore = done;
    if (result.status === 'cancelled') {
      checkpoint = result.checkpoint;
      if (!abortInfo) problems.push(`attempt ${attempt}: cancelled without an abort`);
      continue;
    }
    if (attempt < plan.length) log.push(`   (finished before abort #${attempt} fired)`);
    break;
  }
  const finalState = emu.state();
  return { base, baseState, baseBulk, finalState, last, log, inFlightAtAborts, aborts: plan.length };
})();

let out;
try {
  out = await withDeadline(work, deadlineMs, 'the resume soak');
} catch (e) {
  problems.push(e.message);
}
await emu.stop();
restore();
const elapsed = performance.now() - t0;

console.log(`resume-soak: ${unique} unique profiles, ${expected.plan.totals.memberships} memberships in ${batches} batches; ${RATE} r/s, latency 20 ± 10 ms; seed ${seed}; ${(elapsed / 1000).toFixed(1)} s`);
if (out) {
  for (const l of out.log) console.log(`  ${l}`);
  const { last, finalState } = out;
  if (!last || last.status !== 'succeeded') problems.push(`final run status ${last?.status}`);
  if (last && last.totals.exported !== expected.plan.totals.memberships) problems.push(`final report exported ${last.totals.exported} of ${expected.plan.totals.memberships}`);
  if (last && !last.resumed) problems.push('final report does not say resumed');
  problems.push(...diffStates(out.baseState, finalState).map((d) => `vs uninterrupted run: ${d}`));
  problems.push(...diffState(finalState, expected).map((d) => `vs expectation: ${d}`));
  const bulk = bulkCount(finalState);
  const extra = bulk - batches;
  console.log(`  uninterrupted run: ${out.baseBulk} bulk requests for ${batches} batches`);
  console.log(`  interrupted run: ${out.aborts} aborts, ${bulk} bulk requests received for ${batches} batches: ${extra} extra; requests in flight at the aborts: ${out.inFlightAtAborts} (bound)`);
  console.log(`  emulator: ${finalState.counters.requests} requests in all, GET /v1/lists ${Object.values(finalState.counters.byRoute['GET /v1/lists'] ?? {}).reduce((a, b) => a + b, 0)}, POST /v1/list ${Object.values(finalState.counters.byRoute['POST /v1/list'] ?? {}).reduce((a, b) => a + b, 0)}, 429 ${finalState.counters.http429}`);
  if (extra > out.inFlightAtAborts) problems.push(`${extra} extra bulk requests > ${out.inFlightAtAborts} in flight at the aborts`);
  if (finalState.counters.duplicateEmailsInBulk) problems.push('a bulk request carried the same email twice');
}
for (const p of problems) console.log(`  problem: ${p}`);
console.log(`${problems.length ? 'FAIL' : 'PASS'} resume-soak (${out?.aborts ?? '?'} aborts)`);
process.exit(problems.length ? 1 : 0);
