// Scheduled refreshes with --state (issue 11): two consecutive runs where the second sends
// only what changed in the sample; --mirror removes the leavers the first run placed and
// never a member added by hand; preview shows added / updated / unchanged / removed and the
// removal guard; the guard refuses (REMOVALS_EXCEEDED, exit 2) before any write; a state of
// another account or a corrupt one is STATE_MISMATCH (exit 2, nothing written);
// --full-resync sends everything again.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { classifyEmail } from '../../www/sample/generate.mjs';
import {
  EXPECTED, KEY, SAMPLE, assertNoKey, assertNoSampleEmail, assertPackageBuilt, emulator, envFor, expectedState, recordingCli, upserts, writes,
} from './helpers.mjs';

const OTHER_KEY = 'cli-other-account-key-3c4d5e6f7a8b';
let emu;
let dir;
let n = 0;
const outputs = [];
const cli = recordingCli(outputs);
const FAST = ['--rate', '50', '--progress', 'none'];

before(async () => {
  assertPackageBuilt();
  emu = await emulator({ ratePerSecond: 0, latencyMs: 2, apiKey: undefined, accounts: [{ apiKeys: [KEY] }, { apiKeys: [OTHER_KEY] }] });
  dir = mkdtempSync(join(tmpdir(), 'cli-refresh-'));
});
beforeEach(() => emu.reset());
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

