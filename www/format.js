// Formatting for the page: numbers, durations, masked keys, human labels for codes.
// Pure functions (no DOM), tested in Node.

const nf = new Intl.NumberFormat('en-US');

/** 12345 -> "12,345". */
export function num(n) {
  return Number.isFinite(n) ? nf.format(n) : '–';
}

/** Milliseconds -> "850 ms", "12 s", "3 min 5 s", "2 h 4 min". */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** An API key as shown after connecting: only its last four characters. */
export function maskKey(key) {
  const k = String(key ?? '');
  return k.length <= 4 ? '••••' : `••••${k.slice(-4)}`;
}

/** ISO timestamp -> local "2026-07-14 09:30:12". */
export function dateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Human text for the package's reject reasons. */
export const REASONS = Object.freeze({
  EMAIL_MISSING: 'Email missing',
  EMAIL_INVALID: 'Email not valid',
  EMAIL_NON_ASCII: 'Email has non-ASCII characters',
  EMAIL_TOO_LONG: 'Email too long',
  NOT_AN_OBJECT: 'Not a profile object',
  INVALID_UTF8: 'Not valid UTF-8 text',
  MALFORMED_ROW: 'Malformed row',
  SERVER_REJECTED: 'Rejected by Autopilot',
  NOT_CONFIRMED: 'Not confirmed by Autopilot',
  RETRIES_EXHAUSTED: 'Failed after retries',
});

export function reason(code) {
  return REASONS[code] ?? code;
}

/** Human text for run statuses. */
export const STATUS = Object.freeze({
  succeeded: 'Succeeded',
  partial: 'Partly succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
});

export function status(s) {
  return STATUS[s] ?? s;
}

/** What the page says for each error code of the package (the package's message follows). */
export function errorTitle(code) {
  switch (code) {
    case 'AUTH_FAILED': return 'Autopilot rejected this API key.';
    case 'NETWORK': return 'The Autopilot server could not be reached.';
    case 'CONFIG_INVALID': return 'Some settings need attention.';
    case 'CONSENT_REQUIRED': return 'Agree to the data-privacy notice first.';
    case 'CAP_EXCEEDED': return 'Too many profiles for one export.';
    case 'INPUT_INVALID': return 'A segment file could not be read.';
    case 'CHECKPOINT_MISMATCH': return 'The saved progress belongs to a different export.';
    case 'ABORTED': return 'Stopped.';
    case 'API_ERROR': return 'Autopilot answered with an error.';
    default: return 'Something went wrong.';
  }
}

/** Rejected rows as CSV (segment, row, id, reason, detail): never emails. */
export function rejectsCsv(rejects, segmentNames) {
  const cell = (v) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = ['segment,row,id,reason,detail'];
  for (const r of rejects) {
    lines.push([segmentNames[r.segment] ?? r.segment, r.row, r.id, r.reason, r.detail].map(cell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
