// Step 5, export and history: the export controls (each disabled state says why), the
// confirmations before starting over or removing list members, the run with progress,
// cancel and resume, the sync state and saved progress kept per connection, the history.

import * as fmt from './format.js';
import { saveConfig } from './config-step.js';
import { renderSyncInfo } from './connection-step.js';
import { confirmDialog } from './dialog.js';
import { $, breakable, h, setAlert, show, stackable } from './dom.js';
import { entryFrom } from './history.js';
import { issueLinks } from './issues.js';
import { runOptions } from './job.js';
import { app, effectiveBaseUrl, explainNetwork, keep, setDisabled, showError, state } from './page-state.js';
import { changed, currentJob, previewKey, resumeKey, updatePreviewButton } from './preview-step.js';
import { guardHits, sends } from './preview-view.js';
import { endProgress, showProgress, startProgress } from './progress-view.js';
import { renderReport } from './report-view.js';

export function previewFresh() {
  return Boolean(state.preview && state.preview.key === previewKey());
}

export function resumable() {
  const r = state.record?.resume;
  return Boolean(r && state.connection && !state.segments.some((s) => s.pending) && state.segments.length && r.configKey === resumeKey());
}

export function updateExportControls() {
  const running = Boolean(state.run);
  const fresh = previewFresh();
  const summary = fresh ? state.preview.summary : null;
  const resume = state.connection ? state.record?.resume ?? null : null;
  const guard = summary ? guardHits(summary).length > 0 : false;
  let hint;
  if (running) hint = 'Exporting… you can cancel and resume later.';
  else if (!state.connection) hint = 'Connect to Autopilot first (step 1).';
  else if (state.segments.length === 0) hint = 'Add at least one segment (step 2).';
  else if (state.segments.some((s) => s.pending)) hint = 'Add the segment files of the configuration first (step 2).';
  else if (!fresh && state.ranSincePreview) hint = 'Export finished. Preview again (step 4) to see what another run would send: only what changed since.';
  else if (!fresh) hint = 'Preview the export first (step 4): it shows what will be sent.';
  else if (!summary.wouldSend && summary.capExceeded) hint = 'Above the profile limit with “Refuse” selected: nothing can be sent.';
  else if (!summary.wouldSend && summary.blocked) hint = `Nothing can be sent: ${fmt.sentence(summary.blocked.message)}`;
  else if (guard) hint = 'The run would remove too many list members: nothing can be sent (see the preview).';
  else if (!sends(summary)) hint = summary.changes ? 'Nothing changed since the last run: nothing to send.' : 'No valid profiles to export.';
  else {
    const n = summary.changes ? summary.changes.added + summary.changes.updated : summary.totals.memberships;
    hint = `Ready: ${fmt.plural(n, 'list membership')} in ${fmt.plural(summary.batches, 'batch', 'batches')} of at most ${fmt.num(state.meta.maxBatch)}, about ${fmt.duration(summary.estimatedDurationMs)} at ${fmt.rate(summary.ratePerSecond, 'requests')}.`;
  }
  $('#export-hint').textContent = hint;
  const canStart = Boolean(state.connection && fresh && sends(summary) && !guard && !running);
  const exportBtn = /** @type {HTMLButtonElement} */ ($('#export-btn'));
  setDisabled(exportBtn, null, canStart ? '' : hint);
  exportBtn.textContent = resume ? 'Start over' : 'Export to Autopilot';
  exportBtn.classList.toggle('btn-primary', !resume);
  show($('#cancel-btn'), running);
  show($('#resume-btn'), Boolean(resume) && !running);
  show($('#discard-btn'), Boolean(resume) && !running);
  const info = $('#resume-info');
  if (resume && !running) {
    const ok = resumable();
    const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
    const why = ok ? '' : waiting.length ? `To resume, add ${waiting.join(', ')}.` : 'To resume, add the same files with the same settings (the saved progress belongs to another configuration).';
    info.textContent = `Saved progress of ${resume.interrupted ? 'an interrupted' : 'a cancelled'} export: ${fmt.num(resume.batchesDone)} of ${fmt.num(resume.batchesTotal)} batches done (${fmt.dateTime(resume.savedAt)}). `
      + (ok ? 'Resume sends only the batches not done yet.' : why);
    setDisabled($('#resume-btn'), null, ok ? '' : why);
    show(info, true);
  } else {
    show(info, false);
  }
  updatePreviewButton();
}

export async function saveResume(resume) {
  if (!state.connId) return;
  const rec = await keep((s) => s.saveResume(state.connId, resume));
  if (rec) state.record = rec;
}

export async function onExportClick() {
  const resume = state.record?.resume;
  if (resume) {
    const ok = await confirmDialog({
      title: 'Start over?',
      body: [`The saved progress (${fmt.num(resume.batchesDone)} of ${fmt.num(resume.batchesTotal)} batches done) is discarded and the export runs from the beginning, sending everything the preview shows.`,
        'To send only what is left of the cancelled run, choose “Resume export” instead.'],
      confirm: 'Start over', danger: true,
    });
    if (!ok) return;
    await saveResume(null);
  }
  const c = state.preview?.summary?.changes;
  if (c?.removed > 0) {
    const segs = state.preview.summary.segments.filter((s) => s.changes?.removed > 0);
    const ok = await confirmDialog({
      title: `Remove ${fmt.plural(c.removed, 'member')} from Autopilot lists?`,
      body: ['Mirror mode removes people who left their segment from its list (only people this tool added; contacts themselves are kept):',
        h('ul', {}, segs.map((s) => h('li', {}, `${s.listTitle ?? s.name}: ${fmt.plural(s.changes.removed, 'removal')}`)))],
      confirm: `Remove ${fmt.num(c.removed)} and export`, danger: true,
    });
    if (!ok) return;
  }
  startExport(false);
}