/** A fresh folder with the sample files and its export.json (segments relative to it). */
function workspace() {
  n += 1;
  const d = join(dir, `w${n}`);
  mkdirSync(d);
  for (const f of ['vip.csv', 'churn-risk.ndjson', 'newsletter.csv', 'export.json']) copyFileSync(join(SAMPLE, f), join(d, f));
  return { dir: d, config: join(d, 'export.json'), state: join(d, 'export.state') };
}
const readChurn = (w) => readFileSync(join(w.dir, 'churn-risk.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const writeChurn = (w, rows) => writeFileSync(join(w.dir, 'churn-risk.ndjson'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
const keyOf = (row) => {
  const c = classifyEmail(row.EmailAddress);
  return c.ok ? c.key : null;
};
/** Rows of churn-risk.ndjson whose contact is on the churn list only and appears once in the file. */
function churnOnlyRows(rows) {
  const want = expectedState();
  const count = new Map();
  for (const r of rows) if (keyOf(r)) count.set(keyOf(r), (count.get(keyOf(r)) ?? 0) + 1);
  return rows.filter((r) => {
    const k = keyOf(r);
    return k && count.get(k) === 1 && [...(want.get(k)?.lists ?? [])].join() === 'CDP: Churn risk';
  });
}
const listByTitle = (title) => emu.state().lists.find((l) => l.title === title);
const contactByEmail = (email) => emu.state().contacts.find((c) => c.Email.toLowerCase() === email.toLowerCase());
const CHURN = EXPECTED.segments.findIndex((s) => s.name === 'Churn risk');

describe('two consecutive runs with --state', () => {
  it('the first run writes the state; a second run of the same data writes nothing', async () => {
    const w = workspace();
    const first = await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu) });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /Note: .*export\.state does not exist yet: this is a first run/);
    assert.match(first.stderr, /^Sync state: .*export\.state \([\d,]+ bytes; no email, no API key\)\.$/m);
    const state = readFileSync(w.state);
    assertNoSampleEmail(state, 'the state file');
    assert.ok(!JSON.parse(first.stdout).syncState, 'the state is in its file, not in the report JSON');
    const sent = upserts(emu);
    assert.equal(sent, EXPECTED.batches);

    const second = await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu) });
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout);
    assert.equal(report.status, 'succeeded');
    assert.deepEqual([report.totals.exported, report.totals.unchanged, report.totals.removed], [0, EXPECTED.totals.memberships, 0]);
    assert.equal(upserts(emu), sent, 'no upsert');
    assert.deepEqual(writes(emu), { 'POST /v1/list': 3, 'POST /v1/contacts': EXPECTED.batches }, 'only the first run wrote');
    assert.match(second.stderr, /\(refresh from .*export\.state\)/);
    assert.match(second.stderr, /2,849 list memberships: 0 exported, 2,849 unchanged \(not sent\)/);
  });

  it('after a change only the changes are sent; --mirror removes leavers it placed, never a member added by hand', async () => {
    const w = workspace();
    const first = await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu) });
    assert.equal(first.code, 0, first.stderr);
    const churnList = listByTitle('CDP: Churn risk');

    // Someone puts a VIP-only contact on the churn list by hand in Autopilot.
    const vipOnly = [...expectedState().values()].find((c) => [...c.lists].join() === 'CDP: VIP customers');
    const hand = await fetch(`${emu.origin}/__emulator/lists/${churnList.list_id}/members`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: vipOnly.contact.Email }),
    });
    assert.equal(hand.status, 200);
    const handId = contactByEmail(vipOnly.contact.Email).contact_id;

    // The sample changes: 5 churn-only contacts get a new first name, 3 leave, 2 join.
    const rows = readChurn(w);
    const only = churnOnlyRows(rows);
    assert.ok(only.length > 20);
    const changed = only.slice(0, 5);
    const leavers = only.slice(5, 8);
    for (const r of changed) r.GivenName = `${r.GivenName} Renamed`;
    const joiners = [0, 1].map((i) => ({ ...changed[0], CustomerId: `CUST-NEW-${i}`, EmailAddress: `new.joiner.${i}@example.net`, GivenName: `Joiner${i}` }));
    writeChurn(w, [...rows.filter((r) => !leavers.includes(r)), ...joiners]);

    // Preview: the changes per segment and the removal guard, no request.
    const before = emu.state({ contacts: false }).counters.requests;
    const p = await cli(['preview', '--config', w.config, '--state', w.state, '--mirror'], { env: envFor(emu) });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(emu.state({ contacts: false }).counters.requests, before, 'preview sends nothing');
    const s = JSON.parse(p.stdout);
    const churnMembers = EXPECTED.segments[CHURN].memberships - 3 + 2;
    assert.deepEqual(s.segments[CHURN].changes, { added: 2, updated: 5, unchanged: churnMembers - 7, removed: 3 });
    assert.deepEqual(s.changes, { added: 2, updated: 5, unchanged: EXPECTED.totals.memberships - 3 - 5, removed: 3 });
    assert.match(p.stderr, /^ {2}segment +rows +invalid +duplicates +over cap +contacts +added +updated +unchanged +removed +Autopilot list$/m);
    assert.match(p.stderr, new RegExp(`^  Churn risk +[\\d,]+ +\\d+ +\\d+ +0 +${churnMembers} +2 +5 +${churnMembers - 7} +3 +CDP: Churn risk$`, 'm'));
    assert.match(p.stderr, /^ {2}VIP customers +709 +14 +9 +0 +686 +0 +0 +686 +0 +CDP: VIP customers$/m);
    assert.match(p.stderr, /Removal guard: 3 removals in all, within maxRemovalRatio 0\.1/);
    assert.match(p.stderr, /1 for contacts, 3 for removals/);

    // The refresh: one bulk upsert for the 7 changes, one removal per leaver.
    const upsertsBefore = upserts(emu);
    const r = await cli(['export', '--config', w.config, '--state', w.state, '--mirror', ...FAST], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'succeeded');
    assert.deepEqual([report.totals.exported, report.totals.removed, report.totals.unchanged], [7, 3, EXPECTED.totals.memberships - 8]);
    assert.deepEqual([report.segments[CHURN].exported, report.segments[CHURN].removed], [7, 3]);
    assert.equal(upserts(emu) - upsertsBefore, 1, 'the 7 changed memberships in one bulk request');
    const c = emu.state().counters;
    assert.equal(c.removals, 3, 'one removal per leaver');
    assert.equal(c.byRoute['POST /v1/list']?.['200'], 3, 'no list created by the refresh');
    assert.match(r.stderr, /7 exported, .* unchanged \(not sent\), 3 removed/);

    const list = listByTitle('CDP: Churn risk');
    const members = new Set(list.contact_ids);
    for (const l of leavers) {
      const contact = contactByEmail(l.EmailAddress.trim());
      assert.ok(contact, 'a leaver stays a contact (never deleted)');
      assert.ok(!members.has(contact.contact_id), `${l.CustomerId} left the churn list`);
    }
    assert.ok(members.has(handId), 'the member added by hand is still on the list');
    for (const j of joiners) assert.ok(members.has(contactByEmail(j.EmailAddress).contact_id));
    for (const ch of changed) assert.equal(contactByEmail(ch.EmailAddress.trim()).FirstName, ch.GivenName);
    assert.equal(list.total_contacts, churnMembers + 1);
    assert.equal(emu.state({ contacts: false }).contactCount, EXPECTED.totals.uniqueProfiles + 2);

    // A third run: nothing left to do.
    const writesBefore = writes(emu);
    const again = await cli(['export', '--config', w.config, '--state', w.state, '--mirror', ...FAST], { env: envFor(emu) });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(writes(emu), writesBefore, 'the third run writes nothing');
    assert.ok(listByTitle('CDP: Churn risk').contact_ids.includes(handId));
  });

  it('--full-resync sends every membership again; removals still apply', async () => {
    const w = workspace();
    assert.equal((await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu) })).code, 0);
    const before = upserts(emu);
    const r = await cli(['export', '--config', w.config, '--state', w.state, '--full-resync', ...FAST], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual([report.totals.exported, report.totals.unchanged], [EXPECTED.totals.memberships, 0]);
    assert.equal(upserts(emu) - before, EXPECTED.batches);
    const p = await cli(['preview', '--config', w.config, '--state', w.state, '--full-resync'], { env: envFor(emu) });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).changes.unchanged, 0);
  });
});

