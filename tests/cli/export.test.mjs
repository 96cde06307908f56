// The CLI end to end against the emulator: export of the whole sample (report counts equal
// www/sample/expected.json, and Autopilot holds every valid unique contact with its mapped
// fields and lists), preview (no request at all), check (good and wrong key), progress output.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ACCOUNT_REQUESTS, EXPECTED, KEY, SAMPLE, SAMPLE_CONFIG, WRONG_KEY, assertNoKey, assertPackageBuilt, assertSampleCounts, assertSampleState,
  emulator, envFor, expectedState, recordingCli, upserts,
} from './helpers.mjs';

let emu;
let dir;
const outputs = [];
const cli = recordingCli(outputs);
// Fast: the emulator does not throttle, and the CLI goes at 50 requests/s.
const FAST = ['--rate', '50'];
const PROG_PREFIX = 'autopilot-export: ';

before(async () => {
  assertPackageBuilt();
  emu = await emulator({ ratePerSecond: 0, latencyMs: 5 });
  dir = mkdtempSync(join(tmpdir(), 'cli-export-'));
});
beforeEach(() => emu.reset());
after(async () => {
  await emu?.stop();
  for (const f of ['report.json']) {
    try { outputs.push(readFileSync(join(dir, f), 'utf8')); } catch { /* not written */ }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

describe('export', () => {
  it('exports the sample: exit 0, report counts = expected.json, Autopilot holds exactly the valid unique contacts', async () => {
    const r = await cli(['export', '--config', SAMPLE_CONFIG, ...FAST], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'succeeded');
    assert.equal(report.displayName, 'Autopilot (sample data)');
    assert.equal(report.exportUser, 'demo.admin@example.com');
    assertSampleCounts(report);
    assert.equal(report.totals.exported, EXPECTED.totals.memberships);
    assert.equal(report.totals.failed, 0);
    for (const s of report.segments) {
      assert.equal(s.exported, s.memberships);
      assert.equal(s.listCreated, true);
      assert.match(s.listId, /^contactlist_/);
    }
    assert.equal(report.requests.sent, ACCOUNT_REQUESTS + EXPECTED.requests.lists + EXPECTED.requests.contacts);
    // Rejects identify rows by segment, row and CustomerId (idField), never by email.
    assert.equal(report.rejects.length, EXPECTED.totals.invalid);
    for (const j of report.rejects) assert.match(j.id, /^CUST-9\d{5}$/);
    const { exportUser: _user, ...rest } = report; // the export user is an address by design
    assert.ok(!JSON.stringify(rest).includes('@'), 'no email anywhere else in the report');

    const state = emu.state();
    assertSampleState(state);
    assert.equal(upserts(emu), EXPECTED.batches, 'the minimum number of bulk upserts');
    assert.equal(state.counters.http429, 0);
    assert.deepEqual(Object.keys(state.counters.bulkSizes).map(Number).filter((n) => n > 100), []);

    // stderr: what is going on, in plain lines (not a terminal), and a summary.
    assert.match(r.stderr, /Exporting 3 segments \(VIP customers, Churn risk, Newsletter\) to http:\/\/127\.0\.0\.1:\d+\/v1 \(from AUTOPILOT_BASE_URL\)/);
    assert.match(r.stderr, /^progress: 29\/29 batches, 2,849\/2,849 contacts \(100%\), [\d.]+ requests\/s, [\d,]+ contacts\/s, took \d+:\d\d$/m);
    assert.match(r.stderr, /Export succeeded in \d+:\d\d: 2,849 list memberships: 2,849 exported \(1,967 unique contacts/);
    assert.match(r.stderr, /71 invalid rows skipped: EMAIL_INVALID 34, EMAIL_MISSING 22, EMAIL_NON_ASCII 15/);
    // Warnings name the user's field first, the wire key and the column as detail.
    assert.match(r.stderr, /^ {2}4 values of "Lifetime Value" \(sent as float--Lifetime--Value, column LifetimeValue\) left out \[VALUE_NOT_COERCIBLE\], e\.g\. VIP customers row 41/m);
    assert.ok(!r.stderr.includes('\x1b['), 'no terminal escapes when stderr is not a terminal');
  });

  it('a second run finds the lists, creates nothing, and leaves the same state', async () => {
    assert.equal((await cli(['export', '--config', SAMPLE_CONFIG, ...FAST], { env: envFor(emu) })).code, 0);
    const again = await cli(['export', '--config', SAMPLE_CONFIG, ...FAST, '--report', join(dir, 'report.json')], { env: envFor(emu) });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, '', '--report: nothing on stdout');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(report.segments.map((s) => s.listCreated), [false, false, false]);
    assertSampleState(emu.state(), 'after two runs');
    assert.equal(emu.state({ contacts: false }).counters.byRoute['POST /v1/list']['200'], 3, 'lists created once');
  });

  it('--segment replaces the configured segments; a redrawn progress bar with --progress bar', async () => {
    const r = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${SAMPLE}/vip.csv`, '--segment', `${SAMPLE}/churn-risk.ndjson`,
      '--progress', 'bar', '--rate', '20'], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.segments.map((s) => [s.name, s.listTitle, s.memberships]), [
      ['VIP', 'CDP: VIP', EXPECTED.segments[0].memberships],
      ['churn-risk', 'CDP: churn-risk', EXPECTED.segments[1].memberships],
    ]);
    assert.deepEqual(emu.state({ contacts: false }).lists.map((l) => l.title), ['CDP: VIP', 'CDP: churn-risk']);
    // Redrawn in place: carriage returns and erase-to-end-of-line, ending at 100%.
    const frames = r.stderr.split('\r').filter((f) => f.includes('batches'));
    assert.ok(frames.length >= 3, `several frames (${frames.length})`);
    assert.ok(frames.every((f) => f.endsWith('\x1b[K') || f.includes('\n')), 'each frame erases the rest of the line');
    assert.match(frames.at(-1), /█{5,} 100%\s+1[0-9]\/1[0-9] batches/);
    assert.match(r.stderr, /[\d.]+ requests\/s/, 'rates carry their unit');
    assert.doesNotMatch(r.stderr, /req\/s|\d+\.\d s\b/, 'no unit-less rate, one duration format');
  });
});

describe('export: partial', () => {
  it('contacts Autopilot refuses are failed, the rest delivered: status partial, exit 1', async () => {
    // A contact on two lists, found by a phone number nobody else has; the emulator answers
    // 400 for any request carrying it, and the exporter bisects the batch down to it.
    const phones = new Map();
    for (const c of expectedState().values()) if (c.contact.Phone) phones.set(c.contact.Phone, [...(phones.get(c.contact.Phone) ?? []), c]);
    const [marker, [victim]] = [...phones].find(([, cs]) => cs.length === 1 && cs[0].lists.size === 2);
    emu.configure({ rejectWhen: marker });
    try {
      const r = await cli(['export', '--config', SAMPLE_CONFIG, ...FAST, '--checkpoint-file', join(dir, 'partial.json')], { env: envFor(emu) });
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.equal(report.status, 'partial');
      assert.equal(report.totals.failed, 2);
      assert.equal(report.totals.exported, EXPECTED.totals.memberships - 2);
      assert.deepEqual(report.rejects.filter((j) => j.reason === 'SERVER_REJECTED').map((j) => j.segment).sort(), [...victim.lists].map((t) => EXPECTED.segments.findIndex((s) => s.listTitle === t)).sort());
      assert.match(r.stderr, /Export partly succeeded .*, 2 failed/);
      assert.match(r.stderr, /contacts Autopilot did not take: SERVER_REJECTED 2/);
      const state = emu.state();
      assert.equal(state.contactCount, EXPECTED.totals.uniqueProfiles - 1);
      assert.ok(!state.contacts.some((c) => c.Email === victim.contact.Email));
      assert.ok(!existsSync(join(dir, 'partial.json')), 'no checkpoint: every batch was finished');
    } finally {
      emu.configure({ rejectWhen: null });
    }
  });
});

describe('preview', () => {
  it('counts without sending anything: the summary JSON on stdout matches expected.json', async () => {
    // Even with a key and the emulator's URL in the environment, no request is made.
    const r = await cli(['preview', '--config', SAMPLE_CONFIG], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0, 'no request reached the emulator');
    const s = JSON.parse(r.stdout);
    assertSampleCounts(s);
    s.segments.forEach((seg, i) => assert.deepEqual(seg.invalidByReason, EXPECTED.segments[i].invalidByReason));
    assert.equal(s.batches, EXPECTED.batches);
    const lists = ACCOUNT_REQUESTS + EXPECTED.requests.lists;
    assert.deepEqual(s.requests, { lists, contacts: EXPECTED.requests.contacts, removals: 0, total: lists + EXPECTED.requests.contacts });
    assert.ok(s.segments.every((x) => x.sample.length === 0), 'no --sample: no contact in the summary');
    assert.ok(!r.stdout.includes('@'), 'no email in the summary');
    assert.equal(s.wouldSend, true);
    assert.match(r.stderr, /dry run: nothing is sent/);
    assert.match(r.stderr, /^ {2}VIP customers +709 +14 +9 +0 +686 +CDP: VIP customers$/m);
    assert.match(r.stderr, /^ {2}total +2,964 +71 +44 +0 +2,849$/m);
    assert.match(r.stderr, /34 requests \(5 for the account and lists, 29 for contacts\): about 0:07 at 5 requests\/s/);
  });

  it('reads .json (an array of objects) and .jsonl files too, named after the file without NAME=', async () => {
    const rows = [
      { EmailAddress: 'Ada.Lovelace@Example.COM', GivenName: 'Ada', CustomerId: 'C-1' },
      { EmailAddress: 'ada.lovelace@example.com', GivenName: 'Ada again', CustomerId: 'C-2' },
      { EmailAddress: 'not-an-email', CustomerId: 'C-3' },
      { GivenName: 'No email', CustomerId: 'C-4' },
    ];
    writeFileSync(join(dir, 'people.json'), JSON.stringify(rows));
    writeFileSync(join(dir, 'more.jsonl'), rows.map((x) => JSON.stringify(x)).join('\n'));
    const r = await cli(['preview', '--config', SAMPLE_CONFIG, '--segment', join(dir, 'people.json'), '--segment', `More=${join(dir, 'more.jsonl')}`]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(s.segments.map((x) => [x.name, x.profilesIn, x.invalid, x.duplicates, x.memberships]), [['people', 4, 2, 1, 1], ['More', 4, 2, 1, 1]]);
    assert.deepEqual(s.rejects.map((j) => [j.id, j.reason]), [['C-3', 'EMAIL_INVALID'], ['C-4', 'EMAIL_MISSING'], ['C-3', 'EMAIL_INVALID'], ['C-4', 'EMAIL_MISSING']]);
  });

  it('--report writes the summary to a file; --rate changes the estimate', async () => {
    const file = join(dir, 'preview.json');
    const r = await cli(['preview', '--config', SAMPLE_CONFIG, '--rate', '10', '--report', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const s = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(s.ratePerSecond, 10);
    assert.equal(s.estimatedDurationMs, (ACCOUNT_REQUESTS + EXPECTED.requests.lists + EXPECTED.requests.contacts) * 100);
  });
});

describe('check', () => {
  it('a good key: exit 0 and the account on stdout', async () => {
    const r = await cli(['check', '--config', SAMPLE_CONFIG], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.instanceId, emu.state({ contacts: false }).instanceId);
    assert.match(r.stderr, /accepted the API key/);
    assert.deepEqual(emu.state({ contacts: false }).counters.byRoute, { 'GET /v1/account': { 200: 1 } });
  });

  it('a wrong key: exit 1 with AUTH_FAILED, the key not printed', async () => {
    const r = await cli(['check', '--config', SAMPLE_CONFIG], { env: envFor(emu, WRONG_KEY) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Autopilot rejected the API key .*\(AUTH_FAILED\)\n\(The key comes from AUTOPILOT_API_KEY\.\)/);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['ok', 'baseUrl', 'error']);
    assert.deepEqual([out.ok, out.baseUrl, out.error.code], [false, emu.url, 'AUTH_FAILED']);
    // The explanation is the package's, said once (issue 16: no duplicated sentence).
    assert.match(r.stderr, /Autopilot rejected the API key/);
    assert.equal(r.stderr.split('rejected the API key').length, 2, 'said once');
  });

  it('an export with a wrong key stops at once: exit 1, AUTH_FAILED, nothing written', async () => {
    const r = await cli(['export', '--config', SAMPLE_CONFIG, ...FAST, '--checkpoint-file', join(dir, 'cp.json')], { env: envFor(emu, WRONG_KEY) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /AUTH_FAILED/);
    assert.equal(JSON.parse(r.stdout).error.code, 'AUTH_FAILED', 'the report says why');
    assert.equal(emu.state({ contacts: false }).contactCount, 0);
    assert.ok(!existsSync(join(dir, 'cp.json')), 'no checkpoint: nothing was done');
  });

  it('403 and 404: exit 1, API_ERROR, the package\'s explanation (base URL, permission) said once', async () => {
    const forbidden = http.createServer((req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"error":"Forbidden","message":"Not allowed"}');
    });
    await new Promise((resolve) => forbidden.listen(0, '127.0.0.1', resolve));
    try {
      for (const base of [`http://127.0.0.1:${forbidden.address().port}/v1`, `${emu.origin}/not-the-api/v1`]) {
        const r = await cli(['check', '--config', SAMPLE_CONFIG], { env: { AUTOPILOT_API_KEY: KEY, AUTOPILOT_BASE_URL: base } });
        assert.equal(r.code, 1, r.stderr);
        const { error } = JSON.parse(r.stdout);
        assert.equal(error.code, 'API_ERROR');
        assert.match(error.message, /HTTP 40[34]/);
        assert.ok(r.stderr.includes(`${PROG_PREFIX}${error.message} (API_ERROR)\n`), r.stderr);
        assert.equal(r.stderr.split(error.message).length, 2, 'the explanation once, no sentence of the tool\'s own');
      }
    } finally {
      await new Promise((resolve) => forbidden.close(resolve));
    }
  });

  it('nobody listening: exit 1 with NETWORK', async () => {
    const r = await cli(['check', '--config', SAMPLE_CONFIG], { env: { AUTOPILOT_API_KEY: KEY, AUTOPILOT_BASE_URL: 'http://127.0.0.1:9/v1' } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /NETWORK/);
  });
});
