// The sync state file (--state) as a file: it is written after every run that started
// (cancelled and paused included) and atomically, so a crash mid-write never leaves a half
// file and the temporary file goes away; a state file that cannot be written fails cleanly
// (before anything is sent when that can be known, else exit 1 after the run with the report
// intact); Ctrl-C and --max-requests leave checkpoint + state, and --resume with the same
// --state continues to exactly the end state of an uninterrupted run.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  EXPECTED, ROOT, SAMPLE_CONFIG, assertNoKey, assertNoSampleEmail, assertPackageBuilt, assertSampleState, emulator, envFor,
  doneBatches, killAfterInterim, recordingCli, startCli, upserts, waitForUpserts, writes,
} from './helpers.mjs';

const FILES = pathToFileURL(`${ROOT}pkg/cli/files.mjs`).href;
let emu;
let dir;
const outputs = [];
const cli = recordingCli(outputs);
const temps = (d) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

before(async () => {
  assertPackageBuilt();
  emu = await emulator({ ratePerSecond: 0, latencyMs: 2 });
  dir = mkdtempSync(join(tmpdir(), 'cli-state-'));
});
beforeEach(() => {
  emu.reset();
  emu.configure({ ratePerSecond: 0, latencyMs: 2 });
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

/** Runs a Node script (ES module text) in a child process; resolves with its exit. */
function node(script, timeoutMs = 30_000) {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return {
    child,
    done: new Promise((resolve) => child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stderr }); })),
  };
}

