// The Durable Object of one destination: its configuration, the refresh in progress, the
// last report and a short history, all in the object's SQLite-backed storage.
//
// A refresh is a chain of alarm invocations. `start` stores a run record and sets an alarm;
// each alarm does one step and sets the next alarm at once:
//   download step k  -> segment k with the package's downloadSource, stored in chunks (one
//                       subrequest);
//   slice n          -> one exportSegments call with maxRequests = the budget, continuing from
//                       the checkpoint and sync state stored by slice n-1; stores them again.
//                       After every finished batch it stores the package's interim checkpoint
//                       (one put, no sync state).
// The last slice stores the report; its sync state is the base of the next refresh.
//
// Idempotence (alarms are delivered at least once; a handler may die at any point):
// - Before a slice sends anything, the run record gets a durable marker `inProgress =
//   {slice: n, attempt}`; committing slice n stores checkpoint, sync state, `slice = n + 1`
//   and clears the marker and the interim checkpoint in ONE transaction, together with the
//   next alarm.
// - Every slice starts from the last committed checkpoint, so a delivery that finds slice n
//   already committed runs slice n + 1 (or nothing, once the run is over): nothing committed
//   is ever sent again.
// - A delivery that finds the marker of slice n set, while no slice runs in this instance,
//   means the earlier attempt died before its commit (eviction, restart, an exception): the
//   slice resumes from the newest interim checkpoint of slice n together with the sync state
//   slice n started from (the one committed by slice n-1, unchanged), so the package skips
//   the batches finished before and sends again only what was in flight (upserts are keyed
//   by email). Without an interim checkpoint (none finished yet) it starts from the committed
//   checkpoint; one the package refuses (CHECKPOINT_MISMATCH) is dropped and the slice runs
//   again from the committed checkpoint in the next alarm. The interruption is recorded.
// - A step that keeps dying where nothing is caught (the isolate's CPU or memory limit, an
//   eviction): a download has a marker of its own (`downloading`), and attempts at a slice
//   that died before finishing a batch (no interim checkpoint of theirs) are counted
//   (`stalls`); after MAX_STEP_FAULTS of either in a row the run ends as failed
//   (STEP_KEEPS_DYING) instead of being tried again at every alarm and every cron firing.
// - A delivery while a step runs in this instance (same object, concurrent event) does
//   nothing: `this.active` is set for the whole step.
// - A run id guards the commit: a slice whose run was cancelled or replaced meanwhile stores
//   nothing.
//
// The API key is read from the secret named in the configuration for each slice; it is never
// written to storage, returned, or logged.

import { DurableObject } from 'cloudflare:workers';
import * as core from 'autopilot-export';
import { Blobs } from './blobs.mjs';
import { checkConfig, secretValue, sliceJob, sliceOptions, urlSource } from './config.mjs';
import { HISTORY_LENGTH, MAX_STEP_FAULTS, SLICE_LOG_LENGTH, chunkBytes, faultBackoffMs } from './limits.mjs';
import { runSlice } from './slice.mjs';
import { SourceError, download } from './sources.mjs';

const CONFIG = 'config';
const ID = 'id';
const RUN = 'run';
const HISTORY = 'history';
const LAST_SCHEDULED = 'lastScheduled';
const LAST = 'last';
const BASE_STATE = 'state/base';
const srcBlob = (runId, i) => `src/${runId}/${i}`;
const cpBlob = (runId) => `cp/${runId}`;
const stateBlob = (runId) => `state/${runId}`;
/** The newest interim checkpoint of the slice in progress: {runId, slice, attempt, sent, checkpoint}. */
const INTERIM = 'interim';
const interimBlob = (runId) => `icp/${runId}`;
/** An interim checkpoint up to this size (JSON characters) is one value; a larger one is chunked. */
const INTERIM_INLINE_CHARS = 128 * 1024;
const encoder = new TextEncoder();

