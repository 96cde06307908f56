// The extension's API key storage and its unattended failure signals, in Debian's Chromium
// against the emulator without CORS headers:
//   key kept for the session -> the browser "restarts" (session storage cleared) -> the
//   scheduled refresh waits, badge "KEY" -> "remember on this device" (after the warning)
//   and connect -> the waiting refresh runs, the key is in chrome.storage.local only ->
//   the source fails -> badge "!" and a notification -> back to session storage -> remove
//   the stored key.
//
//   node --test tests/extension/        (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_API_KEY } from '../emulator/index.mjs';
import { areasWith, launch, until } from './helpers.mjs';

const ROWS = 150;
const csv = `Email,FirstName\n${Array.from({ length: ROWS }, (_, i) => `person${i}@example.com,P${i}`).join('\n')}\n`;

test('extension: session key, waiting refresh and badge, remember on this device, failure badge and notification', { timeout: 120_000 }, async (t) => {
  const x = await launch(t, { prefix: 'secrets-', emulator: { ratePerSecond: 20, latencyMs: 20 } });
  const { page, emu, files } = x;
  const sw = await x.worker();
  const badge = () => sw.evaluate(async () => ({ text: await chrome.action.getBadgeText({}), title: await chrome.action.getTitle({}) }));
  const card = page.locator('.ext-dest').first();
  const cardState = () => card.getAttribute('data-state');

  // ---------------------------------------------------------------- connect, add a URL segment, save (hourly)
  await page.fill('#displayName', 'Newsletter');
  await page.fill('#exportUser', 'ops@example.com');
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.fill('#baseUrl', emu.url);
  await page.check('#consent');
  await page.click('#connect-btn');
  await page.waitForSelector('#connected:not([hidden])');
  assert.match(await page.locator('#ext-key-status').innerText(), /for this browser session/);
  const url = files.put('/newsletter.csv', csv);
  await page.fill('#ext-src-url', url);
  await page.click('#ext-src-add');
  await page.waitForSelector('#segment-list li');
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not([hidden])');
  await page.selectOption('#dest-every', 'hour');
  await page.fill('#dest-minute', '15');
  await page.click('#dest-save');
  await page.waitForSelector('.ext-dest');
  assert.match(await card.locator('[data-fact="Schedule"]').innerText(), /Every hour at :15/);
  const destId = await card.getAttribute('data-dest-id');
  assert.deepEqual(areasWith(await x.dumpStorage(), DEFAULT_API_KEY), ['storage.session']);

  // ---------------------------------------------------------------- the browser "restarts": the session key is gone
  await sw.evaluate(() => chrome.storage.session.clear());
  await sw.evaluate((id) => chrome.alarms.create(`dest:${id}`, { when: Date.now() + 200 }), destId);
  await until(async () => (await cardState()) === 'waiting-key', { what: 'the refresh to wait for the key' });
  assert.equal(emu.state({ contacts: false }).counters.byRoute['POST /v1/contacts'], undefined, 'nothing was sent');
  let b = await badge();
  assert.equal(b.text, 'KEY');
  assert.match(b.title, /“Newsletter” waits for the API key/);
  assert.match(await card.locator('[data-fact="API key"]').innerText(), /Not stored/);
  assert.match(await card.locator('.ext-dest-last').innerText(), /connect again/i);

  // ---------------------------------------------------------------- remember on this device (after the warning), connect
  await page.click('#disconnect-btn');
  await page.click('#ext-remember');
  await page.waitForSelector('#ext-remember-warning:not([hidden])');
  assert.equal(await page.isChecked('#ext-remember'), false, 'not checked before the warning is confirmed');
  assert.match(await page.locator('#ext-remember-warning').innerText(), /unencrypted/);
  await x.readmeShot('#ext-key', 'extension-key-storage.png');
  await page.click('#ext-remember-yes');
  assert.equal(await page.isChecked('#ext-remember'), true);
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.click('#connect-btn');
  await page.waitForSelector('#connected:not([hidden])');
  // The waiting refresh runs by itself once the key is back.
  await until(async () => (await cardState()) === 'succeeded', { what: 'the waiting refresh to run' });
  assert.match(await card.locator('.ext-last-line').innerText(), /after connecting/);
  assert.equal(emu.state().lists[0].total_contacts, ROWS);
  assert.deepEqual(areasWith(await x.dumpStorage(), DEFAULT_API_KEY), ['storage.local'], 'remembered: chrome.storage.local only');
  assert.match(await card.locator('[data-fact="API key"]').innerText(), /Remembered on this device/);
  b = await badge();
  assert.equal(b.text, '');

  // ---------------------------------------------------------------- a failing source: badge "!" and a notification
  files.put('/newsletter.csv', csv, { status: 503 });
  await card.locator('[data-action="run"]').click();
  await until(async () => (await cardState()) === 'failed', { what: 'the refresh to fail' });
  b = await badge();
  assert.equal(b.text, '!');
  assert.match(b.title, /“Newsletter” failed/);
  const notes = await sw.evaluate(() => chrome.notifications.getAll());
  assert.equal(Object.keys(notes).length, 1, 'one notification');
  assert.match(await card.locator('.ext-dest-last').innerText(), /503/);
  await x.snap('failed', '#destinations');
  // It recovers on the next good run.
  files.put('/newsletter.csv', csv);
  await card.locator('[data-action="run"]').click();
  await until(async () => (await cardState()) === 'succeeded', { what: 'the refresh to succeed again' });
  assert.equal((await badge()).text, '');

  // ---------------------------------------------------------------- back to the session, then remove the key
  await page.click('#ext-remember');
  assert.equal(await page.isChecked('#ext-remember'), false);
  await until(async () => areasWith(await x.dumpStorage(), DEFAULT_API_KEY).join() === 'storage.session', { what: 'the key to move to the session' });
  await page.click('#ext-forget-key');
  await until(async () => areasWith(await x.dumpStorage(), DEFAULT_API_KEY).length === 0, { what: 'the key to be removed' });
  assert.deepEqual(x.errors, []);
});
