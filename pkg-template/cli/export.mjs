// `export`: one run, first or refresh. Reads the sync state (--state) and, with --resume,
// the checkpoint; runs the package's exportSegments with progress and Ctrl-C handling, writing
// interim checkpoints while it runs (interim.mjs: a run killed hard can be resumed); then,
// for every run that started, writes the sync state first (atomically), the report, the
// rejected rows, and for an unfinished run the checkpoint (plus the state next to it when
// there is no --state) and the command that resumes it. One export at a time per sync state
// and per checkpoint file (lock.mjs).

import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ALLOWED } from './args.mjs';
import { describeIssues, envBaseUrl, openSources } from './config.mjs';
import { packageError } from './errors.mjs';
import { DEFAULT_CHECKPOINT, assertWritable, readCheckpoint, readState, sidecarState, writeCheckpoint, writeState } from './files.mjs';
import { interimCheckpoints } from './interim.mjs';
import { lockAll, samePath } from './lock.mjs';
import { prepare, segmentsForValidation } from './job.mjs';
import { CliError, EXIT, PROG, exit, group, plural, say, setProgress, shellQuote } from './output.mjs';
import { makeProgress } from './progress.mjs';
import { reportLines } from './render.mjs';
import { writeJsonResult, writeRejects } from './results.mjs';

const doneBatches = (cp) => (cp?.done ?? []).reduce((n, [a, b]) => n + (b - a + 1), 0);

/** The command line that continues this export from `checkpointFile`. */
function resumeCommand(values, checkpointFile) {
  const script = process.argv[1] ?? PROG;
  const rel = path.relative(process.cwd(), script);
  const prog = path.basename(script) === PROG ? PROG : `node ${shellQuote(rel && !rel.startsWith('..') ? rel : script)}`;
  const args = ['export'];
  for (const key of ALLOWED.export) {
    if (key === 'resume' || values[key] === undefined) continue;
    if (values[key] === true) args.push(`--${key}`);
    else if (Array.isArray(values[key])) for (const v of values[key]) args.push(`--${key}`, v);
    else if (values[key] !== false) args.push(`--${key}`, values[key]);
  }
  args.push('--resume', checkpointFile);
  return `${prog} ${args.map(shellQuote).join(' ')}`;
}

export async function commandExport(ap, values, numbers) {
  const { config, segs, job, run, ctx } = prepare(values, numbers, { withKey: true });
  if (config.issues.length) {
    const issues = [...config.issues, ...describeIssues(ap.validateExportConfig({ ...job, segments: segmentsForValidation(segs) }), ctx)];
    throw new CliError(`${values.config}: the configuration is invalid:`, EXIT.USAGE, issues);
  }
  const checkpointFile = values['checkpoint-file'] ?? DEFAULT_CHECKPOINT;
  if (values.state !== undefined) {
    // The checkpoint file, the state written next to it and a resumed checkpoint are
    // written or removed as the run goes: never the sync state itself.
    const others = [
      [checkpointFile, 'the checkpoint file'], [sidecarState(checkpointFile), 'where the checkpoint file keeps a state'],
      [values.resume, 'the checkpoint given to --resume'], [values.report, 'the --report file'], [values.rejects, 'the --rejects file'],
    ];
    const clash = others.find(([f]) => typeof f === 'string' && samePath(f, values.state));
    if (clash) throw new CliError(`--state ${values.state} is also ${clash[1]}: give the sync state a name of its own`, EXIT.USAGE);
  }
  // One export at a time on a sync state and on a checkpoint file (lock.mjs), from before
  // anything is read or sent.
  const unlock = lockAll([
    ...(values.state !== undefined ? [[values.state, `--state ${values.state}`]] : []),
    [checkpointFile, `the checkpoint file ${checkpointFile} (give each job its own --checkpoint-file)`],
    // Two runs resuming one checkpoint would both send its unfinished batches.
    ...(values.resume !== undefined ? [[values.resume, `the checkpoint ${values.resume} given to --resume`]] : []),
  ]);
  try {
    return await exportLocked(ap, values, { segs, job, run, ctx, checkpointFile });
  } finally {
    unlock();
  }
}

