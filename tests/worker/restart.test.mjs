// Eviction, crashes and repeated alarms, in workerd against the emulator, every request
// logged by a recording pass-through (proxy.mjs) so batches sent twice are counted exactly:
// - workerd is killed (SIGKILL) deep inside a slice and started again on the same storage
//   directory: the persisted alarm resumes the slice from its newest interim checkpoint (one
//   is stored after every finished batch) with the sync state the slice started from, and the
//   batches sent twice are no more than those in flight at the kill (≤ maxInFlight);
// - every alarm is delivered twice, once concurrently and once again after it finished;
// - a step's handler throws once (a storage fault at the commit) and is retried from the
//   slice's interim checkpoint: no batch twice; an interim checkpoint the package refuses
//   falls back to the committed one; a run cancelled while it waits out the backoff ends at
//   once and leaves no alarm.
// Each run ends with the emulator exactly equal to the segments.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { layout, packageBuilt, sleep, start, waitFor } from './harness.mjs';
import { startProxy } from './proxy.mjs';
import { toCsv } from '../bench/common.mjs';
import { assertExactState, destinationConfig, makeSegments, minimumBatches, upserts } from './data.mjs';

const BUDGET = 45;
const MAX_IN_FLIGHT = 6;

let files;
// The kill test uses the 20,000 profiles with 45-request slices; the alarm tests a
// smaller job (6,000 profiles, 7,200 memberships) in 15-request slices: as many slices, less time.
const jobs = {};
const cleanup = [];

before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  files = await startFileServer();
  for (const [name, unique, budget] of [['large', 20_000, BUDGET], ['small', 6_000, 15]]) {
    const segments = makeSegments({ unique, seed: 29 });
    const urls = segments.map((s) => files.put(`/${name}/${s.name}.csv`, toCsv(s.rows)));
    jobs[name] = { segments, urls, budget };
  }
});
after(async () => {
  for (const f of cleanup.reverse()) await f();
  await files?.stop();
});

async function setup({ rate, latencyMs, entry, job, vars }) {
  // The emulator allows a little more than the client sends, so timing alone causes no 429.
  const emu = await startEmulator({ ratePerSecond: rate * 1.25, burst: rate, latencyMs });
  cleanup.push(() => emu.stop());
  const proxy = await startProxy(emu.origin);
  cleanup.push(() => proxy.stop());
  const box = await layout({ entry, vars });
  cleanup.push(async () => box.remove());
  const worker = await start(box);
  cleanup.push(() => worker.kill());
  const config = destinationConfig({
    emulatorUrl: proxy.url, urls: job.urls,
    run: { maxRequests: job.budget, ratePerSecond: rate, maxInFlight: MAX_IN_FLIGHT },
  });
  const r = await worker.api('PUT', '/destinations/d', config);
  assert.equal(r.status, 200, r.text);
  return { emu, proxy, box, worker };
}

const batchesOf = (requests) => requests.filter((x) => x.batch);

/** Distinct batches of `later` that `earlier` had sent already. */
function sentAgain(earlier, later) {
  const seen = new Set(batchesOf(earlier).map((x) => x.batch));
  return new Set(batchesOf(later).filter((x) => seen.has(x.batch)).map((x) => x.batch)).size;
}

/** Memberships (email|list) of `later`'s upserts that `earlier`'s upserts had sent already. */
function membershipsAgain(earlier, later) {
  const seen = new Set(batchesOf(earlier).flatMap((x) => x.contacts));
  return batchesOf(later).flatMap((x) => x.contacts).filter((k) => seen.has(k)).length;
}

/** Largest number of times one membership was sent. */
function mostSends(requests) {
  const n = new Map();
  for (const k of batchesOf(requests).flatMap((x) => x.contacts)) n.set(k, (n.get(k) ?? 0) + 1);
  return Math.max(0, ...n.values());
}

