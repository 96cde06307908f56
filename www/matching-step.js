// Step 3, data matching: one select per Autopilot field (from the package's metadata),
// the package's suggestions for untouched fields, custom fields suggested with guessed
// types for confirmation, and the custom field rows (with a date format from the package's
// metadata().dateFormats for dates, a decimal mark for numbers).

import * as fmt from './format.js';
import { $, $$, h, show } from './dom.js';
import { mergeSuggestions, unionHeaders } from './mapping.js';
import { setDisabled, state } from './page-state.js';
import { changed } from './preview-step.js';

export const allTargets = () => [...state.targets.core, ...state.targets.more];

export function headers() {
  return unionHeaders(state.segments.map((s) => s.inspection?.headers ?? []));
}

export function getTarget(key) {
  if (key === 'idField') return state.settings.idField ?? '';
  if (key.startsWith('fields.')) return state.mapping.fields[key.slice(7)] ?? '';
  return state.mapping[key] ?? '';
}

export function setTarget(key, value) {
  if (key === 'idField') state.settings.idField = value;
  else if (key.startsWith('fields.')) state.mapping.fields[key.slice(7)] = value;
  else state.mapping[key] = value;
}

/** Fills a select with "not mapped" + the headers, keeping its value (even if gone from the files). */
export function fillSelect(select, value, { emptyLabel = '— Not mapped —' } = {}) {
  const hs = headers();
  select.replaceChildren(h('option', { value: '' }, emptyLabel));
  for (const hd of hs) select.append(h('option', { value: hd }, hd));
  if (value && !hs.includes(value)) select.append(h('option', { value }, `${value} (not in the files)`));
  select.value = value;
}

export function buildMappingRows() {
  $('#map-core').replaceChildren();
  $('#map-more').replaceChildren();
  for (const [list, box] of [[state.targets.core, $('#map-core')], [state.targets.more, $('#map-more')]]) {
    for (const t of list) {
      const id = `map-${t.key.replace('.', '-')}`;
      const select = h('select', { id, 'data-path': t.path, 'data-target': t.key, required: t.required });
      select.addEventListener('change', () => {
        setTarget(t.key, select.value);
        state.touched.add(t.key);
        state.suggested.delete(t.key);
        renderSuggestedTags();
        renderCustomSuggestions();
        changed();
      });
      box.append(h('div', { class: 'field map-row' },
        h('label', { for: id }, t.label, t.required ? h('span', { class: 'req' }, ' (required)') : null),
        h('div', { class: 'map-control' }, select, h('span', { class: 'tag tag-suggested', 'data-suggested-for': t.key, hidden: true }, 'suggested'))));
    }
  }
  $('#idField').addEventListener('change', (e) => {
    state.settings.idField = /** @type {HTMLSelectElement} */ (e.target).value;
    state.touched.add('idField');
    state.suggested.delete('idField');
    changed();
  });
}

/** The package's suggestions of every loaded file, merged (first file wins). */
export function suggestion() {
  return mergeSuggestions(state.segments.filter((s) => s.suggestion).map((s) => s.suggestion));
}

/** Re-fills every select from the current headers and applies suggestions to untouched targets. */
export function refreshHeaders() {
  const hs = headers();
  const sugg = suggestion();
  for (const key of [...allTargets().map((x) => x.key), 'idField']) {
    if (state.touched.has(key) && !(key === 'email' && !getTarget(key))) continue;
    const current = getTarget(key);
    if (current && !state.suggested.has(key) && hs.includes(current)) continue;
    const next = (key === 'idField' ? sugg.idField : sugg.targets[key]) ?? '';
    setTarget(key, next);
    if (next) state.suggested.add(key); else state.suggested.delete(key);
  }
  for (const t of allTargets()) fillSelect(/** @type {HTMLSelectElement} */ ($(`[data-target="${t.key}"]`)), getTarget(t.key));
  fillSelect(/** @type {HTMLSelectElement} */ ($('#idField')), state.settings.idField, { emptyLabel: '— None (row numbers only) —' });
  renderCustom();
  renderCustomSuggestions();
  renderSuggestedTags();
}

