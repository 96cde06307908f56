// Data matching helpers: reading segment files in the browser (format, header fields, row
// count) and suggesting which profile field feeds which Autopilot field. Pure functions,
// no DOM and no package calls, so they also run (and are tested) in Node.

/** Autopilot fields offered in "Data matching", in display order. `key` is the UI's own
 * identifier; `path` is where validateExportConfig reports issues about it. */
export const TARGETS = Object.freeze([
  { key: 'email', label: 'Email', path: 'mapping.email', required: true },
  { key: 'firstName', label: 'First name', path: 'mapping.firstName' },
  { key: 'lastName', label: 'Last name', path: 'mapping.lastName' },
  ...[
    ['Salutation', 'Salutation'],
    ['Company', 'Company'],
    ['NumberOfEmployees', 'Number of employees'],
    ['Title', 'Job title'],
    ['Industry', 'Industry'],
    ['Phone', 'Phone'],
    ['MobilePhone', 'Mobile phone'],
    ['Fax', 'Fax'],
    ['Website', 'Website'],
    ['MailingStreet', 'Mailing street'],
    ['MailingCity', 'Mailing city'],
    ['MailingState', 'Mailing state'],
    ['MailingPostalCode', 'Mailing postal code'],
    ['MailingCountry', 'Mailing country'],
    ['LeadSource', 'Lead source'],
    ['Status', 'Status'],
    ['LinkedIn', 'LinkedIn'],
    ['Twitter', 'Twitter'],
    ['owner_name', 'Owner name'],
  ].map(([field, label]) => ({ key: `fields.${field}`, field, label, path: `mapping.fields.${field}` })),
]);

/** Types of Autopilot custom fields. */
export const CUSTOM_TYPES = Object.freeze(['string', 'integer', 'float', 'date', 'boolean']);

/** Normalised header spellings that suggest each target (compare with `normalizeHeader`). */
const SYNONYMS = {
  email: ['email', 'emailaddress', 'mail', 'primaryemail', 'workemail', 'businessemail', 'emailaddr', 'contactemail'],
  firstName: ['firstname', 'givenname', 'first', 'fname', 'forename', 'prenom'],
  lastName: ['lastname', 'surname', 'familyname', 'last', 'lname', 'nom'],
  'fields.Salutation': ['salutation', 'honorific', 'prefix', 'nameprefix'],
  'fields.Company': ['company', 'companyname', 'organisation', 'organization', 'organisationname', 'organizationname', 'org', 'employer', 'accountname'],
  'fields.NumberOfEmployees': ['numberofemployees', 'employees', 'employeecount', 'companysize', 'headcount'],
  'fields.Title': ['title', 'jobtitle', 'position', 'role'],
  'fields.Industry': ['industry', 'sector'],
  'fields.Phone': ['phone', 'telephone', 'phonenumber', 'tel', 'workphone', 'businessphone'],
  'fields.MobilePhone': ['mobilephone', 'mobile', 'mobilenumber', 'cell', 'cellphone'],
  'fields.Fax': ['fax', 'faxnumber'],
  'fields.Website': ['website', 'web', 'url', 'homepage', 'site', 'websiteurl'],
  'fields.MailingStreet': ['mailingstreet', 'street', 'streetaddress', 'address', 'address1', 'addressline1'],
  'fields.MailingCity': ['mailingcity', 'city', 'town', 'locality'],
  'fields.MailingState': ['mailingstate', 'state', 'province', 'region', 'county', 'stateorprovince'],
  'fields.MailingPostalCode': ['mailingpostalcode', 'postalcode', 'postcode', 'zip', 'zipcode'],
  'fields.MailingCountry': ['mailingcountry', 'country', 'countrycode', 'countryregion'],
  'fields.LeadSource': ['leadsource', 'source'],
  'fields.Status': ['status', 'leadstatus'],
  'fields.LinkedIn': ['linkedin', 'linkedinurl', 'linkedinprofile'],
  'fields.Twitter': ['twitter', 'twitterhandle', 'twitterurl'],
  'fields.owner_name': ['ownername', 'owner', 'accountowner'],
};

/** Targets that may also be suggested from a header that merely starts or ends with a
 * synonym (`customer_email`, `billing_city`); the others need an exact spelling. */
const LOOSE = new Set(['email', 'firstName', 'lastName', 'fields.Company', 'fields.Phone', 'fields.MobilePhone',
  'fields.MailingCity', 'fields.MailingState', 'fields.MailingPostalCode', 'fields.MailingCountry']);

/** Header spellings suggesting the row identifier used in reports. */
const ID_SYNONYMS = ['id', 'customerid', 'profileid', 'contactid', 'customernumber', 'recordid', 'uid', 'userid'];

