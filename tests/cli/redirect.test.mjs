// Redirects are never followed (issue 10): when the API answers every request with a
// redirect to another server, `check` and `export` fail with API_ERROR (exit 1) and nothing
// at all (no key, no contact) reaches the redirect target, which records every request.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRecorder } from '../emulator/recorder.mjs';
import { KEY, SAMPLE_CONFIG, assertNoKey, assertPackageBuilt, emulator, envFor, recordingCli } from './helpers.mjs';

let emu;
let rec;
const outputs = [];
const cli = recordingCli(outputs);

before(async () => {
  assertPackageBuilt();
  rec = await startRecorder({ port: 0 });
  emu = await emulator({ ratePerSecond: 0, redirect: { status: 307, to: rec.url } });
});
after(async () => {
  await emu?.stop();
  await rec?.stop();
  assertNoKey(...outputs);
});

describe('a base URL that redirects', () => {
  for (const status of [307, 302, 308]) {
    it(`${status}: check and export fail with API_ERROR, nothing reaches the target`, async () => {
      emu.reset();
      emu.configure({ redirect: { status, to: rec.url } });
      const c = await cli(['check', '--config', SAMPLE_CONFIG], { env: envFor(emu) });
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stderr, /\(API_ERROR\)/);
      assert.equal(JSON.parse(c.stdout).error.code, 'API_ERROR');

      const e = await cli(['export', '--config', SAMPLE_CONFIG, '--rate', '50', '--progress', 'none'], { env: envFor(emu) });
      assert.equal(e.code, 1, e.stderr);
      assert.match(e.stderr, /API_ERROR/);
      const report = JSON.parse(e.stdout);
      assert.equal(report.status, 'failed');
      assert.equal(report.error.code, 'API_ERROR');
      assert.equal(report.totals.exported, 0);

      assert.deepEqual(rec.requests(), [], 'no request reached the redirect target');
      assert.equal(rec.overflow(), 0);
      const counters = emu.state({ contacts: false }).counters;
      assert.ok(counters.redirected >= 2, 'the emulator did answer with redirects');
      assert.equal(emu.state({ contacts: false }).contactCount, 0);
      for (const t of [c.stdout, c.stderr, e.stdout, e.stderr]) assert.ok(!t.includes(KEY));
    });
  }
});