export function renderSuggestedTags() {
  for (const tag of $$('[data-suggested-for]')) tag.hidden = !state.suggested.has(tag.dataset.suggestedFor);
  const mapped = state.targets.more.filter((t) => getTarget(t.key)).length;
  $('#more-count').textContent = mapped ? `(${mapped} mapped)` : '';
  if (mapped && !state.moreOpened) { /** @type {HTMLDetailsElement} */ ($('#more-fields')).open = true; state.moreOpened = true; }
}

/** Custom fields the package suggests from the headers (types from sampled values), to confirm. */
export function pendingCustomSuggestions() {
  const mapped = new Set([...allTargets().map((t) => getTarget(t.key)), ...state.mapping.custom.map((c) => c.source)].filter(Boolean));
  return suggestion().custom.filter((c) => !mapped.has(c.source) && !state.declined.has(c.source));
}

export function typeLabel(name) {
  return state.meta?.customTypes?.find((t) => t.name === name)?.label ?? name;
}

export function renderCustomSuggestions() {
  const box = $('#custom-suggestions');
  const list = pendingCustomSuggestions();
  box.replaceChildren();
  show(box, list.length > 0);
  if (!list.length) return;
  box.append(
    h('p', { id: 'custom-sugg-text' }, h('strong', {}, `${fmt.plural(list.length, 'more column')} could be sent as custom fields.`),
      ' Only mapped fields are sent: tick the columns Autopilot should receive (types were guessed from the values in the files; you can change them after adding).'),
    h('ul', { class: 'sugg-list' }, list.map((c, i) => h('li', { 'data-type': c.type },
      h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `cs-${i}`, 'data-source': c.source, onchange: updateSuggestionButton }),
        h('label', { for: `cs-${i}` }, h('span', { class: 'mono' }, c.source), ` → “${c.name}”, ${typeLabel(c.type)}`))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'btn btn-small btn-primary', id: 'custom-sugg-add', onclick: acceptCustomSuggestions, 'aria-describedby': 'custom-sugg-why' }, 'Add the ticked fields'),
      h('span', { class: 'why', id: 'custom-sugg-why' }),
      h('button', { type: 'button', class: 'btn btn-small', id: 'custom-sugg-dismiss', onclick: () => { for (const c of list) state.declined.add(c.source); renderCustomSuggestions(); } }, 'Not now')));
  updateSuggestionButton();
}

/** "Add the ticked fields" is enabled once a column is ticked (and says so until then). */
function updateSuggestionButton() {
  const any = $$('#custom-suggestions input[data-source]').some((x) => /** @type {HTMLInputElement} */ (x).checked);
  setDisabled($('#custom-sugg-add'), $('#custom-sugg-why'), any ? '' : 'Tick at least one column first.');
}

export function acceptCustomSuggestions() {
  const list = pendingCustomSuggestions();
  for (const c of list) {
    const box = /** @type {HTMLInputElement} */ (document.querySelector(`#custom-suggestions input[data-source="${CSS.escape(c.source)}"]`));
    if (box?.checked) state.mapping.custom.push({ source: c.source, name: c.name, type: c.type });
    else state.declined.add(c.source);
  }
  renderCustom();
  renderCustomSuggestions();
  changed();
  ($('#custom-list li:last-child input') ?? $('#add-custom')).focus();
}

/** Selects `value` in `select`, adding it as an option when the select has none for it (a value from a file). */
function choose(select, value) {
  const v = value === undefined || value === null ? '' : String(value);
  if (v && ![...select.options].some((o) => o.value === v)) select.append(h('option', { value: v }, `“${v}”`));
  select.value = v;
}

