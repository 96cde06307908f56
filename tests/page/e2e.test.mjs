// End-to-end test of the admin page (www/) in Debian's Chromium, driven by playwright-core,
// against the local Autopilot emulator:
//   wrong key -> unreachable server -> right key (keyboard only) -> three sample segments
//   (file picker and drag-and-drop) -> data matching (suggestions + custom fields) ->
//   preview (checked against www/sample/expected.json) -> cap warning -> export ->
//   cancel half-way -> resume -> report, download, history, emulator state.
//
//   node --test tests/page/          (needs pkg/ built: pkg-template/build.sh)
//
// Screenshots of every step go to tests/out/page/ (ignored by git); two small ones for the
// README go to www/screenshots/ when missing there or with UPDATE_SCREENSHOTS=1.
// AUTOPILOT_PKG_DIR overrides the package directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startEmulator, DEFAULT_API_KEY } from '../emulator/index.mjs';
import { startServer } from '../../www/serve.mjs';
import { optimisePng } from './png.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SAMPLE = path.join(ROOT, 'www/sample');
const OUT = path.join(ROOT, 'tests/out/page');
const SHOTS = path.join(ROOT, 'www/screenshots');
const RATE = 5; // requests per second, emulator and page alike (Autopilot's default): 33 requests take ~7 s
const WRONG_KEY = 'ffffffffffffffffffffffffffffffff';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The package, copied so a concurrent rebuild of pkg/ cannot break a running test. */
function snapshotPackage(tmp) {
  const src = process.env.AUTOPILOT_PKG_DIR ?? path.join(ROOT, 'pkg');
  if (!existsSync(path.join(src, 'browser.js')) || !existsSync(path.join(src, 'autopilot_export_bg.wasm'))) {
    throw new Error(`${src} has no built package: run pkg-template/build.sh first`);
  }
  const dst = path.join(tmp, 'pkg');
  cpSync(src, dst, { recursive: true });
  return dst;
}

/** A loopback port with nothing listening on it. */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

const num = (s) => Number(String(s).replace(/[^\d.-]/g, ''));
const num2 = (n) => new Intl.NumberFormat('en-US').format(n);

/**
 * Emulator + page server + a fresh Chromium profile; cleaned up after the test.
 * Screenshots go to tests/out/page/<prefix>NN-<name>.png.
 */
async function openPage(t, { prefix = '', emulator = {} } = {}) {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-page-'));
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  const emu = await startEmulator({ ratePerSecond: RATE, latencyMs: 120, ...emulator });
  const server = await startServer({ port: 0, emulatorUrl: emu.url, pkgDir: snapshotPackage(tmp) });
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 900 },
    acceptDownloads: true,
  });
  t.after(async () => {
    await context.close().catch(() => {});
    await server.stop();
    await emu.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Network failures the test provokes (401, refused connection) are logged by Chromium
  // as "Failed to load resource"; anything else on the console is a page error.
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
  let shot = 0;
  const next = (name) => { shot += 1; return path.join(OUT, `${prefix}${String(shot).padStart(2, '0')}-${name}`); };
  /** One section, without the sticky step bar over it. */
  const sectionShot = async (sel, file) => {
    await page.evaluate(() => document.querySelector('.steps').classList.add('static-for-screenshot'));
    await page.locator(sel).screenshot({ path: file });
    await page.evaluate(() => document.querySelector('.steps').classList.remove('static-for-screenshot'));
  };
  /** A full-page screenshot of a step (and one of `section` alone, easier to read). */
  const snap = async (name, section) => {
    const base = next(name);
    const y = await page.evaluate(() => { const v = window.scrollY; window.scrollTo(0, 0); return v; });
    await page.screenshot({ path: `${base}.png`, fullPage: true });
    if (section) await sectionShot(section, `${base}-${section.replace('#', '')}.png`);
    await page.evaluate((v) => window.scrollTo(0, v), y);
  };
  /**
   * A README screenshot: 1000 px wide window, 256 colours, well under 150 KB. Written to
   * tests/out/page/readme-<name>; copied to www/screenshots/ only when missing there or with
   * UPDATE_SCREENSHOTS=1 (they show dates and ids, so a test run leaves the tree clean).
   */
  const readmeShot = async (sel, name) => {
    await page.setViewportSize({ width: 1000, height: 900 });
    const file = path.join(tmp, name);
    await sectionShot(sel, file);
    const png = optimisePng(readFileSync(file), { maxColors: 256 });
    assert.ok(png.length < 150_000, `${name}: ${png.length} bytes`);
    writeFileSync(path.join(OUT, `readme-${name}`), png);
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(path.join(SHOTS, name))) writeFileSync(path.join(SHOTS, name), png);
    await page.setViewportSize({ width: 1100, height: 900 });
  };
  await page.goto(server.url);
  await page.waitForSelector('html[data-ready="true"]');
  return { page, emu, server, tmp, errors, snap, sectionShot, readmeShot, next };
}