/** One export destination (Durable Object class; one object per destination id). */
export class Destination extends DurableObject {
  /** @param {DurableObjectState} ctx @param {Record<string, unknown>} env */
  constructor(ctx, env) {
    super(ctx, env);
    this.kv = ctx.storage.kv;
    this.blobs = new Blobs(ctx.storage, chunkBytes(env));
    /** The step running in this instance: {runId, controller, progress}. */
    this.active = null;
  }

  // ------------------------------------------------------------------ RPC (called by the Worker)

  /**
   * Validates and stores the configuration (applies to the next refresh).
   * @param {string} id destination id
   * @param {unknown} body parsed JSON
   * @returns {Promise<{ok: boolean, issues: object[], schedule?: string|null}>}
   */
  async configure(id, body) {
    const { issues, config } = checkConfig(body, this.env, core);
    if (!config) return { ok: false, issues };
    this.ctx.storage.transactionSync(() => {
      this.kv.put(ID, id);
      this.kv.put(CONFIG, config);
    });
    return { ok: true, issues: [], schedule: config.schedule?.cron ?? null };
  }

  /**
   * Status, progress of the refresh in progress, last run and history. `nextStepAt` is the
   * time of the object's alarm, when the next step is due (ISO 8601): now or just past between
   * steps, seconds ahead during the backoff after a fault; null when idle, and while a step
   * runs until it sets the next one.
   * @returns {Promise<object|null>} null when the destination was never configured
   */
  async status() {
    const config = this.kv.get(CONFIG);
    if (!config) return null;
    const run = this.kv.get(RUN);
    const alarm = run ? await this.#ensureAlarm() : await this.ctx.storage.getAlarm();
    return {
      id: this.kv.get(ID),
      state: run ? (run.phase === 'download' ? 'downloading' : 'exporting') : 'idle',
      nextStepAt: alarm === null ? null : new Date(alarm).toISOString(),
      schedule: config.schedule ?? null,
      config,
      run: run ? publicRun(run, this.active?.runId === run.id ? this.active.progress : undefined) : null,
      lastRun: this.blobs.getJson(LAST) ?? null,
      history: this.kv.get(HISTORY) ?? [],
      syncStateBytes: this.blobs.size(BASE_STATE) ?? 0,
    };
  }

  /**
   * Starts a refresh unless one is in progress.
   * @param {{kind: 'manual'|'cron', cron?: string, scheduledTime?: number, fullResync?: boolean}} trigger
   * @returns {Promise<{started: boolean, runId?: string, reason?: string}>}
   */
  async start(trigger) {
    const config = this.kv.get(CONFIG);
    if (!config) return { started: false, reason: 'NOT_CONFIGURED' };
    const current = this.kv.get(RUN);
    if (current) {
      await this.#ensureAlarm();
      return { started: false, reason: 'ALREADY_RUNNING', runId: current.id };
    }
    if (secretValue(this.env, config.apiKeySecret) === '') return { started: false, reason: 'SECRET_NOT_SET' };
    const run = {
      id: crypto.randomUUID(),
      destination: this.kv.get(ID),
      trigger,
      startedAt: new Date().toISOString(),
      config,
      phase: 'download',
      downloaded: [],
      slice: 1,
      inProgress: null,
      slices: [],
      totals: { slices: 0, sent: 0, maxSent: 0 },
      interruptions: [],
      faults: 0,
      downloading: null,
      stalls: 0,
      progress: null,
    };
    this.kv.put(RUN, run);
    await this.ctx.storage.setAlarm(Date.now());
    console.log(`destination ${run.destination}: run ${run.id} started (${trigger.kind})`);
    return { started: true, runId: run.id };
  }

