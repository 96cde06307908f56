// The preview step's result: the limit box, the stats cards, the per-segment table, the
// changes since the last run (sync state), the first contacts of each segment exactly as
// the package will send them (emails masked on screen), the removal guard, rejects and
// warnings. Reads an ExportPlanSummary; decides nothing the summary does not say.

import { $, h, show, stackable } from './dom.js';
import * as fmt from './format.js';
import { renderRejects, renderWarnings, stat } from './tables.js';

/** The lists the mirror guard refuses to shrink that much ([] when none). */
export function guardHits(s) {
  const g = s.removalGuard;
  return Array.isArray(g) ? g : g?.exceeded ?? [];
}

/** Whether a summary would send anything at all (not refused, something to send). */
export function sends(s) {
  if (!s.wouldSend || guardHits(s).length) return false;
  if (s.changes) return s.changes.added + s.changes.updated + s.changes.removed > 0;
  return s.totals.memberships > 0;
}

/**
 * @param {object} s  ExportPlanSummary
 * @param {{toCsv: (rows: unknown[][]) => Promise<string>, syncState: boolean, maxBatch: number}} ctx  maxBatch: `metadata().maxBatch`
 */
export function renderPreview(s, { toCsv, syncState, maxBatch }) {
  const box = $('#preview-result');
  show(box, true);
  box.classList.remove('stale');
  const t = s.totals;
  const refused = !s.wouldSend;
  const names = s.segments.map((x) => x.name);
  const none = 'none';

  const capBox = $('#cap-box');
  capBox.replaceChildren();
  if (s.capExceeded) {
    capBox.className = 'alert alert-warning';
    capBox.setAttribute('role', 'alert');
    capBox.append(h('strong', {}, `${fmt.num(s.uniqueSeen)} unique profiles: more than the limit of ${fmt.num(s.cap)} per export.`), ' ',
      refused
        ? 'Nothing will be sent. Make the segments smaller, or choose “Truncate” below.'
        : `Only the first ${fmt.num(s.cap)} will be exported; ${fmt.plural(t.overCap, 'segment row')} ${t.overCap === 1 ? 'is' : 'are'} left out.`);
  } else if (s.blocked && refused) {
    capBox.className = 'alert alert-warning';
    capBox.setAttribute('role', 'alert');
    capBox.append(h('strong', {}, 'Nothing will be sent:'), ' ', fmt.sentence(s.blocked.message));
  } else {
    capBox.className = 'alert alert-success';
    capBox.setAttribute('role', 'status');
    capBox.append(h('strong', {}, 'Within the limit:'), ` ${fmt.num(s.uniqueSeen)} of ${fmt.num(s.cap)} unique profiles.`);
  }
  show($('#overcap-choice'), s.capExceeded || s.overCap === 'truncate');

  const c = s.changes;
  const toSend = c ? c.added + c.updated : t.memberships;
  $('#preview-stats').replaceChildren(
    stat('Profiles read', fmt.num(t.profilesIn), { id: 'profilesIn' }),
    stat('Unique valid profiles', fmt.num(s.uniqueSeen), { id: 'uniqueSeen' }),
    stat('Contacts to export', refused ? none : fmt.num(t.uniqueProfiles), { id: 'uniqueProfiles', tone: refused ? undefined : 'good' }),
    stat(c ? 'List memberships to send' : 'List memberships', refused ? none : fmt.num(toSend), { id: 'memberships', sub: !refused && c ? `of ${fmt.num(t.memberships)}` : undefined }),
    stat('Invalid', fmt.num(t.invalid), { id: 'invalid', tone: t.invalid ? 'warn' : undefined }),
    stat('Duplicates', fmt.num(t.duplicates), { id: 'duplicates' }),
    stat('Over the limit', fmt.num(t.overCap), { id: 'overCap', tone: t.overCap ? 'warn' : undefined }),
    stat('Requests', refused ? none : fmt.num(s.requests.total), {
      id: 'requests',
      sub: refused ? undefined : `(${fmt.num(s.requests.contacts)} of ≤ ${fmt.num(maxBatch)} contacts${s.requests.lists ? `, ${fmt.num(s.requests.lists)} for lists` : ''}${s.requests.removals ? `, ${fmt.num(s.requests.removals)} removals` : ''})`,
    }),
    stat(`Estimated time at ${fmt.rate(s.ratePerSecond, 'requests')}`, refused ? '–' : fmt.duration(s.estimatedDurationMs), { id: 'duration' }),
  );

  const tbody = $('#preview-table tbody');
  tbody.replaceChildren();
  s.segments.forEach((seg, i) => {
    const reasons = Object.entries(seg.invalidByReason ?? {}).sort(([a], [b]) => fmt.reasonRank(a) - fmt.reasonRank(b));
    const invalidCell = h('td', { class: 'num', 'data-col': 'invalid' }, fmt.num(seg.invalid));
    if (reasons.length) invalidCell.append(h('ul', { class: 'reasons' }, reasons.map(([r, n]) => h('li', { 'data-reason': r }, `${fmt.reason(r)}: ${fmt.num(n)}`))));
    tbody.append(h('tr', { 'data-segment': i },
      h('th', { scope: 'row' }, seg.name),
      h('td', {}, seg.listTitle ?? '—'),
      h('td', { class: 'num', 'data-col': 'profilesIn' }, fmt.num(seg.profilesIn)),
      h('td', { class: 'num', 'data-col': 'memberships' }, refused ? none : fmt.num(seg.memberships)),
      invalidCell,
      h('td', { class: 'num', 'data-col': 'duplicates' }, fmt.num(seg.duplicates)),
      h('td', { class: 'num', 'data-col': 'overCap' }, fmt.num(seg.overCap))));
  });
  stackable(/** @type {HTMLTableElement} */ ($('#preview-table')));

  renderChanges($('#preview-changes'), s, { refused, syncState });
  renderGuard($('#preview-guard'), s);
  renderSamples($('#preview-samples'), s, refused);
  renderRejects($('#preview-rejects'), { rejects: s.rejects ?? [], omitted: s.rejectsOmitted, names, title: 'Rejected rows', toCsv });
  renderWarnings($('#preview-warnings'), s.warnings, names);
}

