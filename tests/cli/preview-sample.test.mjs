// preview --sample N (issue 16): the first N contacts of each segment exactly as they will be
// sent (rendered by the package), with the emails masked on screen, on stdout and in the
// --report file alike (the tool never prints or writes an unmasked address); warnings name
// the user's field first. No request at all.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { EXPECTED, SAMPLE_CONFIG, assertNoKey, assertPackageBuilt, emulator, envFor, expectedState, recordingCli } from './helpers.mjs';

let emu;
let dir;
const outputs = [];
const cli = recordingCli(outputs);
const MASKED = /^[^*@]\*\*\*@[^@*]+$/;
const mask = (email) => `${email[0]}***${email.slice(email.lastIndexOf('@'))}`;

before(async () => {
  assertPackageBuilt();
  emu = await emulator();
  dir = mkdtempSync(join(tmpdir(), 'cli-sample-'));
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

/** Asserts `text` holds no email of the sample, unmasked. */
function assertNoEmail(text, label) {
  for (const k of expectedState().keys()) assert.ok(!text.toLowerCase().includes(k), `${label}: the email ${k} unmasked`);
}

describe('preview --sample', () => {
  it('shows the first N contacts of each segment as they will be sent, emails masked everywhere', async () => {
    const file = join(dir, 'preview.json');
    const r = await cli(['preview', '--config', SAMPLE_CONFIG, '--sample', '2', '--report', file], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
    const text = readFileSync(file, 'utf8');
    outputs.push(text);
    const s = JSON.parse(text);
    const want = [...expectedState().values()];
    for (const [i, seg] of s.segments.entries()) {
      assert.equal(seg.sample.length, 2, seg.name);
      for (const c of seg.sample) {
        assert.match(c.Email, MASKED, 'masked in the --report file');
        // Exactly the contact Autopilot receives (mapped and coerced by the package), but
        // for the masked local part of the email.
        const match = want.find((w) => w.lists.has(EXPECTED.segments[i].listTitle) && mask(w.contact.Email) === c.Email
          && isDeepStrictEqual({ ...w.contact, Email: c.Email }, c));
        assert.ok(match, `${seg.name}: ${JSON.stringify(c)} is a contact of the sample as sent`);
      }
      // On screen: a heading per segment and one JSON line per contact, as in the file.
      const lines = seg.sample.map((c) => `    ${JSON.stringify(c)}`);
      assert.ok(r.stderr.includes(`  ${seg.name}: the first 2 contacts exactly as sent (emails masked)\n${lines.join('\n')}\n`), r.stderr);
    }
    assertNoEmail(r.stderr, 'stderr');
    assertNoEmail(text, 'the --report file');
    assert.equal(r.stdout, '');
  });

  it('on stdout too; without --sample the summary holds no contact; --sample 0 shows none', async () => {
    const r = await cli(['preview', '--config', SAMPLE_CONFIG, '--sample', '3']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.ok(s.segments.every((x) => x.sample.length === 3 && x.sample.every((c) => MASKED.test(c.Email))));
    assertNoEmail(r.stdout, 'stdout');
    for (const args of [[], ['--sample', '0']]) {
      const p = await cli(['preview', '--config', SAMPLE_CONFIG, ...args]);
      assert.equal(p.code, 0, p.stderr);
      assert.ok(JSON.parse(p.stdout).segments.every((x) => x.sample.length === 0));
      assert.ok(!p.stdout.includes('@') && !p.stderr.includes('exactly as sent'));
    }
  });

  it('warnings name the field as the user named it, the wire key and the column as detail', async () => {
    const r = await cli(['preview', '--config', SAMPLE_CONFIG]);
    assert.equal(r.code, 0, r.stderr);
    for (const w of JSON.parse(r.stdout).warnings) {
      assert.ok(w.label && w.label !== w.field, `${w.field} has a label`);
      assert.ok(r.stderr.includes(`of "${w.label}" (sent as ${w.field}, column ${w.source}) left out [${w.code}]`), `${w.label}: ${r.stderr}`);
    }
    assert.match(r.stderr, /"Lifetime Value" \(sent as float--Lifetime--Value/);
  });
});