/**
 * How a custom field's values are read: the date format of a date field (the package's
 * metadata().dateFormats) and the decimal mark of a number field; either is shown whenever
 * the field holds one, so a value from a file is never hidden (the package says when it
 * does not apply). "Not set" leaves the member out.
 */
function readingFields(c, i, base) {
  const out = [];
  const bind = (select, key) => select.addEventListener('change', () => {
    if (select.value === '') delete c[key]; else c[key] = select.value;
    changed();
  });
  if (c.type === 'date' || c.format !== undefined) {
    const sel = /** @type {HTMLSelectElement} */ (h('select', { id: `cf-format-${i}`, 'data-path': `${base}.format` },
      h('option', { value: '' }, '— Not set —'), (state.meta?.dateFormats ?? []).map((f) => h('option', { value: f }, f))));
    choose(sel, c.format);
    bind(sel, 'format');
    out.push(h('div', { class: 'field' }, h('label', { for: sel.id }, 'Date format'), sel));
  }
  if (c.type === 'integer' || c.type === 'float' || c.decimal !== undefined) {
    const sel = /** @type {HTMLSelectElement} */ (h('select', { id: `cf-decimal-${i}`, 'data-path': `${base}.decimal` },
      h('option', { value: '' }, 'Point (1.5)'), h('option', { value: ',' }, 'Comma (1,5)')));
    choose(sel, c.decimal);
    bind(sel, 'decimal');
    out.push(h('div', { class: 'field' }, h('label', { for: sel.id }, 'Decimal mark'), sel));
  }
  return out;
}

export function renderCustom() {
  const list = $('#custom-list');
  const focusedId = document.activeElement?.id;
  list.replaceChildren();
  const types = state.meta?.customTypes ?? [];
  state.mapping.custom.forEach((c, i) => {
    const base = `mapping.custom[${i}]`;
    const src = h('select', { id: `cf-source-${i}`, 'data-path': `${base}.source` });
    fillSelect(src, c.source, { emptyLabel: '— Choose a profile field —' });
    const nameInput = /** @type {HTMLInputElement} */ (h('input', { id: `cf-name-${i}`, value: c.name, 'data-path': `${base}.name`, autocomplete: 'off', oninput: (e) => { c.name = e.target.value; changed(); } }));
    src.addEventListener('change', () => {
      const before = c.source;
      c.source = /** @type {HTMLSelectElement} */ (src).value;
      if (!c.name || c.name === before) { c.name = c.source; nameInput.value = c.name; }
      changed();
    });
    const type = /** @type {HTMLSelectElement} */ (h('select', { id: `cf-type-${i}`, 'data-path': `${base}.type` }, types.map((t) => h('option', { value: t.name }, t.label ?? t.name))));
    if (c.type && !types.some((t) => t.name === c.type)) type.append(h('option', { value: c.type }, c.type));
    type.value = c.type;
    type.addEventListener('change', () => { c.type = type.value; renderCustom(); changed(); });
    list.append(h('li', { class: 'custom-row' },
      h('div', { class: 'field' }, h('label', { for: src.id }, 'Profile field'), src),
      h('div', { class: 'field' }, h('label', { for: nameInput.id }, 'Autopilot field name'), nameInput),
      h('div', { class: 'field' }, h('label', { for: type.id }, 'Type'), type),
      h('div', { class: 'custom-extra' }, readingFields(c, i, base)),
      h('button', {
        type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove custom field ${i + 1}`,
        onclick: () => {
          const [gone] = state.mapping.custom.splice(i, 1);
          if (gone?.source) state.declined.add(gone.source);
          renderCustom();
          renderCustomSuggestions();
          changed();
          ($$('#custom-list .remove')[Math.min(i, state.mapping.custom.length - 1)] ?? $('#add-custom')).focus();
        },
      }, 'Remove')));
  });
  if (focusedId) document.getElementById(focusedId)?.focus();
}