test('killed in the middle of a slice and started again, the run re-sends no more batches than were in flight', async (t) => {
  const { segments } = jobs.large;
  const { emu, proxy, box, worker } = await setup({ rate: 20, latencyMs: 100, job: jobs.large });
  const started = await worker.api('POST', '/destinations/d/run');
  assert.equal(started.status, 202, started.text);
  // Kill once the export is well under way (>= 100 upserts) and deep inside a slice: 20 to 35
  // of its 45 requests sent, so a resume from the slice start would re-send far more batches
  // than can be in flight (bounded wait).
  const deadline = Date.now() + 90_000;
  for (;;) {
    assert.ok(Date.now() < deadline, 'the export did not reach the middle of a slice');
    const run = (await worker.api('GET', '/destinations/d')).json?.run;
    const inSlice = run?.sliceInProgress ? proxy.requests().length - run.totals.sent : 0;
    if (upserts(emu.state()) >= 100 && inSlice >= 20 && inSlice <= 35) break;
    await sleep(10);
  }
  await worker.kill();
  proxy.setEpoch(1);
  assert.ok(upserts(emu.state()) < minimumBatches(segments), 'killed before the end');

  const again = await start(box);
  cleanup.push(() => again.kill());
  const s = await waitFor(again, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 120_000 });
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  const state = emu.state();
  assertExactState(state, segments);
  for (const x of run.sliceLog) assert.ok(x.sent <= BUDGET, `slice ${x.slice} attempt ${x.attempt} sent ${x.sent}`);

  assert.equal(run.interruptions.length, 1, 'the killed slice is recorded as interrupted');
  const [cut] = run.interruptions;
  const retried = run.sliceLog.find((x) => x.slice === cut.slice);
  assert.equal(retried.attempt, 2, 'the interrupted slice ran again as attempt 2');
  assert.equal(retried.contactsBefore, cut.contactsBefore);
  assert.equal(cut.sentBefore, run.sliceLog.filter((x) => x.slice < cut.slice).reduce((a, x) => a + x.sent, 0));
  assert.equal(cut.resumed.from, 'interim', 'resumed from the interim checkpoint, not from the slice start');

  // The request log, split at the kill: the committed slices, the killed attempt, then (after
  // the restart) the resumed attempt (its `sent` requests come first: slices run one after the
  // other) and the later slices.
  const log = proxy.requests();
  const beforeKill = log.filter((x) => x.epoch === 0);
  const afterRestart = log.filter((x) => x.epoch === 1);
  assert.ok(cut.sentBefore < beforeKill.length);
  const killed = beforeKill.slice(cut.sentBefore);
  const killedBatches = batchesOf(killed).length;
  const resumedAttempt = afterRestart.slice(0, retried.sent);
  // In flight at the kill: batches the killed attempt had sent that its newest stored
  // checkpoint does not mark finished; of them, those whose answer never left the proxy.
  const inFlight = killedBatches - cut.resumed.batchesDone;
  const unanswered = batchesOf(killed).filter((x) => !x.answered).length;
  const resent = sentAgain(beforeKill, resumedAttempt);
  const resentLater = sentAgain(beforeKill, afterRestart.slice(retried.sent));
  const relearnt = membershipsAgain(beforeKill, afterRestart.slice(retried.sent));
  t.diagnostic(`429s ${state.counters.http429}; killed in slice ${cut.slice} after ${killed.length} of its requests (${killedBatches} batches, ${cut.resumed.batchesDone} in its stored interim checkpoint); in flight at the kill ${inFlight} (${unanswered} unanswered); re-sent ${resent}`);
  t.diagnostic(`later slices sent ${relearnt} memberships of the skipped batches once more to learn their Autopilot ids (the package's rule), ${resentLater} batches identical; upserts ${upserts(state)} for a minimum of ${minimumBatches(segments)}`);

  assert.ok(killedBatches >= 15, `the killed attempt had sent ${killedBatches} batches: a resume from the slice start would re-send them all`);
  assert.ok(inFlight >= 0 && inFlight <= MAX_IN_FLIGHT, `${inFlight} batches sent without a stored checkpoint (maxInFlight ${MAX_IN_FLIGHT})`);
  assert.ok(resent <= inFlight, `re-sent ${resent} batches, ${inFlight} were in flight at the kill`);
  assert.ok(unanswered <= resent, `${unanswered} batches had no answer at the kill, only ${resent} were sent again`);
  // The checkpoint's request counter also counts the requests in flight when it was made.
  assert.ok(retried.resumedSent >= killed.length - inFlight && retried.resumedSent <= killed.length, `the interim checkpoint counts ${retried.resumedSent} of the killed attempt's ${killed.length} requests`);
  assert.ok(mostSends(log) <= 2, 'no membership sent more than twice');
});

test('alarms delivered twice (at once, and again afterwards) send nothing twice', async () => {
  const { segments } = jobs.small;
  const { emu, proxy, worker } = await setup({ rate: 100, latencyMs: 10, entry: 'twice', job: jobs.small });
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const s = await waitFor(worker, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 120_000 });
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  const state = emu.state();
  assertExactState(state, segments);
  assert.deepEqual(run.interruptions, []);
  assert.deepEqual(run.sliceLog.map((x) => x.attempt), run.sliceLog.map(() => 1), 'each slice ran once');
  assert.ok(run.sliceLog.length >= 5 && run.sliceLog.every((x) => x.sent <= jobs.small.budget), 'several slices, each within its budget');
  assert.equal(upserts(state), minimumBatches(segments), 'no batch sent twice');
  assert.equal(mostSends(proxy.requests()), 1, 'no membership sent twice');
  assert.match(worker.output(), /duplicate alarm ignored/, 'the concurrent deliveries happened');
});

