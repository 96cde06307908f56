// Conformance suite of the built `autopilot-export` package (DESIGN.md §3-§6, §8).
//
// One file, web-standard APIs only (fetch, AbortController, TextEncoder, URL, async
// iterators), so it runs unchanged in Node, Deno, Bun, workerd and Chromium. The caller
// imports the package BY NAME and hands its namespace in:
//
//   import * as ap from 'autopilot-export';
//   import { runSuite } from './suite.mjs';
//   const result = await runSuite(ap, { emulatorOrigin, apiKey, tag: 'node' });
//   // result: { tag, ok, passed, failed, ms, checks: [{ name, ok, ms, errors: [...], notes }] }
//
// Every check asserts the emulator's final state (GET {origin}/__emulator/state), not only
// what the package reports. Emails and list titles carry `tag`, so several runtimes can
// share one emulator. Checks that compare the emulator's request counters (consent: zero
// requests; exact request counts) assume nobody else uses the emulator while this suite
// runs: give each runtime its own emulator, or run runtimes one after the other, or pass
// `exclusive: false` to skip only those counter comparisons.
//
// runSuite never throws for a failed check: each check catches its own errors.

const CHECK_NAMES = [
  'api surface',
  'validation',
  'check connection',
  'preview',
  'previewAsync (chunked sources)',
  'export 1,000 profiles',
  'cancel + resume',
  'checkpoint of another job',
  'bad key -> AUTH_FAILED',
  'consent false -> CONSENT_REQUIRED',
  'refresh: only changes, mirror removals',
  'redirects are never followed',
];

/** Names of the checks, in run order. */
export const checkNames = () => [...CHECK_NAMES];

/**
 * Runs every check.
 * @param {Record<string, any>} ap the package namespace
 * @param {{emulatorOrigin: string, apiKey: string, tag: string, exclusive?: boolean,
 *          rate?: number, only?: string[], log?: (line: string) => void}} opts
 */
export async function runSuite(ap, opts) {
  const started = now();
  const tag = String(opts.tag).toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const ctx = {
    ap,
    origin: String(opts.emulatorOrigin).replace(/\/+$/, ''),
    apiKey: opts.apiKey,
    tag,
    exclusive: opts.exclusive !== false,
    redirectTarget: opts.redirectTarget,
    rate: opts.rate ?? 50,
    log: opts.log ?? (() => {}),
    shared: {},
  };
  ctx.baseUrl = `${ctx.origin}/v1`;
  const checks = [];
  for (const [name, fn] of CHECKS) {
    if (opts.only && !opts.only.includes(name)) continue;
    const t0 = now();
    const a = new Asserts();
    let crashed;
    try {
      await fn(ctx, a);
    } catch (e) {
      crashed = e;
      a.errors.push(`threw: ${describe(e)}`);
    }
    const check = {
      name,
      ok: a.errors.length === 0,
      ms: Math.round(now() - t0),
      errors: a.errors.slice(0, 25),
      errorCount: a.errors.length,
      notes: a.notes,
    };
    if (crashed && crashed.stack) check.stack = String(crashed.stack).split('\n').slice(0, 8).join('\n');
    checks.push(check);
    ctx.log(`${check.ok ? 'ok  ' : 'FAIL'} ${name} (${check.ms} ms)${check.ok ? '' : `: ${check.errors.slice(0, 3).join(' | ')}`}`);
  }
  const passed = checks.filter((c) => c.ok).length;
  return {
    tag,
    ok: passed === checks.length,
    passed,
    failed: checks.length - passed,
    total: checks.length,
    ms: Math.round(now() - started),
    checks,
  };
}

// ---------------------------------------------------------------- small helpers

function now() {
  return typeof performance !== 'undefined' && performance.now ? performance.now() : Date.now();
}

function describe(e) {
  if (e && typeof e === 'object') {
    const parts = [`${e.name ?? 'Error'}: ${e.message ?? String(e)}`];
    if (e.code) parts.push(`code=${e.code}`);
    if (Array.isArray(e.issues) && e.issues.length) parts.push(`issues=${JSON.stringify(e.issues.slice(0, 3))}`);
    return parts.join(' ');
  }
  return `non-Error thrown: ${typeof e} ${String(e)}`;
}

function show(v) {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

/** Soft assertions: every failure is recorded, the check goes on. */
class Asserts {
  constructor() {
    this.errors = [];
    this.notes = {};
  }
  ok(cond, msg) {
    if (!cond) this.errors.push(msg);
    return !!cond;
  }
  eq(actual, expected, msg) {
    const same = deepEqual(actual, expected);
    if (!same) this.errors.push(`${msg}: expected ${show(expected)}, got ${show(actual)}`);
    return same;
  }
  note(key, value) {
    this.notes[key] = value;
  }
}

function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => a[k] !== undefined).sort();
  const kb = Object.keys(b).filter((k) => b[k] !== undefined).sort();
  if (!deepEqual.arr(ka, kb)) return false;
  return ka.every((k) => deepEqual(a[k], b[k]));
}
deepEqual.arr = (x, y) => x.length === y.length && x.every((v, i) => v === y[i]);

async function expectReject(promiseOrFn, code, a, what) {
  try {
    const p = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
    const v = await p;
    a.ok(false, `${what}: expected ${code}, but it resolved with ${show(v)}`);
    return undefined;
  } catch (e) {
    checkErrorShape(e, code, a, what);
    return e;
  }
}

function checkErrorShape(e, code, a, what) {
  a.ok(e instanceof Error, `${what}: thrown value is not an Error (${typeof e})`);
  a.eq(e?.name, 'AutopilotExportError', `${what}: error name`);
  a.eq(e?.code, code, `${what}: error code (message: ${e?.message})`);
  a.ok(typeof e?.message === 'string' && e.message.length > 0, `${what}: error has no message`);
  a.ok(Array.isArray(e?.issues), `${what}: error.issues is not an array`);
}

// ------------------------------------------------------------- emulator access

async function emuState(ctx, contacts = true) {
  const res = await fetch(`${ctx.origin}/__emulator/state${contacts ? '' : '?contacts=0'}`);
  if (!res.ok) throw new Error(`GET /__emulator/state answered ${res.status}`);
  return res.json();
}

/** Counter snapshot (no contacts). */
async function counters(ctx) {
  return (await emuState(ctx, false)).counters;
}

function routeCount(c, route, status) {
  return c.byRoute?.[route]?.[String(status)] ?? 0;
}

function routeTotal(c, route) {
  return Object.values(c.byRoute?.[route] ?? {}).reduce((s, n) => s + n, 0);
}