/** Added / updated / unchanged / removed per segment against the stored sync state. */
function renderChanges(box, s, { refused, syncState }) {
  box.replaceChildren();
  const c = s.changes;
  if (!c) return;
  const cols = ['added', 'updated', 'unchanged', 'removed'];
  const labels = { added: 'Added', updated: 'Updated', unchanged: 'Unchanged', removed: 'Removed' };
  const table = stackable(h('table', { class: 'data', id: 'changes-table' },
    h('caption', {}, syncState ? 'Changes since the last run' : 'Changes (first run: every membership is new)'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Segment'), cols.map((k) => h('th', { scope: 'col', class: 'num' }, labels[k])))),
    h('tbody', {}, s.segments.map((seg, i) => h('tr', { 'data-segment': i }, h('th', { scope: 'row' }, seg.name),
      cols.map((k) => h('td', { class: 'num', 'data-col': k }, refused ? '–' : fmt.num(seg.changes?.[k])))))),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), cols.map((k) => h('td', { class: 'num', 'data-total': k }, refused ? '–' : fmt.num(c[k])))))));
  const words = refused ? 'Nothing will be sent.'
    : c.added + c.updated + c.removed === 0 ? 'Autopilot already has every contact as it is now: nothing to send.'
      : `This run sends ${fmt.plural(c.added + c.updated, 'list membership')} (${fmt.num(c.added)} new, ${fmt.num(c.updated)} changed)${c.removed ? ` and removes ${fmt.plural(c.removed, 'member')} who left their segment` : ''}${c.unchanged ? `; ${fmt.num(c.unchanged)} unchanged ${c.unchanged === 1 ? 'is' : 'are'} not sent again` : ''}.`;
  box.append(h('p', { id: 'changes-sentence' }, words), h('div', { class: 'table-wrap' }, table));
}

/** The mirror guard: lists that would lose more members than allowed. */
function renderGuard(box, s) {
  box.replaceChildren();
  const ex = guardHits(s);
  if (!ex.length) return;
  box.append(h('div', { class: 'alert alert-error', role: 'alert' },
    h('strong', {}, 'Too many removals: nothing will be sent.'),
    h('ul', {}, ex.map((x) => h('li', {}, `${x.listTitle ?? s.segments[x.segment]?.listTitle ?? x.name ?? s.segments[x.segment]?.name}: ${fmt.plural(x.removals, 'removal')} of ${fmt.num(x.placed)} members this tool placed (at most ${fmt.num(x.limit)}).`))),
    h('p', {}, 'If these people really left the segments, raise “Most removals per list” under Lists and sync, then preview again.')));
}

/** The first contacts of each segment as Autopilot will receive them (emails masked). */
function renderSamples(box, s, refused) {
  box.replaceChildren();
  const any = s.segments.some((seg) => seg.sample?.length);
  if (!any) return;
  box.append(h('details', { class: 'sub samples', open: true },
    h('summary', {}, 'What Autopilot will receive'),
    h('p', { class: 'hint' }, refused
      ? 'Nothing will be sent while the export is above the limit; this is what the first contacts would look like.'
      : 'The first contacts of each segment exactly as they will be sent (email addresses partly hidden here).'),
    s.segments.map((seg, i) => h('details', { class: 'sample', 'data-segment': i, open: i === 0 },
      h('summary', {}, seg.name, seg.listTitle ? h('span', { class: 'muted' }, ` → list “${seg.listTitle}”`) : null),
      seg.sample?.length
        ? h('ol', { class: 'sample-list' }, seg.sample.map((contact) => h('li', {}, h('pre', { class: 'contact mono' }, JSON.stringify(fmt.maskContact(contact), null, 2)))))
        : h('p', { class: 'empty' }, 'No valid contact in this segment.')))));
}
