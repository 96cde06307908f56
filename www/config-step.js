// The job configuration file (the CLI's JSON, never the key): import, export, and keeping
// the last one per connection; applying one to the page.

import { readForm, writeForm } from './connection-step.js';
import { $, download, h, sentence, setAlert, show } from './dom.js';
import { ConfigFileError, fromConfigFile, importNotes, notCarried, segmentFromFile, toConfigFile } from './job.js';
import { refreshHeaders } from './matching-step.js';
import { app, keep, state } from './page-state.js';
import { changed } from './preview-step.js';
import { inspectAgain, renderSegments } from './segments-step.js';
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
    comment: state.comment,
  });
}

/**
 * Puts a configuration (the CLI's JSON, already read by fromConfigFile or as stored) into
 * the page: connection fields (unless connected), mapping, segments by file (with how to
 * read them), settings. Returns when the files already loaded that the configuration reads
 * otherwise (format, delimiter, encoding) have been inspected again.
 */
export function applyConfig(cfgOrRead, { keepConnection = false } = {}) {
  const c = cfgOrRead.ignored ? cfgOrRead : fromConfigFile(JSON.stringify(cfgOrRead));
  if (!keepConnection) writeForm(c.form); // hidden while connected: used by the next Connect
  state.comment = c.comment;
  state.mapping = { email: c.mapping.email, firstName: c.mapping.firstName, lastName: c.mapping.lastName, fields: { ...c.mapping.fields }, custom: c.mapping.custom.map((x) => ({ ...x })) };
  state.touched = new Set(['email', 'firstName', 'lastName', 'idField', ...state.targets.more.map((t) => t.key)]);
  state.suggested.clear();
  state.declined = new Set(c.mapping.custom.map((x) => x.source));
  // Segments: the file's order; loaded files are matched by name, the others wait for their file.
  // A loaded file the configuration reads otherwise (format, delimiter, encoding) is inspected again.
  const loaded = [...state.segments];
  const next = [];
  const again = [];
  const reading = (x) => JSON.stringify([x.format, x.options ?? {}]);
  for (const s of c.segments) {
    const fromFile = segmentFromFile(s, state.meta?.formats ?? []);
    const i = loaded.findIndex((x) => x.fileName === s.file);
    if (i >= 0) {
      const [seg] = loaded.splice(i, 1);
      const now = { ...seg, ...fromFile };
      if (!seg.pending && reading(now) !== reading(seg)) again.push(now);
      next.push(now);
    } else {
      next.push({ id: state.nextSegmentId++, size: 0, ...fromFile, pending: true });
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
  return again.length ? inspectAgain(again) : Promise.resolve();
}

export async function onImportConfig(e) {
  const input = /** @type {HTMLInputElement} */ (e.target);
  const file = input.files?.[0];
  input.value = '';
  if (!file || !state.meta) return;
  setAlert($('#config-error'), '');
  setAlert($('#config-warning'), '');
  let read;
  try {
    read = fromConfigFile(await file.text());
  } catch (err) {
    const msg = err instanceof ConfigFileError ? err.message : String(err);
    setAlert($('#config-error'), `“${file.name}” was not imported:`, sentence(msg));
    return;
  }
  const inspected = applyConfig(read);
  const left = await leftOut(read);
  const waiting = state.segments.filter((s) => s.pending).map((s) => s.fileName);
  const parts = [`Imported “${file.name}”.`];
  if (state.connection && (read.form.displayName || read.form.baseUrl)) parts.push('Its connection details are used the next time you connect; the current connection stays.');
  if (left.length) parts.push(`${left.length === 1 ? 'One setting was' : `${left.length} settings were`} not imported (listed below).`);
  if (waiting.length) parts.push(`Add the segment ${waiting.length === 1 ? 'file' : 'files'} ${waiting.join(', ')}.`);
  $('#config-status').textContent = parts.join(' ');
  setAlert($('#config-warning'), left.length ? `Not imported from “${file.name}”:` : '', '',
    h('ul', {}, left.map((x) => h('li', { 'data-ignored': x.path }, h('span', { class: 'mono' }, x.path), `: ${sentence(x.message)}`))));
  await inspected;
  await saveConfig();
  changed();
}

/**
 * Everything of an imported file the page did not take, with the package's reason when it
 * has one (its validation of the file's job, as the CLI would run it): members the page does
 * not carry, and values its controls could not hold (compared with what the page now holds).
 */
async function leftOut(read) {
  let issues = [];
  try {
    issues = await /** @type {NonNullable<typeof app.api>} */ (app.api).validateJob(read.job);
  } catch (e) {
    issues = e?.issues ?? [];
  }
  const paths = new Set(read.ignored.map((x) => x.path));
  // The connection stays as the file had it in the form (hidden while connected).
  const { connection: _a, ...wrote } = toConfigFile({ ...read, segments: read.segments.map((s) => segmentFromFile(s, state.meta?.formats ?? [])), formats: state.meta?.formats ?? [] });
  const { connection: _b, ...holds } = currentConfig();
  const lost = notCarried(wrote, holds).filter((p) => !paths.has(p)).map((path) => ({ path, note: 'the page’s control cannot hold this value as written' }));
  // Run options are kept as written; the package says now which an export would refuse.
  let runIssues = [];
  try {
    runIssues = await /** @type {NonNullable<typeof app.api>} */ (app.api).validateRunOptions(read.settings?.run ?? {});
  } catch (e) {
    runIssues = e?.issues ?? [];
  }
  const refused = runIssues.map((i) => ({ path: i.path.replace(/^options\./, 'run.'), message: `kept as written, but an export refuses it: ${i.message}` }));
  return [...importNotes([...read.ignored, ...lost], issues), ...refused];
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