/** Fills the connection form and connects with the right key. */
async function connect(page, emu) {
  await page.fill('#displayName', 'Marketing ops');
  await page.fill('#exportUser', 'ops@example.com');
  await page.fill('#apiKey', DEFAULT_API_KEY);
  assert.equal(await page.inputValue('#baseUrl'), emu.url);
  await page.check('#consent');
  await page.click('#connect-btn');
  await page.waitForSelector('#connected:not([hidden])');
}

test('admin page: connect, segments, matching, preview, export, cancel, resume, report', { timeout: 150_000 }, async (t) => {
  const expected = JSON.parse(readFileSync(path.join(SAMPLE, 'expected.json'), 'utf8'));
  const config = JSON.parse(readFileSync(path.join(SAMPLE, 'export.json'), 'utf8'));
  // The generator's own reading of the rules: which contacts Autopilot must end up with.
  const { generate, expectedCounts } = await import('../../www/sample/generate.mjs');
  const generated = generate();
  const oracle = expectedCounts(generated.segments, config.mapping);
  const byFile = Object.fromEntries(expected.segments.map((s) => [s.file, s]));

  const { page, emu, tmp, errors, snap, sectionShot, readmeShot, next } = await openPage(t);
  const text = (sel) => page.locator(sel).innerText();
  const statValue = async (box, id) => num(await page.locator(`${box} [data-stat="${id}"] dd`).first().innerText());

  // ---------------------------------------------------------------- 1. open
  assert.equal(await page.inputValue('#baseUrl'), emu.url, 'the demo defaults the base URL to the emulator');
  assert.equal(await page.isDisabled('#connect-btn'), true, 'Connect is disabled until "I agree" is ticked');
  await snap('start');

  // Validation issues next to their fields, no request sent.
  await page.check('#consent');
  await page.click('#connect-btn');
  await page.waitForSelector('#connect-error:not([hidden])');
  for (const id of ['#displayName', '#apiKey', '#exportUser']) assert.equal(await page.getAttribute(id, 'aria-invalid'), 'true', id);
  assert.match(await text('#connect-error'), /3 problems/);
  assert.equal(emu.state({ contacts: false }).counters.requests, 0, 'nothing is sent for an invalid connection');
  await page.uncheck('#consent');

  // ---------------------------------------------------------------- 2. wrong key
  await page.fill('#displayName', config.connection.displayName);
  await page.fill('#exportUser', config.connection.exportUser);
  await page.fill('#apiKey', WRONG_KEY);
  assert.equal(await page.isDisabled('#connect-btn'), true);
  await page.check('#consent');
  assert.equal(await page.isEnabled('#connect-btn'), true);
  await page.click('#connect-btn');
  await page.waitForSelector('#connect-error:not([hidden])');
  assert.match(await text('#connect-error'), /rejected this API key/i);
  assert.equal(await page.getAttribute('#apiKey', 'aria-invalid'), 'true', 'the error is shown at the key field');
  assert.match(await page.locator('#apiKey').locator('xpath=..').innerText(), /did not accept this key/i);
  assert.equal(await page.getAttribute('#connect-error', 'role'), 'alert');
  await snap('wrong-key', '#connection');

  // ---------------------------------------------------------------- 3. unreachable server
  await page.fill('#baseUrl', `http://127.0.0.1:${await closedPort()}/v1`);
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.click('#connect-btn');
  await page.waitForFunction(() => /could not be reached/i.test(document.querySelector('#connect-error')?.textContent ?? ''));
  assert.equal(await page.getAttribute('#baseUrl', 'aria-invalid'), 'true');
  await snap('unreachable');

  // ---------------------------------------------------------------- 4. right key, keyboard only
  await page.fill('#baseUrl', emu.url);
  await page.focus('#apiKey');
  await page.keyboard.press('Control+A');
  await page.keyboard.type(DEFAULT_API_KEY);
  await page.keyboard.press('Enter'); // submits the form
  await page.waitForSelector('#connected:not([hidden])');
  assert.equal(await text('#c-apiKey'), '••••cdef');
  assert.equal(await text('#c-displayName'), config.connection.displayName);
  assert.match(await text('#conn-badge'), /Connected/);
  assert.ok(!(await page.content()).includes(DEFAULT_API_KEY), 'the full API key is not in the page');
  assert.equal(await page.inputValue('#apiKey'), '', 'the key field is emptied');
  await snap('connected');

  // ---------------------------------------------------------------- 5. segments (picker + drop)
  await page.setInputFiles('#files', path.join(SAMPLE, 'vip.csv'));
  await page.waitForSelector('#segment-list li:nth-child(1)');
  const ndjson = readFileSync(path.join(SAMPLE, 'churn-risk.ndjson'), 'utf8');
  await page.evaluate(({ name, body }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([body], name, { type: 'application/x-ndjson' }));
    const zone = document.querySelector('#dropzone');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, { name: 'churn-risk.ndjson', body: ndjson });
  await page.waitForSelector('#segment-list li:nth-child(2)');
  await page.setInputFiles('#files', path.join(SAMPLE, 'newsletter.csv'));
  await page.waitForSelector('#segment-list li:nth-child(3)');
  const files = ['vip.csv', 'churn-risk.ndjson', 'newsletter.csv'];
  for (const [i, file] of files.entries()) {
    const li = page.locator('#segment-list li').nth(i);
    assert.match(await li.locator('.file').innerText(), new RegExp(file.replace('.', '\\.')));
    assert.equal(num(await li.locator('.rows').innerText()), byFile[file].rows, `${file}: row count`);
    await li.locator('input').fill(byFile[file].name);
  }
  // Remove and re-add: the list stays consistent.
  await page.setInputFiles('#files', path.join(SAMPLE, 'vip.csv'));
  await page.waitForSelector('#segment-list li:nth-child(4)');
  await page.locator('#segment-list li').nth(3).getByRole('button', { name: /Remove segment/ }).click();
  assert.equal(await page.locator('#segment-list li').count(), 3);
  await snap('segments', '#segments');

  // ---------------------------------------------------------------- 6. data matching
  const want = { '#map-email': 'EmailAddress', '#map-firstName': 'GivenName', '#map-lastName': 'Surname',
    '#map-fields-Company': 'company_name', '#map-fields-Phone': 'Phone', '#map-fields-MailingCity': 'City',
    '#map-fields-MailingCountry': 'Country', '#idField': 'CustomerId' };
  for (const [sel, v] of Object.entries(want)) assert.equal(await page.inputValue(sel), v, `suggestion for ${sel}`);
  assert.equal(await page.isVisible('[data-suggested-for="email"]'), true, 'suggestions are marked');
  for (const [field, source] of Object.entries(config.mapping.fields)) {
    assert.equal(await page.inputValue(`#map-fields-${field}`), source, `suggestion for ${field}`);
  }
  // An issue from validateExportConfig is shown next to its field.
  await page.selectOption('#map-email', '');
  await page.waitForSelector('#map-email[aria-invalid="true"]');
  assert.match(await page.locator('#map-email').locator('xpath=ancestor::div[contains(@class,"field")][1]').innerText(), /email is required/i);
  await page.selectOption('#map-email', 'EmailAddress');
  await page.waitForSelector('#map-email:not([aria-invalid])');
  // Custom fields as in the sample configuration.
  for (const [i, c] of config.mapping.custom.entries()) {
    await page.click('#add-custom');
    await page.selectOption(`#cf-source-${i}`, c.source);
    assert.equal(await page.inputValue(`#cf-name-${i}`), c.source, 'the name defaults to the source field');
    await page.fill(`#cf-name-${i}`, c.name);
    await page.selectOption(`#cf-type-${i}`, c.type);
  }
  // A custom-field issue lands on its own control (mapping.custom[5].name): add, check, remove.
  await page.click('#add-custom');
  await page.selectOption('#cf-source-5', 'DateOfBirth');
  await page.fill('#cf-name-5', 'Loyalty Tier');
  await page.waitForSelector('#cf-name-5[aria-invalid="true"]');
  assert.match(await page.locator('#cf-name-5').locator('xpath=..').innerText(), /already uses/);
  await page.getByRole('button', { name: 'Remove custom field 6', exact: true }).click();
  assert.equal(await page.locator('#custom-list li').count(), 5);
  await page.click('#list-options summary');
  await page.fill('#listPrefix', config.listPrefix);
  await snap('matching', '#matching');

  // ---------------------------------------------------------------- 7. preview
  await page.fill('#rate', String(RATE));
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not([hidden])');
  const tot = expected.totals;
  assert.equal(await statValue('#preview-stats', 'profilesIn'), tot.rows);
  assert.equal(await statValue('#preview-stats', 'uniqueProfiles'), tot.uniqueProfiles);
  assert.equal(await statValue('#preview-stats', 'memberships'), tot.memberships);
  assert.equal(await statValue('#preview-stats', 'invalid'), tot.invalid);
  assert.equal(await statValue('#preview-stats', 'duplicates'), tot.duplicates);
  assert.equal(await statValue('#preview-stats', 'overCap'), 0);
  assert.equal(num((await text('#preview-stats [data-stat="requests"] dd')).split('(')[0]), expected.requests.lists + expected.requests.contacts);
  assert.match(await text('#preview-stats [data-stat="duration"] dd'), /\d+ s/);
  for (const [i, seg] of expected.segments.entries()) {
    const row = page.locator(`#preview-table tbody tr[data-segment="${i}"]`);
    assert.equal(await row.locator('th').innerText(), seg.name);
    assert.equal(await row.locator('td').nth(0).innerText(), seg.listTitle);
    assert.equal(num(await row.locator('[data-col="profilesIn"]').innerText()), seg.rows, `${seg.name}: rows`);
    assert.equal(num(await row.locator('[data-col="memberships"]').innerText()), seg.memberships, `${seg.name}: memberships`);
    assert.equal(num(await row.locator('[data-col="duplicates"]').innerText()), seg.duplicates, `${seg.name}: duplicates`);
    for (const [reason, n] of Object.entries(seg.invalidByReason)) {
      assert.equal(num((await row.locator(`[data-reason="${reason}"]`).innerText()).split(':')[1]), n, `${seg.name}: ${reason}`);
    }
  }
  assert.match(await text('#preview-rejects summary'), new RegExp(`\\(${tot.invalid}\\)`));
  const rejectsTable = await text('#preview-rejects table');
  assert.ok(!/@/.test(rejectsTable), 'rejected rows show no emails');
  for (const w of expected.warnings) {
    assert.match(await text(`#preview-warnings`), new RegExp(`${w.field}: ${w.count} values`), `warning ${w.field}`);
  }
  assert.match(await text('#cap-box'), /Within the limit/);
  await snap('preview', '#preview');
  await readmeShot('#preview', 'preview.png');

  // ---------------------------------------------------------------- 8. above the cap
  await page.fill('#cap', '1000');
  await page.waitForFunction(() => /preview again/i.test(document.querySelector('#preview-status').textContent));
  assert.equal(await page.isDisabled('#export-btn'), true, 'a stale preview blocks the export');
  await page.click('#preview-btn');
  await page.waitForFunction(() => /more than the limit/.test(document.querySelector('#cap-box').textContent));
  assert.equal(await page.getAttribute('#cap-box', 'role'), 'alert');
  assert.equal(await page.isDisabled('#export-btn'), true, 'refuse: nothing can be sent');
  await page.check('#overcap-truncate');
  await page.waitForFunction(() => /left out/.test(document.querySelector('#cap-box').textContent));
  assert.equal(await statValue('#preview-stats', 'uniqueProfiles'), 1000);
  assert.equal(await statValue('#preview-stats', 'memberships') + await statValue('#preview-stats', 'overCap'), tot.memberships);
  assert.equal(await page.isEnabled('#export-btn'), true, 'truncate: the export may start');
  await snap('cap-warning', '#preview');
  await page.check('#overcap-refuse');
  await page.fill('#cap', '100000');
  await page.click('#preview-btn');
  await page.waitForFunction(() => /Within the limit/.test(document.querySelector('#cap-box').textContent));
  assert.equal(await page.isEnabled('#export-btn'), true);

  // ---------------------------------------------------------------- 9. export, cancel half-way
  const before = emu.state({ contacts: false }).counters.requests;
  await page.click('#export-btn');
  await page.waitForSelector('#cancel-btn:not([hidden])');
  const total = expected.batches;
  const batchesDone = () => page.evaluate(() => Number(document.querySelector('#progress-box').dataset.batchesDone));
  await page.waitForFunction(() => Number(document.querySelector('#progress-box').dataset.batchesDone) >= 3, null, { timeout: 30_000 });
  assert.ok(num(await page.locator('#progress').evaluate((p) => p.value)) > 0, 'the progress bar moves');
  assert.match(await text('#p-batches'), new RegExp(`/ ${total}$`));
  assert.notEqual(await text('#p-rate'), '–');
  assert.equal(await page.getAttribute('#progress-text', 'aria-live'), 'polite');
  assert.match(await text('#progress-text'), new RegExp(`Exported [\\d,]+ of ${num2(tot.memberships)} list memberships`));
  await sectionShot('#export', `${next('progress')}-export.png`);
  await page.waitForFunction(() => Number(document.querySelector('#progress-box').dataset.batchesDone) >= 8, null, { timeout: 30_000 });
  await page.click('#cancel-btn');
  await page.waitForSelector('#report [data-status="cancelled"]', { timeout: 30_000 });
  const doneAtCancel = await batchesDone();
  assert.ok(doneAtCancel >= 8 && doneAtCancel < total, `cancelled after ${doneAtCancel} of ${total} batches`);
  const partial = emu.state().contactCount;
  assert.ok(partial > 0 && partial < tot.uniqueProfiles, `cancelled half-way: ${partial} of ${tot.uniqueProfiles} contacts in Autopilot`);
  assert.equal(await page.isVisible('#resume-btn'), true);
  assert.match(await text('#resume-info'), /batches done/);
  const saved = await page.evaluate(() => sessionStorage.getItem('autopilot-export.checkpoint.v1'));
  assert.ok(saved && !saved.includes(DEFAULT_API_KEY), 'the checkpoint is kept in sessionStorage, without the key');
  await snap('cancelled', '#export');

  // ---------------------------------------------------------------- 10. resume
  await page.click('#resume-btn');
  await page.waitForSelector('#report [data-status="succeeded"]', { timeout: 60_000 });
  assert.ok(emu.state({ contacts: false }).counters.requests > before);
  await snap('report', '#export');
  await readmeShot('#export', 'report.png');

  // The rendered report.
  assert.equal(await statValue('#report-stats', 'exported'), tot.memberships, 'every membership exported');
  assert.equal(await statValue('#report-stats', 'failed'), 0);
  assert.equal(await statValue('#report-stats', 'invalid'), tot.invalid);
  assert.equal(await statValue('#report-stats', 'duplicates'), tot.duplicates);
  assert.equal(await statValue('#report-stats', 'uniqueProfiles'), tot.uniqueProfiles);
  assert.match(await text('#report .kv'), /Resumed run\s+Yes/i);
  assert.match(await text('#report-rejects-count'), new RegExp(`^${tot.invalid} rejected`));
  const lists = emu.state().lists;
  for (const [i, seg] of expected.segments.entries()) {
    const row = page.locator(`#report-segments tbody tr[data-segment="${i}"]`);
    const listId = await row.locator('[data-col="listId"]').innerText();
    const list = lists.find((l) => l.list_id === listId);
    assert.ok(list, `${seg.name}: the report's list id exists in Autopilot`);
    assert.equal(list.title, seg.listTitle);
    assert.equal(list.total_contacts, seg.memberships, `${seg.name}: list members`);
    assert.equal(num(await row.locator('[data-col="exported"]').innerText()), seg.memberships);
  }

  // Download as JSON.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-report')]);
  assert.match(download.suggestedFilename(), /^autopilot-export-report-.*\.json$/);
  const file = path.join(tmp, 'report.json');
  await download.saveAs(file);
  const raw = readFileSync(file, 'utf8');
  const report = JSON.parse(raw);
  assert.equal(report.status, 'succeeded');
  assert.equal(report.resumed, true);
  assert.equal(report.displayName, config.connection.displayName);
  assert.equal(report.exportUser, config.connection.exportUser);
  assert.equal(report.totals.exported, tot.memberships);
  assert.ok(!raw.includes(DEFAULT_API_KEY), 'no API key in the report');

  // ---------------------------------------------------------------- 11. Autopilot's state
  const state = emu.state();
  assert.equal(state.contactCount, oracle.unique.size, 'every valid unique email is in Autopilot, nothing else');
  const titleOf = Object.fromEntries(state.lists.map((l) => [l.list_id, l.title]));
  const inAutopilot = new Map(state.contacts.map((c) => [String(c.Email).toLowerCase(), c]));
  for (const [key, want] of oracle.unique) {
    const got = inAutopilot.get(key);
    assert.ok(got, `contact ${key} exported`);
    assert.deepEqual(got.lists.map((id) => titleOf[id]).sort(), [...want.lists].sort(), `${key}: list memberships`);
    for (const [field, value] of Object.entries(want.contact)) {
      if (field === 'custom') continue;
      assert.equal(got[field], value, `${key}: ${field}`);
    }
    assert.deepEqual(Object.keys(got.custom ?? {}).sort(), Object.keys(want.contact.custom ?? {}).sort(), `${key}: custom fields`);
    for (const col of generated.expected.unmappedColumns) assert.ok(!(col in got), `${key}: unmapped ${col} not sent`);
  }
  const sizes = Object.keys(state.counters.bulkSizes).map(Number);
  assert.ok(sizes.every((n) => n >= 1 && n <= 100), 'bulk requests carry at most 100 contacts');

  // ---------------------------------------------------------------- 12. history, storage
  await page.waitForSelector('#history-table:not([hidden])');
  const rows = page.locator('#history-table tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(0).innerText(), /Succeeded/);
  assert.match(await rows.nth(1).innerText(), /Cancelled/);
  assert.match(await rows.nth(0).innerText(), new RegExp(config.connection.exportUser.replace('.', '\\.')));
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!storage.includes(DEFAULT_API_KEY), 'no API key in web storage');
  const someEmails = [...oracle.unique.values()].slice(0, 200).map((u) => u.contact.Email);
  assert.ok(someEmails.every((e) => !storage.includes(e)), 'no customer email in web storage');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('autopilot-export.checkpoint.v1')), null, 'the checkpoint is dropped after success');

  // ---------------------------------------------------------------- 13. accessibility basics
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button, progress')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabeled, [], 'every control has a label');
  await page.focus('#add-custom');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'keyboard focus is visible');

  // ---------------------------------------------------------------- 14. narrow window
  await page.setViewportSize({ width: 390, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling on a narrow window (overflow ${overflow}px)`);
  for (const sel of ['#connection', '#matching', '#preview-stats', '#report']) {
    await page.locator(sel).evaluate((el) => el.scrollIntoView({ block: 'start', behavior: 'instant' }));
    await page.screenshot({ path: `${next(`narrow-${sel.slice(1)}`)}.png` });
  }

  for (const f of ['preview.png', 'report.png']) {
    const size = statSync(path.join(SHOTS, f)).size;
    assert.ok(size < 150_000, `www/screenshots/${f} is ${size} bytes`);
  }
  assert.deepEqual(errors, [], 'no errors in the page console');
});

test('admin page: bad files and a key revoked during the export', { timeout: 60_000 }, async (t) => {
  const { page, emu, errors, snap } = await openPage(t, { prefix: 'errors-' });
  const text = (sel) => page.locator(sel).innerText();
  await connect(page, emu);

  // A truncated JSON file: flagged at once; without fields to map, the preview asks for the email.
  await page.setInputFiles('#files', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('[{"email": "a@example.com"') });
  await page.waitForSelector('#segment-list li');
  assert.match(await text('#segment-list li'), /could not read the file/i);
  await page.selectOption('#map-email', { label: '— Not mapped —' });
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-error:not([hidden])');
  assert.match(await text('#preview-error'), /Email: the profile field holding the email is required/);
  await page.getByRole('button', { name: 'Remove segment broken' }).click();

  // A JSON segment (array of objects): headers from the records' keys.
  const people = Array.from({ length: 250 }, (_, i) => ({ id: `P${i}`, 'E-mail': `person${i}@example.com`, first_name: `P${i}` }));
  people.push({ id: 'X1', 'E-mail': 'not-an-email', first_name: 'X' });
  await page.setInputFiles('#files', { name: 'people.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(people)) });
  await page.waitForSelector('#segment-list li');
  assert.equal(await page.inputValue('#map-email'), 'E-mail');
  assert.equal(await page.inputValue('#map-firstName'), 'first_name');
  assert.equal(await page.inputValue('#idField'), 'id');
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not([hidden])');
  assert.equal(num(await text('#preview-stats [data-stat="uniqueProfiles"] dd')), 250);
  await page.click('#preview-rejects summary');
  assert.match(await text('#preview-rejects table'), /people\s+251\s+X1\s+Email not valid/);

  // The key is revoked in Autopilot before the export: AUTH_FAILED stops the run.
  emu.configure({ apiKey: 'fedcba9876543210fedcba9876543210' });
  await page.click('#export-btn');
  await page.waitForSelector('#export-error:not([hidden])', { timeout: 30_000 });
  assert.match(await text('#export-error'), /rejected this API key/);
  assert.equal(await page.getAttribute('#export-error', 'role'), 'alert');
  await page.waitForSelector('#report [data-status="failed"]');
  assert.match(await text('#history-table tbody tr'), /Failed/);
  assert.match(await text('#history-table tbody tr'), /AUTH_FAILED/);
  assert.equal(emu.state().contactCount, 0);
  await snap('auth-failed', '#export');
  assert.deepEqual(errors, [], 'no errors in the page console');
});
