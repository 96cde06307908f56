// The bundled sample (www/sample/): the committed files are exactly what the generator
// writes, and the expected numbers are consistent and cover what the sample is meant to show.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { classifyEmail, COLUMNS, UNMAPPED } from '../../www/sample/generate.mjs';
import { EXPECTED, SAMPLE, expectedState } from './helpers.mjs';

const FILES = ['vip.csv', 'churn-risk.ndjson', 'newsletter.csv', 'export.json', 'expected.json'];

describe('sample data', () => {
  it('is what generate.mjs writes (deterministic), and small', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sample-'));
    try {
      const r = spawnSync(process.execPath, [`${SAMPLE}/generate.mjs`, '--out', dir], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readdirSync(dir).sort(), [...FILES].sort());
      for (const f of FILES) {
        assert.ok(readFileSync(join(dir, f)).equals(readFileSync(join(SAMPLE, f))), `www/sample/${f} is not what generate.mjs writes: run node www/sample/generate.mjs`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const total = readdirSync(SAMPLE).reduce((s, f) => s + statSync(join(SAMPLE, f)).size, 0);
    assert.ok(total < 1024 * 1024, `www/sample is ${total} bytes`);
  });

  it('expected.json adds up', () => {
    const sum = (k) => EXPECTED.segments.reduce((s, x) => s + x[k], 0);
    for (const s of EXPECTED.segments) {
      assert.equal(s.rows, s.valid + s.invalid, s.name);
      assert.equal(s.valid, s.duplicates + s.memberships, s.name);
      assert.equal(s.invalid, Object.values(s.invalidByReason).reduce((a, b) => a + b, 0), s.name);
    }
    for (const k of ['rows', 'valid', 'invalid', 'duplicates', 'memberships']) assert.equal(EXPECTED.totals[k], sum(k), k);
    assert.ok(EXPECTED.totals.uniqueProfiles < EXPECTED.totals.memberships, 'some profiles are in several segments');
    assert.ok(EXPECTED.totals.inSeveralSegments > 100);
    assert.equal(EXPECTED.batches, Math.ceil(EXPECTED.totals.memberships / 100));
    assert.ok(EXPECTED.totals.rows > 2000 && EXPECTED.totals.rows < 5000, 'a few thousand profiles');
    const state = expectedState();
    assert.equal(state.size, EXPECTED.totals.uniqueProfiles);
    assert.equal([...state.values()].reduce((s, c) => s + c.lists.size, 0), EXPECTED.totals.memberships);
  });

  it('shows every kind of bad and tricky email, in every segment', () => {
    for (const s of EXPECTED.segments) {
      for (const reason of ['EMAIL_MISSING', 'EMAIL_INVALID', 'EMAIL_NON_ASCII']) assert.ok(s.invalidByReason[reason] > 0, `${s.name}: ${reason}`);
      assert.ok(s.duplicates > 0, `${s.name}: duplicates`);
    }
    const vip = readFileSync(`${SAMPLE}/vip.csv`, 'utf8');
    const ndjson = readFileSync(`${SAMPLE}/churn-risk.ndjson`, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const news = readFileSync(`${SAMPLE}/newsletter.csv`);
    assert.deepEqual([...news.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'newsletter.csv starts with a UTF-8 BOM');
    assert.match(news.toString('utf8'), /\r\n/, 'newsletter.csv has CRLF line ends');
    assert.equal(vip.split('\n')[0], COLUMNS.join(','));
    for (const col of UNMAPPED) assert.ok(vip.split('\n')[0].includes(col), `unmapped column ${col}`);
    assert.ok(ndjson.some((r) => !('EmailAddress' in r)) && ndjson.some((r) => r.EmailAddress === null), 'absent and null emails in NDJSON');
    assert.ok(ndjson.some((r) => typeof r.lifetime_orders === 'number') && ndjson.some((r) => typeof r.newsletter_opt_in === 'boolean'), 'typed NDJSON values');
    const emails = ndjson.map((r) => r.EmailAddress).filter((e) => typeof e === 'string');
    assert.ok(emails.some((e) => /[A-Z]/.test(e) && classifyEmail(e).ok), 'mixed-case valid emails');
    assert.ok(/"[^"]*,[^"]*"/.test(vip), 'quoted CSV fields with commas');
  });

  it('the generator classifies emails by DESIGN.md §4', () => {
    const cases = {
      '': 'EMAIL_MISSING', '   ': 'EMAIL_MISSING', 'ada': 'EMAIL_INVALID', 'ada@localhost': 'EMAIL_INVALID',
      'ada@@example.com': 'EMAIL_INVALID', 'a b@example.com': 'EMAIL_INVALID', 'ada@-x.com': 'EMAIL_INVALID',
      'ada@example..com': 'EMAIL_INVALID', '"ada"@example.com': 'EMAIL_INVALID', 'jürgen@example.de': 'EMAIL_NON_ASCII',
      'ada@bücher.de': 'EMAIL_NON_ASCII',
    };
    for (const [raw, reason] of Object.entries(cases)) assert.equal(classifyEmail(raw).reason, reason, raw);
    assert.deepEqual(classifyEmail(' Ada.Lovelace@Example.COM '), { ok: true, sent: 'Ada.Lovelace@example.com', key: 'ada.lovelace@example.com' });
  });
});