/** `E-Mail Address` -> `emailaddress`: lower-case ASCII letters and digits only. */
export function normalizeHeader(h) {
  return String(h).normalize('NFKD').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Suggests a profile field for each target from the files' headers. Each header is used at
 * most once; an exact synonym wins over a synonym that only starts or ends a header
 * (e.g. `customer_email`). Returns `{ [targetKey]: header }` plus `idField` when found.
 * @param {string[]} headers
 * @returns {Record<string, string>}
 */
export function suggestMapping(headers) {
  const byNorm = new Map();
  for (const h of headers) {
    const n = normalizeHeader(h);
    if (n && !byNorm.has(n)) byNorm.set(n, h);
  }
  const used = new Set();
  const out = {};
  const take = (key, synonyms, loose) => {
    for (const s of synonyms) {
      const h = byNorm.get(s);
      if (h !== undefined && !used.has(h)) { out[key] = h; used.add(h); return true; }
    }
    if (!loose) return false;
    for (const s of synonyms) {
      if (s.length < 4) continue;
      for (const [n, h] of byNorm) {
        if (!used.has(h) && (n.endsWith(s) || n.startsWith(s))) { out[key] = h; used.add(h); return true; }
      }
    }
    return false;
  };
  // Exact matches for every target first, then loose ones (so `email` never loses its
  // header to a loose match of another target).
  const pending = [];
  for (const t of TARGETS) if (!take(t.key, SYNONYMS[t.key] ?? [], false)) pending.push(t.key);
  const idExact = take('idField', ID_SYNONYMS, false);
  for (const k of pending) if (LOOSE.has(k)) take(k, SYNONYMS[k] ?? [], true);
  if (!idExact) {
    // Loose id: `customer_id`, `customerId`, `Profile ID`; never an email column.
    for (const [n, h] of byNorm) {
      if (!used.has(h) && /(?:[_\-\s.]id|[a-z0-9]Id|[a-z0-9]ID)$/.test(h) && !n.includes('email')) { out.idField = h; used.add(h); break; }
    }
  }
  return out;
}

// ------------------------------------------------------------------ files

/** @typedef {'csv' | 'ndjson' | 'json'} Format */

/**
 * The format of a segment file: by extension, else by its first non-blank character.
 * @param {string} name
 * @param {Uint8Array} bytes
 * @returns {Format}
 */
export function detectFormat(name, bytes) {
  const ext = String(name).toLowerCase().split('.').pop();
  if (ext === 'csv' || ext === 'tsv' || ext === 'txt') return 'csv';
  if (ext === 'ndjson' || ext === 'jsonl') return 'ndjson';
  const first = firstNonBlank(bytes);
  if (ext === 'json') {
    // A .json file holding one object per line is NDJSON.
    return first === 0x7b ? 'ndjson' : 'json';
  }
  if (first === 0x5b) return 'json';
  if (first === 0x7b) return 'ndjson';
  return 'csv';
}

function firstNonBlank(bytes) {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  for (; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return -1;
}

const decoder = () => new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/**
 * The first CSV record (RFC 4180: quoted fields, doubled quotes, CRLF or LF), BOM removed.
 * @param {string} text
 * @returns {string[]}
 */
export function csvHeader(text) {
  const fields = [];
  let field = '';
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let quoted = false;
  for (; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 1; } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { fields.push(field); field = ''; }
    else if (c === '\n' || c === '\r') break;
    else field += c;
  }
  fields.push(field);
  return fields.map((f) => f.trim()).filter((f, idx, all) => f !== '' || all.length > 1);
}

/**
 * Counts CSV data records (header excluded, blank lines skipped, newlines inside quotes
 * not counted) without decoding the bytes.
 * @param {Uint8Array} bytes
 */
export function csvRowCount(bytes) {
  let records = 0;
  let quoted = false;
  let content = false; // current line has a non-blank character
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i];
    if (b === 0x22) { quoted = !quoted; content = true; }
    else if (b === 0x0a && !quoted) { if (content) records += 1; content = false; }
    else if (b !== 0x0d && b !== 0x20 && b !== 0x09) content = true;
  }
  if (content) records += 1;
  return Math.max(0, records - 1);
}

/** Keys of the first `limit` objects, in first-seen order. */
function keysOf(records, limit = 50) {
  const keys = [];
  const seen = new Set();
  for (const r of records.slice(0, limit)) {
    if (r && typeof r === 'object' && !Array.isArray(r)) {
      for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); keys.push(k); }
    }
  }
  return keys;
}

/**
 * Reads what the page needs to know about a segment file: format, fields and row count.
 * Never throws: an unreadable file gets `error` (the package reports details at preview).
 * @param {string} name
 * @param {Uint8Array} bytes
 * @returns {{format: Format, headers: string[], rows: number, error?: string}}
 */
export function inspectFile(name, bytes) {
  const format = detectFormat(name, bytes);
  try {
    if (format === 'csv') {
      const head = decoder().decode(bytes.subarray(0, 256 * 1024));
      const headers = csvHeader(head);
      if (headers.length === 0) return { format, headers, rows: 0, error: 'the file is empty' };
      return { format, headers, rows: csvRowCount(bytes) };
    }
    if (format === 'ndjson') {
      const text = decoder().decode(bytes);
      const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
      const sample = [];
      for (const l of lines.slice(0, 50)) {
        try { sample.push(JSON.parse(l)); } catch { /* counted by the package as a rejected row */ }
      }
      return { format, headers: keysOf(sample), rows: lines.length };
    }
    const doc = JSON.parse(decoder().decode(bytes));
    if (!Array.isArray(doc)) return { format, headers: [], rows: 0, error: 'a JSON file must hold an array of profile objects' };
    return { format, headers: keysOf(doc), rows: doc.length };
  } catch (e) {
    return { format, headers: [], rows: 0, error: `could not read the file: ${e instanceof Error ? e.message : e}` };
  }
}

/** `vip-customers.csv` -> `vip-customers`. */
export function segmentNameFromFile(name) {
  const base = String(name).replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base).trim() || 'Segment';
}

/** Union of the segments' headers in first-seen order. */
export function unionHeaders(lists) {
  const out = [];
  const seen = new Set();
  for (const l of lists) for (const h of l) if (!seen.has(h)) { seen.add(h); out.push(h); }
  return out;
}
