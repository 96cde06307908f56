// Segments at a URL (issue 11): --segment NAME=http://127.0.0.1:… becomes a URL source
// {url, format, headers?}, the format from the URL path's extension or --format NAME=csv, a
// bearer token from the environment variable named by --segment-token-env (never printed);
// "url" segments in the config file too. A failed or partial download aborts the run before
// any write (the emulator's counters show none), never a refresh computed from half a file.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFileServer } from '../emulator/files.mjs';
import {
  EXPECTED, SAMPLE, SAMPLE_CONFIG, assertNoKey, assertPackageBuilt, emulator, envFor, recordingCli, upserts, writes,
} from './helpers.mjs';

const TOKEN = 'cdp-token-9a8b7c6d5e4f3a2b1c0d';
let emu;
let files;
let dir;
const outputs = [];
const cli = recordingCli(outputs);
const FAST = ['--rate', '50', '--progress', 'none'];
const VIP = EXPECTED.segments.findIndex((s) => s.name === 'VIP customers');
const vipCsv = readFileSync(join(SAMPLE, 'vip.csv'));
const churn = readFileSync(join(SAMPLE, 'churn-risk.ndjson'));

before(async () => {
  assertPackageBuilt();
  emu = await emulator({ ratePerSecond: 0 });
  files = await startFileServer({ port: 0 });
  dir = mkdtempSync(join(tmpdir(), 'cli-url-'));
});
beforeEach(() => {
  emu.reset();
  files.clear();
});
after(async () => {
  await emu?.stop();
  await files?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
  for (const t of outputs) assert.ok(!t.includes(TOKEN), 'the source token appears in an output');
});

describe('--segment NAME=URL', () => {
  it('a gzip-served source (Content-Length of the compressed bytes) is read whole', async () => {
    const a = files.put('/exports/vip.csv', vipCsv, { gzip: true });
    const r = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP customers=${a}`, ...FAST], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'succeeded');
    assert.equal(report.segments[0].profilesIn, EXPECTED.segments[VIP].rows);
    assert.equal(report.segments[0].exported, EXPECTED.segments[VIP].memberships);
    assert.deepEqual(files.requests().map((q) => [q.path, q.status]), [['/exports/vip.csv', 200]]);
  });

  it('exports from URLs: format from the path, or from --format; counts as from the files', async () => {
    const a = files.put('/exports/vip.csv', vipCsv);
    const b = files.put('/exports/churn', churn, { contentType: 'application/octet-stream' });
    const r = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP customers=${a}?v=1`, '--segment', `Churn risk=${b}`,
      '--format', 'Churn risk=ndjson', ...FAST], { env: envFor(emu) });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'succeeded');
    assert.deepEqual(report.segments.map((s) => [s.name, s.profilesIn, s.memberships, s.exported]), [
      ['VIP customers', EXPECTED.segments[VIP].rows, EXPECTED.segments[VIP].memberships, EXPECTED.segments[VIP].memberships],
      ['Churn risk', EXPECTED.segments[1].rows, EXPECTED.segments[1].memberships, EXPECTED.segments[1].memberships],
    ]);
    assert.deepEqual(files.requests().map((q) => [q.method, q.path.split('?')[0], q.status]).sort(), [['GET', '/exports/churn', 200], ['GET', '/exports/vip.csv', 200]]);
  });

  it('without NAME= the segment is named after the URL path; preview reads URLs too', async () => {
    const a = files.put('/exports/vip.csv', vipCsv);
    const p = await cli(['preview', '--config', SAMPLE_CONFIG, '--segment', a]);
    assert.equal(p.code, 0, p.stderr);
    const s = JSON.parse(p.stdout);
    assert.deepEqual(s.segments.map((x) => [x.name, x.memberships]), [['vip', EXPECTED.segments[VIP].memberships]]);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });

  it('a bearer token from the variable named by --segment-token-env; never printed; without it 401 stops the run before any write', async () => {
    const a = files.put('/private/vip.csv', vipCsv, { token: TOKEN });
    const ok = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${a}`, '--segment-token-env', 'VIP=CDP_TOKEN', ...FAST],
      { env: { ...envFor(emu), CDP_TOKEN: TOKEN } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(files.requests()[0].headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(JSON.parse(ok.stdout).totals.exported, EXPECTED.segments[VIP].memberships);

    emu.reset();
    const denied = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${a}`, ...FAST], { env: envFor(emu) });
    assert.equal(denied.code, 2, denied.stderr);
    assert.match(denied.stderr, /INPUT_INVALID/);
    assert.match(denied.stderr, /401/);
    assert.deepEqual(writes(emu), {}, 'nothing written');

    const unset = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${a}`, '--segment-token-env', 'VIP=CDP_TOKEN', ...FAST], { env: envFor(emu) });
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /the token variable CDP_TOKEN is not set/);
  });

  it('a partial download aborts before any write; a failed one too; nothing is half-refreshed', async () => {
    const state = join(dir, 'partial.state');
    const whole = files.put('/exports/vip.csv', vipCsv);
    assert.equal((await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${whole}`, '--state', state, '--mirror', ...FAST], { env: envFor(emu) })).code, 0);
    const stateBefore = readFileSync(state);
    const writesBefore = writes(emu);
    const upsertsBefore = upserts(emu);
    for (const [path, opts] of [['/exports/half.csv', { failAfterBytes: vipCsv.length >> 1 }], ['/exports/gone.csv', { status: 503 }], ['/exports/moved.csv', { redirectTo: whole }]]) {
      const url = files.put(path, vipCsv, opts);
      const r = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${url}`, '--state', state, '--mirror', ...FAST], { env: envFor(emu) });
      assert.equal(r.code, 2, `${path}: ${r.stderr}`);
      assert.match(r.stderr, /INPUT_INVALID/);
      assert.match(r.stderr, /download/);
      assert.deepEqual(writes(emu), writesBefore, `${path}: no write, no removal`);
      assert.equal(upserts(emu), upsertsBefore);
      assert.equal(emu.state({ contacts: false }).counters.removals, 0);
      assert.ok(readFileSync(state).equals(stateBefore), `${path}: the state is untouched`);
    }
  });

  it('"url" segments in the config file, with "tokenEnv"; a non-loopback http:// URL is refused by the package', async () => {
    const a = files.put('/c/vip.csv', vipCsv, { token: TOKEN });
    const cfg = JSON.parse(readFileSync(SAMPLE_CONFIG, 'utf8'));
    cfg.segments = [{ name: 'VIP', url: a, tokenEnv: 'CDP_TOKEN' }];
    const file = join(dir, 'url.json');
    writeFileSync(file, JSON.stringify(cfg));
    const p = await cli(['preview', '--config', file], { env: { CDP_TOKEN: TOKEN } });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(JSON.parse(p.stdout).segments[0].memberships, EXPECTED.segments[VIP].memberships);

    const r = await cli(['preview', '--config', SAMPLE_CONFIG, '--segment', 'VIP=http://files.example.com/vip.csv']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ {2}segments\[0\]\.profiles\.url: .*\[SOURCE_URL_INVALID\] \(segment "VIP" from --segment "VIP=http:\/\/files\.example\.com\/vip\.csv"\)$/m);
  });
});
