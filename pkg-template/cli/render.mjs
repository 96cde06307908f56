// Text for people: the preview table (with the refresh changes when a sync state is given),
// the sample contacts as they will be sent (emails masked), warnings that name the user's
// field first, reject counts, the removal guard, and the end-of-run summary. Every figure
// comes from the package's summary or report; nothing is recomputed by a rule of its own.

import { duration, group, maskEmails, num, plural } from './output.mjs';
import { metadata } from './meta.mjs';

/** Rows of numbers and text as aligned lines (first and last column left-aligned). */
export function table(rows) {
  const cell = (v) => (typeof v === 'number' ? group(v) : String(v));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => cell(r[c]).length)));
  return rows.map((r) => `  ${r.map((v, c) => (c === 0 || c === r.length - 1 ? cell(v).padEnd(widths[c]) : cell(v).padStart(widths[c]))).join('  ').trimEnd()}`);
}

function reasonCounts(rejects, keep) {
  const by = {};
  for (const r of rejects ?? []) if (keep(r.reason)) by[r.reason] = (by[r.reason] ?? 0) + 1;
  return Object.entries(by).sort().map(([k, v]) => `${k} ${group(v)}`).join(', ');
}

/** "VIP customers row 12" for a warning example "0:12". */
function where(ex, segments) {
  const [seg, row] = String(ex).split(':');
  const name = segments?.[Number(seg)]?.name;
  return name === undefined ? ex : `${name} row ${row}`;
}

/** Warning lines: the user's field name first, the wire key and the column as detail. */
export function warningLines(warnings, segments) {
  return (warnings ?? []).map((w) => {
    const label = w.label || w.field;
    const detail = [w.field && w.field !== label ? `sent as ${w.field}` : null, w.source && w.source !== label ? `column ${w.source}` : null].filter(Boolean);
    return `  ${plural(w.count, 'value')} of "${label}"${detail.length ? ` (${detail.join(', ')})` : ''} left out [${w.code}]`
      + `${w.examples?.length ? `, e.g. ${w.examples.slice(0, 3).map((e) => where(e, segments)).join(', ')}` : ''}`
      + `${w.hint ? `\n    ${w.hint}` : ''}`;
  });
}

/** The removal guard's hits (lists a mirror run would shrink too much). */
export function guardLines(summary, ratio) {
  const g = summary.removalGuard;
  const hits = Array.isArray(g) ? g : g?.exceeded ?? [];
  return hits.map((h) => `    "${h.name ?? h.listTitle ?? h.segment}": ${plural(h.removals, 'removal')} of ${plural(h.placed, 'member')} this exporter placed; the guard allows ${group(h.limit)} (maxRemovalRatio ${num(ratio)})`);
}

/**
 * The preview as lines.
 * @param {object} s the summary
 * @param {{config: string, withState: boolean, mirror: boolean, ratio: number, sample: number}} o
 */
