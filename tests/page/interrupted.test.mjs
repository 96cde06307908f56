// A tab closed in the middle of an export (not cancelled): the page keeps the package's
// interim checkpoint after every batch, so after a reload and Connect the saved progress is
// there, and once the files are re-added one click resumes it; Autopilot ends up exact.
//
//   node --test tests/page/          (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_API_KEY, SAMPLE, addSampleFiles, connect, openPage, setFile, storageDump } from './helpers.mjs';

test('admin page: an export interrupted by a reload resumes with one click', { timeout: 120_000 }, async (t) => {
  const sample = readFileSync(path.join(SAMPLE, 'export.json'), 'utf8');
  const config = JSON.parse(sample);
  const expected = JSON.parse(readFileSync(path.join(SAMPLE, 'expected.json'), 'utf8'));
  const { page, emu, errors, reload, snap } = await openPage(t, { prefix: 'interrupted-' });
  const text = (sel) => page.locator(sel).innerText();

  await connect(page, emu, { displayName: config.connection.displayName, exportUser: config.connection.exportUser });
  await setFile(page, '#config-file', 'export.json', sample, 'application/json');
  await page.waitForFunction(() => /Imported/.test(document.querySelector('#config-status').textContent));
  await addSampleFiles(page);
  await page.click('#preview-btn');
  await page.waitForSelector('#export-btn:enabled');
  await page.click('#export-btn');
  await page.waitForFunction(() => Number(document.querySelector('#progress-box').dataset.batchesDone) >= 5, null, { timeout: 30_000 });
  const kept = await storageDump(page);
  assert.match(kept, /"interrupted":true/, 'interim progress is kept while the export runs');
  assert.ok(!kept.includes(DEFAULT_API_KEY));

  // Leaving a running export asks first (the browser's own prompt); the admin leaves anyway.
  page.once('dialog', (d) => { assert.equal(d.type(), 'beforeunload'); d.accept(); });
  await reload();
  const partial = emu.state().contactCount;
  assert.ok(partial > 0 && partial < expected.totals.uniqueProfiles, `part-way: ${partial}`);

  await connect(page, emu);
  await page.waitForFunction(() => /Restored the settings/.test(document.querySelector('#config-status').textContent));
  assert.match(await text('#resume-info'), /Saved progress of an interrupted export/);
  assert.equal(await page.isDisabled('#resume-btn'), true);
  await addSampleFiles(page);
  await page.waitForSelector('#resume-btn:enabled');
  await snap('resume', '#export');
  await page.click('#resume-btn');
  await page.waitForSelector('#report [data-status="succeeded"]', { timeout: 60_000 });
  const state = emu.state();
  assert.equal(state.contactCount, expected.totals.uniqueProfiles);
  for (const seg of expected.segments) assert.equal(state.lists.find((l) => l.title === seg.listTitle).total_contacts, seg.memberships, seg.name);
  assert.doesNotMatch(await storageDump(page), /"resume"/, 'the saved progress is dropped after success');
  assert.deepEqual(errors, [], 'no errors in the page console');
});
