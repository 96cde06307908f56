// The cron path with many destinations, in workerd: a firing starts every destination that
// follows that cron — more than the registry starts in one invocation (40), so the rest are
// started from its alarm — and no other; the same firing delivered again starts nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { layout, packageBuilt, sleep, start, waitFor } from './harness.mjs';
import { destinationConfig, makeSegments, serveSegments } from './data.mjs';

const HOURLY = '0 * * * *';
const NIGHTLY = '30 2 * * *';
const ids = [
  ...Array.from({ length: 43 }, (_, i) => [`hourly-${i}`, HOURLY]),
  ...Array.from({ length: 3 }, (_, i) => [`nightly-${i}`, NIGHTLY]),
  ...Array.from({ length: 2 }, (_, i) => [`manual-${i}`, null]),
];

let emu;
let files;
let box;
let worker;

before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  emu = await startEmulator({ ratePerSecond: 0 });
  files = await startFileServer();
  const urls = serveSegments(files, makeSegments({ unique: 20 }));
  box = await layout();
  worker = await start(box);
  for (const [id, cron] of ids) {
    const cfg = destinationConfig({ emulatorUrl: emu.url, urls, schedule: cron ? { cron } : null, run: { ratePerSecond: 50 } });
    cfg.listPrefix = `${id}: `;
    const r = await worker.api('PUT', `/destinations/${id}`, cfg);
    assert.equal(r.status, 200, r.text);
  }
});
after(async () => {
  await worker?.kill();
  box?.remove();
  await emu?.stop();
  await files?.stop();
});

const statusOf = async (id) => (await worker.api('GET', `/destinations/${id}`)).json;

test('a firing starts every destination on that cron, beyond one invocation\'s fan-out, and no other', async () => {
  const firing = Date.UTC(2025, 5, 1, 10);
  await worker.cron(HOURLY, firing);
  await worker.cron(HOURLY, firing); // delivered twice
  for (const [id, cron] of ids.filter(([, c]) => c === HOURLY)) {
    const s = await waitFor(worker, id, (x) => x.state === 'idle' && x.history.length >= 1, { timeoutMs: 120_000 });
    assert.equal(s.lastRun.status, 'succeeded', `${id}: ${JSON.stringify(s.lastRun.error)}`);
    assert.deepEqual(s.lastRun.trigger, { kind: 'cron', cron, scheduledTime: firing });
  }
  assert.match(worker.output(), /cron 0 \* \* \* \*: 43 due, 40 started, 3 pending/, 'the registry continued in its alarm');

  await sleep(500);
  for (const [id, cron] of ids) {
    const s = await statusOf(id);
    assert.equal(s.history.length, cron === HOURLY ? 1 : 0, `${id} ran ${s.history.length} times`);
  }
  const titles = emu.state().lists.map((l) => l.title);
  assert.equal(titles.length, 43 * 2, 'two lists per hourly destination, none for the others');
});

test('a firing of the other cron starts only its own', async () => {
  await worker.cron(NIGHTLY, Date.UTC(2025, 5, 2, 2, 30));
  for (const [id] of ids.filter(([, c]) => c === NIGHTLY)) {
    const s = await waitFor(worker, id, (x) => x.state === 'idle' && x.history.length >= 1, { timeoutMs: 60_000 });
    assert.equal(s.lastRun.status, 'succeeded');
  }
  await sleep(500);
  assert.equal((await statusOf('hourly-0')).history.length, 1);
  assert.equal((await statusOf('manual-0')).history.length, 0);
});
