#!/usr/bin/env node
// The edge deployment's sliced export vs the rate-limit floor: the Worker (www/worker/) in the
// real workerd binary exports N unique profiles over 2 overlapping segments (downloaded from a
// local file server) to the emulator (its own process, 250 ms ± 100 ms latency) at rate R, in
// slices of at most B requests, one alarm invocation each (storing an interim checkpoint after
// every finished batch). The floor is the requests one run
// needs (account and lists reads, list creations, minimum batches) / R. Reports the run's wall time (POST /run to the
// stored report), the slices, their overhead (time between slices, downloads), requests sent
// beyond the minimum, and, for reference, the planning each slice repeats (preview in Node)
// and one unsliced exportSegments call in Node.
//
//   node tests/bench/worker-slices.mjs            # --short (default): 20,000 profiles at 20 r/s
//   node tests/bench/worker-slices.mjs --long     # 20,000 profiles at 5 r/s (Autopilot's rate)
//   node tests/bench/worker-slices.mjs --profiles N --rate R --budget B [--latency MS --jitter MS] [--no-reference]
//
// Prints numbers; exit 1 only when an export went wrong (not succeeded, wrong contact count)
// or ran past its deadline.

import { performance } from 'node:perf_hooks';
import { BENCH_KEY, fmtMs, loadPkg, parseArgs, startEmulatorProcess, toCsv } from './common.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { SECRETS, layout, start, waitFor } from '../worker/harness.mjs';
import { destinationConfig, makeSegments, minimumBatches } from '../worker/data.mjs';

const args = parseArgs();
const profiles = Number(args.flags.profiles ?? 20_000);
const rate = Number(args.flags.rate ?? (args.mode === 'long' ? 5 : 20));
const budget = Number(args.flags.budget ?? 45);
const latency = Number(args.flags.latency ?? 250);
const jitter = Number(args.flags.jitter ?? 100);
const reference = !args.flags['no-reference'];

const segments = makeSegments({ unique: profiles });
const files = await startFileServer();
const urls = segments.map((s) => files.put(`/${s.name}.csv`, toCsv(s.rows)));
const memberships = segments.reduce((a, s) => a + s.rows.length, 0);
// GET /account, GET /lists, one POST /list per segment, the minimum upserts.
const needed = 2 + segments.length + minimumBatches(segments);
const floorMs = (needed / rate) * 1000;
const deadlineMs = Math.max(120_000, floorMs * 3 + 60_000);
let failed = false;

console.log(`worker-slices: ${profiles.toLocaleString('en')} profiles, ${memberships.toLocaleString('en')} memberships over ${segments.length} segments; rate ${rate} r/s, latency ${latency} ± ${jitter} ms, budget ${budget} requests per slice`);

// ---------------------------------------------------------------- the Worker, sliced
{
  const emu = await startEmulatorProcess({ rate, latency, jitter, seed: 5, apiKey: BENCH_KEY });
  const box = await layout({ secrets: { ...SECRETS, AUTOPILOT_API_KEY: BENCH_KEY } });
  const worker = await start(box);
  try {
    const config = destinationConfig({ emulatorUrl: emu.url, urls, run: { maxRequests: budget, ratePerSecond: rate } });
    const put = await worker.api('PUT', '/destinations/bench', config);
    if (put.status !== 200) throw new Error(`PUT answered ${put.status}: ${put.text}`);
    const t0 = performance.now();
    const r = await worker.api('POST', '/destinations/bench/run');
    if (r.status !== 202) throw new Error(`run answered ${r.status}: ${r.text}`);
    const s = await waitFor(worker, 'bench', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: deadlineMs, everyMs: 50 });
    const wallMs = performance.now() - t0;
    const run = s.lastRun;
    const state = await emu.state(false);
    const sliceMs = run.sliceLog.reduce((a, x) => a + x.ms, 0);
    const ok = run.status === 'succeeded' && state.contactCount === profiles;
    if (!ok) failed = true;
    const rows = [
      ['status', `${run.status}${ok ? '' : '  <-- WRONG'} (${state.contactCount.toLocaleString('en')} contacts)`],
      ['slices', `${run.slices.slices} (max ${run.slices.maxSent} requests in one, budget ${budget})`],
      ['requests', `${state.counters.requests} sent, ${needed} needed (${state.counters.requests - needed} extra); 429s: ${state.counters.http429}`],
      ['floor', `${fmtMs(floorMs)} (${needed} requests / ${rate} r/s)`],
      ['wall time', `${fmtMs(wallMs)}  ratio ${(wallMs / floorMs).toFixed(2)} to the floor`],
      ['in slices', `${fmtMs(sliceMs)} (mean ${fmtMs(sliceMs / run.slices.slices)} per slice, from its first step to its report)`],
      ['outside', `${fmtMs(wallMs - sliceMs)} (trigger, ${segments.length} downloads, storage, alarms between slices, polling)`],
      ['most in flight', `${state.counters.maxInFlight}`],
      ['interim cps', `${run.sliceLog.reduce((a, x) => a + (x.interimCheckpoints ?? 0), 0)} stored (one small put after every finished batch; a resumed slice starts from the newest)`],
    ];
    for (const [k, v] of rows) console.log(`  ${k.padEnd(15)} ${v}`);
  } catch (e) {
    failed = true;
    console.error(`  worker run failed: ${e.message}`);
  } finally {
    await worker.kill();
    box.remove();
    await emu.stop();
  }
}

// ---------------------------------------------------------------- reference: one call in Node
if (reference) {
  const pkg = await loadPkg();
  const emu = await startEmulatorProcess({ rate, latency, jitter, seed: 5, apiKey: BENCH_KEY });
  try {
    const job = {
      connection: { displayName: 'Bench', apiKey: BENCH_KEY, consent: true, exportUser: 'bench@example.com', baseUrl: emu.url },
      mapping: destinationConfig({ emulatorUrl: emu.url, urls }).mapping,
      segments: segments.map((s) => ({ name: s.name, profiles: { csv: toCsv(s.rows) } })),
      listPrefix: 'Edge: ',
    };
    // What every slice repeats before sending: reading and planning the whole job.
    const plans = [];
    for (let i = 0; i < 3; i += 1) {
      const p0 = performance.now();
      pkg.preview(job);
      plans.push(performance.now() - p0);
    }
    plans.sort((a, b) => a - b);
    console.log(`  planning       ${fmtMs(plans[1])} per slice (median of 3 previews of the same job in Node: the CPU each slice spends before its first request)`);
    const t0 = performance.now();
    const report = await pkg.exportSegments(job, { ratePerSecond: rate, maxInFlight: 6 });
    const ms = performance.now() - t0;
    if (report.status !== 'succeeded') failed = true;
    console.log(`  reference      one exportSegments call in Node, 6 in flight: ${fmtMs(ms)}, ratio ${(ms / floorMs).toFixed(2)}, ${report.requests.sent} requests (${report.status})`);
  } finally {
    await emu.stop();
  }
}

await files.stop();
process.exit(failed ? 1 : 0);
