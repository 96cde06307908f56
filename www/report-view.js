// The run report of the export step: a sentence, the numbers, per-segment lists, rejects
// (CSV through the package's toCsv) and warnings, a JSON download. The report carries no key
// and no email (the package's guarantee); the page adds none.

import { $, breakable, h, show, stackable } from './dom.js';
import * as fmt from './format.js';
import { renderRejects, renderWarnings, stat } from './tables.js';

let reportUrl = null;

/** The report as JSON text for the download (the sync state's bytes as their length only). */
export function reportJson(r) {
  return JSON.stringify(r, (k, v) => (v instanceof Uint8Array ? `(${v.length} bytes of sync state)` : v), 2);
}

/**
 * @param {object} r  ExportReport
 * @param {{toCsv: (rows: unknown[][]) => Promise<string>}} ctx
 */
export function renderReport(r, { toCsv }) {
  const box = $('#report');
  box.replaceChildren();
  const t = r.totals;
  const withLists = r.segments.some((s) => s.listTitle);
  const unit = (n) => (withLists ? `list ${n === 1 ? 'membership' : 'memberships'}` : n === 1 ? 'contact' : 'contacts');
  const refresh = Number.isFinite(t.unchanged) && t.unchanged > 0;
  const what = `${fmt.num(t.exported)} ${unit(t.exported)}${withLists && !refresh ? ` (${fmt.plural(t.uniqueProfiles, 'contact')})` : ''}`;
  const extra = [refresh ? `${fmt.num(t.unchanged)} unchanged not sent again` : '', t.removed ? `${fmt.plural(t.removed, 'member')} removed from lists` : ''].filter(Boolean).join('; ');
  const tail = extra ? ` (${extra})` : '';
  const words = {
    succeeded: r.resumed
      ? `Exported ${what} to Autopilot${tail}; this resumed run took ${fmt.duration(r.durationMs)}.`
      : `Exported ${what} to Autopilot in ${fmt.duration(r.durationMs)}${tail}.`,
    partial: `Exported ${fmt.num(t.exported)} ${unit(t.exported)}${tail}; ${fmt.num(t.failed)} could not be exported (see the failed contacts below).`,
    failed: `The export failed${r.error ? `: ${fmt.sentence(r.error.message)}` : '.'}`,
    cancelled: `Cancelled after exporting ${fmt.num(t.exported)} of ${fmt.num(t.memberships - (t.unchanged ?? 0))} ${unit(t.memberships)}. Resume to send the rest.`,
    paused: `Paused after exporting ${fmt.num(t.exported)} ${unit(t.exported)}. Resume to send the rest.`,
  }[r.status] ?? '';

  if (reportUrl) URL.revokeObjectURL(reportUrl);
  reportUrl = URL.createObjectURL(new Blob([reportJson(r)], { type: 'application/json' }));
  const stamp = (r.finishedAt ?? new Date().toISOString()).replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
  const num = (n) => fmt.num(n ?? 0);

  const cols = ['Rows', 'Exported', ...(refresh || t.removed ? ['Unchanged', 'Removed'] : []), 'Failed', 'Invalid', 'Duplicates', 'Over limit'];
  box.append(
    h('div', { class: 'report-head' },
      h('h3', { id: 'report-title' }, 'Run report ', h('span', { class: `badge badge-${fmt.tone(r.status)}`, 'data-status': r.status }, fmt.status(r.status))),
      h('a', { id: 'download-report', class: 'btn btn-small', href: reportUrl, download: `autopilot-export-report-${stamp}.json` }, 'Download report (JSON)')),
    h('p', { class: 'report-sentence' }, words),
    h('dl', { class: 'kv' },
      h('div', {}, h('dt', {}, 'Display name'), h('dd', {}, r.displayName)),
      h('div', {}, h('dt', {}, 'Export user'), h('dd', {}, breakable(r.exportUser))),
      h('div', {}, h('dt', {}, 'Started'), h('dd', {}, fmt.dateTime(r.startedAt))),
      h('div', {}, h('dt', {}, 'Finished'), h('dd', {}, fmt.dateTime(r.finishedAt))),
      h('div', {}, h('dt', {}, 'Duration'), h('dd', {}, fmt.duration(r.durationMs))),
      h('div', {}, h('dt', {}, 'Resumed run'), h('dd', {}, r.resumed ? 'Yes' : 'No'))),
    h('dl', { class: 'stats', id: 'report-stats' },
      stat('Profiles read', num(t.profilesIn), { id: 'profilesIn' }),
      stat('Exported', num(t.exported), { id: 'exported', tone: 'good' }),
      refresh ? stat('Unchanged (not sent)', num(t.unchanged), { id: 'unchanged' }) : null,
      t.removed ? stat('Removed from lists', num(t.removed), { id: 'removed' }) : null,
      stat('Failed', num(t.failed), { id: 'failed', tone: t.failed ? 'bad' : undefined }),
      stat('Invalid', num(t.invalid), { id: 'invalid', tone: t.invalid ? 'warn' : undefined }),
      stat('Duplicates', num(t.duplicates), { id: 'duplicates' }),
      stat('Over the limit', num(t.overCap), { id: 'overCap' }),
      stat('Unique profiles', num(t.uniqueProfiles), { id: 'uniqueProfiles' }),
      stat('Requests', num(r.requests.sent), { id: 'requests' })),
    h('p', { class: 'hint' }, `Requests: ${num(r.requests.sent)} sent, ${num(r.requests.retried)} retried, ${num(r.requests.throttled)} throttled (429), ${num(r.requests.errors)} errors.`),
    h('div', { class: 'table-wrap' }, stackable(h('table', { class: 'data', id: 'report-segments' },
      h('caption', {}, 'Per segment'),
      h('thead', {}, h('tr', {}, ...['Segment', 'Autopilot list'].map((x) => h('th', { scope: 'col' }, x)),
        ...cols.map((x) => h('th', { scope: 'col', class: 'num' }, x)))),
      h('tbody', {}, r.segments.map((s, i) => h('tr', { 'data-segment': i },
        h('th', { scope: 'row' }, s.name),
        h('td', {}, h('span', {}, s.listTitle ?? '—', s.listCreated ? h('span', { class: 'tag' }, 'new') : null),
          s.listId ? h('span', { class: 'list-id mono', 'data-col': 'listId', title: 'Autopilot list id' }, s.listId) : null),
        h('td', { class: 'num' }, num(s.profilesIn)),
        h('td', { class: 'num', 'data-col': 'exported' }, num(s.exported)),
        ...(refresh || t.removed ? [h('td', { class: 'num', 'data-col': 'unchanged' }, num(s.unchanged)), h('td', { class: 'num', 'data-col': 'removed' }, num(s.removed))] : []),
        h('td', { class: 'num', 'data-col': 'failed' }, num(s.failed)),
        h('td', { class: 'num' }, num(s.invalid)),
        h('td', { class: 'num' }, num(s.duplicates)),
        h('td', { class: 'num' }, num(s.overCap)))))))));
  const names = r.segments.map((s) => s.name);
  const rejectCount = (r.rejects?.length ?? 0) + (r.rejectsOmitted ?? 0);
  const rejects = h('div', {});
  box.append(h('p', { id: 'report-rejects-count' }, `${fmt.num(rejectCount)} rejected ${rejectCount === 1 ? 'row' : 'rows'} or failed ${rejectCount === 1 ? 'contact' : 'contacts'}.`), rejects);
  renderRejects(rejects, { rejects: r.rejects ?? [], omitted: r.rejectsOmitted, names, title: 'Rejected rows and failed contacts', toCsv, file: 'rejected-and-failed.csv' });
  const warnings = h('div', {});
  renderWarnings(warnings, r.warnings, names);
  box.append(warnings);
  show(box, true);
}
