// End-to-end test of the Manifest V3 extension (www/extension/) in Debian's Chromium, driven
// by playwright-core, against the local Autopilot emulator started WITHOUT CORS headers:
//   extension page: wrong key -> right key -> segment from a URL on 127.0.0.1 (behind a
//   bearer token) -> preview -> export -> cancel -> resume, with the service worker stopped
//   mid-run (the run continues from its checkpoint in the restarted worker) -> save as a
//   scheduled destination -> the source changes -> the destination's alarm fires -> its
//   report shows only the changes; emulator state; the API key and the token are in
//   chrome.storage.session and nowhere else.
//
//   node --test tests/extension/        (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_API_KEY } from '../emulator/index.mjs';
import { areasWith, launch, status, until } from './helpers.mjs';

const WRONG_KEY = 'ffffffffffffffffffffffffffffffff';
const TOKEN = 'segment-token-7d1c5e09b2';
const ROWS = 2000; // 20 batches of 100: about 4 s at 5 requests/s
const IN_FLIGHT = 3; // upserts that may be in flight when the worker stops (5/s, 60 ms latency)

/** The segment file: CustomerId, Email, FirstName, LastName, City. */
function csv(rows) {
  return `CustomerId,Email,FirstName,LastName,City\n${rows.map((r) => [r.id, r.email, r.first, r.last, r.city].join(',')).join('\n')}\n`;
}
const people = (n) => Array.from({ length: n }, (_, i) => ({ id: `c${i}`, email: `user${i}@example.com`, first: `First${i}`, last: `Last${i}`, city: 'Lyon' }));
const num = (s) => Number(String(s).replace(/[^\d.-]/g, ''));

/** The newest finished run the worker kept for pages (IndexedDB "results"). */
function newestResult(page) {
  return page.evaluate(async () => {
    const { all } = await import('/lib/idb.js');
    const results = await all('results');
    results.sort((a, b) => String(b.finishedAt).localeCompare(String(a.finishedAt)));
    return results[0];
  });
}

/** Fills the page's connection form and connects. */
async function connectWith(page, emu, key) {
  await page.fill('#displayName', 'Marketing ops');
  await page.fill('#exportUser', 'ops@example.com');
  await page.fill('#apiKey', key);
  await page.fill('#baseUrl', emu.url);
  await page.check('#consent');
  await page.click('#connect-btn');
}

