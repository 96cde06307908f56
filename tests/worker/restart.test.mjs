// Eviction, crashes and repeated alarms, in workerd against the emulator:
// - workerd is killed (SIGKILL) in the middle of a slice and started again on the same storage
//   directory: the persisted alarm continues the run from the last stored checkpoint, and the
//   batches sent twice are no more than the requests the killed slice had sent unstored
//   (plus what slices left in flight when they stopped);
// - every alarm is delivered twice, once concurrently and once again after it finished;
// - a step's handler throws once (a storage fault at the commit) and is retried.
// Each run ends with the emulator exactly equal to the segments.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { layout, packageBuilt, sleep, start, waitFor } from './harness.mjs';
import { toCsv } from '../bench/common.mjs';
import { assertExactState, destinationConfig, makeSegments, minimumBatches, upserts } from './data.mjs';

const BUDGET = 45;

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

async function setup({ rate, latencyMs, entry, job }) {
  // The emulator allows a little more than the client sends, so timing alone causes no 429.
  const emu = await startEmulator({ ratePerSecond: rate * 1.25, burst: rate, latencyMs });
  cleanup.push(() => emu.stop());
  const box = await layout({ entry });
  cleanup.push(async () => box.remove());
  const worker = await start(box);
  cleanup.push(() => worker.kill());
  const config = destinationConfig({ emulatorUrl: emu.url, urls: job.urls, run: { maxRequests: job.budget, ratePerSecond: rate } });
  const r = await worker.api('PUT', '/destinations/d', config);
  assert.equal(r.status, 200, r.text);
  return { emu, box, worker };
}

test('killed in the middle of a slice and started again, the run completes without re-sending stored work', async (t) => {
  const { segments } = jobs.large;
  const { emu, box, worker } = await setup({ rate: 20, latencyMs: 100, job: jobs.large });
  const started = await worker.api('POST', '/destinations/d/run');
  assert.equal(started.status, 202, started.text);
  // Kill once the export is well under way (bounded wait).
  const deadline = Date.now() + 60_000;
  while (upserts(emu.state()) < 100) {
    assert.ok(Date.now() < deadline, 'the export did not get going');
    await sleep(20);
  }
  await worker.kill();
  const killed = emu.state();
  const atKill = upserts(killed);
  const atKillRequests = killed.counters.requests;
  assert.ok(atKill < minimumBatches(segments), 'killed before the end');

  const again = await start(box);
  cleanup.push(() => again.kill());
  const s = await waitFor(again, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 120_000 });
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  const state = emu.state();
  assertExactState(state, segments);

  assert.equal(run.interruptions.length, 1, 'the killed slice is recorded as interrupted');
  const [cut] = run.interruptions;
  const retried = run.sliceLog.find((x) => x.slice === cut.slice);
  assert.equal(retried.attempt, 2, 'the interrupted slice ran again as attempt 2');
  assert.equal(retried.contactsBefore, cut.contactsBefore, 'from the checkpoint stored before the kill');
  assert.equal(cut.sentBefore, run.sliceLog.filter((x) => x.slice < cut.slice).reduce((a, x) => a + x.sent, 0));

  // Batches sent twice <= the requests the killed slice had sent without storing their result:
  // those that had reached the emulator at the kill beyond the committed slices' requests.
  const resent = upserts(state) - minimumBatches(segments);
  const unstored = atKillRequests - cut.sentBefore;
  t.diagnostic(`429s ${state.counters.http429}, errors ${JSON.stringify(run.report.requests)}`);
  t.diagnostic(`killed at ${atKill} upserts in slice ${cut.slice} (${cut.sentBefore} requests committed); re-sent ${resent} (at most ${unstored} unstored)`);
  for (const x of run.sliceLog) assert.ok(x.sent <= BUDGET, `slice ${x.slice} sent ${x.sent}`);
  assert.ok(unstored <= BUDGET, `the killed slice had sent ${unstored} unstored requests`);
  assert.ok(resent <= unstored, `re-sent ${resent} > ${unstored} unstored`);
});

test('alarms delivered twice (at once, and again afterwards) send nothing twice', async () => {
  const { segments } = jobs.small;
  const { emu, worker } = await setup({ rate: 100, latencyMs: 10, entry: 'twice', job: jobs.small });
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const s = await waitFor(worker, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 120_000 });
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  const state = emu.state();
  assertExactState(state, segments);
  assert.deepEqual(run.interruptions, []);
  assert.deepEqual(run.sliceLog.map((x) => x.attempt), run.sliceLog.map(() => 1), 'each slice ran once');
  assert.ok(run.sliceLog.length >= 5 && run.sliceLog.every((x) => x.sent <= jobs.small.budget), 'several slices, each within its budget');
  const resent = upserts(state) - minimumBatches(segments);
  assert.equal(resent, 0, 'no batch sent twice');
  assert.match(worker.output(), /duplicate alarm ignored/, 'the concurrent deliveries happened');
});

test('a step that throws is retried from the stored checkpoint', async () => {
  const { segments, budget } = jobs.small;
  const { emu, worker } = await setup({ rate: 100, latencyMs: 10, entry: 'throw-once', job: jobs.small });
  assert.equal((await worker.api('POST', '/destinations/d/run')).status, 202);
  const s = await waitFor(worker, 'd', (x) => x.state === 'idle' && x.lastRun, { timeoutMs: 120_000 });
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  assertExactState(emu.state(), segments);
  assert.match(worker.output(), /step failed \(1\/5\)/);
  assert.equal(run.interruptions.length, 1, 'the failed attempt is recorded');
  const resent = upserts(emu.state()) - minimumBatches(segments);
  const failed = run.sliceLog.find((x) => x.attempt === 2);
  assert.ok(failed, 'the slice ran again');
  assert.ok(resent <= failed.sent && resent <= budget, `re-sent ${resent}: at most the failed attempt's requests`);
});