/** Difference of two counter snapshots (the numbers we compare). */
function counterDelta(before, after) {
  const sizes = {};
  for (const [k, n] of Object.entries(after.bulkSizes ?? {})) {
    const d = n - (before.bulkSizes?.[k] ?? 0);
    if (d) sizes[k] = d;
  }
  const d = (route, status) => routeCount(after, route, status) - routeCount(before, route, status);
  const t = (route) => routeTotal(after, route) - routeTotal(before, route);
  return {
    requests: after.requests - before.requests,
    preflights: (after.preflights ?? 0) - (before.preflights ?? 0),
    http429: after.http429 - before.http429,
    duplicateEmailsInBulk: after.duplicateEmailsInBulk - before.duplicateEmailsInBulk,
    bulkSizes: sizes,
    contactsPosts200: d('POST /v1/contacts', 200),
    contactsPostsAll: t('POST /v1/contacts'),
    listPosts200: d('POST /v1/list', 200),
    listPosts409: d('POST /v1/list', 409),
    listGets: t('GET /v1/lists'),
  };
}

// ------------------------------------------------------------------ test data

const KEY_TIER = 'string--Loyalty--Tier';
const KEY_ORDERS = 'integer--Orders';
const KEY_SCORE = 'float--Score';
const KEY_SINCE = 'date--Member--Since';
const KEY_VIP = 'boolean--VIP';
const DAY = 86_400_000;

function connection(ctx, patch = {}) {
  return {
    displayName: `Conformance ${ctx.tag}`,
    apiKey: ctx.apiKey,
    consent: true,
    exportUser: `ops-${ctx.tag}`,
    baseUrl: ctx.baseUrl,
    ...patch,
  };
}

const MAPPING = {
  email: 'email',
  firstName: 'first',
  lastName: 'last',
  fields: { Company: 'company' },
  custom: [
    { source: 'tier', name: 'Loyalty Tier', type: 'string' },
    { source: 'orders', name: 'Orders', type: 'integer' },
    { source: 'score', name: 'Score', type: 'float' },
    { source: 'since', name: 'Member Since', type: 'date' },
    { source: 'vip', name: 'VIP', type: 'boolean' },
  ],
};

const iso = (ms) => new Date(ms).toISOString();
const dayMs = (i) => Date.UTC(2020, 0, 1) + i * DAY;
const ymd = (ms) => iso(ms).slice(0, 10);

/**
 * Custom values of one row. `good` forces values that always coerce (used for rows that
 * must not produce warnings: duplicates and invalid rows). Returns raw values (JSON types
 * for records, strings for CSV), the expected `custom` object and the keys left out
 * because they cannot be coerced.
 */
function customValues(i, csv, good) {
  const raw = {};
  const exp = {};
  const warn = [];
  const put = (field, key, variant) => {
    const [r, e] = variant;
    if (r !== undefined) raw[field] = r;
    if (e === WARN) warn.push(key);
    else if (e !== undefined) exp[key] = e;
  };
  const WARN = Symbol('warn');
  // string
  const tiers = csv
    ? [['bronze', 'bronze'], ['Ünïcode Tier', 'Ünïcode Tier'], ['', undefined]]
    : [['gold', 'gold'], [42, '42'], [undefined, undefined], ['Zoë "Z" Tier', 'Zoë "Z" Tier']];
  put('tier', KEY_TIER, tiers[i % tiers.length]);
  // integer
  const orders = csv
    ? [[String(i), i], ['', undefined], ['n/a', WARN], [String(-i - 1), -i - 1]]
    : [[i, i], [String(i * 3), i * 3], ['', undefined], ['lots', WARN], [-i, -i], [undefined, undefined]];
  let v = orders[i % orders.length];
  if (good && v[1] === WARN) v = orders[0];
  put('orders', KEY_ORDERS, v);
  // float
  const scores = csv
    ? [[String(i / 8), i / 8], ['', undefined], ['-2.75', -2.75], ['high', WARN]]
    : [[i + 0.5, i + 0.5], [String(i / 4), i / 4], [null, undefined], ['high', WARN], [i, i]];
  v = scores[i % scores.length];
  if (good && v[1] === WARN) v = scores[0];
  put('score', KEY_SCORE, v);
  // date
  const ms = dayMs(i);
  const dates = csv
    ? [[ymd(ms), iso(ms)], [String(ms + 1234), iso(ms + 1234)], ['', undefined], [`${ymd(ms)}T23:59:58Z`, iso(ms + DAY - 2000)], ['31/12/2020', WARN]]
    : [[ymd(ms), iso(ms)], [ms + 4321, iso(ms + 4321)], [`${ymd(ms)}T10:20:30+02:00`, iso(ms + 8 * 3600_000 + 20 * 60_000 + 30_000)], ['yesterday', WARN]];
  v = dates[i % dates.length];
  if (good && v[1] === WARN) v = dates[0];
  put('since', KEY_SINCE, v);
  // boolean
  const vips = csv
    ? [['true', true], ['0', false], ['1', true], ['no', false], ['perhaps', WARN], ['', undefined]]
    : [[true, true], [false, false], ['yes', true], ['no', false], ['maybe', WARN]];
  v = vips[i % vips.length];
  if (good && v[1] === WARN) v = vips[0];
  put('vip', KEY_VIP, v);
  if (csv) for (const f of ['tier', 'orders', 'score', 'since', 'vip']) raw[f] ??= '';
  return { raw, exp, warn };
}

const A_INVALID = [
  [{ absent: true }, 'EMAIL_MISSING'],
  ['', 'EMAIL_MISSING'],
  ['   ', 'EMAIL_MISSING'],
  ['not-an-email', 'EMAIL_INVALID'],
  ['someone@localhost', 'EMAIL_INVALID'],
  ['zoë@example.com', 'EMAIL_NON_ASCII'],
  [42, 'EMAIL_INVALID'],
  ['two@@example.com', 'EMAIL_INVALID'],
  ['a b@example.com', 'EMAIL_INVALID'],
  [null, 'EMAIL_MISSING'],
  [`${'x'.repeat(65)}@example.com`, 'EMAIL_TOO_LONG'],
  [{ notObject: true }, 'NOT_AN_OBJECT'],
];
const B_INVALID = [
  ['', 'EMAIL_MISSING'],
  ['   ', 'EMAIL_MISSING'],
  ['nobody', 'EMAIL_INVALID'],
  ['a@b', 'EMAIL_INVALID'],
  ['ünï@example.com', 'EMAIL_NON_ASCII'],
  ['user@example..com', 'EMAIL_INVALID'],
  ['@example.com', 'EMAIL_INVALID'],
  ['user@.com', 'EMAIL_INVALID'],
  ['user@exa mple.com', 'EMAIL_INVALID'],
];
const DOMAINS = ['example.com', 'Example.COM', 'MAIL.Example.org'];