test('extension: connect, URL segment, preview, export, cancel, resume across a worker restart, scheduled refresh, secrets', { timeout: 240_000 }, async (t) => {
  const x = await launch(t);
  const { page, emu, files } = x;
  const stat = async (box, id) => num(await page.locator(`${box} [data-stat="${id}"] dd`).first().innerText());

  // ---------------------------------------------------------------- 1. connect: wrong key, then right key
  await connectWith(page, emu, WRONG_KEY);
  await page.waitForSelector('#connect-error:not([hidden])');
  assert.match(await page.locator('#connect-error').innerText(), /rejected/i);
  let dump = await x.dumpStorage();
  assert.deepEqual(areasWith(dump, WRONG_KEY), [], 'a rejected key is stored nowhere');

  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.click('#connect-btn');
  await page.waitForSelector('#connected:not([hidden])');
  assert.equal(emu.state().counters.byRoute['GET /v1/account']['401'], 1);
  assert.equal(emu.state().counters.byRoute['GET /v1/account']['200'], 1);
  assert.equal(emu.state().counters.preflights, 0, 'the service worker needs no CORS preflight');
  await x.snap('connected');

  // Data an earlier version filed under the older connection id (the base URL as typed, here
  // with a trailing "/") is filed under the core's API base when the connection is made again.
  const moved = await page.evaluate(async ({ base, key }) => {
    const idb = await import('/lib/idb.js');
    const client = await import('/lib/client.js');
    const old = `Legacy @ ${base}/`;
    await idb.put('connections', { id: old, displayName: 'Legacy', exportUser: 'ops@example.com', baseUrl: `${base}/`, consent: true, keyArea: 'session', verifiedAt: '2026-01-01T00:00:00.000Z' });
    await idb.put('states', { id: `conn:${old}`, bytes: new Uint8Array([7, 7, 7]), lists: [], updatedAt: '2026-01-01T00:00:00.000Z' });
    const { connectionId } = await client.call('checkConnection', {
      connection: { displayName: 'Legacy', exportUser: 'ops@example.com', apiKey: key, consent: true, baseUrl: `${base}/` }, keyArea: 'session',
    });
    const out = {
      connectionId,
      old: [await idb.get('connections', old), await idb.get('states', `conn:${old}`)],
      state: [...((await idb.get('states', `conn:${connectionId}`))?.bytes ?? [])],
      stored: Boolean(await idb.get('connections', connectionId)),
    };
    await idb.del('connections', connectionId); // out of the way of the rest of the test
    await idb.del('states', `conn:${connectionId}`);
    await chrome.storage.session.remove(`apiKey:${connectionId}`);
    return out;
  }, { base: emu.url, key: DEFAULT_API_KEY });
  assert.equal(moved.connectionId, `Legacy @ ${emu.url.replace(/\/+$/, '')}`, 'the id uses the API base as the core writes it');
  assert.deepEqual(moved.old, [undefined, undefined], 'nothing left under the older id');
  assert.deepEqual(moved.state, [7, 7, 7], 'the sync state moved');
  assert.ok(moved.stored);

  // ---------------------------------------------------------------- 2. a segment from a URL (behind a token)
  const original = people(ROWS);
  const url = files.put('/cdp/vip.csv', csv(original), { token: TOKEN });
  await page.fill('#ext-src-url', url);
  await page.fill('#ext-src-token', TOKEN);
  await page.click('#ext-src-add');
  await page.waitForSelector('#segment-list li');
  assert.match(await page.locator('#ext-src-status').innerText(), /Downloaded vip\.csv/);
  assert.equal(files.requests().filter((r) => r.path === '/cdp/vip.csv' && r.status === 200).length, 1);
  assert.match(await page.inputValue('#segment-list input'), /^vip$/i);
  await page.fill('#segment-list input', 'vip');
  await x.snap('segment-from-url');

  // ---------------------------------------------------------------- 3. mirror membership, preview
  await page.check('#membership-mirror');
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not([hidden])');
  assert.equal(await stat('#preview-stats', 'profilesIn'), ROWS);
  await x.snap('preview');

  // ---------------------------------------------------------------- 4. export; the worker stops mid-run; cancel, resume
  const batches = () => Object.values(emu.state({ contacts: false }).counters.bulkSizes).reduce((a, b) => a + b, 0);
  const batchesDone = () => page.evaluate(() => Number(document.querySelector('#progress-box')?.dataset.batchesDone));
  await page.click('#export-btn');
  await page.waitForFunction(() => Number(document.querySelector('#progress-box')?.dataset.batchesDone) >= 3);
  const sw = await x.worker();
  const startedBefore = await sw.evaluate(() => globalThis.autopilotExport.started);
  const beforeStop = batches();
  await x.stopWorker();
  // The page's port is gone; the page connects again, which starts the worker, which resumes
  // the stored run from its newest checkpoint and streams it to the page again.
  await until(async () => batches() >= beforeStop + 4 && (await batchesDone()) >= beforeStop + 3, { what: 'the run to go on in the restarted worker' });
  assert.notEqual(await sw.evaluate(() => globalThis.autopilotExport.started), startedBefore, 'a new worker instance runs the export');
  await page.click('#cancel-btn');
  await page.waitForSelector('#resume-btn:not([hidden])');
  assert.match(await page.locator('#progress-text').innerText(), /cancelled/i);
  const atCancel = batches();
  assert.ok(atCancel < ROWS / 100, `cancelled after ${atCancel} batches`);
  // The cancelled report (kept by the worker for the page): what Autopilot confirmed. The
  // restarted worker went on from its newest checkpoint, so hardly anything was sent twice.
  const cancelled = await newestResult(page);
  assert.equal(cancelled.report.status, 'cancelled');
  const twice = atCancel - cancelled.report.totals.exported / 100;
  t.diagnostic(`batches: ${beforeStop} before the worker stop, ${atCancel} at the cancel (${cancelled.report.totals.exported} confirmed)`);
  assert.ok(twice <= IN_FLIGHT, `${twice} batches sent twice across the worker restart`);
  await page.click('#resume-btn');
  await page.waitForSelector('#report:not([hidden]) [data-status="succeeded"]', { timeout: 60_000 });
  t.diagnostic(`batches in all: ${batches()}`);
  assert.ok(await stat('#report-stats', 'exported') >= ROWS);
  let state = emu.state();
  const list = state.lists.find((l) => l.title === 'vip');
  assert.ok(list, 'list "vip" created');
  assert.equal(list.total_contacts, ROWS);
  assert.equal(state.contactCount, ROWS);
  await x.snap('exported');

  // ---------------------------------------------------------------- 5. save as a scheduled destination
  await page.fill('#dest-name', 'VIP customers nightly');
  await page.selectOption('#dest-every', 'day');
  await page.fill('#dest-time', '06:30');
  await page.click('#dest-save');
  await page.waitForSelector('.ext-dest');
  const card = page.locator('.ext-dest').first();
  assert.match(await card.locator('[data-fact="Schedule"]').innerText(), /Daily at 06:30 · next /);
  assert.match(await card.locator('[data-fact="API key"]').innerText(), /this browser session/);
  const destId = await card.getAttribute('data-dest-id');
  const alarm = await (await x.worker()).evaluate((id) => chrome.alarms.get(`dest:${id}`), destId);
  assert.ok(alarm && alarm.scheduledTime > Date.now(), 'the schedule is a chrome.alarms alarm');

  // ---------------------------------------------------------------- 6. the source changes; the alarm fires
  const next = original.filter((p) => p.id !== 'c10' && p.id !== 'c11'); // 2 left the segment
  next[0] = { ...next[0], city: 'Paris' }; // 2 changed
  next[1] = { ...next[1], last: 'Renamed' };
  for (let i = 0; i < 3; i++) next.push({ id: `n${i}`, email: `new${i}@example.com`, first: `New${i}`, last: 'Person', city: 'Nice' }); // 3 joined
  files.put('/cdp/vip.csv', csv(next), { token: TOKEN });
  const requestsBefore = emu.state({ contacts: false }).counters.requests;
  await (await x.worker()).evaluate((id) => chrome.alarms.create(`dest:${id}`, { when: Date.now() + 200 }), destId);
  await until(async () => (await card.getAttribute('data-state')) === 'succeeded' && (await card.locator('.ext-last-line').count()) > 0, { what: 'the scheduled refresh' }).catch(async (e) => { throw new Error(`${e.message}: ${await card.innerText()}`); });
  assert.match(await card.locator('.ext-last-line').innerText(), /Last run \(scheduled\)/);
  const sent = await stat('.ext-dest', 'sent');
  const requests = emu.state({ contacts: false }).counters.requests - requestsBefore;
  const mirror = (await status(page)).destinations[0].job.membership === 'mirror';
  t.diagnostic(`scheduled refresh: ${sent} sent, ${requests} requests`);
  // Only the changes: 2 changed + 3 new upserted in one request, 2 removals (mirror); the
  // rest is unchanged and not sent. Requests: account, lists, one upsert, the removals.
  assert.ok(mirror, 'the core offers mirror membership');
  assert.equal(sent, 5);
  assert.equal(await stat('.ext-dest', 'unchanged'), ROWS - 4);
  assert.equal(await stat('.ext-dest', 'removed'), 2);
  assert.equal(requests, 1 + 1 + 1 + 2, `${requests} requests for the refresh`);
  assert.equal(files.requests().filter((r) => r.path === '/cdp/vip.csv' && r.status === 401).length, 0, 'the refresh sent the token');
  state = emu.state();
  const byEmail = new Map(state.contacts.map((c) => [c.Email, c]));
  assert.equal(byEmail.get('user0@example.com').MailingCity, 'Paris');
  assert.equal(byEmail.get('user1@example.com').LastName, 'Renamed');
  for (let i = 0; i < 3; i++) assert.ok(byEmail.get(`new${i}@example.com`)?.lists.includes(list.list_id));
  const members = state.lists.find((l) => l.list_id === list.list_id);
  assert.equal(members.total_contacts, next.length);
  assert.ok(!byEmail.get('user10@example.com').lists.includes(list.list_id), 'a leaver is off the list');
  assert.ok(byEmail.has('user10@example.com'), '…and still a contact');
  assert.equal(await (await x.worker()).evaluate(() => chrome.action.getBadgeText({})), '', 'no badge after a successful refresh');
  await x.snap('refreshed');

  await page.locator('.ext-dest details').evaluate((d) => { d.open = true; });
  await x.readmeShot('#destinations', 'extension-destinations.png');
  await x.readmeShot('#segments', 'extension-url-source.png');

  // Two starts at the same moment (two alarms, or an alarm and a click): one runs, the other
  // is queued for a retry; never two exports at once on one key.
  const raced = await (await x.worker()).evaluate(async (id) => {
    const { destinations } = globalThis.autopilotExport;
    const both = await Promise.all([destinations.runNow(id, 'manual'), destinations.runNow(id, 'manual')]);
    const retry = await chrome.alarms.get(`retry:${id}`);
    await chrome.alarms.clear(`retry:${id}`); // the test goes on without the retry
    return { both, retry: Boolean(retry) };
  }, destId);
  const startedRuns = raced.both.filter((r) => r.runId && !r.running);
  assert.equal(startedRuns.length, 1, `one run started: ${JSON.stringify(raced)}`);
  const racedRun = startedRuns[0].runId;
  const other = raced.both.find((r) => r !== startedRuns[0]);
  // The other start was queued (with its retry alarm), or found this very run already going.
  assert.ok(other.queued ? raced.retry : other.running && other.runId === racedRun, JSON.stringify(raced));
  await until(async () => (await newestResult(page))?.id === racedRun, { what: 'the raced refresh' });
  assert.equal((await newestResult(page)).report?.status, 'succeeded', 'the one refresh that ran');

  // ---------------------------------------------------------------- 7. secrets: session storage only
  dump = await x.dumpStorage();
  assert.deepEqual(areasWith(dump, DEFAULT_API_KEY), ['storage.session'], 'the API key is in chrome.storage.session only');
  assert.deepEqual(areasWith(dump, TOKEN), ['storage.session'], 'the source token is in chrome.storage.session only');
  assert.match(dump.indexedDB, /VIP customers nightly/, 'the destination is in IndexedDB');
  assert.deepEqual(x.errors, []);
});
