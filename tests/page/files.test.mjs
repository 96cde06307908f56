// Hostile and broken input on the admin page, in Chromium against the local emulator:
// an .xlsx workbook and a file with NUL bytes are refused with a "save as CSV" message (the
// package's inspect decides), a truncated JSON file is refused with the package's reason,
// the rejected-rows CSV the page writes neutralises formula cells (the package's toCsv; the
// test reads the downloaded file), a key revoked before the export stops the run once, and a
// configuration file keeps its reading options (date formats, decimal marks, delimiters,
// encodings) through import, the page's controls and export, with unknown keys listed.
//
//   node --test tests/page/          (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { connect, downloadText, num, openPage, setFile } from './helpers.mjs';
import { metadata } from '../../pkg/node.js';

/** A minimal ZIP archive with one stored file: the first bytes of every .xlsx. */
function zipWith(name, body) {
  const data = Buffer.from(body);
  const fname = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  const packed = deflateRawSync(data);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fname.length, 26);
  return Buffer.concat([local, fname, packed, Buffer.from('PK\u0005\u0006'), Buffer.alloc(18)]);
}

test('admin page: binary files refused, formula cells neutralised in the CSV, a revoked key', { timeout: 90_000 }, async (t) => {
  const { page, emu, tmp, errors, snap } = await openPage(t, { prefix: 'files-' });
  const text = (sel) => page.locator(sel).innerText();
  await connect(page, emu);

  // ---------------------------------------------------------------- binary files: refused, "save as CSV"
  await setFile(page, '#files', 'customers.xlsx', zipWith('xl/workbook.xml', '<workbook/>'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  await page.waitForSelector('#files-error:not([hidden])');
  assert.match(await text('#files-error'), /customers\.xlsx/);
  assert.match(await text('#files-error'), /save .*as CSV/i, 'suggests saving as CSV');
  assert.equal(await page.locator('#segment-list li').count(), 0, 'not added as a segment');
  await snap('xlsx-refused', '#segments');
  await setFile(page, '#files', 'export.csv', Buffer.from('email,name\na@example.com,\u0000\u0000\u0000A\n'), 'text/csv');
  await page.waitForFunction(() => /export\.csv/.test(document.querySelector('#files-error').textContent));
  assert.match(await text('#files-error'), /save .*as CSV/i);
  assert.equal(await page.locator('#segment-list li').count(), 0);

  // A truncated JSON file: refused with the package's reason.
  await setFile(page, '#files', 'broken.json', '[{"email": "a@example.com"', 'application/json');
  await page.waitForFunction(() => /broken\.json/.test(document.querySelector('#files-error').textContent));
  assert.equal(await page.locator('#segment-list li').count(), 0);

  // ---------------------------------------------------------------- formula cells in the rejected rows' CSV
  const rows = ['id,E-mail,first_name'];
  for (let i = 0; i < 20; i += 1) rows.push(`P${i},person${i}@example.com,P${i}`);
  const hostile = ['=HYPERLINK("http://evil.example")', '+SUM(1)', '-2+3', '@cmd', '\tTAB', '\rCR'];
  hostile.forEach((id, i) => rows.push(`"${id.replace(/"/g, '""')}",not-an-email-${i},X`));
  await setFile(page, '#files', 'people.csv', `${rows.join('\n')}\n`, 'text/csv');
  await page.waitForSelector('#segment-list li');
  assert.equal(await page.inputValue('#map-email'), 'E-mail', 'the core suggests the email column');
  await page.selectOption('#idField', 'id');
  await page.click('#preview-btn');
  await page.waitForSelector('#preview-result:not([hidden])');
  assert.equal(num(await text('#preview-stats [data-stat="invalid"] dd')), hostile.length);
  await page.click('#preview-rejects summary');
  const csv = await downloadText(page, '#preview-rejects [data-download="rejects"]', tmp);
  assert.equal(csv.name, 'rejected-rows.csv');
  const lines = csv.text.split(/\r\n/).filter(Boolean);
  assert.equal(lines[0], 'segment,row,id,reason,detail');
  assert.equal(lines.length, 1 + hostile.length, csv.text);
  for (const line of lines.slice(1)) {
    // The id cell (third) must not start with a formula trigger once unquoted.
    const cells = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i += 1) {
      const c = line[i];
      if (q) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i += 1; } else if (c === '"') q = false; else cur += c; } else if (c === '"') q = true; else if (c === ',') { cells.push(cur); cur = ''; } else cur += c;
    }
    cells.push(cur);
    assert.doesNotMatch(cells[2], /^[=+\-@\t\r]/, `formula cell neutralised: ${JSON.stringify(cells[2])}`);
    assert.ok(hostile.some((h) => cells[2].includes(h.trim().replace(/^[\t\r]/, ''))), `value kept readable: ${JSON.stringify(cells[2])}`);
    assert.ok(!cells.join(',').includes('@example.com'), 'no email in the CSV');
  }

  // ---------------------------------------------------------------- a key revoked before the export
  emu.configure({ apiKey: 'fedcba9876543210fedcba9876543210' });
  await page.click('#export-btn');
  await page.waitForSelector('#export-error:not([hidden])', { timeout: 30_000 });
  const said = await text('#export-error');
  assert.match(said, /Wrong API key/);
  assert.equal((said.match(/rejected/gi) ?? []).length, 1, `said once: ${said}`);
  await page.waitForSelector('#report [data-status="failed"]');
  assert.match(await text('#history-table tbody tr'), /Failed/);
  assert.equal(emu.state().contactCount, 0);
  await snap('auth-failed', '#export');

  // ---------------------------------------------------------------- a configuration file: reading options kept, unknown keys listed
  const { dateFormats } = metadata();
  const config = {
    connection: { displayName: 'Ops', exportUser: 'ops@example.com', consent: true },
    mapping: {
      email: 'E-mail',
      custom: [
        { source: 'first_name', name: 'Since', type: 'date', format: dateFormats[1], zz: 1 },
        { source: 'id', name: 'Amount', type: 'float', decimal: ',' },
      ],
    },
    segments: [{ name: 'People', file: 'people.csv', encoding: 'windows-1252' }, { name: 'Semi', file: 'semi.txt', delimiter: ';' }],
    frobnicate: 1,
  };
  await setFile(page, '#config-file', 'job.json', JSON.stringify(config), 'application/json');
  await page.waitForFunction(() => /Imported/.test(document.querySelector('#config-status').textContent));
  assert.match(await text('#config-status'), /2 settings were not imported/);
  const left = page.locator('#config-warning li');
  assert.deepEqual(await left.evaluateAll((lis) => lis.map((li) => li.dataset.ignored)), ['mapping.custom[0].zz', 'frobnicate']);
  assert.match(await page.locator('#config-warning li[data-ignored="frobnicate"]').innerText(), /not a setting this library knows/, 'the package says why');
  await snap('config-imported', '#config');
  // The custom fields show how their values are read: formats from the package's metadata.
  assert.deepEqual(await page.locator('#cf-format-0 option').evaluateAll((os) => os.map((o) => o.value)), ['', ...dateFormats]);
  assert.equal(await page.inputValue('#cf-format-0'), dateFormats[1]);
  assert.equal(await page.inputValue('#cf-decimal-1'), ',');
  assert.equal(await page.locator('#cf-decimal-0').count(), 0, 'no decimal mark for a date');
  // The loaded file is read again with the configuration's encoding; the other waits, read as it says.
  await page.waitForFunction(() => /windows-1252/.test(document.querySelector('#segment-list li:not(.pending) .seg-encoding')?.textContent ?? ''));
  assert.match(await text('#segment-list li.pending'), /semi\.txt \(read as “;”-separated\)/);
  await snap('config-segments', '#segments');
  await setFile(page, '#files', 'semi.txt', 'E-mail;first_name;id\nsemi@example.com;01/02/2024;1,5\n', 'text/plain');
  await page.waitForFunction(() => document.querySelectorAll('#segment-list li.pending').length === 0);
  assert.match(await text('#segment-list li:nth-child(2)'), /“;”-separated/);
  assert.equal(await page.getAttribute('#cf-format-0', 'aria-invalid'), null, 'the package takes the format');
  // Changed on the page and exported: every reading option is in the file, nothing unknown.
  await page.selectOption('#cf-format-0', dateFormats[0]);
  await page.selectOption('#cf-type-1', 'integer');
  assert.equal(await page.inputValue('#cf-decimal-1'), ',', 'the decimal mark stays with a number type');
  const exported = JSON.parse((await downloadText(page, '#config-export', tmp)).text);
  assert.deepEqual(exported.mapping.custom, [
    { source: 'first_name', name: 'Since', type: 'date', format: dateFormats[0] },
    { source: 'id', name: 'Amount', type: 'integer', decimal: ',' },
  ]);
  assert.deepEqual(exported.segments, config.segments);
  assert.ok(!('frobnicate' in exported));
  await snap('config-reading-options', '#matching');
  assert.deepEqual(errors, [], 'no errors in the page console');
});