describe('atomic writes', () => {
  it('a crash mid-write leaves the previous complete file; the next write removes the temporary file', async () => {
    const d = join(dir, 'crash');
    mkdirSync(d);
    const target = join(d, 'export.state');
    const first = Buffer.alloc(300_000, 1);
    writeFileSync(join(d, 'first.bin'), first);
    // The child writes a first version completely, then dies (SIGKILL) after the first 64 KiB
    // of the second one reached the temporary file.
    const run = node(`
      import { readFileSync } from 'node:fs';
      import { writeFileAtomic } from ${JSON.stringify(FILES)};
      const target = ${JSON.stringify(target)};
      writeFileAtomic(target, readFileSync(${JSON.stringify(join(d, 'first.bin'))}), { mode: 0o600 });
      writeFileAtomic(target, new Uint8Array(300_000).fill(2), { mode: 0o600, chunkSize: 65536, afterChunk: () => process.kill(process.pid, 'SIGKILL') });
      console.error('not reached');
    `);
    const r = await run.done;
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.ok(readFileSync(target).equals(first), 'the target is the first version, whole');
    const left = temps(d);
    assert.equal(left.length, 1, 'the crash left its temporary file');
    assert.equal(readFileSync(join(d, left[0])).length, 65536, 'a half-written temporary file, never the target');

    const { writeFileAtomic } = await import(FILES);
    const third = Buffer.alloc(1000, 3);
    writeFileAtomic(target, third, { mode: 0o600 });
    assert.ok(readFileSync(target).equals(third));
    assert.deepEqual(temps(d), [], 'the stale temporary file of the dead process is gone');
  });

  it('a reader only ever sees complete files while another process rewrites one', async () => {
    const d = join(dir, 'race');
    mkdirSync(d);
    const target = join(d, 'export.state');
    const size = 1 << 20;
    const version = (i) => Buffer.alloc(size, 65 + (i % 26));
    writeFileSync(target, version(0));
    const run = node(`
      import { writeFileAtomic } from ${JSON.stringify(FILES)};
      for (let i = 1; i <= 60; i += 1) writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(${size}, 65 + (i % 26)), { chunkSize: 65536 });
    `);
    let exited = false;
    run.done.then(() => { exited = true; });
    const seen = new Set();
    for (let reads = 0; reads < 5000 && !exited; reads += 1) {
      const b = readFileSync(target);
      assert.equal(b.length, size, 'a complete file');
      assert.ok(b.every((x) => x === b[0]), 'one version, not a mix');
      seen.add(b[0]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(target).equals(version(60)));
    assert.deepEqual(temps(d), []);
    assert.ok(seen.size >= 1);
  });
});

describe('one export at a time per state file', () => {
  it('a second export on the same --state is refused while the first runs (exit 2, nothing sent); a lock left by a dead process is taken over', async () => {
    emu.configure({ ratePerSecond: 5, latencyMs: 40 });
    const state = join(dir, 'locked.state');
    const first = startCli(['export', '--config', SAMPLE_CONFIG, '--state', state, '--progress', 'none'], { env: envFor(emu), cwd: dir });
    await waitForUpserts(emu, 2, first);
    assert.ok(existsSync(`${state}.lock`), 'the running export holds the lock');
    const second = await cli(['export', '--config', SAMPLE_CONFIG, '--state', state, '--progress', 'none'], { env: envFor(emu), cwd: dir });
    assert.equal(second.code, 2, second.stderr);
    assert.ok(second.stderr.includes(`--state ${state} is in use by another export (process ${first.child.pid} on `), second.stderr);
    assert.match(second.stderr, /Nothing was sent/);
    // Another state, but the same (default) checkpoint file: its checkpoints would clash.
    const other = await cli(['export', '--config', SAMPLE_CONFIG, '--state', join(dir, 'other.state'), '--progress', 'none'], { env: envFor(emu), cwd: dir });
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /the checkpoint file autopilot-export\.checkpoint\.json \(give each job its own --checkpoint-file\) is in use by another export/);
    assert.ok(!existsSync(join(dir, 'other.state.lock')), 'the lock it had taken is released');
    // The first export goes on meanwhile; the second read nothing (one account read: the first's).
    assert.equal(emu.state({ contacts: false }).counters.byRoute['GET /v1/account']?.['200'], 1);
    first.child.kill('SIGINT');
    const r1 = await first.done;
    outputs.push(r1.stdout, r1.stderr);
    assert.equal(r1.code, 130, r1.stderr);
    assert.ok(!existsSync(`${state}.lock`), 'released at the end');

    // A lock of a process that runs (this test's, written as an earlier version wrote locks,
    // without a boot id) is not taken over.
    const host = (await import('node:os')).hostname();
    writeFileSync(`${state}.lock`, `${JSON.stringify({ pid: process.pid, host, startedAt: '2026-01-01T00:00:00.000Z' })}\n`);
    const live = await cli(['export', '--config', SAMPLE_CONFIG, '--state', state, '--progress', 'none'], { env: envFor(emu), cwd: dir });
    assert.equal(live.code, 2, live.stderr);
    assert.ok(live.stderr.includes(`(process ${process.pid} on ${host}, since 2026-01-01T00:00:00.000Z)`), live.stderr);
    // The sync state may not be the checkpoint file (nor the state kept next to it).
    // (The state exists by now: the cancelled export above wrote it. A link to it is the same file.)
    symlinkSync(state, join(dir, 'alias.json'));
    for (const clash of [['--checkpoint-file', state], ['--checkpoint-file', state.replace(/\.state$/, '')], ['--report', state], ['--resume', state], ['--checkpoint-file', join(dir, 'alias.json')]]) {
      const r = await cli(['export', '--config', SAMPLE_CONFIG, '--state', state, ...clash], { env: envFor(emu), cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /give the sync state a name of its own/);
    }

    // A lock whose process is gone (this pid runs nothing: a finished child) is taken over.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((res) => gone.on('close', res));
    writeFileSync(`${state}.lock`, `${JSON.stringify({ pid: gone.pid, host, startedAt: '2026-01-01T00:00:00.000Z' })}\n`);
    emu.configure({ ratePerSecond: 0, latencyMs: 2 });
    const third = await cli(['export', '--config', SAMPLE_CONFIG, '--state', state, '--progress', 'none'], { env: envFor(emu), cwd: dir });
    assert.equal(third.code, 0, third.stderr);
    assert.ok(!existsSync(`${state}.lock`));
    assertSampleState(emu.state(), 'after the export that took the stale lock over');
  });
});

describe('a state file that cannot be written', () => {
  it('is refused before anything is sent (missing folder, a directory): exit 2', async () => {
    const missing = join(dir, 'no-such-folder', 'export.state');
    const r = await cli(['export', '--config', SAMPLE_CONFIG, '--state', missing, '--rate', '50'], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--state: the state file '.*no-such-folder\/export\.state' cannot be written \(no such directory .*\); nothing was sent/);
    const asDir = join(dir, 'a-folder.state');
    mkdirSync(asDir);
    const r2 = await cli(['export', '--config', SAMPLE_CONFIG, '--state', asDir, '--rate', '50'], { env: envFor(emu) });
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /is a directory/);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0, 'not one request');
    assert.deepEqual(temps(dir), []);
  });

  it('failing at the end of a run: exit 1, the report intact, the reason said, no temporary file', async () => {
    emu.configure({ ratePerSecond: 0, latencyMs: 60 });
    const sub = join(dir, 'vanishing');
    mkdirSync(sub);
    const run = startCli(['export', '--config', SAMPLE_CONFIG, '--state', join(sub, 'export.state'), '--rate', '20', '--progress', 'none'], { env: envFor(emu) });
    await waitForUpserts(emu, 1, run);
    rmSync(sub, { recursive: true, force: true });
    const r = await run.done;
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'succeeded', 'the report is still written');
    assert.match(r.stderr, /cannot write the sync state to '.*vanishing\/export\.state': .*The next run with this --state sends again what this run sent/);
    assert.ok(!existsSync(sub));
    assert.deepEqual(temps(dir), []);
  });
});

