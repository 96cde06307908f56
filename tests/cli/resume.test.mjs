// Ctrl-C and resume without --state: SIGINT in the middle of an export cancels it (exit 130,
// report status "cancelled", a checkpoint file and the run's sync state next to it, without
// emails or the key, the command to resume), and --resume finishes the job: the final state
// equals a complete export, and finished batches are not sent again. (With --state: see
// state.test.mjs.)

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  EXPECTED, KEY, SAMPLE, SAMPLE_CONFIG, assertNoKey, assertNoSampleEmail, assertPackageBuilt, assertSampleCounts, assertSampleState, emulator,
  doneBatches, envFor, killAfterInterim, runCli, startCli, upserts, waitForUpserts,
} from './helpers.mjs';

let emu;
let dir;
const outputs = [];

before(async () => {
  assertPackageBuilt();
  // Slow on purpose: Autopilot's 5 requests/s and some latency, so there is a middle to hit.
  emu = await emulator({ ratePerSecond: 5, latencyMs: 80 });
  dir = mkdtempSync(join(tmpdir(), 'cli-resume-'));
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

describe('Ctrl-C, then --resume', () => {
  const checkpoint = () => join(dir, 'autopilot-export.checkpoint.json');

  it('SIGINT mid-export: exit 130, cancelled report, checkpoint in the working directory, resume hint', async () => {
    const run = startCli(['export', '--config', SAMPLE_CONFIG, '--rate', '5'], { env: envFor(emu), cwd: dir });
    // Wait until a few batches are in, then press "Ctrl-C".
    await waitForUpserts(emu, 4, run);
    run.child.kill('SIGINT');
    const r = await run.done;
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 130, r.stderr);

    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'cancelled');
    assert.ok(report.totals.exported > 0 && report.totals.exported < EXPECTED.totals.memberships, `exported ${report.totals.exported}`);

    assert.ok(existsSync(checkpoint()), 'checkpoint written to ./autopilot-export.checkpoint.json');
    const text = readFileSync(checkpoint(), 'utf8');
    outputs.push(text);
    assert.ok(!text.includes('@'), 'no email in the checkpoint');
    const cp = JSON.parse(text);
    assert.deepEqual(cp, report.checkpoint);
    assert.equal(cp.batches, EXPECTED.batches);
    const done = doneBatches(cp);
    assert.ok(done >= 3 && done < cp.batches, `${done} batches done`);

    assert.match(r.stderr, /Ctrl-C: cancelling/);
    assert.match(r.stderr, /Export cancelled in /);
    assert.match(r.stderr, new RegExp(`Checkpoint: autopilot-export\\.checkpoint\\.json and autopilot-export\\.checkpoint\\.json\\.state \\(${done} of 29 batches done`));
    // Without --state, the run's sync state goes next to the checkpoint (resume needs both).
    const side = readFileSync(`${checkpoint()}.state`);
    assert.ok(side.length > 0);
    assertNoSampleEmail(side, 'the sync state');
    assert.match(r.stderr, /To resume, with AUTOPILOT_API_KEY and AUTOPILOT_BASE_URL still set:\n {2}node .*cli\.mjs export --config \S+export\.json --rate 5 --resume autopilot-export\.checkpoint\.json\n/);
    // Periodic plain progress lines while it ran (stderr is not a terminal).
    assert.match(r.stderr, /^progress: \d+\/29 batches/m);
  });

  it('a checkpoint of another job is refused (exit 2, CHECKPOINT_MISMATCH), nothing sent', async () => {
    copyFileSync(checkpoint(), join(dir, 'copy.json'));
    copyFileSync(`${checkpoint()}.state`, join(dir, 'copy.json.state'));
    const before = emu.state({ contacts: false }).counters.requests;
    const r = await runCli(['export', '--config', SAMPLE_CONFIG, '--segment', `VIP=${SAMPLE}/vip.csv`, '--resume', 'copy.json'], { env: envFor(emu), cwd: dir });
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CHECKPOINT_MISMATCH/);
    assert.match(r.stderr, /Run without --resume/);
    assert.equal(emu.state({ contacts: false }).counters.requests, before);
  });

  it('--resume sends only the unfinished batches and completes the export; the checkpoint is removed', async () => {
    const before = upserts(emu);
    emu.configure({ ratePerSecond: 0, latencyMs: 5 }); // no need to be slow any more
    const r = await runCli(['export', '--config', SAMPLE_CONFIG, '--rate', '50', '--resume', 'autopilot-export.checkpoint.json'], { env: envFor(emu), cwd: dir });
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'succeeded');
    assert.equal(report.resumed, true);
    assertSampleCounts(report);
    assert.equal(report.totals.exported, EXPECTED.totals.memberships);
    assert.match(r.stderr, /^Resuming 3 segments/m);

    assertSampleState(emu.state(), 'after cancel + resume');
    const resent = upserts(emu) - before;
    assert.ok(resent < EXPECTED.batches - 2, `the resumed run sent ${resent} batches`);
    // Batches in flight at Ctrl-C may have been applied and are sent again; no more than that.
    assert.ok(upserts(emu) <= EXPECTED.batches + 8, `${upserts(emu)} bulk upserts in all`);
    assert.ok(!existsSync(checkpoint()), 'the finished checkpoint is removed');
    assert.ok(!existsSync(`${checkpoint()}.state`), 'and the state next to it');
    assert.match(r.stderr, /removed the checkpoint autopilot-export\.checkpoint\.json/);
    assert.ok(!r.stderr.includes(KEY));
  });

  it('SIGTERM cancels the same way, with exit 143 and the checkpoint in --checkpoint-file', async () => {
    emu.reset();
    emu.configure({ ratePerSecond: 5, latencyMs: 80 });
    const run = startCli(['export', '--config', SAMPLE_CONFIG, '--checkpoint-file', 'term.json', '--progress', 'none'], { env: envFor(emu), cwd: dir });
    await waitForUpserts(emu, 2, run);
    run.child.kill('SIGTERM');
    const r = await run.done;
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 143, r.stderr);
    assert.equal(JSON.parse(r.stdout).status, 'cancelled');
    assert.ok(existsSync(join(dir, 'term.json')));
    assert.ok(!existsSync(checkpoint()), 'not the default file');
    assert.match(r.stderr, /--progress none --checkpoint-file term\.json --resume term\.json/);
    assert.ok(existsSync(join(dir, 'term.json.state')));
    assert.ok(!r.stderr.includes('progress:'), '--progress none');
  });

  it('killed without warning (SIGKILL): the interim checkpoint resumes it, sending only the batches it does not mark done', async () => {
    emu.reset();
    emu.configure({ ratePerSecond: 5, latencyMs: 80 });
    const file = join(dir, 'kill.json');
    const args = ['export', '--config', SAMPLE_CONFIG, '--checkpoint-file', 'kill.json', '--progress', 'none'];
    const r = await killAfterInterim(emu, startCli(args, { env: envFor(emu), cwd: dir }), file);
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.stdout, '', 'no report: the process was killed');
    const killedAt = upserts(emu);
    assert.ok(killedAt < EXPECTED.batches, 'killed before the end');

    const text = readFileSync(file, 'utf8');
    outputs.push(text);
    assertNoSampleEmail(text, 'the interim checkpoint');
    const cp = JSON.parse(text);
    assert.equal(cp.base, '', 'a first run: it resumes without a sync state');
    assert.equal(readFileSync(`${file}.state`).length, 0, 'the run started without a state: an empty one next to the checkpoint');
    const done = doneBatches(cp);
    assert.ok(done >= 1 && done <= killedAt, `${done} batches done in the interim checkpoint, ${killedAt} sent`);

    emu.configure({ ratePerSecond: 0, latencyMs: 5 });
    const again = await runCli([...args, '--resume', 'kill.json'], { env: envFor(emu), cwd: dir });
    outputs.push(again.stdout, again.stderr);
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout);
    assert.equal(report.status, 'succeeded');
    assert.equal(report.resumed, true);
    assertSampleCounts(report);
    assertSampleState(emu.state(), 'after kill -9 + resume');
    const resumed = upserts(emu) - killedAt;
    assert.ok(resumed >= 1 && resumed <= EXPECTED.batches - done, `the resumed run sent ${resumed} batches; ${done} of ${EXPECTED.batches} were marked done`);
    assert.ok(!existsSync(file) && !existsSync(`${file}.state`), 'the finished run removed the checkpoint and the state next to it');
  });

  it('a run that finishes leaves no interim checkpoint behind', async () => {
    emu.reset();
    emu.configure({ ratePerSecond: 10, latencyMs: 20 });
    const r = await runCli(['export', '--config', SAMPLE_CONFIG, '--checkpoint-file', 'done.json', '--progress', 'none'], { env: envFor(emu), cwd: dir });
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!existsSync(join(dir, 'done.json')) && !existsSync(join(dir, 'done.json.state')));
  });
});
