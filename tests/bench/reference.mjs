// A straightforward plain-JS implementation of the preparation rules of DESIGN.md §4:
// email check (WHATWG regex + length rules), normalisation, lower-case dedupe, cap,
// mapping to Autopilot contact JSON with typed custom fields, minimal batches of ≤ 100,
// and an RFC 4180 CSV parser. It is the competitor of `preview` in prepare.mjs, and the
// oracle of the expected Autopilot state in the soak tests (tests/soak/).
//
// It is written the way a JS developer would write it (objects, Map, regex), without
// tricks; it is not a port of the Rust code.

export const MAX_BATCH = 100;
export const MAX_PROFILES = 100_000;
export const MAX_REJECTS = 100_000;

// WHATWG HTML "valid e-mail address".
const WHATWG_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
// Rust's `str::trim` (Unicode White_Space); JS's `trim` also strips U+FEFF and not U+0085.
const TRIM = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
export const rustTrim = (s) => s.replace(TRIM, '');
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

/** Normalised address, or `{reason}`. */
export function normalizeEmail(raw) {
  const s = rustTrim(raw);
  if (s === '') return { reason: 'EMAIL_MISSING' };
  if (NON_ASCII.test(s)) return { reason: 'EMAIL_NON_ASCII' };
  if (!WHATWG_EMAIL.test(s) || !s.slice(s.indexOf('@') + 1).includes('.')) return { reason: 'EMAIL_INVALID' };
  const at = s.indexOf('@');
  if (s.length > 254 || at > 64) return { reason: 'EMAIL_TOO_LONG' };
  return { email: s.slice(0, at + 1) + s.slice(at + 1).toLowerCase() };
}

/** The email of a record's value: a string is checked, anything else is not an email. */
function emailOf(v) {
  if (v === undefined || v === null) return { reason: 'EMAIL_MISSING' };
  if (typeof v !== 'string') return { reason: 'EMAIL_INVALID' };
  return normalizeEmail(v);
}

// ------------------------------------------------------------------ custom values

const MAX_SAFE = 9007199254740991;
const MAX_EPOCH_MS = 253402300799999;
const INT_TEXT = /^[+-]?[0-9]+$/;
const NUM_CHARS = /^[0-9+\-.eE]*[0-9][0-9+\-.eE]*$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

function parseNumber(s) {
  if (!NUM_CHARS.test(s)) return undefined;
  // Rust's f64 parser: plain decimal notation only ("1.", ".5", "1e5" ok; "0x1", "1_0" not).
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return undefined;
  const f = Number(s);
  return Number.isFinite(f) ? f : undefined;
}

function parseInteger(s) {
  if (INT_TEXT.test(s)) {
    const n = Number(s);
    return Math.abs(n) <= MAX_SAFE ? n : undefined;
  }
  const f = parseNumber(s);
  return f !== undefined && Number.isInteger(f) && Math.abs(f) <= MAX_SAFE ? f : undefined;
}