/**
 * The requests of slice `n`'s failed first attempt and of its retry: the failed attempt stored
 * no slice record, so it is what the log holds beyond the recorded slices.
 */
function attemptsOf(log, run, n) {
  const before = run.sliceLog.filter((x) => x.slice < n).reduce((a, x) => a + x.sent, 0);
  const lost = log.length - run.sliceLog.reduce((a, x) => a + x.sent, 0);
  const retry = run.sliceLog.find((x) => x.slice === n && x.attempt > 1);
  return { failed: log.slice(before, before + lost), retry: log.slice(before + lost, before + lost + retry.sent), lost };
}

/**
 * Runs the small job once through the test entry `entry` (a storage fault at slice 2's commit)
 * to its end; asserts it succeeded with the exact state and the one failed step logged.
 */
async function faultedRun(entry, segments) {
  const { emu, proxy, worker } = await setup({ rate: 100, latencyMs: 10, entry, job: jobs.small });
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const s = await waitFor(worker, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 120_000 });
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  assertExactState(emu.state(), segments);
  assert.match(worker.output(), /step failed \(1\/5\)/);
  return { proxy, worker, run };
}

test('a step that throws is retried from the slice\'s interim checkpoint: no batch sent twice', async (t) => {
  const { segments, budget } = jobs.small;
  const { proxy, worker, run } = await faultedRun('throw-once', segments);
  assert.equal(run.interruptions.length, 1, 'the failed attempt is recorded');
  const [cut] = run.interruptions;
  assert.equal(cut.slice, 2);
  assert.equal(cut.resumed.from, 'interim');
  const retry = run.sliceLog.find((x) => x.slice === 2 && x.attempt === 2);
  assert.ok(retry, 'the slice ran again');
  const { failed, retry: retried, lost } = attemptsOf(proxy.requests(), run, 2);
  // The fault came at the commit, after every batch of the attempt had finished and its
  // interim checkpoint was stored: the retry skips them all and goes on with new batches.
  assert.equal(lost, budget, 'the failed attempt used its budget');
  assert.equal(cut.resumed.requests, lost, 'its interim checkpoint accounts for all its requests');
  assert.equal(retry.resumedSent, lost);
  const resent = sentAgain(failed, retried);
  t.diagnostic(`failed attempt: ${batchesOf(failed).length} batches, ${cut.resumed.batchesDone} in its interim checkpoint; the retry sent ${batchesOf(retried).length} batches, ${resent} of them again`);
  assert.equal(resent, 0, 'no batch of the failed attempt sent again by the retry');
  assert.ok(mostSends(proxy.requests()) <= 2, 'no membership sent more than twice');
});

test('a run waiting out its backoff shows when it retries; cancelled then, it ends at once and leaves no alarm', async (t) => {
  // A backoff unit of 30 s: the first retry is due 60 s after the fault, time enough to look.
  const unit = 30_000;
  const { worker } = await setup({ rate: 100, latencyMs: 10, entry: 'throw-once', job: jobs.small, vars: { FAULT_BACKOFF_MS: String(unit) } });
  // Stopped after this test whatever happens, so that a retry left pending cannot run during
  // the next ones.
  t.after(() => worker.kill());
  const before = Date.now();
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const waiting = await waitFor(worker, 'd', (s) => s.run?.faults === 1 && s.nextStepAt !== null, { timeoutMs: 60_000, everyMs: 50 });
  const at = Date.parse(waiting.nextStepAt);
  t.diagnostic(`after the fault, the next step is due in ${at - Date.now()} ms`);
  // The fault came between the run request and this status read: two units after it.
  assert.ok(at >= before + 2 * unit && at <= Date.now() + 2 * unit, `the retry is due two units after the fault (${waiting.nextStepAt})`);
  const c = await worker.api('POST', '/destinations/d/cancel');
  assert.equal(c.status, 202, c.text);
  // waitFor also refuses an idle status with an alarm left.
  const s = await waitFor(worker, 'd', (x) => x.state === 'idle', { timeoutMs: 10_000 });
  assert.equal(s.lastRun.status, 'cancelled');
  assert.equal(s.lastRun.runId, waiting.run.id);
  assert.equal(s.nextStepAt, null, 'no alarm left');
});