function csvField(v) {
  const s = String(v ?? '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The main data set: segment "Alpha" (600 plain objects) and segment "Beta" (400 CSV rows
 * with BOM, CRLF and quoted fields), with invalid emails, duplicates within and across
 * segments, mixed case, padding and typed custom fields. Returns the rows plus every
 * expectation (computed from how each row was built, not by re-implementing the rules).
 */
function mainDataset(tag) {
  const p = `ct-${tag}-m.`;
  const expected = new Map(); // dedupe key -> {fields, custom, segments:Set}
  const rejects = []; // {segment,row,reason,id?}
  const warnings = new Map(); // field key -> count
  const seg = [0, 1].map(() => ({ profilesIn: 0, invalid: 0, duplicates: 0, memberships: 0, byReason: {} }));
  const reject = (s, row, reason, id) => {
    rejects.push(id === undefined ? { segment: s, row, reason } : { segment: s, row, reason, id });
    seg[s].invalid++;
    seg[s].byReason[reason] = (seg[s].byReason[reason] ?? 0) + 1;
  };
  const addUnique = (s, key, fields, custom, warn) => {
    expected.set(key, { fields, custom, segments: new Set([s]) });
    seg[s].memberships++;
    for (const k of warn) warnings.set(k, (warnings.get(k) ?? 0) + 1);
  };

  // Segment A: array of plain objects.
  const rowsA = [];
  const uniqueA = []; // emails as written, of unique valid rows
  let invA = 0;
  for (let i = 0; i < 600; i++) {
    const row = i + 1;
    const id = `A-${i}`;
    seg[0].profilesIn++;
    if (i % 50 === 7) {
      const [email, reason] = A_INVALID[invA++ % A_INVALID.length];
      const { raw } = customValues(i, false, true);
      if (email && email.notObject) {
        rowsA.push(`not an object ${i}`);
        reject(0, row, reason);
        continue;
      }
      const rec = { id, first: `First${i}`, company: 'Invalid Co', ...raw, secret: 'do-not-send' };
      if (!(email && email.absent)) rec.email = email;
      rowsA.push(rec);
      reject(0, row, reason, id);
      continue;
    }
    if (i % 40 === 21 && uniqueA.length > 5) {
      // Within-segment duplicate (other case): first occurrence wins, counted as duplicate.
      const orig = uniqueA[uniqueA.length - 5];
      const { raw } = customValues(i, false, true);
      rowsA.push({ id, email: orig.toUpperCase(), first: 'Duplicate', last: 'Row', company: 'Dup Co', ...raw, secret: 'do-not-send' });
      seg[0].duplicates++;
      continue;
    }
    const written = `${p}User${i}@${DOMAINS[i % 3]}`;
    const padded = i % 50 === 33 ? `  ${written}\t` : written;
    const sent = `${p}User${i}@${DOMAINS[i % 3].toLowerCase()}`;
    const { raw, exp, warn } = customValues(i, false, false);
    const rec = { id, email: padded, ...raw, secret: 'do-not-send' };
    const fields = { Email: sent };
    rec.first = i % 9 === 0 ? `Zoë${i}` : `First${i}`;
    fields.FirstName = rec.first;
    if (i % 11 !== 5) {
      rec.last = `Last${i}`;
      fields.LastName = rec.last;
    }
    if (i % 13 === 4) rec.company = '';
    else {
      rec.company = `Acme ${i % 7}`;
      fields.Company = rec.company;
    }
    rowsA.push(rec);
    uniqueA.push(written);
    addUnique(0, sent.toLowerCase(), fields, exp, warn);
  }

  // Segment B: CSV bytes.
  const header = ['id', 'email', 'first', 'last', 'company', 'tier', 'orders', 'score', 'since', 'vip', 'secret'];
  const lines = [header.join(',')];
  const uniqueB = [];
  const crossUsed = [];
  let invB = 0;
  let cross = 0;
  for (let i = 0; i < 400; i++) {
    const row = i + 1;
    const id = `B-${i}`;
    seg[1].profilesIn++;
    const line = (email, first, last, company, raw) =>
      lines.push([id, email, first, last, company, raw.tier, raw.orders, raw.score, raw.since, raw.vip, 'do-not-send'].map(csvField).join(','));
    const special = i >= 398;
    if (!special && i % 45 === 44) {
      const [email, reason] = B_INVALID[invB++ % B_INVALID.length];
      line(email, `First${i}`, '', 'Invalid Co', customValues(i, true, true).raw);
      reject(1, row, reason, id);
      continue;
    }
    if (!special && i % 10 === 3) {
      // Cross-segment duplicate of an A profile: member of both lists, A's values win.
      const orig = uniqueA[(cross++ * 13) % uniqueA.length];
      const [local, domain] = orig.split('@');
      const email = `${local}@${domain === domain.toLowerCase() ? domain.toUpperCase() : domain.toLowerCase()}`;
      line(email, 'Other', 'Segment', 'Other Co', customValues(i + 1, true, true).raw);
      const key = email.toLowerCase();
      expected.get(key).segments.add(1);
      seg[1].memberships++;
      crossUsed.push(email);
      continue;
    }
    if (!special && (i % 37 === 36 || i === 250) && uniqueB.length > 3) {
      // Within-B duplicate; row 250 repeats an email whose first occurrence is in A.
      const orig = i === 250 ? crossUsed[crossUsed.length - 1] : uniqueB[uniqueB.length - 3];
      line(orig.toLowerCase(), 'Duplicate', 'Row', 'Dup Co', customValues(i, true, true).raw);
      seg[1].duplicates++;
      continue;
    }
    const written = `${p}Csv${i}@${DOMAINS[(i + 1) % 3]}`;
    const sent = `${p}Csv${i}@${DOMAINS[(i + 1) % 3].toLowerCase()}`;
    const { raw, exp, warn } = customValues(i, true, false);
    const fields = { Email: sent };
    const first = i % 7 === 0 ? `Ünal${i}` : `Csv${i}`;
    fields.FirstName = first;
    const last = i % 6 === 1 ? '' : `Row${i}`;
    if (last) fields.LastName = last;
    let company = `Beta ${i % 5}`;
    if (i === 398) company = 'Acme, "Quoted" Inc';
    if (i === 399) company = 'Multi\r\nLine Co';
    fields.Company = company;
    line(i % 20 === 11 ? ` ${written} ` : written, first, last, company, raw);
    uniqueB.push(written);
    addUnique(1, sent.toLowerCase(), fields, exp, warn);
  }
  const csvText = `\uFEFF${lines.join('\r\n')}\r\n`;

  const totals = {
    profilesIn: seg[0].profilesIn + seg[1].profilesIn,
    invalid: seg[0].invalid + seg[1].invalid,
    duplicates: seg[0].duplicates + seg[1].duplicates,
    overCap: 0,
    uniqueProfiles: expected.size,
    memberships: seg[0].memberships + seg[1].memberships,
  };
  return { prefix: p, listPrefix: `ct-${tag}-m `, rowsA, csvText, expected, rejects, warnings, seg, totals };
}

function mainJob(ctx, data, profiles) {
  return {
    connection: connection(ctx),
    mapping: MAPPING,
    segments: [
      { name: 'Alpha', profiles: profiles?.[0] ?? data.rowsA },
      { name: 'Beta', profiles: profiles?.[1] ?? { csv: new TextEncoder().encode(data.csvText) } },
    ],
    listPrefix: data.listPrefix,
    idField: 'id',
  };
}

/** Resume data set: "Gamma" (records from an async generator) and "Delta" (NDJSON text). */
function resumeDataset(tag) {
  const p = `ct-${tag}-r.`;
  const gamma = [];
  const delta = [];
  const expected = new Map();
  for (let i = 0; i < 300; i++) {
    const email = `${p}G${i}@Example.com`;
    gamma.push({ email, first: `G${i}`, visits: i });
    expected.set(email.toLowerCase(), { Email: `${p}G${i}@example.com`, FirstName: `G${i}`, custom: { 'integer--Visits': i }, segments: new Set([0]) });
  }
  for (let i = 0; i < 300; i++) {
    if (i < 100) {
      delta.push({ email: `${p}G${i}@EXAMPLE.COM`, first: `Other${i}`, visits: 1000 + i });
      expected.get(`${p}g${i}@example.com`).segments.add(1);
    } else {
      const email = `${p}D${i}@example.net`;
      delta.push({ email, first: `D${i}`, visits: String(i) });
      expected.set(email.toLowerCase(), { Email: email, FirstName: `D${i}`, custom: { 'integer--Visits': i }, segments: new Set([1]) });
    }
  }
  return { prefix: p, listPrefix: `ct-${tag}-r `, gamma, delta, expected, memberships: 600, batches: 6 };
}

function resumeJob(ctx, data) {
  async function* gammaChunks() {
    for (let i = 0; i < data.gamma.length; i += 50) {
      await null;
      yield data.gamma.slice(i, i + 50);
    }
  }
  return {
    connection: connection(ctx),
    mapping: { email: 'email', firstName: 'first', custom: [{ source: 'visits', name: 'Visits', type: 'integer' }] },
    segments: [
      { name: 'Gamma', profiles: gammaChunks() },
      { name: 'Delta', profiles: { ndjson: data.delta.map((r) => JSON.stringify(r)).join('\n') } },
    ],
    listPrefix: data.listPrefix,
  };
}

// ---------------------------------------------------------- state assertions

/** Asserts the emulator holds exactly the expected contacts (with the tag's prefix) and lists. */
function assertState(a, state, { prefix, listTitles, expected, what }) {
  const lists = state.lists.filter((l) => listTitles.includes(l.title));
  a.eq(lists.map((l) => l.title).sort(), [...listTitles].sort(), `${what}: lists with our titles (each exactly once)`);
  const listIdOf = listTitles.map((t) => lists.find((l) => l.title === t)?.list_id);
  const contacts = state.contacts.filter((c) => String(c.Email).toLowerCase().startsWith(prefix.toLowerCase()));
  const byKey = new Map(contacts.map((c) => [String(c.Email).toLowerCase(), c]));
  a.eq(contacts.length, byKey.size, `${what}: contacts with distinct emails`);
  a.eq(contacts.length, expected.size, `${what}: number of contacts with prefix ${prefix}`);
  let missing = 0;
  let wrong = 0;
  const STATE_KEYS = new Set(['contact_id', 'lists', 'created_at', 'updated_at', 'custom']);
  for (const [key, exp] of expected) {
    const c = byKey.get(key);
    if (!c) {
      if (missing++ < 3) a.ok(false, `${what}: contact ${key} missing`);
      continue;
    }
    const fields = {};
    for (const [k, v] of Object.entries(c)) if (!STATE_KEYS.has(k)) fields[k] = v;
    const expFields = exp.fields ?? { Email: exp.Email, FirstName: exp.FirstName };
    const expLists = [...exp.segments].map((s) => listIdOf[s]).sort();
    const problems = [];
    if (!deepEqual(fields, expFields)) problems.push(`fields ${show(fields)} != ${show(expFields)}`);
    if (!deepEqual(c.custom ?? {}, exp.custom)) problems.push(`custom ${show(c.custom)} != ${show(exp.custom)}`);
    if (!deepEqual([...c.lists].sort(), expLists)) problems.push(`lists ${show(c.lists)} != ${show(expLists)}`);
    if (problems.length && wrong++ < 5) a.ok(false, `${what}: contact ${key}: ${problems.join('; ')}`);
  }
  if (missing > 3) a.ok(false, `${what}: ... ${missing} contacts missing in total`);
  if (wrong > 5) a.ok(false, `${what}: ... ${wrong} contacts wrong in total`);
  for (let s = 0; s < listTitles.length; s++) {
    const list = lists.find((l) => l.title === listTitles[s]);
    const want = [...expected.values()].filter((e) => e.segments.has(s)).length;
    if (list) a.eq(list.total_contacts, want, `${what}: total_contacts of list '${listTitles[s]}'`);
  }
  a.ok(!JSON.stringify(contacts).includes('do-not-send'), `${what}: an unmapped profile field reached Autopilot`);
  return { lists: listIdOf };
}

function sortRejects(list) {
  return [...list].sort((x, y) => x.segment - y.segment || x.row - y.row);
}

function warningCounts(warnings) {
  const out = {};
  for (const w of warnings ?? []) {
    if (w.code !== 'VALUE_NOT_COERCIBLE') continue;
    out[w.field] = (out[w.field] ?? 0) + w.count;
  }
  return out;
}

function assertPlanCounts(a, summary, data, what) {
  a.eq(pick(summary.totals, ['profilesIn', 'invalid', 'duplicates', 'overCap', 'uniqueProfiles', 'memberships']), data.totals, `${what}: totals`);
  a.eq(summary.segments?.length, 2, `${what}: segments`);
  for (let s = 0; s < 2; s++) {
    const got = summary.segments?.[s] ?? {};
    const want = data.seg[s];
    a.eq(pick(got, ['profilesIn', 'invalid', 'duplicates', 'overCap', 'memberships']),
      { profilesIn: want.profilesIn, invalid: want.invalid, duplicates: want.duplicates, overCap: 0, memberships: want.memberships },
      `${what}: segments[${s}] counts`);
  }
  a.eq(warningCounts(summary.warnings), Object.fromEntries(data.warnings), `${what}: VALUE_NOT_COERCIBLE warnings per field`);
  a.eq(sortRejects((summary.rejects ?? []).map((r) => pick(r, ['segment', 'row', 'reason', 'id']))), sortRejects(data.rejects), `${what}: rejects (segment, row, reason, id)`);
  a.ok(!JSON.stringify(summary.rejects ?? []).includes('@'), `${what}: a reject carries an email`);
}

function pick(o, keys) {
  const out = {};
  for (const k of keys) if (o?.[k] !== undefined) out[k] = o[k];
  return out;
}

// ------------------------------------------------------------------- the checks

const CHECKS = [
  ['api surface', async (ctx, a) => {
    for (const f of ['validateConnection', 'validateExportConfig', 'preview', 'previewAsync', 'checkConnection', 'exportSegments',
      'metadata', 'inspect', 'suggestMapping', 'toCsv', 'isLoopbackUrl', 'apiBaseUrl', 'downloadSource', 'isAutopilotExportError', 'AutopilotExportError']) {
      a.eq(typeof ctx.ap[f], 'function', `export ${f}`);
    }
    const m = ctx.ap.metadata();
    a.ok(m?.defaults?.ratePerSecond > 0 && typeof m?.defaults?.baseUrl === 'string', 'metadata().defaults');
    a.ok(Array.isArray(m?.standardFields) && m.standardFields.some((f) => f.name === 'Company' && f.label), 'metadata().standardFields');
    try {
      ctx.ap.preview(42);
    } catch (e) {
      a.ok(e instanceof ctx.ap.AutopilotExportError, 'a thrown error is an instance of the exported AutopilotExportError');
      a.ok(ctx.ap.isAutopilotExportError(e), 'isAutopilotExportError(e)');
    }
    a.eq(ctx.ap.isAutopilotExportError(new Error('x')), false, 'isAutopilotExportError(plain Error)');
    a.eq(ctx.ap.apiBaseUrl(' HTTPS://API.Example.test/V1/ '), 'https://api.example.test/V1', 'apiBaseUrl writes scheme and host in lower case, no trailing /');
    a.eq(ctx.ap.apiBaseUrl(undefined), m.defaults.baseUrl, 'apiBaseUrl(undefined) is the default');
    let notString = null;
    try { ctx.ap.apiBaseUrl(8080); } catch (e) { notString = e; }
    a.ok(ctx.ap.isAutopilotExportError(notString) && notString.code === 'CONFIG_INVALID', 'apiBaseUrl(8080) throws CONFIG_INVALID, not the default');
  }],

  ['validation', async (ctx, a) => {
    const { ap } = ctx;
    a.eq(ap.validateConnection(connection(ctx)), [], 'validateConnection(good)');
    const issues = ap.validateConnection({ displayName: ' ', apiKey: 'short', consent: false, exportUser: '', baseUrl: 'http://example.com/v1' });
    a.ok(Array.isArray(issues), 'validateConnection returns an array');
    const paths = (issues ?? []).map((i) => i.path).sort();
    a.eq(paths, ['apiKey', 'baseUrl', 'consent', 'displayName', 'exportUser'], 'every connection problem reported at once');
    a.ok(issues.every((i) => typeof i.code === 'string' && typeof i.message === 'string'), 'issues have code and message');
    a.ok(!JSON.stringify(issues).includes('short'), 'issues echo the API key');
    const cfg = {
      connection: connection(ctx),
      mapping: { email: '', custom: [{ source: 'x', name: 'X', type: 'money' }] },
      segments: [{ name: 'S' }],
      cap: 0,
    };
    const ci = ap.validateExportConfig(cfg);
    const cpaths = (ci ?? []).map((i) => i.path);
    for (const p of ['mapping.email', 'mapping.custom[0].type', 'cap']) a.ok(cpaths.includes(p), `validateExportConfig reports ${p} (got ${show(cpaths)})`);
    a.eq(ap.validateExportConfig({ connection: connection(ctx), mapping: MAPPING, segments: [{ name: 'S' }] }), [], 'validateExportConfig(good)');
    a.ok(Array.isArray(ap.validateConnection(null)), 'validateConnection(null) returns issues');
    const before = ctx.exclusive ? await counters(ctx) : null;
    await expectReject(() => ap.exportSegments({ ...cfg, segments: [{ name: 'S', profiles: [] }] }, { ratePerSecond: ctx.rate }), 'CONFIG_INVALID', a, 'exportSegments(invalid config)');
    try {
      ap.preview(42);
      a.ok(false, 'preview(42) did not throw');
    } catch (e) {
      checkErrorShape(e, 'CONFIG_INVALID', a, 'preview(42)');
    }
    try {
      ap.preview({ connection: connection(ctx), mapping: MAPPING, segments: [{ name: 'S', profiles: 'not a source' }] });
      a.ok(false, 'preview(bad profiles) did not throw');
    } catch (e) {
      a.eq(e?.name, 'AutopilotExportError', 'preview(bad profiles) error name');
      a.ok(['INPUT_INVALID', 'CONFIG_INVALID'].includes(e?.code), `preview(bad profiles) code: ${e?.code}`);
    }
    // The module survived the bad inputs.
    a.eq(ap.validateConnection(connection(ctx)), [], 'validateConnection after errors');
    if (before) a.eq(counterDelta(before, await counters(ctx)).requests, 0, 'requests sent by validation calls');
  }],

  ['check connection', async (ctx, a) => {
    const state = await emuState(ctx, false);
    const account = await ctx.ap.checkConnection(connection(ctx), { signal: new AbortController().signal });
    a.ok(account && typeof account === 'object', 'account is an object');
    a.eq(account?.instanceId, state.instanceId, 'account.instanceId');
    const ac = new AbortController();
    ac.abort();
    await expectReject(() => ctx.ap.checkConnection(connection(ctx), { signal: ac.signal }), 'ABORTED', a, 'checkConnection(aborted signal)');
  }],

  ['preview', async (ctx, a) => {
    const data = (ctx.shared.main ??= mainDataset(ctx.tag));
    const before = ctx.exclusive ? await counters(ctx) : null;
    const s = ctx.ap.preview(mainJob(ctx, data), { ratePerSecond: ctx.rate });
    assertPlanCounts(a, s, data, 'preview');
    const batches = Math.ceil(data.totals.memberships / 100);
    a.eq(s.batches, batches, 'preview.batches = ceil(memberships / 100)');
    a.eq(s.requests?.contacts, batches, 'preview.requests.contacts');
    a.eq(s.requests?.total, (s.requests?.lists ?? NaN) + batches, 'preview.requests.total');
    a.eq(s.uniqueSeen, data.totals.uniqueProfiles, 'preview.uniqueSeen');
    a.eq([s.cap, s.capExceeded, s.wouldSend, s.overCap, s.ratePerSecond], [100000, false, true, 'refuse', ctx.rate], 'preview cap/wouldSend/overCap/rate');
    for (let i = 0; i < 2; i++) {
      a.eq(s.segments?.[i]?.invalidByReason, data.seg[i].byReason, `preview.segments[${i}].invalidByReason`);
      a.eq(s.segments?.[i]?.listTitle, data.listPrefix + ['Alpha', 'Beta'][i], `preview.segments[${i}].listTitle`);
    }
    const U = data.totals.uniqueProfiles;
    const refused = ctx.ap.preview({ ...mainJob(ctx, data), cap: U - 1 });
    a.eq([refused.capExceeded, refused.wouldSend, refused.uniqueSeen], [true, false, U], 'preview with cap U-1 (refuse)');
    const cut = ctx.ap.preview({ ...mainJob(ctx, data), cap: U - 1, overCap: 'truncate' });
    a.eq(pick(cut.totals, ['overCap', 'uniqueProfiles', 'memberships']), { overCap: 1, uniqueProfiles: U - 1, memberships: data.totals.memberships - 1 }, 'preview with cap U-1 (truncate)');
    a.eq([cut.capExceeded, cut.wouldSend], [true, true], 'truncate: capExceeded, wouldSend');
    const noLists = ctx.ap.preview({ ...mainJob(ctx, data), lists: 'none' });
    a.eq(noLists.totals?.memberships, U, "lists 'none': one membership per unique contact");
    a.eq(noLists.requests?.lists, 1, "lists 'none': GET /account only, no list requests");
    if (before) a.eq(counterDelta(before, await counters(ctx)).requests, 0, 'requests sent by preview');
  }],

  ['previewAsync (chunked sources)', async (ctx, a) => {
    const data = (ctx.shared.main ??= mainDataset(ctx.tag));
    const sync = ctx.ap.preview(mainJob(ctx, data), { ratePerSecond: ctx.rate });
    const bytes = new TextEncoder().encode(data.csvText);
    async function* csvChunks() {
      // 777-byte chunks split UTF-8 sequences, CRLF pairs and quoted fields.
      for (let i = 0; i < bytes.length; i += 777) {
        await null;
        yield i % 2 ? bytes.slice(i, i + 777).buffer : bytes.subarray(i, i + 777);
      }
    }
    async function* recordChunks() {
      for (let i = 0; i < data.rowsA.length; i += 64) {
        await null;
        yield data.rowsA.slice(i, i + 64);
      }
    }
    const s = await ctx.ap.previewAsync(mainJob(ctx, data, [recordChunks(), { csv: csvChunks() }]), { ratePerSecond: ctx.rate });
    assertPlanCounts(a, s, data, 'previewAsync');
    a.eq(s.batches, sync.batches, 'previewAsync.batches = preview.batches');
    // The same CSV as a string and as a sync iterable of strings.
    const text = ctx.ap.preview(mainJob(ctx, data, [data.rowsA, { csv: data.csvText }]));
    a.eq(text.totals, sync.totals, 'CSV given as a string');
    const parts = [];
    for (let i = 0; i < data.csvText.length; i += 1000) parts.push(data.csvText.slice(i, i + 1000));
    const iter = ctx.ap.preview(mainJob(ctx, data, [data.rowsA, { csv: parts }]));
    a.eq(iter.totals, sync.totals, 'CSV given as an iterable of strings');
  }],

  ['export 1,000 profiles', async (ctx, a) => {
    const data = (ctx.shared.main ??= mainDataset(ctx.tag));
    const before = await counters(ctx);
    const progress = [];
    const job = mainJob(ctx, data);
    const report = await ctx.ap.exportSegments(job, {
      ratePerSecond: ctx.rate,
      onProgress: (p) => progress.push(p),
    });
    const after = await emuState(ctx, true);
    const d = counterDelta(before, after.counters);
    a.note('requests', d.requests);
    const M = data.totals.memberships;
    const batches = Math.ceil(M / 100);
    // Report.
    a.eq(report?.status, 'succeeded', 'report.status');
    a.eq([report?.displayName, report?.exportUser, report?.resumed], [job.connection.displayName, job.connection.exportUser, false], 'report displayName/exportUser/resumed');
    a.ok(!Number.isNaN(Date.parse(report?.startedAt)) && !Number.isNaN(Date.parse(report?.finishedAt)), 'report startedAt/finishedAt are dates');
    a.eq(report?.totals, { ...data.totals, exported: M, failed: 0, unchanged: 0, notSent: 0, removed: 0 }, 'report.totals');
    a.ok(report?.syncState instanceof Uint8Array && report.syncState.length > 0, 'report.syncState is a Uint8Array');
    for (let s = 0; s < 2; s++) {
      const got = report?.segments?.[s] ?? {};
      const w = data.seg[s];
      a.eq(pick(got, ['name', 'listTitle', 'profilesIn', 'invalid', 'duplicates', 'overCap', 'memberships', 'exported', 'failed']),
        { name: ['Alpha', 'Beta'][s], listTitle: data.listPrefix + ['Alpha', 'Beta'][s], profilesIn: w.profilesIn, invalid: w.invalid, duplicates: w.duplicates, overCap: 0, memberships: w.memberships, exported: w.memberships, failed: 0 },
        `report.segments[${s}]`);
    }
    a.eq(sortRejects((report?.rejects ?? []).map((r) => pick(r, ['segment', 'row', 'reason', 'id']))), sortRejects(data.rejects), 'report.rejects');
    a.eq(report?.rejectsOmitted, 0, 'report.rejectsOmitted');
    a.eq(warningCounts(report?.warnings), Object.fromEntries(data.warnings), 'report warnings per field');
    const text = JSON.stringify(report);
    a.ok(!text.includes(ctx.apiKey), 'the API key appears in the report');
    a.ok(!JSON.stringify(report?.rejects ?? []).includes('@') && !JSON.stringify(report?.checkpoint ?? {}).includes('@'), 'an email appears in rejects or checkpoint');
    // Progress.
    a.ok(progress.length >= batches, `onProgress called ${progress.length} times for ${batches} batches`);
    const last = progress[progress.length - 1] ?? {};
    a.eq([last.batchesDone, last.batchesTotal, last.contactsDone, last.contactsTotal], [batches, batches, M, M], 'last progress snapshot');
    // Emulator state: every valid unique email, exact fields, list memberships.
    const st = assertState(a, after, { prefix: data.prefix, listTitles: [data.listPrefix + 'Alpha', data.listPrefix + 'Beta'], expected: data.expected, what: 'state' });
    a.eq(report?.segments?.map((s) => s.listId), st.lists, 'report list ids = emulator list ids');
    a.eq(report?.segments?.map((s) => s.listCreated), [true, true], 'report listCreated');
    // Requests on the wire.
    if (ctx.exclusive) {
      a.eq(report?.requests?.sent, d.requests, 'report.requests.sent = requests the emulator received');
      a.eq(report?.requests?.throttled ?? 0, d.http429, 'report.requests.throttled = emulator 429s');
      a.eq(d.contactsPosts200, batches, 'POST /v1/contacts applied (minimum = ceil(memberships/100))');
      a.eq(Object.entries(d.bulkSizes).reduce((s, [k, n]) => s + Number(k) * n, 0), M, 'contacts in applied bulk requests');
      a.ok(Object.keys(d.bulkSizes).every((k) => Number(k) <= 100), `bulk sizes <= 100: ${show(d.bulkSizes)}`);
      a.eq(d.duplicateEmailsInBulk, 0, 'same email twice in one bulk request');
      a.eq(d.listPosts200, 2, 'lists created');
      a.eq(d.http429, 0, 'no 429 in a healthy run');
    }
  }],

  ['cancel + resume', async (ctx, a) => {
    const data = resumeDataset(ctx.tag);
    const c0 = await counters(ctx);
    const ac = new AbortController();
    let abortedAt;
    const first = await ctx.ap.exportSegments(resumeJob(ctx, data), {
      signal: ac.signal,
      ratePerSecond: 5,
      maxInFlight: 1,
      onProgress: (p) => {
        if (!ac.signal.aborted && p.batchesDone >= 1) {
          abortedAt = p.batchesDone;
          ac.abort();
        }
      },
    });
    const c1 = await counters(ctx);
    a.ok(abortedAt >= 1, 'onProgress reported a finished batch');
    a.eq(first?.status, 'cancelled', 'first run status');
    const cp = first?.checkpoint;
    a.ok(cp && typeof cp === 'object', 'cancelled report has a checkpoint');
    const cpText = JSON.stringify(cp ?? {});
    a.ok(!cpText.includes('@'), 'checkpoint contains an email');
    a.ok(!cpText.includes(ctx.apiKey), 'checkpoint contains the API key');
    a.ok(!JSON.stringify(first ?? {}).includes(ctx.apiKey), 'cancelled report contains the API key');
    const doneBatches = (cp?.done ?? []).reduce((s, [x, y]) => s + (y - x + 1), 0);
    a.ok(doneBatches >= 1 && doneBatches < data.batches, `checkpoint has ${doneBatches} of ${data.batches} batches done`);
    a.eq(cp?.batches, data.batches, 'checkpoint.batches');
    ctx.shared.cancelledCheckpoint = cp;
    // A checkpoint survives JSON storage.
    const stored = JSON.parse(cpText);
    const second = await ctx.ap.exportSegments(resumeJob(ctx, data), { checkpoint: stored, ratePerSecond: ctx.rate });
    const after = await emuState(ctx, true);
    const c2 = after.counters;
    a.eq(second?.status, 'succeeded', 'resumed run status');
    a.eq(second?.resumed, true, 'report.resumed');
    a.eq(pick(second?.totals, ['profilesIn', 'duplicates', 'invalid', 'uniqueProfiles', 'memberships', 'exported', 'failed']),
      { profilesIn: 600, duplicates: 0, invalid: 0, uniqueProfiles: 500, memberships: 600, exported: 600, failed: 0 }, 'resumed report totals');
    assertState(a, after, { prefix: data.prefix, listTitles: [data.listPrefix + 'Gamma', data.listPrefix + 'Delta'], expected: data.expected, what: 'state after resume' });
    if (ctx.exclusive) {
      const d1 = counterDelta(c0, c1);
      const d2 = counterDelta(c1, c2);
      const dAll = counterDelta(c0, c2);
      a.note('requests', [d1.requests, d2.requests]);
      a.eq(dAll.listPosts200, 2, 'lists created over both runs');
      a.eq(dAll.listPosts409, 0, 'a list was created twice (409)');
      a.eq(d2.contactsPosts200, data.batches - doneBatches, 'resumed run sent exactly the unfinished batches');
      a.ok(d1.contactsPostsAll <= doneBatches + 1, `cancelled run kept sending after the abort (${d1.contactsPostsAll} contact requests, ${doneBatches} done)`);
      a.eq(dAll.duplicateEmailsInBulk, 0, 'same email twice in one bulk request');
    }
  }],

  ['checkpoint of another job', async (ctx, a) => {
    const cp = ctx.shared.cancelledCheckpoint;
    if (!a.ok(cp, 'needs the checkpoint of "cancel + resume"')) return;
    const data = (ctx.shared.main ??= mainDataset(ctx.tag));
    const before = ctx.exclusive ? await counters(ctx) : null;
    await expectReject(() => ctx.ap.exportSegments(mainJob(ctx, data), { checkpoint: cp, ratePerSecond: ctx.rate }), 'CHECKPOINT_MISMATCH', a, 'exportSegments(other job checkpoint)');
    if (before) a.eq(counterDelta(before, await counters(ctx)).requests, 0, 'requests sent');
  }],

  ['bad key -> AUTH_FAILED', async (ctx, a) => {
    const bad = 'f'.repeat(32) === ctx.apiKey ? 'e'.repeat(32) : 'f'.repeat(32);
    const prefix = `ct-${ctx.tag}-x.`;
    await expectReject(() => ctx.ap.checkConnection(connection(ctx, { apiKey: bad })), 'AUTH_FAILED', a, 'checkConnection(bad key)');
    const before = await counters(ctx);
    const job = {
      connection: connection(ctx, { apiKey: bad }),
      mapping: { email: 'email' },
      segments: [{ name: 'Bad', profiles: [1, 2, 3, 4, 5].map((i) => ({ email: `${prefix}u${i}@example.com` })) }],
      listPrefix: `ct-${ctx.tag}-x `,
    };
    const e = await expectReject(() => ctx.ap.exportSegments(job, { ratePerSecond: ctx.rate }), 'AUTH_FAILED', a, 'exportSegments(bad key)');
    if (e) {
      a.ok(e.report && typeof e.report === 'object', 'AUTH_FAILED error carries the report');
      a.eq(e.report?.status, 'failed', 'error.report.status');
      a.eq(e.report?.error?.code, 'AUTH_FAILED', 'error.report.error.code');
      a.ok(!JSON.stringify(e.report ?? {}).includes(bad) && !String(e.message).includes(bad), 'the key appears in the error or its report');
    }
    const after = await emuState(ctx, true);
    a.eq(after.contacts.filter((c) => String(c.Email).toLowerCase().startsWith(prefix)).length, 0, 'contacts written with a bad key');
    a.eq(after.lists.filter((l) => l.title.startsWith(`ct-${ctx.tag}-x `)).length, 0, 'lists created with a bad key');
    if (ctx.exclusive) {
      const d = counterDelta(before, after.counters);
      a.eq(d.contactsPostsAll, 0, 'contact requests after the 401');
      a.ok(d.requests >= 1 && d.requests <= 2, `requests before stopping: ${d.requests}`);
    }
  }],

  ['consent false -> CONSENT_REQUIRED', async (ctx, a) => {
    const before = await counters(ctx);
    const conn = connection(ctx, { consent: false });
    const issues = ctx.ap.validateConnection(conn);
    a.eq(issues?.map((i) => [i.path, i.code]), [['consent', 'CONSENT_REQUIRED']], 'validateConnection(consent false)');
    await expectReject(() => ctx.ap.checkConnection(conn), 'CONSENT_REQUIRED', a, 'checkConnection(consent false)');
    const prefix = `ct-${ctx.tag}-c.`;
    const e = await expectReject(() => ctx.ap.exportSegments({
      connection: conn,
      mapping: { email: 'email' },
      segments: [{ name: 'Consent', profiles: [{ email: `${prefix}a@example.com` }] }],
      listPrefix: `ct-${ctx.tag}-c `,
    }, { ratePerSecond: ctx.rate }), 'CONSENT_REQUIRED', a, 'exportSegments(consent false)');
    if (e) a.eq(e.issues?.map((i) => [i.path, i.code]), [['connection.consent', 'CONSENT_REQUIRED']], 'error.issues');
    const after = await emuState(ctx, true);
    a.eq(after.contacts.filter((c) => String(c.Email).toLowerCase().startsWith(prefix)).length, 0, 'contacts written without consent');
    if (ctx.exclusive) {
      const d = counterDelta(before, after.counters);
      a.eq([d.requests, d.preflights], [0, 0], 'requests (and CORS preflights) that reached the emulator');
    }
  }],

  ['refresh: only changes, mirror removals', async (ctx, a) => {
    const prefix = `ct-${ctx.tag}-r.`;
    const title = `ct-${ctx.tag}-r Refresh`;
    const people = (n, tag) => Array.from({ length: n }, (_, i) => ({ email: `${prefix}p${i}@example.com`, first: `${tag}${i}` }));
    const job = (profiles) => ({
      connection: connection(ctx),
      mapping: { email: 'email', firstName: 'first' },
      segments: [{ name: 'Refresh', profiles }],
      listPrefix: `ct-${ctx.tag}-r `,
      membership: 'mirror',
    });
    const first = await ctx.ap.exportSegments(job(people(30, 'A')), { ratePerSecond: ctx.rate });
    a.eq(first?.status, 'succeeded', 'first run');
    // 2 renamed, 3 leavers, 4 new.
    const next = people(34, 'A').filter((_, i) => i < 27 || i >= 30);
    next[0].first = 'Renamed0';
    next[1].first = 'Renamed1';
    const before = ctx.exclusive ? await counters(ctx) : null;
    const plan = ctx.ap.preview(job(next), { syncState: first?.syncState });
    a.eq(plan?.changes, { added: 4, updated: 2, unchanged: 25, removed: 3 }, 'preview(syncState).changes');
    const second = await ctx.ap.exportSegments(job(next), { ratePerSecond: ctx.rate, syncState: first?.syncState });
    a.eq(second?.status, 'succeeded', 'refresh status');
    a.eq(pick(second?.totals, ['memberships', 'exported', 'unchanged', 'removed', 'notSent']), { memberships: 31, exported: 6, unchanged: 25, removed: 3, notSent: 0 }, 'refresh totals');
    const state = await emuState(ctx, true);
    const list = state.lists.find((l) => l.title === title);
    const members = new Set((list?.contact_ids ?? []));
    const onList = state.contacts.filter((c) => members.has(c.contact_id)).map((c) => c.Email).sort();
    a.eq(onList, next.map((p) => p.email).sort(), 'the list holds exactly the segment');
    if (before) {
      const after = state.counters;
      const d = counterDelta(before, after);
      a.eq(d.contactsPostsAll, 1, 'one bulk upsert for 6 changed memberships');
      a.eq(routeTotal(after, 'DELETE /v1/list/{list_id}/contact/{id_or_email}') - routeTotal(before, 'DELETE /v1/list/{list_id}/contact/{id_or_email}'), 3, 'one removal per leaver');
    }
    const third = await ctx.ap.exportSegments(job(next), { ratePerSecond: ctx.rate, syncState: second?.syncState });
    a.eq(pick(third?.totals, ['exported', 'unchanged', 'removed']), { exported: 0, unchanged: 31, removed: 0 }, 'a refresh without changes sends nothing');
  }],

  ['redirects are never followed', async (ctx, a) => {
    if (!a.ok(ctx.redirectTarget, 'the runner gives a recording redirect target')) return;
    const set = (redirect) => fetch(`${ctx.origin}/__emulator/config`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect }) });
    for (const status of [302, 307, 308]) {
      const r = await set({ status, to: ctx.redirectTarget });
      if (!a.ok(r.ok, `configure a ${status} redirect`)) return;
      try {
        const e = await expectReject(() => ctx.ap.checkConnection(connection(ctx)), 'API_ERROR', a, `checkConnection behind a ${status}`);
        a.ok(/redirect/i.test(e?.message ?? ''), `the message says redirect: ${e?.message}`);
        const x = await expectReject(() => ctx.ap.exportSegments({
          connection: connection(ctx),
          mapping: { email: 'email' },
          segments: [{ name: 'Redirected', profiles: [{ email: `ct-${ctx.tag}-x.a@example.com` }] }],
          listPrefix: `ct-${ctx.tag}-x `,
        }, { ratePerSecond: ctx.rate }), 'API_ERROR', a, `exportSegments behind a ${status}`);
        a.eq(x?.report?.totals?.exported, 0, 'nothing exported');
      } finally {
        await set(null);
      }
    }
    // The runner checks that nothing reached the target.
  }],
];
