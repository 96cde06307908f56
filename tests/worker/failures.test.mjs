// What goes wrong, in workerd against the emulator: a segment download that fails or breaks
// off ends the refresh before anything reaches Autopilot;
// a configuration the package refuses is not stored; a second run while one is in progress is
// refused; a cancel stops the run with a 'cancelled' report, and the next run completes from
// what the cancelled one confirmed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator } from '../emulator/index.mjs';
import { toCsv } from '../bench/common.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { SECRETS, layout, packageBuilt, sleep, start, waitFor } from './harness.mjs';
import { assertExactState, destinationConfig, makeSegments, serveSegments, upserts } from './data.mjs';

let emu;
let files;
let box;
let worker;

before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  emu = await startEmulator({ ratePerSecond: 20, burst: 20, latencyMs: 50 });
  files = await startFileServer();
  box = await layout({ vars: { STORAGE_CHUNK_BYTES: '4096' } });
  worker = await start(box);
});
after(async () => {
  await worker?.kill();
  box?.remove();
  await emu?.stop();
  await files?.stop();
});

const finished = (id, runs) => waitFor(worker, id, (s) => s.state === 'idle' && s.history.length >= runs, { timeoutMs: 120_000 });

test('a failed or partial download ends the refresh before any request to Autopilot', async (t) => {
  const segs = makeSegments({ unique: 400 });
  const good = files.put('/ok.csv', toCsv(segs[0].rows));
  const csv = toCsv(segs[1].rows);
  const cases = [
    // The reasons are the package's (downloadSource); the worker names the segment.
    ['broken off', files.put('/cut.csv', csv, { failAfterBytes: 5000 }), /download failed: .*(broke|\d+ of \d+ bytes)/],
    ['HTTP 500', files.put('/err.csv', csv, { status: 500 }), /HTTP 500/],
    ['HTTP 404', `${files.origin}/missing.csv`, /HTTP 404/],
    ['no token', files.put('/private.csv', csv, { token: 'x' }), /HTTP 401/],
    ['a redirect', files.put('/moved.csv', csv, { redirectTo: '/cut.csv?sig=secret-signature' }), /redirect.*not followed/],
  ];
  for (const [i, [what, url, message]] of cases.entries()) {
    const id = `dl${i}`;
    const r = await worker.api('PUT', `/destinations/${id}`, destinationConfig({ emulatorUrl: emu.url, urls: [good, url] }));
    assert.equal(r.status, 200, r.text);
    assert.equal((await worker.api('POST', `/destinations/${id}/run`)).status, 202);
    const s = await finished(id, 1);
    assert.equal(s.lastRun.status, 'failed', what);
    assert.equal(s.lastRun.error.code, 'SOURCE_DOWNLOAD_FAILED', what);
    assert.match(s.lastRun.error.message, message, what);
    assert.match(s.lastRun.error.message, /segment "B"/);
    assert.match(s.lastRun.error.message, /nothing was sent/);
    assert.equal(s.lastRun.error.packageCode, 'INPUT_INVALID', what);
    assert.ok(!s.lastRun.error.message.includes('secret-signature'), `no query string in ${s.lastRun.error.message}`);
    t.diagnostic(`${what}: ${s.lastRun.error.message}`);
    assert.equal(s.lastRun.report, null);
    assert.equal(s.lastRun.slices.slices, 0, 'no slice ran');
  }
  assert.equal(emu.state().counters.requests, 0, 'nothing reached Autopilot');
});

test('a configuration the package refuses is not stored; the answer names every problem', async () => {
  const cfg = destinationConfig({ emulatorUrl: 'http://example.com/v1', urls: [`${files.origin}/x.csv`] });
  delete cfg.mapping.email;
  cfg.apiKeySecret = 'MISSING_SECRET';
  const r = await worker.api('PUT', '/destinations/bad', cfg);
  assert.equal(r.status, 400);
  assert.equal(r.json.error, 'CONFIG_INVALID');
  const paths = r.json.issues.map((i) => i.path);
  assert.ok(paths.includes('apiKeySecret'), paths.join());
  assert.ok(paths.some((p) => p.startsWith('mapping') || p.startsWith('connection')), `the package's issues: ${paths.join()}`);
  for (const s of Object.values(SECRETS)) assert.ok(!r.text.includes(s));
  assert.equal((await worker.api('GET', '/destinations/bad')).status, 404, 'nothing stored');
  assert.equal((await worker.api('PUT', '/destinations/bad', '{not json')).status, 400);
  assert.equal((await worker.api('POST', '/destinations/bad/run')).status, 404, 'no configuration, no run');
});

test('a run while one is in progress is refused; cancel stops it and the next run completes', async (t) => {
  const segs = makeSegments({ unique: 3_000, seed: 5 });
  const urls = serveSegments(files, segs);
  const cfg = destinationConfig({ emulatorUrl: emu.url, urls, run: { maxRequests: 10, ratePerSecond: 20 } });
  assert.equal((await worker.api('PUT', '/destinations/c', cfg)).status, 200);
  const first = await worker.api('POST', '/destinations/c/run');
  assert.equal(first.status, 202);
  const second = await worker.api('POST', '/destinations/c/run');
  assert.equal(second.status, 409);
  assert.equal(second.json.reason, 'ALREADY_RUNNING');
  assert.equal(second.json.runId, first.json.runId);
  const deadline = Date.now() + 60_000;
  while (upserts(emu.state()) < 8) {
    assert.ok(Date.now() < deadline, 'the export did not get going');
    await sleep(20);
  }
  const c = await worker.api('POST', '/destinations/c/cancel');
  assert.equal(c.status, 202, c.text);
  const s = await finished('c', 1);
  assert.equal(s.lastRun.status, 'cancelled');
  assert.equal(s.lastRun.runId, first.json.runId);
  const atCancel = upserts(emu.state());
  assert.ok(atCancel < 36, `stopped early (${atCancel} of 36 batches)`);
  await sleep(300);
  assert.equal(upserts(emu.state()), atCancel, 'nothing sent after the cancel');
  assert.equal((await worker.api('POST', '/destinations/c/cancel')).status, 409, 'nothing left to cancel');

  assert.equal((await worker.api('POST', '/destinations/c/run', { fullResync: 'yes' })).status, 400);
  assert.equal((await worker.api('POST', '/destinations/c/run')).status, 202);
  const done = await finished('c', 2);
  assert.equal(done.lastRun.status, 'succeeded', JSON.stringify(done.lastRun.error));
  assert.equal(done.history.length, 2);
  assert.deepEqual(done.history.map((h) => h.status), ['succeeded', 'cancelled']);
  const state = emu.state();
  // The emulator holds the dl* destinations' nothing and this destination's segments.
  assertExactState(state, segs);
  // The cancelled run's sync state (what was confirmed) is the next run's base: it sends what
  // was left, plus at most the requests the cancel abandoned in flight (6).
  const next = upserts(state) - atCancel;
  t.diagnostic(`cancelled after ${atCancel} upserts; the next run sent ${next} upserts`);
  assert.ok(next >= 36 - atCancel && next <= 36 - atCancel + 6, `the next run sent ${next} upserts`);
});