describe('interrupted runs with --state', () => {
  it('Ctrl-C writes the checkpoint and the state; --resume with the same --state finishes exactly', async () => {
    emu.configure({ ratePerSecond: 5, latencyMs: 80 });
    const d = join(dir, 'cancel');
    mkdirSync(d);
    const run = startCli(['export', '--config', SAMPLE_CONFIG, '--state', 'export.state', '--rate', '5'], { env: envFor(emu), cwd: d });
    await waitForUpserts(emu, 3, run);
    run.child.kill('SIGINT');
    const r = await run.done;
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 130, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'cancelled');
    assert.ok(existsSync(join(d, 'export.state')), 'the state of the cancelled run');
    assertNoSampleEmail(readFileSync(join(d, 'export.state')), 'cancelled state');
    assert.ok(existsSync(join(d, 'autopilot-export.checkpoint.json')));
    assert.ok(!existsSync(join(d, 'autopilot-export.checkpoint.json.state')), 'with --state, no second copy of the state');
    assert.match(r.stderr, /^Checkpoint: autopilot-export\.checkpoint\.json \(\d+ of 29 batches done/m);
    assert.match(r.stderr, /cli\.mjs export --config \S+export\.json --state export\.state --rate 5 --resume autopilot-export\.checkpoint\.json\n/);

    // Without the state the checkpoint cannot be used.
    const alone = await cli(['export', '--config', SAMPLE_CONFIG, '--resume', 'autopilot-export.checkpoint.json'], { env: envFor(emu), cwd: d });
    assert.equal(alone.code, 2, alone.stderr);
    assert.match(alone.stderr, /the sync state of the interrupted run is missing .* pass the same --state FILE now/);

    emu.configure({ ratePerSecond: 0, latencyMs: 2 });
    const resumed = await cli(['export', '--config', SAMPLE_CONFIG, '--state', 'export.state', '--rate', '50', '--resume', 'autopilot-export.checkpoint.json'], { env: envFor(emu), cwd: d });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).status, 'succeeded');
    assertSampleState(emu.state(), 'after cancel + resume');
    assert.ok(!existsSync(join(d, 'autopilot-export.checkpoint.json')));
    assert.ok(upserts(emu) <= EXPECTED.batches + 8, `${upserts(emu)} bulk upserts in all`);

    // The state now holds everything: the next refresh writes nothing.
    const w = writes(emu);
    const next = await cli(['export', '--config', SAMPLE_CONFIG, '--state', 'export.state', '--rate', '50'], { env: envFor(emu), cwd: d });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(writes(emu), w);
    assert.equal(JSON.parse(next.stdout).totals.unchanged, EXPECTED.totals.memberships);
    assert.deepEqual(temps(d), []);
  });

  it('killed without warning (SIGKILL) with --state: the interim checkpoint and the untouched --state resume it exactly', async () => {
    const d = join(dir, 'killed');
    mkdirSync(d);
    // A first export with --state, killed hard mid-run.
    emu.configure({ ratePerSecond: 5, latencyMs: 80 });
    const args = ['export', '--config', SAMPLE_CONFIG, '--state', 'export.state', '--progress', 'none'];
    const r = await killAfterInterim(emu, startCli(args, { env: envFor(emu), cwd: d }), join(d, 'autopilot-export.checkpoint.json'));
    outputs.push(r.stdout, r.stderr);
    assert.ok(!existsSync(join(d, 'export.state')), 'the state is written at the end only: still none');
    assert.ok(!existsSync(join(d, 'autopilot-export.checkpoint.json.state')), 'with --state, no state next to the checkpoint');
    assert.ok(existsSync(join(d, 'export.state.lock')), 'a lock left by the killed process');
    const killedAt = upserts(emu);
    const cp = JSON.parse(readFileSync(join(d, 'autopilot-export.checkpoint.json'), 'utf8'));
    const done = doneBatches(cp);

    emu.configure({ ratePerSecond: 0, latencyMs: 2 });
    const resumed = await cli([...args, '--resume', 'autopilot-export.checkpoint.json'], { env: envFor(emu), cwd: d });
    assert.equal(resumed.code, 0, resumed.stderr);
    const report = JSON.parse(resumed.stdout);
    assert.equal(report.status, 'succeeded');
    assert.equal(report.resumed, true);
    assertSampleState(emu.state(), 'after kill -9 + resume with --state');
    const sent = upserts(emu) - killedAt;
    assert.ok(sent >= 1 && sent <= EXPECTED.batches - done, `the resumed run sent ${sent} batches; ${done} were marked done`);
    assert.ok(existsSync(join(d, 'export.state')) && !existsSync(join(d, 'autopilot-export.checkpoint.json')));
    assert.ok(!existsSync(join(d, 'export.state.lock')), 'the stale lock was taken over and released');

    // The state now holds everything: the next refresh writes nothing.
    const w = writes(emu);
    const next = await cli(args, { env: envFor(emu), cwd: d });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(writes(emu), w);
    assert.equal(JSON.parse(next.stdout).totals.unchanged, EXPECTED.totals.memberships);
  });

  it('--max-requests pauses (exit 3) with checkpoint and state; resumed slice by slice it ends exactly', async () => {
    const d = join(dir, 'slices');
    mkdirSync(d);
    const args = ['export', '--config', SAMPLE_CONFIG, '--state', 'export.state', '--rate', '50', '--max-requests', '8', '--progress', 'none'];
    let r = await cli(args, { env: envFor(emu), cwd: d });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'paused');
    assert.match(r.stderr, /^Export paused after 8 requests \(--max-requests\)/m);
    assert.ok(existsSync(join(d, 'export.state')) && existsSync(join(d, 'autopilot-export.checkpoint.json')));
    assert.match(r.stderr, /--max-requests 8 --progress none --resume autopilot-export\.checkpoint\.json/);
    let slices = 1;
    while (r.code === 3) {
      assert.ok(slices < 12, 'bounded: the sample needs 34 requests');
      r = await cli([...args, '--resume', 'autopilot-export.checkpoint.json'], { env: envFor(emu), cwd: d });
      slices += 1;
    }
    assert.equal(r.code, 0, r.stderr);
    assert.ok(slices >= 4, `${slices} slices`);
    assertSampleState(emu.state(), 'after slices');
    assert.equal(upserts(emu), EXPECTED.batches, 'no batch sent twice');
    assert.ok(!existsSync(join(d, 'autopilot-export.checkpoint.json')));
  });
});
