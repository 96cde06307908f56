// The admin page: loads the package (./exporter.js, dynamically, so a missing build shows a
// message instead of a blank page) and the storage (./storage.js), wires every control to
// its step module, and starts. Each step lives in its own module (connection-step.js,
// config-step.js, segments-step.js, matching-step.js, settings-step.js, preview-step.js,
// export-step.js) over the shared page-state.js.

import { onExportConfig, onImportConfig } from './config-step.js';
import { form, onConnect, onDisconnect, renderSyncInfo, updateConnectButton, writeForm } from './connection-step.js';
import { confirmDialog } from './dialog.js';
import { $, $$, setAlert, show } from './dom.js';
import { onExportClick, renderHistory, saveResume, startExport, updateExportControls } from './export-step.js';
import { clearFieldErrors } from './issues.js';
import { fromConfigFile } from './job.js';
import { buildMappingRows, refreshHeaders, renderCustom } from './matching-step.js';
import { app, keep, setDisabled, state } from './page-state.js';
import { changed, onPreview } from './preview-step.js';

import { renderSegments, setupDropzone } from './segments-step.js';
import { applyMetadata } from './settings-step.js';
import { openStorage } from './storage.js';

async function loadDemoConfig() {
  try {
    // Never redirected: its baseUrl pre-fills the address the API key is sent to.
    const res = await fetch(new URL('demo-config.json', document.baseURI), { cache: 'no-store', redirect: 'error', credentials: 'same-origin' });
    if (!res.ok) return;
    const cfg = await res.json();
    if (cfg && typeof cfg.baseUrl === 'string' && cfg.baseUrl && !/** @type {HTMLInputElement} */ ($('#baseUrl')).value) {
      /** @type {HTMLInputElement} */ ($('#baseUrl')).value = cfg.baseUrl;
      show($('#demo-hint'), true);
    }
  } catch {
    // Served without serve.mjs (e.g. inside an extension): the package's default base URL applies.
  }
}

async function loadPackage() {
  try {
    const mod = await import('./exporter.js');
    state.meta = await mod.init();
    app.api = mod;
  } catch (e) {
    setAlert($('#load-error'), 'The autopilot-export package could not be loaded.',
      `Build it with pkg-template/build.sh and serve the page with node www/serve.mjs. (${e instanceof Error ? e.message : e?.message ?? e})`);
  }
}

async function loadStorage() {
  try {
    app.store = await openStorage();
  } catch (e) {
    $('#config-status').textContent = `Nothing can be kept in this browser: ${e instanceof Error ? e.message : e}`;
  }
}

function bind() {
  form().addEventListener('submit', onConnect);
  $('#consent').addEventListener('change', updateConnectButton);
  $('#disconnect-btn').addEventListener('click', onDisconnect);
  for (const id of ['#displayName', '#apiKey', '#exportUser', '#baseUrl']) {
    $(id).addEventListener('input', () => {
      const el = $(id);
      if (el.getAttribute('aria-invalid')) clearFieldErrors([el.dataset.path]);
    });
  }
  setupDropzone();
  $('#config-file').addEventListener('change', onImportConfig);
  $('#config-export').addEventListener('click', onExportConfig);
  $('#add-custom').addEventListener('click', () => {
    state.mapping.custom.push({ source: '', name: '', type: state.meta?.customTypes?.[0]?.name ?? '' });
    renderCustom();
    changed();
    $(`#cf-source-${state.mapping.custom.length - 1}`).focus();
  });
  for (const id of ['#cap', '#rate', '#listPrefix', '#maxRemovalPct']) $(id).addEventListener('input', changed);
  for (const name of ['lists', 'membership']) for (const r of $$(`input[name="${name}"]`)) r.addEventListener('change', () => { state.explicit.add(name); changed(); });
  for (const r of $$('input[name="overCap"]')) {
    r.addEventListener('change', () => {
      state.explicit.add('overCap');
      // The choice changes what would be sent: refresh the preview at once (no network).
      if (state.preview) onPreview(); else changed();
    });
  }
  $('#forget-sync').addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Forget the sync state?',
      body: ['The next run then sends every contact again, as a first run does. Mirror mode removes nobody until a run has confirmed its members again.'],
      confirm: 'Forget it',
    });
    if (!ok || !state.connId) return;
    const rec = await keep((s) => s.saveSyncState(state.connId, null));
    if (rec) state.record = rec;
    renderSyncInfo();
    changed();
  });
  $('#preview-btn').addEventListener('click', onPreview);
  $('#export-btn').addEventListener('click', onExportClick);
  $('#resume-btn').addEventListener('click', () => startExport(true));
  $('#cancel-btn').addEventListener('click', () => {
    if (!state.run) return;
    setDisabled($('#cancel-btn'), null, 'Cancelling: stopping the requests in flight…');
    $('#progress-text').textContent = 'Cancelling: stopping the requests in flight…';
    state.run.controller.abort();
  });
  $('#discard-btn').addEventListener('click', async () => {
    await saveResume(null);
    updateExportControls();
    $('#export-btn').focus();
  });
  window.addEventListener('beforeunload', (e) => { if (state.run) e.preventDefault(); });
  $('#clear-history').addEventListener('click', async () => {
    await keep((s) => s.clearHistory());
    renderHistory([]);
    $('#h-history').setAttribute('tabindex', '-1');
    $('#h-history').focus();
  });
}

async function boot() {
  bind();
  renderSegments();
  await Promise.all([loadPackage(), loadStorage()]);
  // The connection fields of the last configuration used in this browser (never a key).
  const last = (await keep((s) => s.connections()))?.find((r) => r.config?.connection);
  if (last) writeForm(fromConfigFile(JSON.stringify(last.config)).form);
  await loadDemoConfig();
  if (state.meta) {
    applyMetadata(state.meta);
    buildMappingRows();
    refreshHeaders();
  }
  renderHistory((await keep((s) => s.history())) ?? []);
  updateConnectButton();
  changed();
  document.documentElement.dataset.ready = app.api ? 'true' : 'error';
}

boot();