export async function startExport(resume) {
  if (!app.api || state.run) return;
  const job = currentJob();
  const key = resumeKey();
  const saved = state.record?.resume;
  const controller = new AbortController();
  state.run = { controller };
  let last = null;
  setAlert($('#export-error'), '');
  show($('#report'), false);
  show($('#progress-box'), true);
  startProgress(job.lists === 'none' ? 'contacts' : 'list memberships', resume ? 'Resuming the export…' : 'Starting the export…');
  setDisabled($('#cancel-btn'), null, '');
  updateExportControls();
  $('#cancel-btn').focus();
  await saveConfig();

  const conn = state.connection;
  const connId = state.connId;
  let report = null;
  let error = null;
  // Interim checkpoints are kept as they come (in order), so that a tab closed or crashed
  // mid-run resumes too: with the sync state this run started from, which stays stored
  // until the run ends.
  let kept = Promise.resolve();
  const onCheckpoint = (cp) => {
    const progress = { batchesDone: last?.batchesDone ?? cp?.done?.length ?? 0, batchesTotal: last?.batchesTotal ?? cp?.batches ?? 0 };
    kept = kept.then(() => saveResume({ checkpoint: cp, configKey: key, savedAt: new Date().toISOString(), interrupted: true, ...progress }));
  };
  try {
    report = await app.api.runExport(job, {
      signal: controller.signal,
      onProgress: (p) => { last = p; showProgress(p); },
      onCheckpoint,
      ...runOptions(state.settings),
      checkpoint: resume ? saved?.checkpoint : undefined,
      syncState: state.record?.syncState,
    });
  } catch (e) {
    error = e;
    report = e.report ?? null;
  }
  await kept;
  state.run = null;
  state.ranSincePreview = true;
  if (report?.syncState && connId) {
    const rec = await keep((s) => s.saveSyncState(connId, report.syncState));
    if (rec) state.record = rec;
  }

  if (report?.status === 'cancelled' || report?.status === 'paused') {
    const cp = report.checkpoint;
    await saveResume({
      checkpoint: cp, configKey: key, savedAt: new Date().toISOString(),
      batchesDone: last?.batchesDone ?? cp?.done?.length ?? 0,
      batchesTotal: last?.batchesTotal ?? cp?.batches ?? 0,
    });
    endProgress(`Export ${report.status}. You can resume it: only the batches not done yet will be sent.`);
  } else if (report) {
    await saveResume(null);
    endProgress(`Export ${fmt.status(report.status).toLowerCase()}.`, { full: report.status === 'succeeded' });
  } else {
    endProgress(error?.code === 'ABORTED' ? 'Cancelled before anything was sent.' : 'The export did not start.');
    if (!last) show($('#progress-box'), false);
  }

  if (error && error.code !== 'ABORTED') {
    const e = await explainNetwork(error, effectiveBaseUrl(conn));
    showError($('#export-error'), e, e.issues?.length ? h('ul', {}, issueLinks(e.issues)) : null,
      e.code === 'AUTH_FAILED' ? h('p', {}, 'Change the connection (step 1) with a valid API key, then export again.') : null);
  }
  const ctx = { displayName: conn.displayName, exportUser: conn.exportUser, errorCode: error?.code };
  if (report) {
    renderReport(report, { toCsv: app.api.toCsv });
    if (report.error?.code === 'NETWORK' && !error) {
      const e = await explainNetwork(report.error, effectiveBaseUrl(conn));
      if (e.code === 'BLOCKED') showError($('#export-error'), e);
    }
  }
  if (report || (error && error.code !== 'ABORTED' && error.code !== 'CHECKPOINT_MISMATCH')) {
    const list = await keep((s) => s.addHistory(entryFrom(report, ctx)));
    if (list) renderHistory(list);
  }
  renderSyncInfo();
  changed();
  if (report) $('#report').focus();
  else if (state.record?.resume) $('#resume-btn').focus();
}

// ------------------------------------------------------------------ history

export function renderHistory(list) {
  const table = $('#history-table');
  const tbody = $('tbody', table);
  tbody.replaceChildren();
  for (const e of list) {
    tbody.append(h('tr', {},
      h('td', {}, fmt.dateTime(e.at)),
      h('td', {}, h('span', { class: `badge badge-${fmt.tone(e.status)}` }, fmt.status(e.status)), e.resumed ? h('span', { class: 'muted' }, ' (resumed)') : null,
        e.error ? h('span', { class: 'muted' }, ` ${e.error}`) : null),
      h('td', {}, e.displayName, h('span', { class: 'sub-line' }, breakable(e.exportUser))),
      ...['profilesIn', 'exported', 'unchanged', 'removed', 'failed'].map((k) => h('td', { class: 'num' }, fmt.num(e.totals?.[k] ?? 0))),
      h('td', { class: 'num' }, fmt.duration(e.durationMs))));
  }
  stackable(/** @type {HTMLTableElement} */ (table));
  show(table, list.length > 0);
  show($('#history-empty'), list.length === 0);
  show($('#clear-history'), list.length > 0);
}
