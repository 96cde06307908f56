// The edge deployment end to end in workerd: a Cron Trigger firing (the real `scheduled`
// handler) starts a refresh of 20,000 profiles over 2 segments; alarms run it in slices of at
// most 45 requests; the emulator ends exactly equal to the segments. A second firing after a
// change refreshes again from the package's sync state, sending only the changes. The API key is in
// no answer, no log line and no byte of the Durable Object storage.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { SECRETS, SEGMENTS_TOKEN, layout, packageBuilt, start, waitFor } from './harness.mjs';
import { assertExactState, destinationConfig, makeSegments, minimumBatches, serveSegments, upserts } from './data.mjs';

const CRON = '*/30 * * * *';
const BUDGET = 45;
const RATE = 100;

let emu;
let files;
let box;
let worker;
let segments;
const answers = [];

before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  // The emulator allows a little more than the client sends, so timing alone causes no 429.
  emu = await startEmulator({ ratePerSecond: RATE * 1.25, burst: RATE, latencyMs: 20 });
  files = await startFileServer();
  segments = makeSegments({ unique: 20_000 });
  const urls = serveSegments(files, segments, { token: SEGMENTS_TOKEN });
  // 256 KiB chunks: each ~1.7 MB segment file is stored in several chunks.
  box = await layout({ vars: { STORAGE_CHUNK_BYTES: String(256 * 1024) } });
  worker = await start(box);
  const config = destinationConfig({
    emulatorUrl: emu.url, urls, tokenSecret: 'SEGMENTS_AUTH', schedule: { cron: CRON },
    run: { maxRequests: BUDGET, ratePerSecond: RATE },
  });
  const r = await worker.api('PUT', '/destinations/crm', config);
  answers.push(r.text);
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  await worker?.kill();
  box?.remove();
  await emu?.stop();
  await files?.stop();
});

/** Waits until the destination has `n` finished runs; returns the status. */
async function finishedRuns(n) {
  const s = await waitFor(worker, 'crm', (x) => x.state === 'idle' && x.history.length >= n, { timeoutMs: 180_000 });
  answers.push(JSON.stringify(s));
  return s;
}

test('a firing of another cron starts nothing', async () => {
  const r = await worker.cron('0 3 * * *', Date.UTC(2025, 0, 1, 3));
  assert.equal(r.outcome, 'ok');
  const s = await worker.api('GET', '/destinations/crm');
  assert.equal(s.json.state, 'idle');
  assert.equal(files.requests().length, 0);
});

test('the cron firing runs the export in slices of at most 45 requests and the emulator state is exact', async (t) => {
  const firing = Date.UTC(2025, 0, 1, 12, 30);
  const r = await worker.cron(CRON, firing);
  assert.equal(r.outcome, 'ok', JSON.stringify(r));
  await worker.cron(CRON, firing); // the same firing delivered again starts nothing new
  const s = await finishedRuns(1);
  assert.equal(s.history.length, 1, 'one run for one firing');
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  assert.deepEqual(run.trigger, { kind: 'cron', cron: CRON, scheduledTime: firing });
  assert.equal(files.requests().length, 2, 'each segment downloaded once');
  assert.ok(files.requests().every((q) => q.headers.authorization === `Bearer ${SEGMENTS_TOKEN}`), 'download header from its secret');

  const state = emu.state();
  assertExactState(state, segments);
  assert.equal(state.counters.http429, 0);
  assert.equal(state.counters.duplicateEmailsInBulk, 0);

  // Every slice (one alarm invocation, one exportSegments call) stayed within the budget, and
  // the slices account for every request the emulator received.
  const log = run.sliceLog;
  assert.equal(log.length, run.slices.slices);
  assert.ok(log.length >= Math.ceil(state.counters.requests / BUDGET), `${log.length} slices`);
  for (const x of log) assert.ok(x.sent <= BUDGET, `slice ${x.slice} sent ${x.sent}`);
  assert.equal(run.slices.maxSent <= BUDGET, true);
  assert.equal(log.reduce((a, x) => a + x.sent, 0), state.counters.requests, 'the slices made every request the emulator saw');
  assert.deepEqual(log.map((x) => x.slice), log.map((_, i) => i + 1), 'slices in order, each once');
  assert.deepEqual(run.interruptions, []);
  assert.equal(upserts(state), minimumBatches(segments), 'no batch sent twice, none more than needed');
  // Every finished batch left an interim checkpoint in storage (what a resumed slice starts from).
  assert.equal(log.reduce((a, x) => a + x.interimCheckpoints, 0), upserts(state), 'one interim checkpoint per finished batch');

  const report = run.report;
  t.diagnostic(`${log.length} slices: ${log.map((x) => x.sent).join(', ')} requests`);
  assert.equal(report.totals.uniqueProfiles, 20_000);
  assert.equal(report.totals.memberships, 24_000);
  assert.equal(report.totals.exported, 24_000);
  assert.equal(report.requests.sent, state.counters.requests);
});