  /**
   * Starts a refresh if this destination's schedule is `cron` and this firing was not handled
   * yet (a Cron Trigger may be delivered more than once).
   * @param {{cron: string, scheduledTime: number}} firing
   */
  async startScheduled({ cron, scheduledTime }) {
    const config = this.kv.get(CONFIG);
    if (!config || config.schedule?.cron !== cron) return { started: false, reason: 'NOT_DUE' };
    if ((this.kv.get(LAST_SCHEDULED) ?? -Infinity) >= scheduledTime) return { started: false, reason: 'ALREADY_HANDLED' };
    this.kv.put(LAST_SCHEDULED, scheduledTime);
    return this.start({ kind: 'cron', cron, scheduledTime });
  }

  /**
   * Cancels the refresh in progress: a running slice is aborted (the package returns a
   * 'cancelled' report with what was confirmed); between steps the run ends at once.
   */
  async cancel() {
    const run = this.kv.get(RUN);
    if (!run) return { cancelled: false, reason: 'NOT_RUNNING' };
    if (this.active?.runId === run.id) {
      this.kv.put(RUN, { ...run, cancelRequested: true });
      this.active.controller.abort();
      return { cancelled: true, runId: run.id };
    }
    await this.#finish(run, { status: 'cancelled' });
    return { cancelled: true, runId: run.id };
  }

  // ------------------------------------------------------------------ alarms

  /** One step of the refresh in progress (see the file comment). */
  async alarm() {
    if (this.active) {
      console.log(`destination ${this.kv.get(ID)}: duplicate alarm ignored (a step is running)`);
      return;
    }
    const run = this.kv.get(RUN);
    if (!run) return; // nothing to do: a stale or duplicate alarm
    this.active = { runId: run.id, controller: new AbortController(), progress: undefined };
    try {
      if (run.cancelRequested) await this.#finish(run, { status: 'cancelled' });
      else if (run.phase === 'download') await this.#downloadStep(run);
      else await this.#sliceStep(run);
    } catch (e) {
      await this.#fault(run.id, e);
    } finally {
      this.active = null;
    }
  }

