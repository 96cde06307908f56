// Formatting for the page: numbers, durations and times left, rates with their units,
// masked keys and emails, sentences, human labels for statuses and reject reasons.
// Pure functions (no DOM), tested in Node.

const nf = new Intl.NumberFormat('en-US');

/** 12345 -> "12,345"; anything not a finite number -> "–". */
export function num(n) {
  return Number.isFinite(n) ? nf.format(n) : '–';
}

/** Milliseconds -> "850 ms", "12 s", "3 min 5 s", "2 h 4 min" (durations of finished work). */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return clock(Math.round(ms / 1000));
}

/** Time left -> "about 23 s", "about 3 min 5 s"; whole seconds, rounded up; one format everywhere. */
export function eta(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  return `about ${clock(Math.max(1, Math.ceil(ms / 1000)))}`;
}

function clock(s) {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const hr = Math.floor(m / 60);
  return m % 60 ? `${hr} h ${m % 60} min` : `${hr} h`;
}

/** A rate with its unit: rate(4.8, 'requests') -> "4.8 requests/s"; rate(482, 'contacts') -> "482 contacts/s". */
export function rate(n, unit) {
  if (!Number.isFinite(n)) return '–';
  const v = n >= 100 ? Math.round(n) : Math.round(n * 10) / 10;
  return `${num(v)} ${unit}/s`;
}

/** Whole percent of done/total, floored, so the bar and the text always show the same number. */
export function percent(done, total) {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((100 * done) / total)));
}

/** An API key as shown after connecting: only its last four characters. */
export function maskKey(key) {
  const k = String(key ?? '');
  return k.length <= 4 ? '••••' : `••••${k.slice(-4)}`;
}

/** "jane.doe@example.com" -> "j•••@example.com": an email as shown on screen. */
export function maskEmail(s) {
  const t = String(s);
  const at = t.lastIndexOf('@');
  if (at < 1) return t;
  return `${t[0]}•••${t.slice(at)}`;
}

/**
 * A contact as it will be sent, for the screen: every string that holds an email address is
 * masked; everything else exactly as the package rendered it.
 */
export function maskContact(value) {
  if (typeof value === 'string') return /^[^\s@]+@[^\s@]+$/.test(value) ? maskEmail(value) : value;
  if (Array.isArray(value)) return value.map(maskContact);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskContact(v)]));
  return value;
}

/** ISO timestamp -> local "2026-07-14 09:30:12". */
export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "the key was rejected." -> "The key was rejected" (a leading URL or CODE is left as it is). */
export function capitalise(s) {
  const t = String(s ?? '').trim().replace(/\.$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) || /^[A-Z0-9_]{2,}\b/.test(t)) return t;
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A sentence: capitalised, one final full stop; '' for an empty text. */
export function sentence(s) {
  const t = capitalise(s);
  if (!t) return '';
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The package's reject reasons with their labels (`metadata().rejectReasonLabels`). */
let reasonLabels = [];

/** Takes the reject reason labels of the package's metadata (once it is loaded). */
export function useReasonLabels(labels) {
  reasonLabels = Array.isArray(labels) ? labels : [];
}

/** The label of reject reason `code` (as it is when the package does not know it). */
export function reason(code) {
  return reasonLabels.find((r) => r.name === code)?.label ?? code;
}

/** The package's order of reject reasons: a sort key for `code` (unknown ones last). */
export function reasonRank(code) {
  const i = reasonLabels.findIndex((r) => r.name === code);
  return i < 0 ? reasonLabels.length : i;
}

/** Human text for run statuses. */
export const STATUS = Object.freeze({
  succeeded: 'Succeeded',
  partial: 'Partly succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  paused: 'Paused',
});

export function status(s) {
  return STATUS[s] ?? s;
}

/** Badge tone of a run status. */
export function tone(s) {
  return { succeeded: 'ok', partial: 'warn', failed: 'error' }[s] ?? 'muted';
}

/** "1 row" / "2 rows". */
export function plural(n, one, many = `${one}s`) {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/**
 * Rejected rows as table rows for the package's `toCsv` (segment, row, id, reason, detail):
 * never emails.
 * @returns {(string|number)[][]}
 */
export function rejectRows(rejects, segmentNames) {
  const rows = [['segment', 'row', 'id', 'reason', 'detail']];
  for (const r of rejects) rows.push([segmentNames[r.segment] ?? String(r.segment), r.row, r.id ?? '', r.reason, r.detail ?? '']);
  return rows;
}
