// www/demo.sh --no-serve: starts the emulator, exports the sample with the CLI, prints the
// result and the emulator's final state, and stops the emulator when it exits.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT_REQUESTS, EXPECTED, ROOT, assertPackageBuilt, assertSampleState } from './helpers.mjs';

let dir;
before(() => {
  assertPackageBuilt();
  dir = mkdtempSync(join(tmpdir(), 'cli-demo-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs demo.sh; resolves with its exit code and output. */
function demo(args, timeoutMs = 90_000) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AUTOPILOT_')));
  const child = spawn(`${ROOT}www/demo.sh`, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

describe('www/demo.sh', () => {
  it('--no-serve exports the sample into a fresh emulator, refreshes after a change, reports, and cleans up', async () => {
    const stateFile = join(dir, 'state.json');
    // --no-build: the tests run against the pkg/ built before them (a build here would
    // replace pkg/ under the other test files' feet).
    const r = await demo(['--no-serve', '--no-build', '--rate', '40', '--state-file', stateFile, '--out', 'out']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^DEMO_RESULT status=(\w+) exported=(\d+) contacts=(\d+) lists=(\d+) memberships=(\d+) requests=(\d+)$/m.exec(r.stdout);
    assert.ok(m, `DEMO_RESULT line in: ${r.stdout}`);
    assert.deepEqual(m.slice(1).map((x, i) => (i === 0 ? x : Number(x))), [
      'succeeded', EXPECTED.totals.memberships, EXPECTED.totals.uniqueProfiles, EXPECTED.segments.length, EXPECTED.totals.memberships,
      ACCOUNT_REQUESTS + EXPECTED.requests.lists + EXPECTED.requests.contacts,
    ]);
    assertSampleState(JSON.parse(readFileSync(stateFile, 'utf8')), 'demo state file');
    assert.match(r.stderr, /Export succeeded/);
    assert.match(r.stderr, /Autopilot \(emulator\) now holds 1,967 contacts and 3 lists:/);
    assert.match(r.stderr, /CDP: Newsletter +1,256 contacts/);
    assert.ok(!r.stderr.includes('0123456789abcdef0123456789abcdef') && !r.stdout.includes('0123456789abcdef0123456789abcdef'), 'the key is not printed');
    // The emulator it started is gone.
    const url = /emulator at (http:\/\/127\.0\.0\.1:(\d+)\/v1)/.exec(r.stderr);
    assert.ok(url, 'prints the emulator URL');
    assert.equal(await listening(Number(url[2])), false, 'the emulator was stopped');
    // The refresh after a change of the sample sent only the changes (5 changed + 3 new
    // memberships in one upsert, 12 removals), and left everything else alone.
    const f = /^DEMO_REFRESH status=(\w+) sent=(\d+) unchanged=(\d+) removed=(\d+) requests=(\d+)$/m.exec(r.stdout);
    assert.ok(f, `DEMO_REFRESH line in: ${r.stdout}`);
    assert.deepEqual(f.slice(1, 5).map((x, i) => (i === 0 ? x : Number(x))), ['succeeded', 8, EXPECTED.totals.memberships - 17, 12]);
    assert.ok(Number(f[5]) <= ACCOUNT_REQUESTS + EXPECTED.requests.lists + 1 + 12, `the refresh sent ${f[5]} requests`);
    assert.match(r.stderr, /Refresh: succeeded; sent 8 list memberships/);
    // The report stays where the demo says it is, after the demo has ended.
    const kept = /run report kept in (\S+)/.exec(r.stderr);
    assert.ok(kept, 'prints where the report is');
    assert.equal(kept[1], join(dir, 'out', 'report.json'));
    assert.equal(JSON.parse(readFileSync(kept[1], 'utf8')).status, 'succeeded');
    assert.equal(JSON.parse(readFileSync(join(dir, 'out', 'refresh-report.json'), 'utf8')).totals.removed, 12);
  });

  it('an unknown option: exit 2 with usage', async () => {
    const r = await demo(['--frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --frobnicate/);
    assert.match(r.stderr, /--no-serve/);
  });
});
