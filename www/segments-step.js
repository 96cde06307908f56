// Step 2, segments: files read through the package's inspect (binary files refused with
// its message; a configuration's format, delimiter and encoding passed on), default names,
// files that fill or replace a segment, the drop zone.

import * as fmt from './format.js';
import { $, $$, h, sentence, setAlert, show } from './dom.js';
import { refreshHeaders } from './matching-step.js';
import { describeError } from './messages.js';
import { app, state } from './page-state.js';
import { changed } from './preview-step.js';
import { defaultSegmentName, formatFromName, uniqueName } from './segments.js';

/**
 * The package's reading of a file: `{inspection, suggestion}`, or `{refused}` with what to say.
 * `options`: the configuration's delimiter and encoding (the package detects them otherwise).
 */
async function readBytes(bytes, format, options) {
  let inspection;
  try {
    inspection = await app.api.inspect(bytes, format, options && Object.keys(options).length ? options : undefined);
  } catch (e) {
    return { refused: describeError(e) };
  }
  if (inspection.binary) return { refused: { title: 'not a text file:', detail: sentence(inspection.binary.message), hint: '' } };
  if (inspection.error) return { refused: { title: 'cannot be read:', detail: sentence(inspection.error), hint: '' } };
  let suggestion = null;
  try { suggestion = await app.api.suggestMapping(inspection); } catch { /* no suggestion for this file */ }
  return { inspection, suggestion };
}

function showRefused(refused) {
  if (refused.length) {
    setAlert($('#files-error'), refused.length === 1 ? 'A file was not added:' : `${refused.length} files were not added:`, '',
      h('ul', {}, refused.map(([name, said]) => h('li', { 'data-file': name }, `“${name}”: `, said.title ? `${said.title} ` : '', said.detail, said.hint ? ` ${said.hint}` : ''))));
  } else {
    setAlert($('#files-error'), '');
  }
}

export async function addFiles(fileList) {
  const files = [...fileList];
  if (!files.length || !app.api) return;
  const added = [];
  const replaced = [];
  const refused = [];
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    // A file named like a segment's file fills that segment (a configuration's segment waiting
    // for it, or a newer export of the same file): same name, same place in the order, read
    // as that segment says (its format, delimiter and encoding).
    const same = state.segments.find((s) => s.fileName === file.name);
    const format = same?.format ?? formatFromName(file.name, state.meta?.formats ?? []);
    const read = await readBytes(bytes, format, same?.options);
    if (read.refused) {
      refused.push([file.name, read.refused]);
      continue;
    }
    const { inspection, suggestion } = read;
    const base = { fileName: file.name, size: file.size, format: inspection.format ?? format, bytes, inspection, suggestion, dialect: inspection.dialect, pending: false };
    if (same) {
      if (!same.pending) replaced.push(same);
      Object.assign(same, base);
      added.push(same);
    } else {
      const seg = { id: state.nextSegmentId++, name: uniqueName(defaultSegmentName(file.name), state.segments.map((s) => s.name)), ...base };
      state.segments.push(seg);
      added.push(seg);
    }
  }
  /** @type {HTMLInputElement} */ ($('#files')).value = '';
  const fresh = added.filter((x) => !replaced.includes(x));
  $('#files-status').textContent = [
    fresh.length ? `Added ${fresh.length === 1 ? `segment “${fresh[0].name}”` : `${fresh.length} segments`}.` : '',
    replaced.length ? `Replaced the file of ${replaced.map((x) => `“${x.name}”`).join(', ')}.` : '',
  ].filter(Boolean).join(' ');
  showRefused(refused);
  renderSegments();
  refreshHeaders();
  changed();
}

/**
 * Reads loaded files again after a configuration changed how to read them (format,
 * delimiter, encoding). A file the package cannot read that way waits for its file again,
 * with the package's reason.
 */
export async function inspectAgain(segs) {
  if (!app.api) return;
  const refused = [];
  for (const seg of segs) {
    const read = await readBytes(seg.bytes ?? new Uint8Array(0), seg.format, seg.options);
    if (read.refused) {
      refused.push([seg.fileName, read.refused]);
      Object.assign(seg, { pending: true, bytes: undefined, size: 0, inspection: undefined, suggestion: null, dialect: undefined });
    } else {
      Object.assign(seg, { inspection: read.inspection, suggestion: read.suggestion, dialect: read.inspection.dialect, format: read.inspection.format ?? seg.format });
    }
  }
  showRefused(refused);
  renderSegments();
  refreshHeaders();
  changed();
}