const daysIn = (y, m) => (m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

function parseIsoDate(s) {
  const m = ISO.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) return undefined;
  const h = m[4] === undefined ? 0 : +m[4];
  const mi = m[5] === undefined ? 0 : +m[5];
  const sec = m[6] === undefined ? 0 : +m[6];
  if (h > 23 || mi > 59 || sec > 60) return undefined;
  const frac = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  let off = 0;
  if (m[8] && m[8] !== 'Z' && m[8] !== 'z') {
    const digits = m[8].slice(1).replace(':', '');
    const oh = +digits.slice(0, 2);
    const om = digits.length > 2 ? +digits.slice(2) : 0;
    if (oh > 23 || om > 59) return undefined;
    off = (m[8][0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  const ms = date.getTime() + ((h * 60 + mi - off) * 60 + Math.min(sec, 59)) * 1000 + frac;
  return Math.abs(ms) <= MAX_EPOCH_MS ? ms : undefined;
}

/** JS value of a coerced custom value; `undefined` = empty (left out); throws code when not coercible. */
export function coerce(v, type) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') throw 'VALUE_NESTED';
  if (typeof v === 'boolean') {
    if (type === 'boolean') return v;
    if (type === 'string') return String(v);
    throw 'VALUE_NOT_COERCIBLE';
  }
  const isNum = typeof v === 'number';
  const text = isNum ? String(v) : rustTrim(v);
  if (text === '') return undefined;
  switch (type) {
    case 'string': return text;
    case 'integer': { const i = parseInteger(text); if (i === undefined) throw 'VALUE_NOT_COERCIBLE'; return i; }
    case 'float': { const f = parseNumber(text); if (f === undefined) throw 'VALUE_NOT_COERCIBLE'; return f; }
    case 'boolean': {
      const t = text.toLowerCase();
      if (t === 'true' || t === '1' || t === 'yes') return true;
      if (t === 'false' || t === '0' || t === 'no') return false;
      throw 'VALUE_NOT_COERCIBLE';
    }
    case 'date': {
      let ms;
      if (isNum || INT_TEXT.test(text)) {
        ms = parseInteger(text);
        if (ms !== undefined && Math.abs(ms) > MAX_EPOCH_MS) ms = undefined;
      } else ms = parseIsoDate(text);
      if (ms === undefined) throw 'VALUE_NOT_COERCIBLE';
      return new Date(ms).toISOString();
    }
    default: throw 'VALUE_NOT_COERCIBLE';
  }
}

/** Text of a standard field; `undefined` = left out; throws for nested values. */
function standardText(v) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') throw 'VALUE_NESTED';
  if (typeof v === 'string') {
    const t = rustTrim(v);
    return t === '' ? undefined : t;
  }
  return String(v);
}

export const customKey = (type, name) => `${type}--${rustTrim(name).replace(/\s/g, '--')}`;

/** Compiles a mapping into [{source, key, custom?, type?}] in the order contact JSON is written. */
export function compileMapping(mapping) {
  const out = [];
  if (mapping.firstName) out.push({ source: mapping.firstName, key: 'FirstName' });
  if (mapping.lastName) out.push({ source: mapping.lastName, key: 'LastName' });
  for (const [field, source] of Object.entries(mapping.fields ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push({ source, key: field });
  }
  for (const c of mapping.custom ?? []) out.push({ source: c.source, key: customKey(c.type, c.name), custom: true, type: c.type });
  return out;
}

/** The contact object (as sent, without `_autopilot_list`) of a record. */
export function mapContact(email, get, fields, warn) {
  const contact = { Email: email };
  let custom;
  for (const f of fields) {
    const v = get(f.source);
    try {
      if (f.custom) {
        const c = coerce(v, f.type);
        if (c !== undefined) (custom ??= {})[f.key] = c;
      } else {
        const t = standardText(v);
        if (t !== undefined) contact[f.key] = t;
      }
    } catch (code) {
      warn(code, f.key);
    }
  }
  if (custom) contact.custom = custom;
  return contact;
}

// ------------------------------------------------------------------ planning

/**
 * Plans an export. `sources[s]` is an iterable of records for segment s; a record is a plain
 * object, or `{reject: reason, detail?}` for a row the parser could not read, or an array
 * [values] read with `header` (CSV fast path: `get` by column index).
 * Returns a summary shaped like `preview`'s, plus `contacts` (JSON text per unique contact),
 * `contactObjects` (when `keepObjects`) and `batches` (arrays of [contact, segment]).
 */
export function planJs(job, sources, { keepObjects = false } = {}) {
  const fields = compileMapping(job.mapping);
  const emailField = job.mapping.email;
  const idField = job.idField;
  const cap = job.cap ?? MAX_PROFILES;
  const perSegment = (job.lists ?? 'per-segment') === 'per-segment';
  const index = new Map(); // dedupe key -> contact index
  const lastSeg = [];
  const overCapSeen = new Map();
  const contacts = [];
  const objects = [];
  const memberships = []; // {contact, segment, row}
  const rejects = [];
  let rejectsOmitted = 0;
  const warnings = new Map();
  const segments = job.segments.map((s) => ({
    name: rustTrim(s.name),
    ...(perSegment ? { listTitle: `${job.listPrefix ?? ''}${rustTrim(s.name)}` } : {}),
    profilesIn: 0, invalid: 0, duplicates: 0, overCap: 0, memberships: 0, exported: 0, failed: 0,
    invalidByReason: {},
  }));
  const reject = (seg, row, reason, id, detail) => {
    seg.invalid += 1;
    seg.invalidByReason[reason] = (seg.invalidByReason[reason] ?? 0) + 1;
    if (rejects.length < MAX_REJECTS) rejects.push({ segment: seg.index, row, ...(id !== undefined ? { id } : {}), reason, ...(detail ? { detail } : {}) });
    else rejectsOmitted += 1;
  };
  for (let s = 0; s < sources.length; s += 1) {
    const seg = segments[s];
    seg.index = s;
    let row = 0;
    for (const rec of sources[s]) {
      row += 1;
      seg.profilesIn += 1;
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
        reject(seg, row, 'NOT_AN_OBJECT');
        continue;
      }
      if (rec.__reject) {
        reject(seg, row, rec.__reject, undefined, rec.detail);
        continue;
      }
      const get = rec.__get ?? ((k) => (Object.hasOwn(rec, k) ? rec[k] : undefined));
      const e = emailOf(get(emailField));
      if (e.reason) {
        let id;
        if (idField) {
          const v = get(idField);
          if (typeof v === 'string' && rustTrim(v) !== '') id = [...rustTrim(v)].slice(0, 200).join('');
          else if (typeof v === 'number' || typeof v === 'boolean') id = String(v);
        }
        reject(seg, row, e.reason, id);
        continue;
      }
      const key = e.email.toLowerCase();
      const found = index.get(key);
      if (found !== undefined) {
        if (lastSeg[found] === s || !perSegment) seg.duplicates += 1;
        else {
          lastSeg[found] = s;
          memberships.push({ contact: found, segment: s, row });
          seg.memberships += 1;
        }
        continue;
      }
      if (contacts.length >= cap) {
        const seen = overCapSeen.get(key);
        overCapSeen.set(key, s);
        if (seen === s || (seen !== undefined && !perSegment)) seg.duplicates += 1;
        else seg.overCap += 1;
        continue;
      }
      const contact = mapContact(e.email, get, fields, (code, field) => {
        let w = warnings.get(`${code} ${field}`);
        if (!w) warnings.set(`${code} ${field}`, (w = { code, field, count: 0, examples: [] }));
        w.count += 1;
        if (w.examples.length < 5) w.examples.push(`${s}:${row}`);
      });
      const i = contacts.length;
      contacts.push(JSON.stringify(contact));
      if (keepObjects) objects.push(contact);
      index.set(key, i);
      lastSeg.push(s);
      memberships.push({ contact: i, segment: s, row });
      seg.memberships += 1;
    }
  }
  // Minimal batches: group by contact, deal round-robin over B = max(ceil(M/100), k).
  memberships.sort((a, b) => a.contact - b.contact || a.segment - b.segment);
  let k = memberships.length ? 1 : 0;
  for (let i = 1, run = 1; i < memberships.length; i += 1) {
    run = memberships[i].contact === memberships[i - 1].contact ? run + 1 : 1;
    if (run > k) k = run;
  }
  const B = memberships.length ? Math.max(Math.ceil(memberships.length / MAX_BATCH), k) : 0;
  const batches = Array.from({ length: B }, () => []);
  memberships.forEach((m, j) => batches[j % B].push(m));
  const totals = { profilesIn: 0, invalid: 0, duplicates: 0, overCap: 0, uniqueProfiles: contacts.length, memberships: 0, exported: 0, failed: 0 };
  for (const sg of segments) for (const k2 of ['profilesIn', 'invalid', 'duplicates', 'overCap', 'memberships']) totals[k2] += sg[k2];
  const uniqueSeen = contacts.length + overCapSeen.size;
  for (const sg of segments) delete sg.index;
  return {
    segments,
    totals,
    cap,
    uniqueSeen,
    capExceeded: uniqueSeen > cap,
    batches: B,
    rejects,
    rejectsOmitted,
    warnings: [...warnings.values()],
    contacts,
    contactObjects: keepObjects ? objects : undefined,
    batchList: batches,
  };
}

// ------------------------------------------------------------------ CSV

/**
 * Parses CSV bytes (RFC 4180: quoted fields, "" escapes, CRLF / LF / CR line ends, optional
 * UTF-8 BOM, first row = header) into records for `planJs`: each readable row becomes
 * `{__get}` reading projected columns by index (header matched exactly, else
 * case-insensitively); a row with the wrong field count becomes
 * `{__reject: 'MALFORMED_ROW'}`; one containing invalid UTF-8 `{__reject: 'INVALID_UTF8'}`
 * (detected as U+FFFD after a lenient decode). Blank lines are skipped.
 */
export function* csvRecords(bytes, wanted) {
  let text = new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  const n = text.length;
  let i = 0;
  let header = null;
  let columnOf = null;
  const fields = [];
  let field = '';
  let bad = false;
  const endRow = function* () {
    fields.push(field);
    field = '';
    const row = fields.splice(0);
    const blank = row.length === 1 && /^[ \t]*$/.test(row[0]);
    if (blank) return;
    if (header === null) {
      header = row.map((h) => rustTrim(h));
      const lower = header.map((h) => h.toLowerCase());
      columnOf = new Map();
      for (const w of wanted) {
        let c = header.indexOf(w);
        if (c < 0) c = lower.indexOf(w.toLowerCase());
        columnOf.set(w, c);
      }
      return;
    }
    if (row.length !== header.length) {
      yield { __reject: 'MALFORMED_ROW' };
      return;
    }
    if (bad) {
      yield { __reject: 'INVALID_UTF8' };
      return;
    }
    yield { __get: (k) => { const c = columnOf.get(k); return c === undefined || c < 0 ? undefined : row[c]; } };
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */ && field === '') {
      // Quoted field.
      let j = i + 1;
      let out = '';
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) { out += text.slice(j); j = n; break; }
        out += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) { out += '"'; j = q + 2; } else { j = q + 1; break; }
      }
      // Anything up to the next delimiter is kept as is (lenient, like most parsers).
      let k = j;
      while (k < n) { const d = text.charCodeAt(k); if (d === 44 || d === 10 || d === 13) break; k += 1; }
      field = out + text.slice(j, k);
      if (field.includes('\ufffd')) bad = true;
      i = k;
      continue;
    }
    // Unquoted run up to the next delimiter.
    let k = i;
    while (k < n) { const d = text.charCodeAt(k); if (d === 44 || d === 10 || d === 13) break; k += 1; }
    if (k > i) {
      field += text.slice(i, k);
      if (field.includes('\ufffd')) bad = true;
      i = k;
      continue;
    }
    if (c === 44 /* , */) { fields.push(field); field = ''; i += 1; continue; }
    // Line end: CRLF, LF or CR.
    i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    yield* endRow();
    bad = false;
  }
  if (field !== '' || fields.length > 0) yield* endRow();
  text = null;
}
