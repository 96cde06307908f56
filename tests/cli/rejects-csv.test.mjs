// --rejects FILE (issue 16): the rejected rows and failed contacts as CSV, written through the
// package's toCsv, so a cell a spreadsheet would run as a formula (leading =, +, -, @, tab,
// CR) is neutralised. The test reads the written file back with its own RFC 4180 parser.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SAMPLE_CONFIG, assertNoKey, assertPackageBuilt, emulator, envFor, recordingCli } from './helpers.mjs';

let emu;
let dir;
const outputs = [];
const cli = recordingCli(outputs);
const HOSTILE = ['=HYPERLINK("http://evil.example","click")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1+2', '\r=3+4', '=cmd|\' /C calc\'!A0'];
const TRIGGER = /^[=+\-@\t\r]/;

before(async () => {
  assertPackageBuilt();
  emu = await emulator({ ratePerSecond: 0 });
  dir = mkdtempSync(join(tmpdir(), 'cli-rejects-'));
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

/** RFC 4180 records of `text` (quoted fields may hold commas, quotes, CR and LF). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      if (ch === '\r') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** A CSV segment whose invalid rows carry hostile ids (CustomerId is the idField). */
function hostileSegment() {
  const file = join(dir, 'hostile.csv');
  const q = (s) => `"${s.replace(/"/g, '""')}"`;
  const lines = ['CustomerId,EmailAddress,GivenName', 'C-1,ada@example.com,Ada'];
  for (const id of HOSTILE) lines.push(`${q(id)},not-an-email,${q('=1+1')}`);
  writeFileSync(file, `${lines.join('\r\n')}\r\n`);
  return file;
}

describe('--rejects FILE', () => {
  for (const cmd of ['export', 'preview']) {
    it(`${cmd}: formula cells are neutralised in the written file; nothing else changes`, async () => {
      const out = join(dir, `${cmd}-rejects.csv`);
      const args = [cmd, '--config', SAMPLE_CONFIG, '--segment', `Hostile=${hostileSegment()}`, '--rejects', out];
      if (cmd === 'export') args.push('--rate', '50', '--progress', 'none');
      const r = await cli(args, { env: envFor(emu) });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`The rejected rows \\(${HOSTILE.length}\\) are in .*${cmd}-rejects\\.csv`));
      const text = readFileSync(out, 'utf8');
      outputs.push(text);
      const rows = parseCsv(text);
      assert.deepEqual(rows[0], ['segment', 'row', 'id', 'reason', 'detail']);
      assert.equal(rows.length, 1 + HOSTILE.length);
      rows.slice(1).forEach((row, i) => {
        assert.equal(row.length, 5);
        assert.deepEqual([row[0], row[1], row[3]], ['Hostile', String(i + 2), 'EMAIL_INVALID']);
        for (const cell of row) assert.doesNotMatch(cell, TRIGGER, `a formula cell in ${JSON.stringify(row)}`);
        // The id is still readable: the original text, behind the neutralising prefix.
        assert.ok(row[2].endsWith(HOSTILE[i].replace(/^[\t\r]/, '')) || row[2].includes(HOSTILE[i]), `${JSON.stringify(row[2])} keeps ${JSON.stringify(HOSTILE[i])}`);
      });
      assert.ok(!text.includes('@example.com'), 'no email in the file');
    });
  }

  it('a file that cannot be written: exit 1 with the reason; export still writes its report', async () => {
    const r = await cli(['preview', '--config', SAMPLE_CONFIG, '--rejects', join(dir, 'missing', 'r.csv')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot write the rejected rows to '.*missing\/r\.csv'/);
    const e = await cli(['export', '--config', SAMPLE_CONFIG, '--rejects', join(dir, 'missing', 'r.csv'), '--rate', '50', '--progress', 'none'], { env: envFor(emu) });
    assert.equal(e.code, 1, e.stderr);
    assert.equal(JSON.parse(e.stdout).status, 'succeeded');
    assert.match(e.stderr, /Export succeeded[^]*cannot write the rejected rows to '.*missing\/r\.csv'/);
  });
});