/** The export itself, with the lock held. */
async function exportLocked(ap, values, { segs, job, run, ctx, checkpointFile }) {
  const options = { ...run };

  // The sync state: read it, and make sure it can be written before anything is sent.
  if (values.state !== undefined) {
    const state = readState(values.state);
    assertWritable(values.state, '--state: the state file');
    if (state) options.syncState = state;
    else say(`Note: ${values.state} does not exist yet: this is a first run (every membership is sent; the state is written at the end).`);
  } else if (values.mirror) {
    say('Note: --mirror without --state: nobody can be removed (the state records whom this exporter placed).');
  }
  if (values.resume !== undefined) {
    options.checkpoint = readCheckpoint(values.resume);
    if (values.state === undefined) {
      const side = sidecarState(values.resume);
      const state = readState(side);
      if (!state) {
        throw new CliError(`--resume ${values.resume}: the sync state of the interrupted run is missing (expected ${side}). If that run had --state FILE, pass the same --state FILE now.`);
      }
      // Empty: the run started without a state (interim.mjs), and resumes without one.
      if (state.length) options.syncState = state;
    }
  } else if (existsSync(checkpointFile)) {
    say(`Note: ${checkpointFile} holds the checkpoint of an earlier, unfinished run; this run starts from the beginning${options.syncState ? `, sending only what the state does not show as confirmed` : ''}, and its own checkpoints replace that one (use --resume to continue that one instead).`);
  }

  let base;
  try {
    base = ap.apiBaseUrl(job.connection?.baseUrl);
  } catch (e) {
    throw packageError(ap, e, ctx); // a baseUrl that is not a string: the configuration's issue
  }
  const interim = interimCheckpoints(checkpointFile, { sidecar: values.state === undefined, startState: options.syncState, say });
  const controller = new AbortController();
  let signalled = null;
  const onSignal = (sig) => {
    if (signalled) {
      say(interim.written()
        ? `${sig} again: quitting at once. The last interim checkpoint resumes it (finished batches after it are sent again):\n  ${resumeCommand(values, checkpointFile)}`
        : `${sig} again: quitting at once, without a checkpoint.`);
      exit(sig === 'SIGTERM' ? EXIT.TERMINATED : EXIT.CANCELLED);
      return;
    }
    signalled = sig;
    say(`${sig === 'SIGINT' ? 'Ctrl-C' : sig}: cancelling (no new requests; in-flight ones are aborted). Press Ctrl-C again to quit at once.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const streams = [];
  const progress = makeProgress(values.progress ?? 'auto');
  let started = false;
  const onProgress = (p) => {
    if (!started) {
      started = true;
      progress.clear();
      say(`${options.checkpoint ? 'Resuming' : 'Exporting'} ${plural(segs.length, 'segment')} (${segs.map((s) => s.name).join(', ')}) to ${base}`
        + `${envBaseUrl() ? ' (from AUTOPILOT_BASE_URL)' : ''} for "${job.connection.displayName}", export user ${job.connection.exportUser}`
        + `${options.syncState ? ` (refresh from ${values.state ?? sidecarState(values.resume)}${job.membership === 'mirror' ? ', mirror' : ''}${options.fullResync ? ', full resync' : ''})` : ''}`);
      setProgress(progress);
    }
    progress.update(p);
  };
  let report;
  let failure = null;
  try {
    report = await ap.exportSegments({ ...job, segments: openSources(segs, streams) }, { ...options, signal: controller.signal, onProgress, onCheckpoint: interim.onCheckpoint });
  } catch (e) {
    failure = e;
    report = e?.report;
  } finally {
    for (const s of streams) s.destroy();
    progress.stop();
    setProgress(null);
  }
  const cancelCode = signalled === 'SIGTERM' ? EXIT.TERMINATED : EXIT.CANCELLED;

  if (failure && !report) {
    if (failure?.code === 'ABORTED') {
      say('Cancelled before anything was sent: there is nothing to resume.');
      return cancelCode;
    }
    throw packageError(ap, failure, ctx);
  }

  // 1. The sync state, before anything else: the next run depends on it.
  let stateProblem = null;
  const stateBytes = report.syncState;
  const stateFile = values.state ?? null;
  if (stateFile !== null && stateBytes instanceof Uint8Array && stateBytes.length > 0) {
    // An interim checkpoint resumes with the state the run started from, which this write
    // replaces: gone first (the final checkpoint, if any, comes in step 3).
    interim.remove();
    try {
      writeState(stateFile, stateBytes);
    } catch (e) {
      stateProblem = `cannot write the sync state to '${stateFile}': ${e.message}. The next run with this --state sends again what this run sent${job.membership === 'mirror' ? ' and cannot remove members it placed' : ''}.`;
    }
  }

  // 2. The report and the rejected rows.
  writeJsonResult(values, report, 'report');
  let rejectsProblem = null;
  if (values.rejects !== undefined) {
    try {
      writeRejects(ap, values.rejects, report);
    } catch (e) {
      rejectsProblem = e.message; // said at the end: the checkpoint comes first
    }
  }
  const status = report.status;
  const headings = {
    succeeded: 'Export succeeded', partial: 'Export partly succeeded', failed: 'Export failed', cancelled: 'Export cancelled',
    paused: `Export paused after ${plural(report.requests.sent, 'request')} (--max-requests)`,
  };
  const heading = failure ? `Export stopped (${failure.code})` : headings[status] ?? `Export ${status}`;
  for (const l of reportLines(report, heading)) say(l);
  if (stateFile !== null && !stateProblem && stateBytes?.length) {
    say(`Sync state: ${stateFile} (${group(stateBytes.length)} bytes; no email, no API key).`);
  }

  // 3. An unfinished run leaves its checkpoint: always when cancelled or paused, and after a
  //    failure that got somewhere (e.g. AUTH_FAILED after a key was revoked mid-run).
  const cp = report.checkpoint;
  const progressed = doneBatches(cp) > 0 || (report.totals?.removed ?? 0) > 0;
  const unfinished = status === 'cancelled' || status === 'paused' || ((failure || status === 'failed') && progressed);
  if (cp && unfinished) {
    let written = null;
    try {
      writeCheckpoint(checkpointFile, cp);
      if (stateFile === null && stateBytes?.length) writeState(sidecarState(checkpointFile), stateBytes);
      written = checkpointFile;
    } catch (e) {
      say(`${PROG}: cannot write the checkpoint to '${checkpointFile}': ${e.message}`);
    }
    if (written) {
      const side = stateFile === null ? ` and ${sidecarState(checkpointFile)}` : '';
      say(`Checkpoint: ${written}${side} (${group(doneBatches(cp))} of ${plural(cp.batches, 'batch', 'batches')} done; no emails, no API key).`);
      say(`To resume, with AUTOPILOT_API_KEY${envBaseUrl() ? ' and AUTOPILOT_BASE_URL' : ''} still set:\n  ${resumeCommand(values, written)}`);
    }
  } else {
    // Finished (or failed before any batch): the interim checkpoints resume nothing.
    if (values.resume !== undefined && status === 'succeeded') {
      try {
        rmSync(values.resume, { force: true });
        if (values.state === undefined) rmSync(sidecarState(values.resume), { force: true });
        say(`The export is complete: removed the checkpoint ${values.resume}.`);
      } catch {
        // Leaving a finished checkpoint behind is harmless.
      }
    }
    interim.remove();
  }

  let code;
  if (failure) {
    const ce = packageError(ap, failure, ctx);
    say(`${PROG}: ${ce.message}`);
    for (const d of ce.details) say(`  ${d}`);
    code = ce.exitCode;
  } else if (status === 'cancelled') code = cancelCode;
  else if (status === 'paused') code = EXIT.PAUSED;
  else code = status === 'succeeded' ? EXIT.OK : EXIT.FAILED;
  for (const problem of [stateProblem, rejectsProblem]) {
    if (!problem) continue;
    say(`${PROG}: ${problem}`);
    if (code === EXIT.OK) code = EXIT.FAILED;
  }
  return code;
}