  async #downloadStep(run) {
    const k = run.downloaded.length;
    const segment = run.config.segments[k];
    // The marker of this download, durable before it starts: a delivery that finds it set
    // for the same segment follows an attempt that died.
    const attempt = run.downloading?.segment === k ? run.downloading.attempt + 1 : 1;
    if (attempt > MAX_STEP_FAULTS) {
      await this.#keepsDying(run, `the download of segment "${segment.name}" was stopped ${attempt - 1} times in a row before it ended`);
      return;
    }
    run.downloading = { segment: k, attempt };
    this.kv.put(RUN, run);
    await this.ctx.storage.sync();
    try {
      const bytes = await download(core, {
        source: urlSource(segment.profiles, this.env),
        segment: segment.name,
        signal: this.active.controller.signal,
      });
      const next = this.#current(run.id);
      if (!next) return;
      this.blobs.put(srcBlob(run.id, k), bytes);
      next.downloaded = [...next.downloaded, bytes.length];
      if (next.downloaded.length === run.config.segments.length) next.phase = 'export';
      next.faults = 0;
      next.downloading = null;
      this.kv.put(RUN, next);
      await this.ctx.storage.setAlarm(Date.now());
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      const current = this.#current(run.id);
      if (!current) return;
      if (current.cancelRequested) await this.#finish(current, { status: 'cancelled' });
      else await this.#finish(current, { status: 'failed', error: { code: e.code, message: `${e.message}; nothing was sent`, packageCode: e.packageCode } });
    }
  }

  async #sliceStep(run) {
    const n = run.slice;
    // Work stored before this slice: contacts finished and requests sent (both cumulative).
    const contactsBefore = run.progress?.contactsDone ?? 0;
    const sentBefore = run.totals.sent;
    const committed = this.blobs.getJson(cpBlob(run.id));
    // An earlier attempt at this slice that died left its newest interim checkpoint: resume
    // from it (with the state this slice started from, below) rather than from the slice start.
    const interim = this.#interim(run.id, n);
    const sentAtStart = committed?.requests?.sent ?? 0;
    // Requests of the earlier attempts that the interim checkpoint accounts for.
    const resumedSent = interim ? Math.max(0, (interim.checkpoint.requests?.sent ?? sentAtStart) - sentAtStart) : 0;
    // The "slice in progress" marker, durable before the first request.
    if (run.inProgress?.slice === n) {
      const resumed = interim
        ? { from: 'interim', interimAttempt: interim.attempt, requests: resumedSent, batchesDone: doneBatches(interim.checkpoint) }
        : { from: 'slice start' };
      run.interruptions = [...run.interruptions, { ...run.inProgress, contactsBefore, sentBefore, resumed }].slice(-SLICE_LOG_LENGTH);
      // The attempt before died before its commit; without an interim checkpoint of its own
      // it had not finished one batch. (One whose interim checkpoint the package refused did
      // not die: not counted.)
      const stalls = run.stalls ?? 0;
      if (interim?.attempt === run.inProgress.attempt) run.stalls = 0;
      else if (!run.inProgress.interimRefused) run.stalls = stalls + 1;
      if (run.stalls >= MAX_STEP_FAULTS) {
        await this.#keepsDying(run, `slice ${n} was stopped ${run.stalls} times in a row before it finished a batch`);
        return;
      }
    }
    const attempt = run.inProgress?.slice === n ? run.inProgress.attempt + 1 : 1;
    run.inProgress = { slice: n, attempt, startedAt: new Date().toISOString() };
    this.kv.put(RUN, run);
    await this.ctx.storage.sync();

    const segments = run.config.segments.length;
    const job = sliceJob(run.config, this.env, (i) => this.blobs.chunks(srcBlob(run.id, i)) ?? missing(i, segments));
    const options = sliceOptions(run.config);
    if (run.trigger.fullResync) options.fullResync = true;
    const began = Date.now();
    let interimWrites = 0;
    const outcome = await runSlice(core, job, {
      options,
      checkpoint: interim?.checkpoint ?? committed,
      // The state this slice started from (committed by slice n-1): the one both the committed
      // and every interim checkpoint of slice n resume with.
      syncState: this.blobs.get(stateBlob(run.id)) ?? this.blobs.get(BASE_STATE),
      signal: this.active.controller.signal,
      onProgress: (p) => {
        if (this.active) this.active.progress = p;
      },
      onCheckpoint: (cp) => {
        if (this.#storeInterim(run.id, n, attempt, cp)) interimWrites += 1;
      },
    });

    const current = this.#current(run.id);
    if (!current || current.slice !== n) return; // cancelled or replaced meanwhile: store nothing
    const progress = outcome.progress ?? current.progress;
    const entry = {
      slice: n,
      attempt,
      sent: outcome.sent,
      ...(interim ? { resumedSent } : {}),
      interimCheckpoints: interimWrites,
      contactsBefore,
      contactsAfter: progress?.contactsDone ?? contactsBefore,
      ms: Date.now() - began,
    };
    current.slices = [...current.slices, entry].slice(-SLICE_LOG_LENGTH);
    current.totals = {
      slices: current.totals.slices + 1,
      sent: current.totals.sent + outcome.sent,
      maxSent: Math.max(current.totals.maxSent, outcome.sent),
    };
    current.progress = progress ? publicProgress(progress) : null;
    current.faults = 0;
    current.stalls = 0;
    console.log(`destination ${run.destination}: run ${run.id} slice ${n}: ${outcome.kind}, ${outcome.sent} requests${interim ? ` (resumed after ${resumedSent} kept)` : ''}, contacts ${entry.contactsBefore} -> ${entry.contactsAfter} of ${progress?.contactsTotal ?? '?'}`);

    if (interim && outcome.kind === 'failed' && outcome.error?.code === 'CHECKPOINT_MISMATCH' && !current.cancelRequested) {
      // The package refused the interim checkpoint: drop it and run the slice again from the
      // committed checkpoint, in an alarm of its own (a fresh subrequest budget). The marker
      // stays, so that attempt is recorded as the next one.
      console.log(`destination ${run.destination}: run ${run.id} slice ${n}: interim checkpoint refused (${outcome.error.message.slice(0, 200)}); again from the slice start`);
      this.ctx.storage.transactionSync(() => {
        this.#dropInterim(run.id);
        current.inProgress = { ...current.inProgress, interimRefused: true };
        this.kv.put(RUN, current);
      });
      await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    current.inProgress = null;

    if (outcome.kind === 'paused' && !current.cancelRequested) {
      this.ctx.storage.transactionSync(() => {
        this.blobs.putJson(cpBlob(run.id), outcome.report.checkpoint);
        if (outcome.report.syncState instanceof Uint8Array) this.blobs.put(stateBlob(run.id), outcome.report.syncState);
        this.#dropInterim(run.id);
        current.slice = n + 1;
        this.kv.put(RUN, current);
      });
      await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    // A cancel that came before the package started sending ends as ABORTED: still a cancel.
    const status = current.cancelRequested ? 'cancelled' : outcome.kind === 'failed' ? 'failed' : outcome.report.status;
    await this.#finish(current, { status, report: outcome.report, error: outcome.error });
  }

  /**
   * Ends the run: last run record, history, base sync state; removes the run's data, then its
   * alarm (nothing is left to run; deleting none is harmless).
   */
  async #finish(run, { status, report, error }) {
    const record = {
      runId: run.id,
      trigger: run.trigger,
      status,
      startedAt: run.startedAt,
      finishedAt: new Date().toISOString(),
      downloadedBytes: run.downloaded,
      slices: run.totals,
      sliceLog: run.slices,
      interruptions: run.interruptions,
      ...(error ? { error } : report?.error ? { error: report.error } : {}),
      report: report ? publicReport(report) : null,
    };
    this.ctx.storage.transactionSync(() => {
      // The state reflects confirmed work only, so it is the right base after any outcome.
      const state = report?.syncState instanceof Uint8Array ? report.syncState : this.blobs.get(stateBlob(run.id));
      if (state) this.blobs.put(BASE_STATE, state);
      this.blobs.putJson(LAST, record);
      const history = this.kv.get(HISTORY) ?? [];
      this.kv.put(HISTORY, [summary(record), ...history].slice(0, HISTORY_LENGTH));
      this.blobs.deletePrefix(`src/${run.id}/`);
      this.blobs.delete(cpBlob(run.id));
      this.blobs.delete(stateBlob(run.id));
      this.#dropInterim(run.id);
      this.kv.delete(RUN);
    });
    await this.ctx.storage.deleteAlarm();
    console.log(`destination ${run.destination}: run ${run.id} ${status}${record.error ? ` (${record.error.code})` : ''}`);
  }

  /**
   * Ends a run whose step keeps dying without an error this code could catch (the isolate's
   * CPU or memory limit, an eviction): failed, with what was committed kept as the base of
   * the next refresh. Its alarm is deleted: nothing is left to run.
   */
  async #keepsDying(run, what) {
    const message = `${what} (the Worker was stopped: its CPU or memory limit, or an eviction); the refresh is given up, and the next one starts from what this one committed. A smaller run.maxRequests (fewer requests per slice) or smaller segment files may help.`;
    console.error(`destination ${run.destination}: run ${run.id}: ${message}`);
    await this.#finish(run, { status: 'failed', error: { code: 'STEP_KEEPS_DYING', message } });
  }

  /**
   * A step failed outside the export (storage, a bug): try again with backoff, then end the
   * run as failed. The marker stays, so a retried slice is recorded as interrupted.
   */
  async #fault(runId, e) {
    const run = this.#current(runId);
    if (!run) return;
    run.faults += 1;
    const message = `${e?.name ?? 'Error'}: ${String(e?.message ?? e).slice(0, 300)}`;
    console.error(`destination ${run.destination}: run ${run.id} step failed (${run.faults}/${MAX_STEP_FAULTS}): ${message}`);
    if (run.faults >= MAX_STEP_FAULTS) {
      await this.#finish(run, { status: 'failed', error: { code: 'WORKER_FAULT', message } });
      return;
    }
    this.kv.put(RUN, run);
    await this.ctx.storage.setAlarm(Date.now() + faultBackoffMs(this.env) * 2 ** run.faults);
  }

  /**
   * Stores the package's interim checkpoint of slice `slice` (called after every finished
   * batch): one put of a small value; a large one (many failed contacts) goes to a blob.
   * Writes only while this instance runs that step. Durable before the next request leaves:
   * the object's output gate holds outgoing fetches until the write is confirmed.
   * @returns {boolean} whether it was stored
   */
  #storeInterim(runId, slice, attempt, checkpoint) {
    if (this.active?.runId !== runId) return false;
    const json = JSON.stringify(checkpoint);
    const record = { runId, slice, attempt, sent: checkpoint?.requests?.sent ?? null };
    if (json.length <= INTERIM_INLINE_CHARS) {
      this.kv.put(INTERIM, { ...record, checkpoint: json });
    } else {
      this.ctx.storage.transactionSync(() => {
        this.blobs.put(interimBlob(runId), encoder.encode(json));
        this.kv.put(INTERIM, { ...record, blob: true });
      });
    }
    return true;
  }

  /** The stored interim checkpoint of slice `slice` of run `runId`, parsed; or undefined. */
  #interim(runId, slice) {
    const x = this.kv.get(INTERIM);
    if (!x || x.runId !== runId || x.slice !== slice) return undefined;
    const checkpoint = x.blob ? this.blobs.getJson(interimBlob(runId)) : JSON.parse(x.checkpoint);
    return checkpoint ? { ...x, checkpoint } : undefined;
  }

  #dropInterim(runId) {
    this.kv.delete(INTERIM);
    this.blobs.delete(interimBlob(runId));
  }

  /** The stored run if it is still `runId`. */
  #current(runId) {
    const run = this.kv.get(RUN);
    return run?.id === runId ? run : undefined;
  }

  /**
   * A run without an alarm (lost in a crash between commit and alarm) gets one again.
   * @returns {Promise<number|null>} the alarm's time as it is now (null while a step runs, until it sets the next)
   */
  async #ensureAlarm() {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm !== null || this.active) return alarm;
    const now = Date.now();
    await this.ctx.storage.setAlarm(now);
    return now;
  }
}

