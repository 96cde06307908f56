// The job configuration file (the CLI's JSON, never the key): import, export, and keeping
// the last one per connection; applying one to the page.

import { readForm, writeForm } from './connection-step.js';
import { $, download, sentence, setAlert, show } from './dom.js';
import { ConfigFileError, fromConfigFile, toConfigFile } from './job.js';
import { refreshHeaders } from './matching-step.js';
import { keep, state } from './page-state.js';
import { changed } from './preview-step.js';
import { renderSegments } from './segments-step.js';
import { formatFromName } from './segments.js';
import { readSettings, writeSettings } from './settings-step.js';

/** The page's settings as the configuration file has them. */
export function currentConfig() {
  readSettings();
  return toConfigFile({
    form: state.connection ?? readForm(),
    consent: Boolean(state.connection) || /** @type {HTMLInputElement} */ ($('#consent')).checked,
    mapping: state.mapping,
    segments: state.segments,
    settings: state.settings,
    formats: state.meta?.formats ?? [],
  });
}

/**
 * Puts a configuration (the CLI's JSON, already read by fromConfigFile or as stored) into
 * the page: connection fields (unless connected), mapping, segment names by file, settings.
 */
export function applyConfig(cfgOrRead, { keepConnection = false } = {}) {
  const c = cfgOrRead.ignored ? cfgOrRead : fromConfigFile(JSON.stringify(cfgOrRead));
  if (!keepConnection) writeForm(c.form); // hidden while connected: used by the next Connect
  state.mapping = { email: c.mapping.email, firstName: c.mapping.firstName, lastName: c.mapping.lastName, fields: { ...c.mapping.fields }, custom: c.mapping.custom.map((x) => ({ ...x })) };
  state.touched = new Set(['email', 'firstName', 'lastName', 'idField', ...state.targets.more.map((t) => t.key)]);
  state.suggested.clear();
  state.declined = new Set(c.mapping.custom.map((x) => x.source));
  // Segments: the file's order; loaded files are matched by name, the others wait for their file.
  const loaded = [...state.segments];
  const next = [];
  for (const s of c.segments) {
    const i = loaded.findIndex((x) => x.fileName === s.file);
    if (i >= 0) {
      const [seg] = loaded.splice(i, 1);
      next.push({ ...seg, name: s.name });
    } else {
      next.push({ id: state.nextSegmentId++, name: s.name, fileName: s.file, size: 0, format: s.format ?? formatFromName(s.file, state.meta?.formats ?? []), pending: true });
    }
  }
  state.segments = [...next, ...loaded.filter((x) => !x.pending)];
  const st = c.settings;
  state.explicit = new Set(['overCap', 'lists', 'membership'].filter((k) => st[k] !== undefined));
  state.settings = {
    cap: st.cap ?? '',
    overCap: st.overCap ?? '',
    lists: st.lists ?? '',
    listPrefix: st.listPrefix ?? '',
    idField: st.idField ?? '',
    membership: st.membership ?? '',
    maxRemovalRatio: st.maxRemovalRatio ?? '',
    run: { ...(st.run ?? {}) },
  };
  writeSettings();
  renderSegments();
  refreshHeaders();
  state.preview = null;
  show($('#preview-result'), false);
  return c;
}

export async function onImportConfig(e) {
  const input = /** @type {HTMLInputElement} */ (e.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file || !state.meta) return;
  setAlert($('#config-error'), '');
  let read;
  try {
    read = fromConfigFile(await file.text());
  } catch (err) {
    const msg = err instanceof ConfigFileError ? err.message : String(err);
    setAlert($('#config-error'), `“${file.name}” was not imported:`, sentence(msg));
    return;
  }
  applyConfig(read);
  const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
  const parts = [`Imported “${file.name}”.`];
  if (state.connection && (read.form.displayName || read.form.baseUrl)) parts.push('Its connection details are used the next time you connect; the current connection stays.');
  if (read.ignored.length) parts.push(`Ignored: ${read.ignored.join(', ')}.`);
  if (waiting.length) parts.push(`Add the segment ${waiting.length === 1 ? 'file' : 'files'} ${waiting.join(', ')}.`);
  $('#config-status').textContent = parts.join(' ');
  await saveConfig();
  changed();
}

export async function onExportConfig() {
  if (!state.meta) return;
  const cfg = currentConfig();
  download('autopilot-export.json', `${JSON.stringify(cfg, null, 2)}\n`, 'application/json');
  $('#config-status').textContent = 'Exported the configuration as autopilot-export.json (without the API key).';
  await saveConfig(cfg);
}

/** Keeps the configuration as this connection's last one. */
export async function saveConfig(cfg = currentConfig()) {
  if (!state.connId) return;
  const rec = await keep((s) => s.saveConfig(state.connId, cfg));
  if (rec) state.record = rec;
}