export function previewLines(s, o) {
  const lines = [`Preview of ${o.config} (dry run: nothing is sent)`];
  const t = s.totals;
  const head = ['segment', 'rows', 'invalid', 'duplicates', 'over cap', 'contacts'];
  if (o.withState) head.push('added', 'updated', 'unchanged', 'removed');
  head.push('Autopilot list');
  const rows = [head];
  const ch = (c) => [c?.added ?? 0, c?.updated ?? 0, c?.unchanged ?? 0, c?.removed ?? 0];
  for (const x of s.segments) {
    rows.push([x.name, x.profilesIn, x.invalid, x.duplicates, x.overCap, x.memberships, ...(o.withState ? ch(x.changes) : []), x.listTitle ?? '-']);
  }
  rows.push(['total', t.profilesIn, t.invalid, t.duplicates, t.overCap, t.memberships, ...(o.withState ? ch(s.changes) : []), '']);
  lines.push(...table(rows));
  if (t.invalid > 0) {
    lines.push(`  invalid rows: ${reasonCounts(s.rejects, () => true) || group(t.invalid)}${s.rejectsOmitted ? ` (+${group(s.rejectsOmitted)} not listed)` : ''}`);
  }
  lines.push(`  ${plural(t.uniqueProfiles, 'unique profile')} (limit ${group(s.cap)}${s.capExceeded ? `, EXCEEDED: ${group(s.uniqueSeen)} found, overCap "${s.overCap}"` : ''}), `
    + `${plural(t.memberships, 'list membership')}${o.withState ? `, ${group(s.changes.added + s.changes.updated)} to send` : ''}`);
  if (o.mirror && !o.withState) lines.push('  --mirror without --state: nobody can be removed (the state records whom this exporter placed)');
  if (s.wouldSend !== false) {
    const r = s.requests;
    const partsOf = [`${group(r.lists)} for the account and lists`, `${group(r.contacts)} for contacts`];
    if (r.removals) partsOf.push(`${group(r.removals)} for removals`);
    lines.push(`  ${plural(r.total, 'request')} (${partsOf.join(', ')}): about ${duration(s.estimatedDurationMs)} at ${num(s.ratePerSecond)} requests/s`);
  }
  // The guard: within it, said here; exceeded, the package's refusal below names the lists.
  const guard = guardLines(s, o.ratio);
  if (guard.length && s.blocked?.code !== 'REMOVALS_EXCEEDED') lines.push('  Removal guard: this mirror run would be refused:', ...guard);
  else if (!guard.length && o.mirror && o.withState) lines.push(`  Removal guard: ${plural(s.changes.removed, 'removal')} in all, within maxRemovalRatio ${num(o.ratio)}`);
  lines.push(...warningLines(s.warnings, s.segments));
  if (o.sample > 0) {
    for (const x of s.segments) {
      const sample = x.sample ?? [];
      const first = sample.length === 1 ? 'the first contact' : `the first ${plural(sample.length, 'contact')}`;
      lines.push(`  ${x.name}: ${sample.length ? `${first} exactly as sent (emails masked)` : 'no contact to send'}`);
      for (const c of sample) lines.push(`    ${JSON.stringify(maskEmails(c))}`);
    }
  }
  if (s.wouldSend === false) {
    const b = s.blocked;
    lines.push(`  The export would be refused${b ? ` (${b.code}): ${b.message}` : '.'}`);
  }
  return lines;
}

/** The end-of-run summary lines. */
export function reportLines(report, heading) {
  const t = report.totals;
  const done = [`${group(t.exported)} exported`];
  if (t.unchanged) done.push(`${group(t.unchanged)} unchanged (not sent)`);
  if (t.failed) done.push(`${group(t.failed)} failed`);
  if (t.notSent) done.push(`${group(t.notSent)} not sent yet`);
  if (t.removed) done.push(`${group(t.removed)} removed`);
  const lines = [`${heading} in ${duration(report.durationMs)}: ${plural(t.memberships, 'list membership')}: ${done.join(', ')}`
    + ` (${plural(t.uniqueProfiles, 'unique contact')}; ${plural(report.requests.sent, 'request')}, ${group(report.requests.retried)} retried, ${group(report.requests.throttled)} throttled)`];
  for (const s of report.segments ?? []) {
    const list = s.listTitle ? ` → list "${s.listTitle}"${s.listCreated ? ' (created)' : ''}` : '';
    const more = [`${group(s.invalid)} invalid`, plural(s.duplicates, 'duplicate')];
    if (s.overCap) more.push(`${group(s.overCap)} over the limit`);
    if (s.unchanged) more.push(`${group(s.unchanged)} unchanged`);
    if (s.failed) more.push(`${group(s.failed)} failed`);
    if (s.removed) more.push(`${group(s.removed)} removed`);
    lines.push(`  ${s.name}${list}: ${group(s.exported)}/${group(s.memberships)} exported, ${more.join(', ')}`);
  }
  const server = new Set(metadata().serverRejectReasons);
  const inReasons = reasonCounts(report.rejects, (r) => !server.has(r));
  if (t.invalid > 0) lines.push(`  ${plural(t.invalid, 'invalid row')} skipped: ${inReasons}${report.rejectsOmitted ? ` (+${group(report.rejectsOmitted)} not listed)` : ''}`);
  const outReasons = reasonCounts(report.rejects, (r) => server.has(r));
  if (outReasons) lines.push(`  contacts Autopilot did not take: ${outReasons}`);
  lines.push(...warningLines(report.warnings, report.segments));
  return lines;
}
