// The admin page for daily use, in Chromium against the local Autopilot emulator:
//   import the sample configuration (www/sample/export.json) -> segments wait for their files
//   -> export the configuration (the CLI's JSON, never the key) -> reload -> import the
//   exported file -> preview shows the sample contacts -> export, cancel -> reload -> connect:
//   the settings and the saved progress come back -> re-add the files -> resume with one
//   click -> a refresh after a change of the sample, in mirror mode: the preview shows only
//   the changes, a confirmation before removing members, the run sends only the changes.
//
//   node --test tests/page/          (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_API_KEY, SAMPLE, SAMPLE_FILES, addSampleFiles, connect, downloadText, num, openPage, setFile, storageDump,
} from './helpers.mjs';

const isEmail = (s) => typeof s === 'string' && /^[^\s@"]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(s);

test('saved configuration, reload, import, resume after a reload, then a refresh sends only the changes', { timeout: 240_000 }, async (t) => {
  const sample = readFileSync(path.join(SAMPLE, 'export.json'), 'utf8');
  const config = JSON.parse(sample);
  const expected = JSON.parse(readFileSync(path.join(SAMPLE, 'expected.json'), 'utf8'));
  const { page, emu, tmp, errors, snap, reload, readmeShot } = await openPage(t, { prefix: 'saved-' });
  const text = (sel) => page.locator(sel).innerText();
  const requests = () => emu.state({ contacts: false }).counters.requests;

  // ---------------------------------------------------------------- 1. import the sample configuration
  await connect(page, emu, { displayName: config.connection.displayName, exportUser: config.connection.exportUser });
  await setFile(page, '#config-file', 'export.json', sample, 'application/json');
  await page.waitForFunction(() => /Imported/.test(document.querySelector('#config-status').textContent));
  assert.match(await text('#config-status'), /Add the segment files vip\.csv, churn-risk\.ndjson, newsletter\.csv/);
  assert.equal(await page.isVisible('#config-warning'), false, 'nothing of the sample is left out');
  assert.equal(await page.locator('#segment-list li.pending').count(), 3, 'the segments wait for their files');
  assert.equal(await page.isDisabled('#preview-btn'), true);
  assert.match(await text('#preview-why'), /vip\.csv/, 'Preview says which files it waits for');
  assert.equal(await page.inputValue('#map-email'), config.mapping.email);
  assert.equal(await page.inputValue('#listPrefix'), config.listPrefix);
  assert.equal(await page.locator('#custom-list li').count(), config.mapping.custom.length);
  assert.equal(await page.isVisible('#custom-suggestions'), false, 'no suggestion for fields the file maps');
  await addSampleFiles(page);
  assert.equal(await page.locator('#segment-list li.pending').count(), 0);
  for (const [i, seg] of expected.segments.entries()) {
    assert.equal(await page.locator('#segment-list li input').nth(i).inputValue(), seg.name, 'names from the configuration');
  }
  await snap('imported', '#segments');

  // A record kept under the id an earlier version gave a connection (the base URL in its
  // letter case) is filed under the new id when that one has none; once.
  const adopted = await page.evaluate(async () => {
    const { openStorage } = await import(new URL('storage.js', document.baseURI).href);
    const s = await openStorage({ name: 'adopt-check' });
    await s.saveConfig('HTTP://Old.Example/v1#i', { note: 'kept' });
    const moved = await s.adopt('HTTP://Old.Example/v1#i', 'http://old.example/v1#i');
    const again = await s.adopt('HTTP://Old.Example/v1#i', 'http://old.example/v1#i');
    const config = (await s.connection('http://old.example/v1#i'))?.config;
    const left = (await s.connection('HTTP://Old.Example/v1#i')) ?? null;
    s.close();
    indexedDB.deleteDatabase('adopt-check');
    return { moved, again, config, left };
  });
  assert.deepEqual(adopted, { moved: true, again: false, config: { note: 'kept' }, left: null });

  // ---------------------------------------------------------------- 2. export it: the CLI's JSON, never the key
  const exported = await downloadText(page, '#config-export', tmp);
  assert.equal(exported.name, 'autopilot-export.json');
  const cfg = JSON.parse(exported.text);
  assert.deepEqual(cfg, { ...config, connection: { ...config.connection, baseUrl: emu.url } }, 'the sample configuration, comment included, with this base URL');
  assert.ok(!exported.text.includes(DEFAULT_API_KEY) && !/apikey/i.test(exported.text), 'no API key in the file');
  const cfgFile = path.join(tmp, 'autopilot-export.json');
  writeFileSync(cfgFile, exported.text);

  // ---------------------------------------------------------------- 3. reload, import it, preview shows the sample contacts
  await reload();
  assert.equal(await page.inputValue('#displayName'), config.connection.displayName, 'the last connection details come back (not the key)');
  assert.equal(await page.inputValue('#apiKey'), '');
  await page.setInputFiles('#config-file', cfgFile);
  await page.waitForFunction(() => /Imported/.test(document.querySelector('#config-status').textContent));
  await connect(page, emu);
  await addSampleFiles(page);
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not([hidden])');
  assert.equal(num(await text('#preview-stats [data-stat="memberships"] dd')), expected.totals.memberships);
  for (const [i] of expected.segments.entries()) {
    const pres = page.locator(`#preview-samples .sample[data-segment="${i}"] pre`);
    assert.equal(await pres.count(), 3);
    const first = JSON.parse(await pres.first().textContent());
    assert.ok(Object.keys(first).length >= 2, 'a contact with its fields');
    assert.ok(Object.values(first).filter((v) => typeof v === 'string' && v.includes('@')).every((v) => v.includes('•••')), 'emails are masked on screen');
  }
  await snap('preview-samples', '#preview');

  // ---------------------------------------------------------------- 4. export, cancel
  await page.click('#export-btn');
  await page.waitForFunction(() => Number(document.querySelector('#progress-box').dataset.batchesDone) >= 5, null, { timeout: 30_000 });
  await page.click('#cancel-btn');
  await page.waitForSelector('#report [data-status="cancelled"]', { timeout: 30_000 });
  const partial = emu.state().contactCount;
  assert.ok(partial > 0 && partial < expected.totals.uniqueProfiles, `part-way: ${partial}`);

  // ---------------------------------------------------------------- 5. reload: settings and saved progress come back
  await reload();
  await connect(page, emu);
  await page.waitForFunction(() => /Restored the settings/.test(document.querySelector('#config-status').textContent));
  assert.equal(await page.locator('#segment-list li.pending').count(), 3);
  assert.equal(await page.isVisible('#resume-btn'), true);
  assert.equal(await page.isDisabled('#resume-btn'), true);
  assert.match(await text('#resume-info'), /To resume, add vip\.csv, churn-risk\.ndjson, newsletter\.csv/);
  assert.match(await page.getAttribute('#resume-btn', 'title'), /vip\.csv/, 'the disabled button says why');
  await snap('restored', '#export');
  await addSampleFiles(page);
  await page.waitForSelector('#resume-btn:enabled');
  const before = requests();
  await page.click('#resume-btn'); // one click
  await page.waitForSelector('#report [data-status="succeeded"]', { timeout: 60_000 });
  assert.match(await text('#report .kv'), /Resumed run\s+Yes/i);
  assert.ok(requests() - before < expected.requests.lists + expected.requests.contacts, 'only what was left was sent');
  const state = emu.state();
  assert.equal(state.contactCount, expected.totals.uniqueProfiles);
  for (const seg of expected.segments) assert.equal(state.lists.find((l) => l.title === seg.listTitle).total_contacts, seg.memberships, seg.name);

  // ---------------------------------------------------------------- 6. a refresh after a change of the sample, mirror mode
  // Churn risk changes: 5 contacts changed, 12 left, 3 new; all of them only in that segment.
  const others = ['vip.csv', 'newsletter.csv'].map((f) => readFileSync(path.join(SAMPLE, f), 'utf8').toLowerCase()).join('\n');
  const lines = readFileSync(path.join(SAMPLE, 'churn-risk.ndjson'), 'utf8').split('\n').filter(Boolean);
  const count = new Map();
  const email = (l) => { try { return String(JSON.parse(l).EmailAddress ?? '').trim().toLowerCase(); } catch { return ''; } };
  for (const l of lines) count.set(email(l), (count.get(email(l)) ?? 0) + 1);
  const alone = lines.map((l, i) => [l, i]).filter(([l]) => { const e = email(l); return isEmail(e) && count.get(e) === 1 && !others.includes(e); });
  assert.ok(alone.length > 40, `churn-risk contacts only there: ${alone.length}`);
  const changedIdx = new Set(alone.slice(0, 5).map(([, i]) => i));
  const goneIdx = new Set(alone.slice(5, 17).map(([, i]) => i));
  const next = [];
  lines.forEach((l, i) => {
    if (goneIdx.has(i)) return;
    if (changedIdx.has(i)) { const o = JSON.parse(l); o.GivenName = `${o.GivenName}-renamed`; next.push(JSON.stringify(o)); } else next.push(l);
  });
  for (let n = 0; n < 3; n += 1) next.push(JSON.stringify({ CustomerId: `CUST-NEW-${n}`, EmailAddress: `new.person${n}@example.com`, GivenName: `New${n}`, Surname: 'Person' }));
  // The newer export replaces the segment's file (same name, same place: the first
  // occurrence of a contact in several segments stays the one it was).
  await setFile(page, '#files', 'churn-risk.ndjson', `${next.join('\n')}\n`, 'application/x-ndjson');
  await page.waitForFunction(() => /Replaced the file of “Churn risk”/.test(document.querySelector('#files-status').textContent));
  assert.equal(await page.locator('#segment-list li').count(), 3);
  await page.check('#membership-mirror');
  await page.click('#preview-btn');
  await page.waitForSelector('#changes-table');
  const cell = async (i, col) => num(await page.locator(`#changes-table tbody tr:nth-child(${i + 1}) [data-col="${col}"]`).innerText());
  const churnAt = 1;
  assert.equal(await cell(churnAt, 'added'), 3);
  assert.equal(await cell(churnAt, 'updated'), 5);
  assert.equal(await cell(churnAt, 'removed'), 12);
  assert.equal(await cell(churnAt, 'unchanged'), expected.segments[1].memberships - 17);
  for (const i of [0, 2]) {
    assert.equal(await cell(i, 'added') + await cell(i, 'updated') + await cell(i, 'removed'), 0, 'unchanged segments send nothing');
    assert.equal(await cell(i, 'unchanged'), expected.segments[i].memberships);
  }
  assert.match(await text('#changes-sentence'), /sends 8 list memberships \(3 new, 5 changed\) and removes 12 members/);
  await snap('refresh-preview', '#preview');
  await readmeShot('#preview-changes', 'refresh.png');

  // A run that removes members asks first.
  const atStart = requests();
  await page.click('#export-btn');
  await page.waitForSelector('#confirm-dialog[open]');
  assert.match(await text('#confirm-dialog'), /Remove 12 members/);
  assert.match(await text('#confirm-dialog'), /CDP: Churn risk: 12 removals/);
  await page.click('#confirm-no');
  await page.waitForFunction(() => !document.querySelector('#confirm-dialog').open);
  assert.equal(requests(), atStart, 'declined: nothing sent');
  await page.click('#export-btn');
  await page.waitForSelector('#confirm-dialog[open]');
  await page.click('#confirm-yes');
  await page.waitForSelector('#report [data-status="succeeded"]', { timeout: 60_000 });
  const sent = requests() - atStart;
  assert.ok(sent <= 3 + 1 + 12, `the refresh sent ${sent} requests: lists, one upsert, 12 removals`);
  assert.equal(num(await text('#report-stats [data-stat="exported"] dd')), 8);
  assert.equal(num(await text('#report-stats [data-stat="removed"] dd')), 12);
  assert.equal(num(await text('#report-stats [data-stat="unchanged"] dd')), expected.totals.memberships - 17);
  const after = emu.state();
  assert.equal(after.contactCount, expected.totals.uniqueProfiles + 3, 'contacts are never deleted');
  assert.equal(after.lists.find((l) => l.title === 'CDP: Churn risk').total_contacts, expected.segments[1].memberships - 12 + 3);
  await snap('refresh-report', '#export');

  const stored = await storageDump(page);
  assert.ok(!stored.includes(DEFAULT_API_KEY), 'no API key in browser storage');
  assert.match(stored, /"syncState"/, 'the sync state is kept per connection');
  assert.equal(await page.locator('#history-table tbody tr').count(), 3);
  assert.deepEqual(errors, [], 'no errors in the page console');
  void SAMPLE_FILES;
});