export function removeSegment(id) {
  const i = state.segments.findIndex((s) => s.id === id);
  if (i < 0) return;
  const [seg] = state.segments.splice(i, 1);
  $('#files-status').textContent = `Removed segment “${seg.name}”.`;
  renderSegments();
  refreshHeaders();
  changed();
  const buttons = $$('#segment-list .remove');
  (buttons[Math.min(i, buttons.length - 1)] ?? $('#files')).focus();
}

export function renderSegments() {
  const list = $('#segment-list');
  list.replaceChildren();
  show($('#segments-empty'), state.segments.length === 0);
  state.segments.forEach((s, i) => {
    const nameId = `seg-name-${s.id}`;
    const metaId = `seg-meta-${s.id}`;
    const input = h('input', {
      id: nameId, value: s.name, 'data-path': `segments[${i}].name`, autocomplete: 'off', 'aria-describedby': `${metaId} segment-name-rule`,
      oninput: (e) => { s.name = e.target.value; changed(); },
    });
    const ins = s.inspection;
    const meta = s.pending
      ? h('p', { class: 'seg-meta seg-pending', id: metaId }, 'Waiting for its file ', h('span', { class: 'file mono' }, s.fileName), readingNote(s), ': add it above.')
      : h('p', { class: 'seg-meta', id: metaId },
        h('span', { class: 'file' }, s.fileName), ' · ', s.format.toUpperCase(),
        s.dialect?.delimiter && s.dialect.delimiter !== ',' ? ` (${s.dialect.delimiter === '\t' ? 'tab' : `“${s.dialect.delimiter}”`}-separated)` : '',
        s.options?.encoding !== undefined ? h('span', { class: 'seg-encoding' }, ` · ${ins?.encoding ?? s.options.encoding}`) : '', ' · ',
        h('span', { class: 'rows' }, fmt.plural(ins?.rows ?? 0, 'row')), ' · ', fmt.plural(ins?.headers?.length ?? 0, 'field'),
        ins?.invalidUtf8Rows ? h('span', { class: 'field-warning' }, ` · ${fmt.plural(ins.invalidUtf8Rows, 'row')} not valid text in ${ins.encoding ?? 'UTF-8'}`) : null,
        ins?.malformedRows ? h('span', { class: 'field-warning' }, ` · ${fmt.plural(ins.malformedRows, 'row')} cannot be read`) : null,
        ins?.duplicateHeaders?.length ? h('span', { class: 'field-warning' }, ` · column ${ins.duplicateHeaders.map((x) => `“${x}”`).join(', ')} appears twice`) : null);
    list.append(h('li', { class: s.pending ? 'segment pending' : 'segment', 'data-segment-id': s.id },
      h('div', { class: 'field' }, h('label', { for: nameId }, `Segment ${i + 1} name`), input, meta),
      h('button', { type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove segment ${s.name}`, onclick: () => removeSegment(s.id) }, 'Remove')));
  });
}

/** How the configuration says to read a file, when it says: " (read as CSV, “;”-separated, windows-1252)". */
function readingNote(s) {
  const o = s.options ?? {};
  const parts = [
    s.formatSet ? String(s.format).toUpperCase() : '',
    o.delimiter !== undefined ? `${o.delimiter === '\t' ? 'tab' : `“${o.delimiter}”`}-separated` : '',
    o.encoding !== undefined ? String(o.encoding) : '',
  ].filter(Boolean);
  return parts.length ? ` (read as ${parts.join(', ')})` : '';
}

export function setupDropzone() {
  const zone = $('#dropzone');
  for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());
  zone.addEventListener('dragenter', () => zone.classList.add('dragging'));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'; zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', (e) => { if (!zone.contains(/** @type {Node} */ (e.relatedTarget))) zone.classList.remove('dragging'); });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    if (e.dataTransfer?.files?.length) addFiles(e.dataTransfer.files);
  });
  $('#files').addEventListener('change', (e) => addFiles(/** @type {HTMLInputElement} */ (e.target).files ?? []));
}