test('a second firing refreshes the destination; with the sync state it sends only the changes', async (t) => {
  const first = (await worker.api('GET', '/destinations/crm')).json;
  const changed = new Set([5, 9_000, 19_999, 123, 14_321]);
  segments = makeSegments({ unique: 20_000, edit: (p, i) => (changed.has(i) ? { ...p, first_name: `Changed${i}` } : p) });
  serveSegments(files, segments, { token: SEGMENTS_TOKEN });
  const before = emu.state().counters;
  await worker.cron(CRON, Date.UTC(2025, 0, 1, 13, 0));
  const s = await finishedRuns(2);
  const run = s.lastRun;
  assert.equal(run.status, 'succeeded', JSON.stringify(run.error ?? run.report?.error));
  const state = emu.state();
  assertExactState(state, segments);
  for (const x of run.sliceLog) assert.ok(x.sent <= BUDGET);
  const sentNow = state.counters.requests - before.requests;
  assert.equal(run.sliceLog.reduce((a, x) => a + x.sent, 0), sentNow);
  assert.ok(first.syncStateBytes > 0, 'the first run stored the sync state this refresh starts from');
  assert.deepEqual(run.interruptions, []);
  // Changed memberships: each changed profile is in one or two segments.
  const changedMemberships = segments.reduce((n, seg) => n + seg.rows.filter((r) => r.first_name.startsWith('Changed')).length, 0);
  const upsertsNow = upserts(state) - Object.values(before.byRoute['POST /v1/contacts'] ?? {}).reduce((a, b) => a + b, 0);
  t.diagnostic(`refresh: ${sentNow} requests (${upsertsNow} upserts) in ${run.slices.slices} slice(s) for ${changedMemberships} changed memberships; sync state ${first.syncStateBytes} bytes`);
  // Only the changes: the fewest upserts that carry them (per list, 100 a request), nothing else.
  const needed = segments.reduce((n, seg) => n + Math.ceil(seg.rows.filter((r) => r.first_name.startsWith('Changed')).length / 100), 0);
  assert.equal(upsertsNow, needed, `${upsertsNow} upserts for ${changedMemberships} changed memberships`);
  assert.equal(run.report.totals.unchanged, 24_000 - changedMemberships);
});

test('the API key is in no answer, no log line and no byte of storage', () => {
  const key = SECRETS.AUTOPILOT_API_KEY;
  for (const a of answers) assert.ok(!a.includes(key), 'an endpoint answer holds the key');
  assert.ok(!worker.output().includes(key), 'a log line holds the key');
  let scanned = 0;
  for (const dir of [box.storage, ...readdirSync(box.storage, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(box.storage, d.name))]) {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      if (!f.isFile()) continue;
      const bytes = readFileSync(join(dir, f.name));
      scanned += bytes.length;
      assert.ok(!bytes.includes(Buffer.from(key)), `${f.name} holds the key`);
      assert.ok(!bytes.includes(Buffer.from(SECRETS.SEGMENTS_AUTH)), `${f.name} holds the download token`);
    }
  }
  assert.ok(scanned > 100_000, `storage scanned (${scanned} bytes)`);
});
