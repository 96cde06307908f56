// Step 4, preview: the job from page state, live validation by the package, what a preview
// showed (and whether it is still current), one preview at a time.

import * as fmt from './format.js';
import { currentConfig, saveConfig } from './config-step.js';
import { jobConnection } from './connection-step.js';
import { $, h, nextPaint, setAlert, show } from './dom.js';
import { updateExportControls } from './export-step.js';
import { clearFieldErrors, issueLinks, placeIssues } from './issues.js';
import { configKey, runOptions, toJob } from './job.js';
import { app, setDisabled, showError, state, validateSeq } from './page-state.js';
import { renderPreview } from './preview-view.js';
import { radio, readSettings } from './settings-step.js';

/**
 * The package's ExportJob of the page. `light`: without the files' bytes (validation of the
 * configuration only needs the segment names; this keeps every keystroke cheap).
 */
export function currentJob({ light = false } = {}) {
  readSettings();
  const segments = state.segments.filter((s) => !s.pending).map((s) => (light ? { ...s, bytes: undefined } : s));
  return toJob({ connection: jobConnection(), mapping: state.mapping, segments, settings: state.settings });
}

/** Identity of what a preview showed: the configuration, the files, the rate and the sync state. */
export function previewKey() {
  const cfg = currentConfig();
  return `${configKey(cfg, state.segments)}|${JSON.stringify(cfg.run ?? {})}|${state.record?.syncStateAt ?? ''}|${state.connId ?? ''}`;
}

/** Identity of a job for resuming (rate and sync state may differ). */
export function resumeKey() {
  return configKey(currentConfig(), state.segments);
}

export const JOB_PATHS = ['mapping.', 'segments', 'cap', 'listPrefix', 'idField', 'overCap', 'lists', 'membership', 'maxRemovalRatio', 'run.'];

/** Live validation by the package: field messages once there is something to validate. */
export async function validateLive() {
  if (!app.api) return [];
  const seq = ++validateSeq.n;
  if (state.segments.length === 0 && !state.previewAttempted) {
    clearFieldErrors(JOB_PATHS);
    return [];
  }
  let issues;
  try {
    issues = (await app.api.validateJob(currentJob({ light: true }))).filter((i) => !i.path.startsWith('connection'));
  } catch (e) {
    issues = e.issues ?? [];
  }
  if (seq !== validateSeq.n) return issues; // a newer validation is on its way
  clearFieldErrors(JOB_PATHS);
  placeIssues(issues);
  return issues;
}

/** Called after every change to segments, mapping or settings. */
export function changed() {
  validateLive();
  const stale = state.preview && state.preview.key !== previewKey();
  $('#preview-status').textContent = stale ? 'Settings changed since the last preview: preview again.' : $('#preview-status').textContent.replace(/^Settings changed.*$/, '');
  $('#preview-result').classList.toggle('stale', Boolean(stale));
  writeSettingsState();
  updatePreviewButton();
  updateExportControls();
}

export function writeSettingsState() {
  /** @type {HTMLInputElement} */ ($('#maxRemovalPct')).disabled = radio('membership') !== 'mirror';
}

export function updatePreviewButton() {
  const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
  let why = '';
  if (!app.api) why = 'The autopilot-export package is not loaded.';
  else if (state.run) why = 'An export is running.';
  else if (state.segments.length === 0) why = 'Add a segment file first (step 2).';
  else if (waiting.length) why = `Add the ${waiting.length === 1 ? 'file' : 'files'} of the imported configuration first: ${waiting.join(', ')}.`;
  setDisabled($('#preview-btn'), $('#preview-why'), why);
}

/**
 * Previews the job. One preview at a time: a request made while one runs (a click, a changed
 * "Above the limit" choice) runs once more when it ends, with the settings of that moment.
 */
export async function onPreview() {
  if (!app.api) return;
  if (state.previewing) { state.previewAgain = true; return; }
  state.previewing = true;
  $('#preview-btn').setAttribute('aria-busy', 'true');
  try {
    do {
      state.previewAgain = false;
      await previewOnce();
    } while (state.previewAgain);
  } finally {
    state.previewing = false;
    $('#preview-btn').removeAttribute('aria-busy');
    changed();
  }
}

export async function previewOnce() {
  state.previewAttempted = true;
  setAlert($('#preview-error'), '');
  const issues = await validateLive();
  if (issues.length) {
    state.preview = null;
    show($('#preview-result'), false);
    setAlert($('#preview-error'), `Fix ${issues.length === 1 ? 'this problem' : `these ${issues.length} problems`} first:`, '', h('ul', {}, issueLinks(issues)));
    return;
  }
  const key = previewKey();
  const job = currentJob();
  $('#preview-status').textContent = 'Reading the segment files…';
  await nextPaint();
  let summary;
  try {
    summary = await app.api.preview(job, { ...rateOption(), syncState: state.connection ? state.record?.syncState : undefined });
  } catch (e) {
    state.preview = null;
    show($('#preview-result'), false);
    $('#preview-status').textContent = '';
    if (e.issues?.length) placeIssues(e.issues);
    showError($('#preview-error'), e, e.issues?.length ? h('ul', {}, issueLinks(e.issues)) : null);
    return;
  }
  state.preview = { summary, key };
  state.ranSincePreview = false;
  $('#preview-status').textContent = summary.wouldSend
    ? `Preview ready: ${fmt.plural(summary.totals.uniqueProfiles, 'unique profile')}, ${fmt.plural(summary.batches, 'batch', 'batches')}.`
    : 'Preview ready: nothing would be sent (see below).';
  renderPreview(summary, { toCsv: app.api.toCsv, syncState: Boolean(state.connection && state.record?.syncState), maxBatch: state.meta?.maxBatch });
  await saveConfig();
}

/** The rate option for preview (the package validates it). */
export function rateOption() {
  const run = runOptions(state.settings);
  return run.ratePerSecond === undefined ? {} : { ratePerSecond: run.ratePerSecond };
}