describe('refusals before any write (exit 2)', () => {
  it('the removal guard: preview shows it, export refuses with REMOVALS_EXCEEDED; --max-removal-ratio lets it through', async () => {
    const w = workspace();
    assert.equal((await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu) })).code, 0);
    const rows = readChurn(w);
    const leavers = new Set(churnOnlyRows(rows).slice(0, 20));
    writeChurn(w, rows.filter((r) => !leavers.has(r)));
    const stateBefore = readFileSync(w.state);

    // 20 leavers of the 907 placed: above max(10, 0.01 × 907).
    const p = await cli(['preview', '--config', w.config, '--state', w.state, '--mirror', '--max-removal-ratio', '0.01'], { env: envFor(emu) });
    assert.equal(p.code, 2, p.stderr);
    const summary = JSON.parse(p.stdout);
    assert.deepEqual(summary.removalGuard.map((g) => [g.name, g.removals, g.placed, g.limit]), [['Churn risk', 20, 907, 10]]);
    // Said once, in the package's words (which name the list and the counts).
    assert.ok(p.stderr.includes(`The export would be refused (REMOVALS_EXCEEDED): ${summary.blocked.message}`), p.stderr);
    assert.match(summary.blocked.message, /Churn risk.*20.*907.*10/);
    assert.equal(p.stderr.split('907 members').length, 2, 'the guard counts said once');

    const writesBefore = writes(emu);
    const r = await cli(['export', '--config', w.config, '--state', w.state, '--mirror', '--max-removal-ratio', '0.01', ...FAST], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /REMOVALS_EXCEEDED/);
    assert.match(r.stderr, /Churn risk.*20.*907/);
    assert.deepEqual(writes(emu), writesBefore, 'nothing written');
    assert.ok(readFileSync(w.state).equals(stateBefore), 'the state is untouched');

    // The default ratio (0.1) allows 90.
    const ok = await cli(['export', '--config', w.config, '--state', w.state, '--mirror', ...FAST], { env: envFor(emu) });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).totals.removed, 20);
    assert.equal(emu.state({ contacts: false }).counters.removals, 20);
  });

  it('a state of another account, or a corrupt one: STATE_MISMATCH, nothing written, the file untouched', async () => {
    const w = workspace();
    assert.equal((await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu) })).code, 0);
    const state = readFileSync(w.state);
    const writesBefore = writes(emu);
    const other = await cli(['export', '--config', w.config, '--state', w.state, ...FAST], { env: envFor(emu, OTHER_KEY) });
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /STATE_MISMATCH/);
    assert.match(other.stderr, /\(The state comes from --state .*export\.state\.\)/);
    assert.deepEqual(writes(emu), writesBefore);
    assert.ok(readFileSync(w.state).equals(state));

    const bad = Buffer.from(state);
    bad[bad.length >> 1] ^= 0x5a;
    writeFileSync(w.state, bad);
    for (const cmd of ['preview', 'export']) {
      const r = await cli([cmd, '--config', w.config, '--state', w.state, ...(cmd === 'export' ? FAST : [])], { env: envFor(emu) });
      assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
      assert.match(r.stderr, /STATE_MISMATCH/);
    }
    assert.deepEqual(writes(emu), writesBefore);
    assert.ok(readFileSync(w.state).equals(bad), 'a refused run does not replace the state');
  });
});