/** Batches a checkpoint marks finished (its `done` ranges are inclusive). */
function doneBatches(cp) {
  return (cp?.done ?? []).reduce((a, [first, last]) => a + (last - first + 1), 0);
}

function missing(i, n) {
  throw new Error(`the stored download of segment ${i + 1} of ${n} is missing`);
}

/** Progress numbers for the status endpoint. */
function publicProgress(p) {
  const { phase, contactsDone, contactsTotal, exported, failed, removalsDone, removalsTotal, requests } = p;
  return { phase, contactsDone, contactsTotal, exported, failed, removalsDone, removalsTotal, requests };
}

/** The run record as the status endpoint shows it (no configuration copy). */
function publicRun(run, live) {
  const { config, inProgress, ...rest } = run;
  return { ...rest, sliceInProgress: inProgress, progress: live ? publicProgress(live) : run.progress };
}

/** The package's report without the binary sync state (its size instead). */
function publicReport(report) {
  const { syncState, ...rest } = report;
  return syncState instanceof Uint8Array ? { ...rest, syncStateBytes: syncState.length } : rest;
}

function summary(record) {
  const r = record.report;
  return {
    runId: record.runId,
    trigger: record.trigger.kind,
    status: record.status,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    slices: record.slices.slices,
    requests: r?.requests?.sent ?? record.slices.sent,
    totals: r?.totals ?? null,
    ...(record.error ? { error: record.error.code } : {}),
  };
}
