// End-to-end test of the admin page (www/) in Debian's Chromium, driven by playwright-core,
// against the local Autopilot emulator:
//   disabled Connect says why -> wrong key (said once) -> wrong base URL (404) -> unreachable
//   server -> right key (keyboard only) -> the three sample segments (file picker and
//   drag-and-drop, default names) -> data matching (the core's suggestions, custom fields
//   suggested with guessed types and confirmed) -> preview (checked against
//   www/sample/expected.json; the first contacts as sent, emails masked; warnings naming the
//   user's fields) -> limit 1,000 with "Refuse": no number to export anywhere -> export ->
//   progress (one percentage, units) -> cancel -> "Start over" asks first -> resume -> report,
//   download, history and storage without key or email -> 390 px: no table scrolls sideways.
//
//   node --test tests/page/          (needs pkg/ built: pkg-template/build.sh)
//
// Screenshots of every step go to tests/out/page/ (ignored by git); README ones to
// www/screenshots/ when missing there or with UPDATE_SCREENSHOTS=1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_API_KEY, RATE, SAMPLE, SHOTS, closedPort, downloadText, num, openPage, storageDump,
} from './helpers.mjs';

const WRONG_KEY = 'ffffffffffffffffffffffffffffffff';
const num2 = (n) => new Intl.NumberFormat('en-US').format(n);
const wireKey = (c) => `${c.type}--${c.name.replace(/ /g, '--')}`;

