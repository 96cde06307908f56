// Tables and lists shared by the preview and the report: rejected rows (with the CSV
// download, written by the package's toCsv), warnings naming the user's fields, stats cards.

import { h, stackable } from './dom.js';
import * as fmt from './format.js';

/** A stats card: <div data-stat=id><dt>label</dt><dd>value</dd></div>. */
export function stat(label, value, { id, tone, sub } = {}) {
  return h('div', { class: tone ? `stat stat-${tone}` : 'stat', 'data-stat': id }, h('dt', {}, label),
    h('dd', {}, value, sub ? h('span', { class: 'sub-value' }, ` ${sub}`) : null));
}

/** Rows shown on the page (all of them are in the CSV). */
const REJECTS_SHOWN = 200;
const urls = new WeakMap();

/**
 * Rejected rows / failed contacts: a collapsed table and a CSV download.
 * @param {HTMLElement} box
 * @param {{rejects: object[], omitted?: number, names: string[], title: string, toCsv: (rows: unknown[][]) => Promise<string>, file?: string}} o
 */
export async function renderRejects(box, { rejects, omitted = 0, names, title, toCsv, file = 'rejected-rows.csv' }) {
  box.replaceChildren();
  const total = rejects.length + omitted;
  if (total === 0) return;
  const table = stackable(h('table', { class: 'data' },
    h('caption', { class: 'visually-hidden' }, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Segment'), h('th', { scope: 'col', class: 'num' }, 'Row'), h('th', { scope: 'col' }, 'Identifier'), h('th', { scope: 'col' }, 'Reason'))),
    h('tbody', {}, rejects.slice(0, REJECTS_SHOWN).map((r) => h('tr', {},
      h('td', {}, names[r.segment] ?? String(r.segment)),
      h('td', { class: 'num' }, fmt.num(r.row)),
      h('td', {}, r.id ?? '—'),
      h('td', { 'data-reason': r.reason }, fmt.reason(r.reason), r.detail ? h('span', { class: 'muted' }, ` (${r.detail})`) : null))))));
  const more = [];
  if (rejects.length > REJECTS_SHOWN) more.push(`Showing the first ${fmt.num(REJECTS_SHOWN)}.`);
  if (omitted) more.push(`${fmt.num(omitted)} more were counted but not listed.`);
  const link = h('a', { class: 'btn btn-small', download: file, 'data-download': 'rejects' }, 'Download rejected rows (CSV)');
  box.append(h('details', { class: 'sub rejects' },
    h('summary', {}, `${title} (${fmt.num(total)})`),
    h('p', { class: 'hint' }, 'Row numbers count from 1 (a CSV header row is not counted). No email addresses are shown. ', more.join(' ')),
    h('div', { class: 'table-wrap' }, table),
    h('p', {}, link)));
  const old = urls.get(box);
  if (old) URL.revokeObjectURL(old);
  try {
    const csv = await toCsv(fmt.rejectRows(rejects, names));
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    urls.set(box, url);
    link.href = url;
  } catch (e) {
    link.replaceWith(h('span', { class: 'field-warning' }, `The CSV could not be written: ${e.message}`));
  }
}

/** "0:93" (segment index : row) -> "VIP customers row 93". */
function exampleRows(examples, names) {
  return examples.map((e) => {
    const [seg, row] = String(e).split(':');
    const name = names[Number(seg)];
    return name !== undefined && row !== undefined ? `${name} row ${row}` : String(e);
  }).join(', ');
}

/**
 * Warnings (values left out), each naming the field as the user named it, the key Autopilot
 * receives as secondary detail.
 */
export function renderWarnings(box, warnings, names = []) {
  box.replaceChildren();
  if (!warnings?.length) return;
  box.append(h('div', { class: 'alert alert-warning', role: 'status' },
    h('strong', {}, `${warnings.length === 1 ? 'Warning' : 'Warnings'}: values left out`),
    h('ul', {}, warnings.map((w) => {
      const label = w.label || w.field;
      return h('li', { 'data-warning': w.code, 'data-field': w.field },
        h('strong', { class: 'warn-label' }, label), w.label && w.field && w.label !== w.field ? h('span', { class: 'muted mono wire' }, ` (sent as ${w.field})`) : null,
        `: ${fmt.plural(w.count, 'value')} ${w.code === 'VALUE_NESTED' ? 'not a plain value' : 'could not be converted'}; those contacts are still exported without it.`,
        w.hint ? ` ${fmt.sentence(w.hint)}` : null,
        w.examples?.length ? h('span', { class: 'muted' }, ` For example: ${exampleRows(w.examples, names)}.`) : null);
    }))));
}