test('an interim checkpoint the package refuses: the slice runs again from its start', async (t) => {
  const { segments, budget } = jobs.small;
  const { proxy, worker, run } = await faultedRun('refuse-interim', segments);
  assert.match(worker.output(), /interim checkpoint refused/);
  assert.deepEqual(run.interruptions.map((x) => [x.slice, x.attempt, x.resumed.from, x.interimRefused ?? false]),
    [[2, 1, 'interim', false], [2, 2, 'slice start', true]]);
  const attempts = run.sliceLog.filter((x) => x.slice === 2).map((x) => [x.attempt, x.sent]);
  assert.deepEqual(attempts, [[2, 0], [3, budget]], 'the refused resume sent nothing; the third attempt ran the slice from its start');
  // The third attempt re-sends what the failed first attempt had sent (at most its budget).
  const log = proxy.requests();
  const before = run.sliceLog.filter((x) => x.slice < 2).reduce((a, x) => a + x.sent, 0);
  const resent = sentAgain(log.slice(before, before + budget), log.slice(before + budget, before + 2 * budget));
  t.diagnostic(`re-sent ${resent} batches after the refused interim checkpoint`);
  assert.ok(resent > 0 && resent <= budget, `re-sent ${resent}`);
});

/**
 * Kills workerd each time the destination's run shows `marker(run) === attempt` for attempts
 * 1..`times`, starting it again on the same storage: a step stopped where nothing can catch it.
 * @returns {Promise<object>} the worker left running
 */
async function killAtEachAttempt(worker, box, marker, times) {
  for (let attempt = 1; attempt <= times; attempt++) {
    const seen = await waitFor(worker, 'd', (s) => marker(s.run) >= attempt, { timeoutMs: 30_000, everyMs: 20 });
    assert.equal(marker(seen.run), attempt, 'each attempt is seen before it is stopped');
    await worker.kill();
    worker = await start(box);
    const w = worker;
    cleanup.push(() => w.kill());
  }
  return worker;
}

test('a slice stopped again and again before it finishes a batch ends the run as failed (STEP_KEEPS_DYING), not in a loop', async () => {
  const { segments } = jobs.small;
  // Every answer takes 3 s: no batch of the slice can finish before its attempt is stopped.
  const { emu, box, worker } = await setup({ rate: 20, latencyMs: 3000, job: jobs.small });
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const last = await killAtEachAttempt(worker, box, (run) => run?.sliceInProgress?.attempt ?? 0, 5);
  const s = await waitFor(last, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 30_000 });
  assert.equal(s.lastRun.status, 'failed');
  assert.equal(s.lastRun.error?.code, 'STEP_KEEPS_DYING', JSON.stringify(s.lastRun.error));
  assert.match(s.lastRun.error.message, /slice 1 was stopped 5 times in a row before it finished a batch/);
  assert.deepEqual(s.lastRun.interruptions.map((x) => [x.slice, x.attempt, x.resumed.from]), [1, 2, 3, 4, 5].map((a) => [1, a, 'slice start']));
  // The destination is not stuck: the next refresh runs to the end.
  emu.configure({ latencyMs: 5 });
  assert.equal((await last.api('POST', '/destinations/d/run')).status, 202);
  const again = await waitFor(last, 'd', (x) => x.state === 'idle' && x.lastRun?.runId !== s.lastRun.runId, { timeoutMs: 120_000 });
  assert.equal(again.lastRun.status, 'succeeded', JSON.stringify(again.lastRun.error ?? again.lastRun.report?.error));
  assertExactState(emu.state(), segments);
});

test('a download stopped again and again ends the run as failed (STEP_KEEPS_DYING) before any request to Autopilot', async () => {
  const { segments } = jobs.small;
  // The first segment's file answers after 5 s: each download attempt is stopped before.
  const slow = { ...jobs.small, urls: [files.put('/slow/A.csv', toCsv(segments[0].rows), { delayMs: 5000 }), ...jobs.small.urls.slice(1)] };
  const { emu, box, worker } = await setup({ rate: 20, latencyMs: 5, job: slow });
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const last = await killAtEachAttempt(worker, box, (run) => run?.downloading?.attempt ?? 0, 5);
  const s = await waitFor(last, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 30_000 });
  assert.equal(s.lastRun.status, 'failed');
  assert.equal(s.lastRun.error?.code, 'STEP_KEEPS_DYING', JSON.stringify(s.lastRun.error));
  assert.match(s.lastRun.error.message, /the download of segment "A" was stopped 5 times in a row/);
  assert.equal(emu.state({ contacts: false }).counters.requests, 0, 'nothing sent to Autopilot');
});