test('admin page: connect, segments, matching, preview, limit, export, cancel, resume, report, narrow', { timeout: 180_000 }, async (t) => {
  const expected = JSON.parse(readFileSync(path.join(SAMPLE, 'expected.json'), 'utf8'));
  const config = JSON.parse(readFileSync(path.join(SAMPLE, 'export.json'), 'utf8'));
  const { generate, expectedCounts } = await import('../../www/sample/generate.mjs');
  const generated = generate();
  const oracle = expectedCounts(generated.segments, config.mapping);
  const byFile = Object.fromEntries(expected.segments.map((s) => [s.file, s]));

  const { page, emu, tmp, errors, snap, sectionShot, readmeShot, next } = await openPage(t);
  const text = (sel) => page.locator(sel).innerText();
  const statValue = async (box, id) => num(await page.locator(`${box} [data-stat="${id}"] dd`).first().innerText());
  const statText = (box, id) => page.locator(`${box} [data-stat="${id}"] dd`).first().innerText();

  // ---------------------------------------------------------------- 1. open
  assert.equal(await page.inputValue('#baseUrl'), emu.url, 'the demo defaults the base URL to the emulator');
  assert.equal(await page.isDisabled('#connect-btn'), true, 'Connect is disabled until "I agree" is ticked');
  assert.match(await text('#connect-why'), /I agree/, 'and says why, next to it');
  assert.equal(await page.getAttribute('#connect-btn', 'aria-describedby'), 'connect-why');
  assert.equal(await page.isDisabled('#preview-btn'), true);
  assert.match(await text('#preview-why'), /Add a segment file/);
  assert.notEqual(await page.getAttribute('#baseUrl', 'placeholder'), '', 'the default base URL comes from the package');
  await snap('start');

  // Validation issues next to their fields, no request sent.
  await page.check('#consent');
  assert.equal(await text('#connect-why'), '', 'no reason once enabled');
  await page.click('#connect-btn');
  await page.waitForSelector('#connect-error:not([hidden])');
  for (const id of ['#displayName', '#apiKey', '#exportUser']) assert.equal(await page.getAttribute(id, 'aria-invalid'), 'true', id);
  assert.match(await text('#connect-error'), /3 problems/);
  assert.equal(emu.state({ contacts: false }).counters.requests, 0, 'nothing is sent for an invalid connection');
  await page.uncheck('#consent');

  // ---------------------------------------------------------------- 2. wrong key: said once
  await page.fill('#displayName', config.connection.displayName);
  await page.fill('#exportUser', config.connection.exportUser);
  await page.fill('#apiKey', WRONG_KEY);
  await page.check('#consent');
  await page.click('#connect-btn');
  await page.waitForSelector('#connect-error:not([hidden])');
  const wrong = await text('#connect-error');
  assert.match(wrong, /Wrong API key/);
  assert.equal((wrong.match(/rejected/gi) ?? []).length, 1, `said once: ${wrong}`);
  assert.match(wrong, /Settings → Autopilot API/, 'says what to do');
  assert.equal(await page.getAttribute('#apiKey', 'aria-invalid'), 'true', 'the error is shown at the key field');
  assert.equal(await page.getAttribute('#connect-error', 'role'), 'alert');
  await snap('wrong-key', '#connection');

  // ---------------------------------------------------------------- 3. wrong base URL (404), unreachable server
  await page.fill('#baseUrl', emu.url.replace(/\/v1$/, '/nothing/v1'));
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.click('#connect-btn');
  await page.waitForFunction(() => /refused the request|404/i.test(document.querySelector('#connect-error')?.textContent ?? ''));
  assert.match(await text('#connect-error'), /base URL is probably wrong/);
  assert.doesNotMatch(await text('#connect-error'), /Http:/, 'a URL is never capitalised');
  assert.equal(await page.getAttribute('#baseUrl', 'aria-invalid'), 'true');

  await page.fill('#baseUrl', `http://127.0.0.1:${await closedPort()}/v1`);
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.click('#connect-btn');
  await page.waitForFunction(() => /No answer from the server/i.test(document.querySelector('#connect-error')?.textContent ?? ''));
  assert.doesNotMatch(await text('#connect-error'), /browser blocked/i, 'a loopback server that does not answer is not "blocked"');
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
  assert.match(await text('#sync-info'), /None yet/);

  // ---------------------------------------------------------------- 5. segments (picker + drop)
  await page.setInputFiles('#files', path.join(SAMPLE, 'vip.csv'));
  await page.waitForSelector('#segment-list li:nth-child(1)');
  const ndjson = readFileSync(path.join(SAMPLE, 'churn-risk.ndjson'), 'utf8');
  await page.evaluate(({ name, body }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([body], name, { type: 'application/x-ndjson' }));
    const zone = document.querySelector('#dropzone');
    for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, { name: 'churn-risk.ndjson', body: ndjson });
  await page.waitForSelector('#segment-list li:nth-child(2)');
  await page.setInputFiles('#files', path.join(SAMPLE, 'newsletter.csv'));
  await page.waitForSelector('#segment-list li:nth-child(3)');
  const files = ['vip.csv', 'churn-risk.ndjson', 'newsletter.csv'];
  const defaults = ['Vip', 'Churn risk', 'Newsletter'];
  for (const [i, file] of files.entries()) {
    const li = page.locator('#segment-list li').nth(i);
    assert.match(await li.locator('.file').innerText(), new RegExp(file.replace('.', '\\.')));
    assert.equal(num(await li.locator('.rows').innerText()), byFile[file].rows, `${file}: row count (the core's inspect)`);
    assert.equal(await li.locator('input').inputValue(), defaults[i], `${file}: default name`);
    await li.locator('input').fill(byFile[file].name);
  }
  assert.match(await text('#segment-name-rule'), /Churn risk/, 'the naming rule is shown');
  // The same file again (a newer export): it replaces that segment's file, name and place kept.
  await page.setInputFiles('#files', path.join(SAMPLE, 'vip.csv'));
  await page.waitForFunction(() => /Replaced the file of “VIP customers”/.test(document.querySelector('#files-status').textContent));
  assert.equal(await page.locator('#segment-list li').count(), 3);
  assert.equal(await page.locator('#segment-list li').nth(0).locator('input').inputValue(), 'VIP customers');
  // Another file with a taken default name gets a number; removing it keeps the list consistent.
  await page.setInputFiles('#files', { name: 'Vip customers.csv', mimeType: 'text/csv', buffer: readFileSync(path.join(SAMPLE, 'vip.csv')) });
  await page.waitForSelector('#segment-list li:nth-child(4)');
  assert.equal(await page.locator('#segment-list li').nth(3).locator('input').inputValue(), 'Vip customers 2', 'a name already taken is not reused');
  await page.locator('#segment-list li').nth(3).getByRole('button', { name: /Remove segment/ }).click();
  assert.equal(await page.locator('#segment-list li').count(), 3);
  await snap('segments', '#segments');

  // ---------------------------------------------------------------- 6. data matching: the core's suggestions
  const want = {
    '#map-email': config.mapping.email, '#map-firstName': config.mapping.firstName, '#map-lastName': config.mapping.lastName,
    '#map-fields-Phone': 'Phone', '#map-fields-MailingCity': 'City', '#map-fields-MailingCountry': 'Country', '#idField': config.idField,
    '#map-fields-Company': 'company_name',
  };
  for (const [sel, v] of Object.entries(want)) assert.equal(await page.inputValue(sel), v, `suggestion for ${sel}`);
  assert.equal(await page.isVisible('[data-suggested-for="email"]'), true, 'suggestions are marked');
  // A field chosen by hand loses its "suggested" mark and is never overwritten by a suggestion.
  assert.equal(await page.isVisible('[data-suggested-for="fields.Company"]'), true);
  await page.selectOption('#map-fields-Company', '');
  assert.equal(await page.isVisible('[data-suggested-for="fields.Company"]'), false);
  await page.selectOption('#map-fields-Company', 'company_name');
  // An issue from the package is shown next to its field.
  await page.selectOption('#map-email', '');
  await page.waitForSelector('#map-email[aria-invalid="true"]');
  await page.selectOption('#map-email', config.mapping.email);
  await page.waitForSelector('#map-email:not([aria-invalid])');
  // Custom fields: suggested from the headers with types guessed by the core, confirmed here.
  await page.waitForSelector('#custom-suggestions:not([hidden])');
  for (const c of config.mapping.custom) {
    const row = page.locator(`#custom-suggestions li:has(input[data-source="${c.source}"])`);
    assert.equal(await row.count(), 1, `${c.source} is suggested`);
    assert.equal(await row.getAttribute('data-type'), c.type, `${c.source}: type guessed by the core`);
  }
  await snap('custom-suggestions', '#matching');
  // Nothing is ticked at first (only mapped fields leave the browser): the button says why.
  assert.equal(await page.isDisabled('#custom-sugg-add'), true);
  assert.match(await text('#custom-sugg-why'), /Tick at least one/);
  for (const c of config.mapping.custom) await page.check(`#custom-suggestions input[data-source="${c.source}"]`);
  await page.click('#custom-sugg-add');
  assert.equal(await page.isVisible('#custom-suggestions'), false, 'the unticked suggestions are declined');
  assert.equal(await page.locator('#custom-list li').count(), config.mapping.custom.length);
  for (const [i, c] of config.mapping.custom.entries()) {
    assert.equal(await page.inputValue(`#cf-source-${i}`), c.source);
    assert.equal(await page.inputValue(`#cf-type-${i}`), c.type);
    await page.fill(`#cf-name-${i}`, c.name);
  }
  // A custom-field issue lands on its own control (mapping.custom[5].name): add, check, remove.
  await page.click('#add-custom');
  await page.selectOption('#cf-source-5', 'DateOfBirth');
  await page.fill('#cf-name-5', 'Loyalty Tier');
  await page.waitForSelector('#cf-name-5[aria-invalid="true"]');
  await page.getByRole('button', { name: 'Remove custom field 6', exact: true }).click();
  assert.equal(await page.locator('#custom-list li').count(), 5);
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
  assert.ok(await statValue('#preview-stats', 'requests') >= expected.requests.lists + expected.requests.contacts);
  assert.match(await statText('#preview-stats', 'requests'), new RegExp(`\\(${expected.requests.contacts} of ≤ 100 contacts`), 'the upserts as planned');
  assert.match(await text('#preview-stats [data-stat="duration"]'), /requests\/s/i, 'the rate has its unit');
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
    // The first three contacts exactly as they will be sent, emails masked on screen.
    const samples = page.locator(`#preview-samples .sample[data-segment="${i}"] pre`);
    assert.equal(await samples.count(), 3, `${seg.name}: three sample contacts`);
    for (const pre of await samples.all()) {
      const c = JSON.parse(await pre.textContent());
      const email = Object.values(c).find((v) => typeof v === 'string' && v.includes('@'));
      assert.match(email, /^.•••@[a-z0-9.-]+$/, `masked email: ${email}`);
      for (const k of Object.keys(c.custom ?? {})) assert.ok(config.mapping.custom.some((x) => wireKey(x) === k), `custom key ${k} as sent`);
    }
  }
  const shown = await page.locator('#preview-samples').textContent();
  for (const u of [...oracle.unique.values()].slice(0, 300)) assert.ok(!shown.includes(u.contact.Email), 'no full email on screen');
  assert.match(await text('#preview-rejects summary'), new RegExp(`\\(${tot.invalid}\\)`));
  assert.ok(!/@/.test(await text('#preview-rejects table')), 'rejected rows show no emails');
  for (const w of expected.warnings) {
    const c = config.mapping.custom.find((x) => wireKey(x) === w.field);
    const li = page.locator(`#preview-warnings li[data-field="${w.field}"]`);
    assert.match(await li.innerText(), new RegExp(`^${c.name} \\(sent as ${w.field}\\): ${w.count} values`), `warning ${w.field} names "${c.name}" first`);
  }
  assert.match(await text('#cap-box'), /Within the limit/);
  await snap('preview', '#preview');
  await readmeShot('#preview', 'preview.png', { maxColors: 48 });

  // ---------------------------------------------------------------- 8. above the limit: coherent
  await page.fill('#cap', '1000');
  await page.waitForFunction(() => /preview again/i.test(document.querySelector('#preview-status').textContent));
  assert.equal(await page.isDisabled('#export-btn'), true, 'a stale preview blocks the export');
  assert.match(await page.getAttribute('#export-btn', 'title'), /Preview/);
  await page.click('#preview-btn');
  await page.waitForFunction(() => /more than the limit/.test(document.querySelector('#cap-box').textContent));
  assert.match(await text('#cap-box'), /Nothing will be sent/);
  for (const id of ['uniqueProfiles', 'memberships', 'requests']) assert.equal(await statText('#preview-stats', id), 'none', `refused: ${id} shows no number`);
  assert.equal(await statText('#preview-stats', 'duration'), '–');
  for (const cell of await page.locator('#preview-table [data-col="memberships"]').all()) assert.equal(await cell.innerText(), 'none');
  assert.equal(await page.isDisabled('#export-btn'), true, 'refuse: nothing can be sent');
  assert.match(await text('#export-hint'), /nothing can be sent/);
  await snap('cap-refused', '#preview');
  await page.check('#overcap-truncate');
  await page.waitForFunction(() => /left out/.test(document.querySelector('#cap-box').textContent) && !document.querySelector('#preview-btn').hasAttribute('aria-busy'));
  assert.equal(await statValue('#preview-stats', 'uniqueProfiles'), 1000);
  assert.equal(await statValue('#preview-stats', 'memberships') + await statValue('#preview-stats', 'overCap'), tot.memberships);
  assert.equal(await page.isEnabled('#export-btn'), true, 'truncate: the export may start');
  await page.check('#overcap-refuse');
  await page.fill('#cap', '');
  await page.click('#preview-btn');
  await page.waitForFunction(() => /Within the limit/.test(document.querySelector('#cap-box').textContent));
  await page.waitForSelector('#export-btn:enabled');

  // ---------------------------------------------------------------- 9. export, cancel part-way
  const before = emu.state({ contacts: false }).counters.requests;
  await page.click('#export-btn');
  await page.waitForSelector('#cancel-btn:not([hidden])');
  const total = expected.batches;
  const batchesDone = () => page.evaluate(() => Number(document.querySelector('#progress-box').dataset.batchesDone));
  await page.waitForFunction(() => Number(document.querySelector('#progress-box').dataset.batchesDone) >= 3, null, { timeout: 30_000 });
  // One percentage: the bar, its label and the sentence, read at the same moment.
  const p = await page.evaluate(() => ({
    bar: document.querySelector('#progress').value,
    label: document.querySelector('#progress-pct').textContent,
    text: document.querySelector('#progress-text').textContent,
    rate: document.querySelector('#p-rate').textContent,
    eta: document.querySelector('#p-eta').textContent,
  }));
  assert.ok(p.bar > 0, 'the progress bar moves');
  assert.equal(p.label, `${p.bar}%`);
  assert.ok(p.text.includes(`(${p.bar}%)`), `${p.text} / ${p.label}`);
  assert.match(p.text, new RegExp(`Exported [\\d,]+ of ${num2(tot.memberships)} list memberships`));
  assert.match(p.rate, /^[\d,.]+ memberships\/s$/, `unit on the speed: ${p.rate}`);
  assert.match(p.eta, /^(about \d+ (s|min|h)( \d+ (s|min))?|–)$/, `one ETA format: ${p.eta}`);
  assert.match(await text('#p-batches'), new RegExp(`/ ${total}$`));
  assert.equal(await page.getAttribute('#progress-announce', 'aria-live'), 'polite');
  await sectionShot('#export', `${next('progress')}-export.png`);
  await page.waitForFunction(() => Number(document.querySelector('#progress-box').dataset.batchesDone) >= 8, null, { timeout: 30_000 });
  await page.click('#cancel-btn');
  await page.waitForSelector('#report [data-status="cancelled"]', { timeout: 30_000 });
  const doneAtCancel = await batchesDone();
  assert.ok(doneAtCancel >= 8 && doneAtCancel < total, `cancelled after ${doneAtCancel} of ${total} batches`);
  const partial = emu.state().contactCount;
  assert.ok(partial > 0 && partial < tot.uniqueProfiles, `cancelled part-way: ${partial} of ${tot.uniqueProfiles} contacts in Autopilot`);
  assert.equal(await page.isVisible('#resume-btn'), true);
  assert.match(await text('#resume-info'), /batches done/);
  const kept = await storageDump(page);
  assert.match(kept, /"checkpoint"/, 'the checkpoint is kept in IndexedDB');
  assert.ok(!kept.includes(DEFAULT_API_KEY), 'without the key');
  await snap('cancelled', '#export');

  // "Start over" re-sends everything: it asks first; declining sends nothing. (The run changed
  // the sync state, so what a new run would send needs a new preview first.)
  assert.equal(await text('#export-btn'), 'Start over');
  assert.equal(await page.isDisabled('#export-btn'), true);
  assert.equal(await page.isEnabled('#resume-btn'), true, 'resuming needs no new preview');
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not(.stale)');
  const atCancel = emu.state({ contacts: false }).counters.requests;
  await page.click('#export-btn');
  await page.waitForSelector('#confirm-dialog[open]');
  assert.match(await text('#confirm-dialog'), /Start over\?/);
  await page.click('#confirm-no');
  await page.waitForFunction(() => !document.querySelector('#confirm-dialog').open);
  assert.equal(emu.state({ contacts: false }).counters.requests, atCancel, 'nothing sent after declining');
  assert.equal(await page.isVisible('#resume-btn'), true, 'the saved progress is still there');

  // ---------------------------------------------------------------- 10. resume
  await page.click('#resume-btn');
  await page.waitForSelector('#report [data-status="succeeded"]', { timeout: 60_000 });
  assert.ok(emu.state({ contacts: false }).counters.requests > before);
  assert.equal(await page.evaluate(() => document.querySelector('#progress').value), 100);
  assert.equal(await text('#progress-pct'), '100%');
  await snap('report', '#export');
  await readmeShot('#export', 'report.png');

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
  }
  const dl = await downloadText(page, '#download-report', tmp);
  assert.match(dl.name, /^autopilot-export-report-.*\.json$/);
  const report = JSON.parse(dl.text);
  assert.equal(report.status, 'succeeded');
  assert.equal(report.resumed, true);
  assert.equal(report.totals.exported, tot.memberships);
  assert.ok(!dl.text.includes(DEFAULT_API_KEY), 'no API key in the report');

  // ---------------------------------------------------------------- 11. Autopilot's state
  const state = emu.state();
  assert.equal(state.contactCount, oracle.unique.size, 'every valid unique email is in Autopilot, nothing else');
  const titleOf = Object.fromEntries(state.lists.map((l) => [l.list_id, l.title]));
  const inAutopilot = new Map(state.contacts.map((c) => [String(c.Email).toLowerCase(), c]));
  for (const [key, w] of oracle.unique) {
    const got = inAutopilot.get(key);
    assert.ok(got, `contact ${key} exported`);
    assert.deepEqual(got.lists.map((id) => titleOf[id]).sort(), [...w.lists].sort(), `${key}: list memberships`);
    assert.deepEqual(Object.keys(got.custom ?? {}).sort(), Object.keys(w.contact.custom ?? {}).sort(), `${key}: custom fields`);
  }

  // ---------------------------------------------------------------- 12. history, storage
  await page.waitForSelector('#history-table:not([hidden])');
  const rows = page.locator('#history-table tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await rows.nth(0).innerText(), /Succeeded/);
  assert.match(await rows.nth(1).innerText(), /Cancelled/);
  const stored = await storageDump(page);
  assert.ok(!stored.includes(DEFAULT_API_KEY), 'no API key in any browser storage');
  const someEmails = [...oracle.unique.values()].slice(0, 300).map((u) => u.contact.Email);
  assert.ok(someEmails.every((e) => !stored.includes(e)), 'no customer email in browser storage');
  assert.doesNotMatch(stored, /"resume"/, 'the saved progress is dropped after success');
  assert.match(await text('#sync-info'), /Kept from the last run/);

  // ---------------------------------------------------------------- 13. accessibility basics
  const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button, progress')]
    .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent.trim())))
    .map((el) => el.id || el.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabeled, [], 'every control has a label');
  const silent = await page.evaluate(() => [...document.querySelectorAll('button:disabled')].filter((b) => !b.closest('[hidden]'))
    .filter((b) => !(b.title || (b.getAttribute('aria-describedby') ?? '').split(' ').some((id) => document.getElementById(id)?.textContent.trim())))
    .map((b) => b.id));
  assert.deepEqual(silent, [], 'every disabled button says why');
  await page.focus('#add-custom');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none', 'keyboard focus is visible');

  // ---------------------------------------------------------------- 14. narrow window: nothing scrolls sideways
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not(.stale)');
  await page.click('#preview-rejects summary');
  await page.click('#report .rejects summary');
  const measure = () => page.evaluate(() => ({
    page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    tables: [...document.querySelectorAll('.table-wrap, table')].filter((el) => el.offsetParent !== null)
      .map((el) => ({ id: el.id || el.querySelector('table')?.id || el.className, over: el.scrollWidth - el.clientWidth })),
  }));
  for (const width of [1000, 390]) {
    await page.setViewportSize({ width, height: 800 });
    const overflow = await measure();
    assert.ok(overflow.page <= 0, `${width} px: no horizontal scrolling (overflow ${overflow.page}px)`);
    assert.ok(overflow.tables.length >= 5, `tables checked: ${overflow.tables.length}`);
    for (const x of overflow.tables) assert.ok(x.over <= 0, `${width} px: table container ${x.id} scrolls sideways by ${x.over}px`);
  }
  await page.locator('#preview-table').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${next('narrow-preview')}.png` });
  await readmeShot('#preview-table', 'narrow.png', { width: 390 });
  for (const f of ['preview.png', 'report.png', 'narrow.png']) {
    const size = statSync(path.join(SHOTS, f)).size;
    assert.ok(size < 150_000, `www/screenshots/${f} is ${size} bytes`);
  }
  assert.deepEqual(errors, [], 'no errors in the page console');
});
