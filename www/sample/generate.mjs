#!/usr/bin/env node
// Generates the bundled sample segments (fictional people, reserved example domains), the
// sample CLI configuration, and the numbers an export of them must produce.
//
//   node www/sample/generate.mjs              # (re)writes the files next to this script
//   node www/sample/generate.mjs --out DIR    # writes them into DIR instead (tests compare)
//
// Output (committed; regenerate only when this script changes):
//   vip.csv             "VIP customers"  CSV, LF line ends
//   churn-risk.ndjson   "Churn risk"     NDJSON, typed JSON values, some keys absent or null
//   newsletter.csv      "Newsletter"     CSV as a spreadsheet saves it: UTF-8 BOM, CRLF,
//                                        another column order
//   export.json         configuration file for `autopilot-export` (see its --help)
//   expected.json       rows, valid, invalid by reason, duplicates, memberships per segment,
//                       unique profiles, warnings, batches: computed here from what was
//                       generated, with this script's own reading of the rules of DESIGN.md §4
//                       (it does not use the package)
//
// Every segment shares one profile schema (a customer-data platform's unified profile), so one
// mapping serves all of them; the column names mix the naming styles real exports have.
// Deterministic: a seeded PRNG, no clock, no locale. Node standard library only.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const SEED = 20250630;
/** "Today" of the sample data (churn risk = no order in the 150 days before it). */
const TODAY = Date.UTC(2025, 5, 30);
const DAY = 86_400_000;

/** Profile fields in CSV column order (vip.csv, churn-risk.ndjson key order). */
export const COLUMNS = [
  'CustomerId', 'EmailAddress', 'GivenName', 'Surname', 'company_name', 'Phone', 'City', 'Country',
  'LoyaltyTier', 'lifetime_orders', 'LifetimeValue', 'last_order_date', 'newsletter_opt_in',
  'DateOfBirth', 'internal_score',
];
/** newsletter.csv's column order (another system, another order). */
const NEWSLETTER_COLUMNS = [
  'EmailAddress', 'GivenName', 'Surname', 'newsletter_opt_in', 'City', 'Country', 'Phone',
  'company_name', 'CustomerId', 'LoyaltyTier', 'lifetime_orders', 'LifetimeValue', 'last_order_date',
  'DateOfBirth', 'internal_score',
];
/** Columns present in the files that the mapping leaves out: they must never reach Autopilot. */
export const UNMAPPED = ['DateOfBirth', 'internal_score'];

export const LIST_PREFIX = 'CDP: ';

/** The sample configuration file (export.json). */
export const CONFIG = {
  $comment: 'Sample configuration for autopilot-export (run `autopilot-export --help`). The API key comes from AUTOPILOT_API_KEY only; AUTOPILOT_BASE_URL overrides connection.baseUrl (www/demo.sh points it at the local emulator).',
  connection: {
    displayName: 'Autopilot (sample data)',
    exportUser: 'demo.admin@example.com',
    consent: true,
    baseUrl: 'http://127.0.0.1:4010/v1',
  },
  mapping: {
    email: 'EmailAddress',
    firstName: 'GivenName',
    lastName: 'Surname',
    fields: {
      Company: 'company_name',
      Phone: 'Phone',
      MailingCity: 'City',
      MailingCountry: 'Country',
    },
    custom: [
      { source: 'LoyaltyTier', name: 'Loyalty Tier', type: 'string' },
      { source: 'lifetime_orders', name: 'Lifetime Orders', type: 'integer' },
      { source: 'LifetimeValue', name: 'Lifetime Value', type: 'float' },
      { source: 'last_order_date', name: 'Last Order Date', type: 'date' },
      { source: 'newsletter_opt_in', name: 'Newsletter Opt In', type: 'boolean' },
    ],
  },
  segments: [
    { name: 'VIP customers', file: 'vip.csv' },
    { name: 'Churn risk', file: 'churn-risk.ndjson' },
    { name: 'Newsletter', file: 'newsletter.csv' },
  ],
  lists: 'per-segment',
  listPrefix: LIST_PREFIX,
  idField: 'CustomerId',
  overCap: 'refuse',
  run: { ratePerSecond: 5 },
};

// ------------------------------------------------------------------ randomness

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tools(rand) {
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const chance = (p) => rand() < p;
  const weighted = (pairs) => {
    let r = rand() * pairs.reduce((s, [, w]) => s + w, 0);
    for (const [v, w] of pairs) {
      r -= w;
      if (r < 0) return v;
    }
    return pairs[pairs.length - 1][0];
  };
  const shuffle = (arr) => {
    for (let i = arr.length - 1; i > 0; i -= 1) {
      const j = Math.floor(rand() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  };
  return { int, pick, chance, weighted, shuffle };
}

// ------------------------------------------------------------------ vocabulary

const COUNTRIES = [
  {
    country: 'United States', weight: 26,
    cities: ['New York', 'Chicago', 'Austin', 'Seattle', 'Denver', 'Boston', 'Portland', 'Atlanta'],
    first: ['James', 'Mary', 'Robert', 'Patricia', 'Michael', 'Jennifer', 'David', 'Linda', 'Emily', 'Daniel', 'Ashley', 'Tyler', 'Brianna', 'Marcus', 'Keisha', 'Carlos', 'Sofia', 'Ethan', 'Hannah', 'Jordan'],
    last: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Washington', 'Nguyen', 'Kim', 'Patel', 'Cohen', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson'],
    phone: (t) => `+1 (${t.pick(['212', '312', '512', '206', '303', '617', '503', '404'])}) 555-01${String(t.int(0, 99)).padStart(2, '0')}`,
  },
  {
    country: 'United Kingdom', weight: 14,
    cities: ['London', 'Manchester', 'Leeds', 'Bristol', 'Edinburgh', 'Glasgow', 'Cardiff'],
    first: ['Oliver', 'Amelia', 'George', 'Isla', 'Harry', 'Ava', 'Jack', 'Mia', 'Charlotte', 'Alfie', 'Freya', 'Rhys', 'Aisling', 'Callum', 'Priya'],
    last: ['Jones', 'Taylor', 'Wilson', 'Evans', 'Thomas', 'Roberts', "O'Brien", 'Hughes', 'Walker', 'Wright', 'Campbell', 'MacDonald', 'Khan', 'Ahmed', 'Clarke'],
    phone: (t) => `+44 20 7946 0${String(t.int(0, 999)).padStart(3, '0')}`,
  },
  {
    country: 'Germany', weight: 12,
    cities: ['Berlin', 'München', 'Hamburg', 'Köln', 'Frankfurt am Main', 'Düsseldorf', 'Leipzig'],
    first: ['Lukas', 'Anna', 'Jürgen', 'Sophie', 'Maximilian', 'Lena', 'Felix', 'Marie', 'Jonas', 'Laura', 'Björn', 'Katharina', 'Sören', 'Hanna'],
    last: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Größer', 'Bauer', 'Richter'],
    phone: (t) => `+49 30 ${t.int(1000, 9999)} ${t.int(1000, 9999)}`,
  },
  {
    country: 'France', weight: 10,
    cities: ['Paris', 'Lyon', 'Marseille', 'Toulouse', 'Nantes', 'Bordeaux', 'Lille'],
    first: ['Camille', 'Léa', 'Hugo', 'Chloé', 'Louis', 'Manon', 'Théo', 'Élodie', 'Gabriel', 'Inès', 'Mathéo', 'Zoé'],
    last: ['Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Lefèvre', 'Moreau', 'Girard', 'Faure'],
    phone: (t) => `+33 1 ${t.int(10, 99)} ${t.int(10, 99)} ${t.int(10, 99)} ${t.int(10, 99)}`,
  },
  {
    country: 'Spain', weight: 7,
    cities: ['Madrid', 'Barcelona', 'Valencia', 'Sevilla', 'Bilbao', 'Málaga'],
    first: ['José', 'María', 'Javier', 'Lucía', 'Alejandro', 'Carmen', 'Pablo', 'Sofía', 'Álvaro', 'Marta', 'Íñigo'],
    last: ['García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Ruiz', 'Muñoz'],
    phone: (t) => `+34 91 ${t.int(100, 999)} ${t.int(10, 99)} ${t.int(10, 99)}`,
  },
  {
    country: 'Netherlands', weight: 6,
    cities: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Den Haag', 'Eindhoven'],
    first: ['Daan', 'Emma', 'Sem', 'Julia', 'Lucas', 'Tess', 'Bram', 'Fleur', 'Sanne', 'Joris'],
    last: ['de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer'],
    phone: (t) => `+31 20 ${t.int(100, 999)} ${t.int(1000, 9999)}`,
  },
  {
    country: 'Ireland', weight: 4,
    cities: ['Dublin', 'Cork', 'Galway', 'Limerick'],
    first: ['Seán', 'Siobhán', 'Ciarán', 'Aoife', 'Niamh', 'Conor', 'Róisín', 'Darragh'],
    last: ['Murphy', 'Kelly', "O'Sullivan", 'Walsh', "O'Connor", 'McCarthy', 'Byrne', 'Ryan'],
    phone: (t) => `+353 1 ${t.int(100, 999)} ${t.int(1000, 9999)}`,
  },
  {
    country: 'Canada', weight: 6,
    cities: ['Toronto', 'Montréal', 'Vancouver', 'Calgary', 'Ottawa'],
    first: ['Liam', 'Olivia', 'Noah', 'Charlotte', 'William', 'Léa', 'Benjamin', 'Chloé', 'Aiden', 'Maya'],
    last: ['Tremblay', 'Gagnon', 'Roy', 'Côté', 'Bouchard', 'Smith', 'Wilson', 'MacDonald', 'Chen', 'Singh'],
    phone: (t) => `+1 (${t.pick(['416', '514', '604', '403', '613'])}) 555-01${String(t.int(0, 99)).padStart(2, '0')}`,
  },
  {
    country: 'Australia', weight: 5,
    cities: ['Sydney', 'Melbourne', 'Brisbane', 'Perth', 'Adelaide'],
    first: ['Jack', 'Charlotte', 'William', 'Olivia', 'Lachlan', 'Ruby', 'Cooper', 'Matilda', 'Hamish', 'Zara'],
    last: ['Smith', 'Jones', 'Williams', 'Brown', 'Wilson', 'Nguyen', 'Kelly', 'Mitchell', 'Campbell', 'Papadopoulos'],
    phone: (t) => `+61 2 5550 ${t.int(1000, 9999)}`,
  },
  {
    country: 'Poland', weight: 4,
    cities: ['Warszawa', 'Kraków', 'Gdańsk', 'Wrocław', 'Poznań'],
    first: ['Łukasz', 'Zofia', 'Jakub', 'Małgorzata', 'Piotr', 'Agnieszka', 'Wojciech', 'Katarzyna'],
    last: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński'],
    phone: (t) => `+48 22 ${t.int(100, 999)} ${t.int(10, 99)} ${t.int(10, 99)}`,
  },
  {
    country: 'Sweden', weight: 3,
    cities: ['Stockholm', 'Göteborg', 'Malmö', 'Uppsala'],
    first: ['Erik', 'Astrid', 'Lars', 'Ingrid', 'Björn', 'Elsa', 'Nils', 'Saga'],
    last: ['Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Öberg', 'Lindqvist'],
    phone: (t) => `+46 8 ${t.int(100, 999)} ${t.int(10, 99)} ${t.int(10, 99)}`,
  },
  {
    country: 'India', weight: 3,
    cities: ['Bengaluru', 'Mumbai', 'Pune', 'Hyderabad', 'Chennai'],
    first: ['Priya', 'Arjun', 'Ananya', 'Rohan', 'Kavya', 'Vikram', 'Aditi', 'Rahul'],
    last: ['Sharma', 'Patel', 'Iyer', 'Reddy', 'Nair', 'Gupta', 'Mehta', 'Rao'],
    phone: (t) => `+91 80 ${t.int(1000, 9999)} ${t.int(1000, 9999)}`,
  },
];

// Fictional companies (the usual sample names); some need CSV quoting.
const COMPANIES = [
  'Northwind Traders', 'Contoso Ltd', 'Fabrikam, Inc.', 'Tailspin Toys', 'Wingtip Toys', 'Adventure Works',
  'Litware', 'Proseware', 'Lamna Healthcare', 'Woodgrove Bank', 'Blue Yonder Airlines', 'Coho Winery',
  'Alpine Ski House', "Margie's Travel", 'Trey Research', 'Wide World Importers', 'Fourth Coffee',
  'Humongous Insurance', 'Lucerne Publishing', 'Southridge Video', 'VanArsdel, Ltd.', 'Relecloud',
  'A. Datum Corporation', 'Consolidated Messenger', 'Bellows College', 'Tasmanian Traders',
  'First Up Consultants', 'Best For You Organics Company', 'Nod Publishers', 'Munson\'s Pickles and Preserves Farm',
  'The "Good Food" Cooperative', 'Graphic Design Institute',
];
const FREE_MAIL = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'post.example.co.uk', 'inbox.example.de'];
const TIERS = [['Bronze', 45], ['Silver', 30], ['Gold', 17], ['Platinum', 8]];

/** ASCII form of a name for an email local part. */
function asciiSlug(s) {
  const special = { 'ł': 'l', 'Ł': 'L', 'ø': 'o', 'Ø': 'O', 'ß': 'ss', 'æ': 'ae', 'Æ': 'AE', 'đ': 'd' };
  return s
    .replace(/[łŁøØßæÆđ]/g, (c) => special[c])
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}

const pad2 = (n) => String(n).padStart(2, '0');
const isoDate = (ms) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
};

// ------------------------------------------------------------------ the rules (own reading of DESIGN.md §4)

const LOCAL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Classifies a raw email cell: `{ok: true, sent, key}` or `{ok: false, reason}`.
 * Trimmed; empty -> EMAIL_MISSING; non-ASCII -> EMAIL_NON_ASCII; WHATWG syntax with a dotted
 * domain of 1-63 character labels, else EMAIL_INVALID; sent with the domain lower-cased.
 */
export function classifyEmail(raw) {
  if (raw === undefined || raw === null) return { ok: false, reason: 'EMAIL_MISSING' };
  if (typeof raw !== 'string') return { ok: false, reason: 'EMAIL_INVALID' };
  const s = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (s === '') return { ok: false, reason: 'EMAIL_MISSING' };
  if (!/^[\x00-\x7f]*$/.test(s)) return { ok: false, reason: 'EMAIL_NON_ASCII' };
  const at = s.indexOf('@');
  if (at < 0) return { ok: false, reason: 'EMAIL_INVALID' };
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  if (!LOCAL_RE.test(local)) return { ok: false, reason: 'EMAIL_INVALID' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL_RE.test(l))) return { ok: false, reason: 'EMAIL_INVALID' };
  if (s.length > 254 || local.length > 64) return { ok: false, reason: 'EMAIL_TOO_LONG' };
  const sent = `${local}@${domain.toLowerCase()}`;
  return { ok: true, sent, key: sent.toLowerCase() };
}

/** What a custom value becomes in Autopilot, or `undefined` (left out) / `WARN` (not coercible). */
export const WARN = Symbol('not coercible');
export function coerce(value, type) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() === '') return undefined;
  const text = typeof value === 'string' ? value.trim() : value;
  switch (type) {
    case 'string': return String(text);
    case 'integer': {
      const n = typeof text === 'number' ? text : /^[+-]?\d+(\.0*)?$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) ? n : WARN;
    }
    case 'float': {
      const n = typeof text === 'number' ? text : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
      return Number.isFinite(n) ? n : WARN;
    }
    case 'boolean': {
      if (typeof text === 'boolean') return text;
      const t = String(text).toLowerCase();
      if (['true', '1', 'yes'].includes(t)) return true;
      if (['false', '0', 'no'].includes(t)) return false;
      return WARN;
    }
    case 'date': {
      if (typeof text === 'number') return new Date(text).toISOString();
      if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text)) return WARN;
      const iso = text.length === 10 ? `${text}T00:00:00Z` : /Z|[+-]\d{2}:\d{2}$/.test(text) ? text : `${text}Z`;
      const ms = Date.parse(iso.replace(' ', 'T'));
      return Number.isNaN(ms) ? WARN : new Date(ms).toISOString();
    }
    default: throw new Error(`unknown type ${type}`);
  }
}

/** Custom-field key `<type>--<Name with spaces as -->`. */
export const customKey = (c) => `${c.type}--${c.name.trim().split(/\s+/).join('--')}`;

/**
 * The Autopilot contact (the emulator's state shape without ids, lists and timestamps) that a
 * valid profile record becomes under `mapping`, plus the warnings its values raise.
 */
export function toContact(record, mapping) {
  const email = classifyEmail(record[mapping.email]);
  if (!email.ok) throw new Error('not a valid profile');
  const contact = { Email: email.sent };
  const warnings = [];
  const std = [['FirstName', mapping.firstName], ['LastName', mapping.lastName], ...Object.entries(mapping.fields ?? {})];
  for (const [target, source] of std) {
    if (source === undefined) continue;
    const v = record[source];
    if (v === undefined || v === null) continue;
    const t = String(v).trim();
    if (t !== '') contact[target] = t;
  }
  const custom = {};
  for (const c of mapping.custom ?? []) {
    const v = coerce(record[c.source], c.type);
    if (v === WARN) warnings.push(customKey(c));
    else if (v !== undefined) custom[customKey(c)] = v;
  }
  if (Object.keys(custom).length > 0) contact.custom = custom;
  return { contact, warnings };
}

/**
 * Counts of an export of `segments` (each `{name, records}` with records as the package reads
 * them), following DESIGN.md §4 with per-segment lists and no cap in reach.
 */
export function expectedCounts(segments, mapping) {
  const unique = new Map(); // dedupe key -> {contact, lists: Set}
  const warnings = new Map();
  const out = [];
  for (const seg of segments) {
    const seen = new Set();
    const c = { name: seg.name, listTitle: LIST_PREFIX + seg.name, rows: seg.records.length, valid: 0, invalid: 0, invalidByReason: {}, duplicates: 0, memberships: 0 };
    for (const r of seg.records) {
      const e = classifyEmail(r[mapping.email]);
      if (!e.ok) {
        c.invalid += 1;
        c.invalidByReason[e.reason] = (c.invalidByReason[e.reason] ?? 0) + 1;
        continue;
      }
      c.valid += 1;
      if (seen.has(e.key)) {
        c.duplicates += 1;
        continue;
      }
      seen.add(e.key);
      c.memberships += 1;
      let u = unique.get(e.key);
      if (!u) {
        const { contact, warnings: w } = toContact(r, mapping);
        for (const field of w) warnings.set(field, (warnings.get(field) ?? 0) + 1);
        u = { contact, lists: new Set() };
        unique.set(e.key, u);
      }
      u.lists.add(c.listTitle);
    }
    c.invalidByReason = Object.fromEntries(Object.entries(c.invalidByReason).sort());
    out.push(c);
  }
  return { segments: out, unique, warnings };
}

// ------------------------------------------------------------------ generation

function makePeople(t, count) {
  const people = [];
  const emails = new Set();
  const countryWeights = COUNTRIES.map((c) => [c, c.weight]);
  for (let i = 0; i < count; i += 1) {
    const c = t.weighted(countryWeights);
    const first = t.pick(c.first);
    const last = t.pick(c.last);
    const b2b = t.chance(0.55);
    const company = b2b ? t.pick(COMPANIES) : '';
    const tier = t.weighted(TIERS);
    const orders = {
      Bronze: () => t.int(1, 5), Silver: () => t.int(4, 15), Gold: () => t.int(12, 40), Platinum: () => t.int(30, 120),
    }[tier]();
    const avg = t.int(2500, 18000) / 100;
    const value = Math.round(orders * avg * 100) / 100;
    const lastOrder = TODAY - t.int(1, 900) * DAY;
    const optIn = t.chance(0.5);
    // Email: first.last@provider, f.last@company, firstlast42@provider ...
    const f = asciiSlug(first);
    const l = asciiSlug(last);
    const domain = b2b && t.chance(0.7) ? `${asciiSlug(company).slice(0, 20)}.example` : t.pick(FREE_MAIL);
    const base = t.weighted([[`${f}.${l}`, 5], [`${f[0]}.${l}`, 2], [`${f}${l}${t.int(1, 99)}`, 2], [`${f}_${l}`, 1], [`${f}.${l}+shop`, 1]]);
    let local = base;
    for (let n = 2; emails.has(`${local}@${domain}`); n += 1) local = `${base}${n}`;
    emails.add(`${local}@${domain}`);
    // How the address is written in the source systems: mostly lower case, sometimes not.
    const written = t.weighted([
      [`${local}@${domain}`, 80],
      [`${capitalizeLocal(local, first, last)}@${domain}`, 12],
      [`${local}@${domain.toUpperCase()}`, 8],
    ]);
    people.push({
      id: `CUST-${String(100000 + i * 7 + t.int(0, 6)).padStart(6, '0')}`,
      email: written,
      first, last, company,
      phone: t.chance(0.8) ? c.phone(t) : '',
      city: t.pick(c.cities), country: c.country,
      tier, orders, value,
      lastOrder: isoDate(lastOrder),
      lastOrderMs: lastOrder,
      optIn,
      birth: isoDate(Date.UTC(t.int(1950, 2004), t.int(0, 11), t.int(1, 28))),
      score: t.int(1, 100),
    });
  }
  return people;
}

const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** A European-formatted amount ("1.234,50"): not a number to the float parser. */
const european = (v) => {
  const [int, frac] = v.toFixed(2).split('.');
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${frac}`;
};

function capitalizeLocal(local, first, last) {
  return local.replace(asciiSlug(first), cap(asciiSlug(first))).replace(asciiSlug(last), cap(asciiSlug(last)));
}

/** Emails that are broken in the ways real exports are, by the reason they must be rejected with. */
const BROKEN = {
  EMAIL_MISSING: [(p) => '', () => '   ', () => null, () => undefined],
  EMAIL_INVALID: [
    (p) => `${p.local}@`,
    (p) => `${p.local}.${p.domain}`,
    (p) => `${p.f} ${p.l}@${p.domain}`,
    (p) => `${p.local}@@${p.domain}`,
    (p) => `${p.local}@${p.domain.split('.')[0]}`,
    (p) => `${p.local}@${p.domain.replace('.', '..')}`,
    (p) => `${cap(p.f)} ${cap(p.l)} <${p.local}@${p.domain}>`,
    (p) => `${p.local}@${p.domain}; ${p.f}@${p.domain}`,
    () => 'n/a',
    (p) => `${p.local}@-${p.domain}`,
    (p) => `"${p.local}"@${p.domain}`,
  ],
  EMAIL_NON_ASCII: [
    (p) => `${p.first.toLowerCase()}.${p.last.toLowerCase()}@example.com`, // only drawn for non-ASCII names
    (p) => `${p.local}@bücher.example`,
    (p) => `${p.local}＠${p.domain}`, // full-width at sign
    (p) => `\u0430${p.local.slice(1)}@${p.domain}`, // Cyrillic "а" look-alike
    () => 'zoë.martin@example.fr',
    () => 'jürgen.größer@example.de',
  ],
};

function brokenPerson(t, template, reason, seq) {
  const local = template.email.slice(0, template.email.indexOf('@')).toLowerCase();
  const domain = template.email.slice(template.email.indexOf('@') + 1).toLowerCase();
  const p = { ...template, local, domain, f: asciiSlug(template.first), l: asciiSlug(template.last) };
  let make = t.pick(BROKEN[reason]);
  if (reason === 'EMAIL_NON_ASCII' && make === BROKEN.EMAIL_NON_ASCII[0] && /^[\x00-\x7f]*$/.test(template.first + template.last)) {
    make = BROKEN.EMAIL_NON_ASCII[1];
  }
  return { ...template, id: `CUST-9${String(seq).padStart(5, '0')}`, email: make(p) };
}

/** A profile as one segment's source system writes it (typed: strings, numbers, booleans). */
function record(p, style) {
  const r = {
    CustomerId: p.id,
    EmailAddress: p.email,
    GivenName: p.first,
    Surname: p.last,
    company_name: p.company,
    Phone: p.phone,
    City: p.city,
    Country: p.country,
    LoyaltyTier: p.tier,
    lifetime_orders: p.orders,
    LifetimeValue: p.value,
    last_order_date: p.lastOrder,
    newsletter_opt_in: p.optIn,
    DateOfBirth: p.birth,
    internal_score: p.score,
    ...p.override,
  };
  if (style === 'ndjson') {
    // Empty values are absent or null in NDJSON; a few ids are numbers-as-strings already.
    for (const k of ['company_name', 'Phone']) if (r[k] === '') { if (p.nullish) r[k] = null; else delete r[k]; }
    if (r.EmailAddress === undefined) delete r.EmailAddress;
  }
  return r;
}

function csvCell(v) {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? String(v) : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function toCsv(records, columns, eol, bom, boolStyle) {
  const lines = [columns.join(',')];
  for (const r of records) {
    lines.push(columns.map((c) => {
      let v = r[c];
      if (typeof v === 'boolean') v = boolStyle === 'yesno' ? (v ? 'yes' : 'no') : String(v);
      if (c === 'LifetimeValue' && typeof v === 'number') v = v.toFixed(2);
      return csvCell(v);
    }).join(','));
  }
  return (bom ? '\ufeff' : '') + lines.join(eol) + eol;
}

function toNdjson(records) {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** Builds one segment's rows: members, within-segment duplicates, broken emails; shuffled. */
function buildSegment(t, members, extra, invalid, seqStart) {
  // Another source system may write someone's address in other letter case.
  const recase = (e) => t.weighted([[e.toLowerCase(), 2], [e[0].toUpperCase() + e.slice(1), 1], [e.toUpperCase(), 1]]);
  const rows = members.map((p) => (t.chance(extra.recase ?? 0) ? { ...p, email: recase(p.email) } : { ...p }));
  t.shuffle(rows);
  // Duplicates: the same person again later in the file, the address written differently
  // (case, surrounding spaces) or exactly the same; other values possibly updated.
  const dups = [];
  for (let i = 0; i < extra.duplicates; i += 1) {
    const src = rows[t.int(0, Math.floor(rows.length / 2))];
    const at = src.email.indexOf('@');
    const variant = t.weighted([
      [src.email, 3],
      [src.email.toUpperCase(), 1],
      [`  ${src.email.slice(0, at).toLowerCase()}@${src.email.slice(at + 1).toUpperCase()} `, 1],
    ]);
    dups.push({ ...src, email: variant, phone: t.chance(0.5) ? src.phone : '', override: t.chance(0.3) ? { City: t.pick(['Springfield', 'Riverside']) } : undefined, dupOf: src.id });
  }
  // Broken addresses: fresh people (templates drawn from members) with unusable emails.
  let seq = seqStart;
  const broken = [];
  for (const [reason, n] of Object.entries(invalid)) {
    for (let i = 0; i < n; i += 1) {
      const b = brokenPerson(t, t.pick(members), reason, seq);
      seq += 1;
      b.intendedReason = reason;
      broken.push(b);
    }
  }
  // Duplicates go after their first occurrence; broken rows anywhere.
  const all = [...rows];
  for (const d of dups) {
    const first = all.findIndex((r) => r.id === d.dupOf);
    all.splice(t.int(first + 1, all.length), 0, d);
  }
  for (const b of broken) all.splice(t.int(0, all.length), 0, b);
  return { rows: all, nextSeq: seq };
}

export function generate() {
  const rand = prng(SEED);
  const t = tools(rand);
  const people = makePeople(t, 2600);

  // Segment rules on the profile attributes (as a CDP's segment definitions would be).
  const vip = people.filter((p) => p.tier === 'Gold' || p.tier === 'Platinum');
  const churn = people.filter((p) => p.orders >= 2 && TODAY - p.lastOrderMs > 540 * DAY && p.tier !== 'Platinum');
  const news = people.filter((p) => p.optIn);

  // A few values the sources get wrong (they are left out of the contact and counted as warnings).
  for (const p of t.shuffle([...churn]).slice(0, 6)) p.override = { ...p.override, lifetime_orders: 'unknown' };
  for (const p of t.shuffle([...vip]).slice(0, 4)) p.override = { ...p.override, LifetimeValue: european(p.value) };
  for (const p of t.shuffle([...news]).slice(0, 5)) p.override = { ...p.override, last_order_date: 'not yet' };
  // Date-times with an offset in the NDJSON source (converted to UTC when sent).
  for (const p of churn) if (t.chance(0.25)) p.override = { ...p.override, last_order_date: `${p.lastOrder}T${pad2(t.int(0, 23))}:${pad2(t.int(0, 59))}:00+02:00` };
  for (const p of churn) p.nullish = t.chance(0.5);

  const segVip = buildSegment(t, vip, { duplicates: 9 }, { EMAIL_MISSING: 4, EMAIL_INVALID: 7, EMAIL_NON_ASCII: 3 }, 1);
  const segChurn = buildSegment(t, churn, { duplicates: 14, recase: 0.1 }, { EMAIL_MISSING: 8, EMAIL_INVALID: 11, EMAIL_NON_ASCII: 5 }, segVip.nextSeq);
  const segNews = buildSegment(t, news, { duplicates: 21, recase: 0.1 }, { EMAIL_MISSING: 10, EMAIL_INVALID: 16, EMAIL_NON_ASCII: 7 }, segChurn.nextSeq);

  const vipRecords = segVip.rows.map((p) => record(p, 'csv'));
  const churnRecords = segChurn.rows.map((p) => record(p, 'ndjson'));
  const newsRecords = segNews.rows.map((p) => record(p, 'csv'));

  // Self-check: every broken row is rejected for the reason it was made for, every other row
  // is valid.
  for (const seg of [segVip, segChurn, segNews]) {
    for (const r of seg.rows) {
      const c = classifyEmail(r.email);
      const want = r.intendedReason ?? 'valid';
      const got = c.ok ? 'valid' : c.reason;
      if (want !== got) throw new Error(`generator bug: ${JSON.stringify(r.email)} is ${got}, meant ${want}`);
    }
  }

  const files = {
    'vip.csv': toCsv(vipRecords, COLUMNS, '\n', false, 'truefalse'),
    'churn-risk.ndjson': toNdjson(churnRecords),
    'newsletter.csv': toCsv(newsRecords, NEWSLETTER_COLUMNS, '\r\n', true, 'yesno'),
  };

  // What the package reads from each file: CSV cells are text, NDJSON values keep their type.
  const asRead = (records, csv) => records.map((r) => {
    if (!csv) return r;
    const o = {};
    for (const [k, v] of Object.entries(r)) {
      if (v === undefined || v === null) o[k] = '';
      else if (typeof v === 'boolean') o[k] = csv === 'yesno' ? (v ? 'yes' : 'no') : String(v);
      else if (k === 'LifetimeValue' && typeof v === 'number') o[k] = v.toFixed(2);
      else o[k] = String(v);
    }
    return o;
  });
  const segments = [
    { name: 'VIP customers', file: 'vip.csv', format: 'csv', records: asRead(vipRecords, 'truefalse') },
    { name: 'Churn risk', file: 'churn-risk.ndjson', format: 'ndjson', records: asRead(churnRecords, false) },
    { name: 'Newsletter', file: 'newsletter.csv', format: 'csv', records: asRead(newsRecords, 'yesno') },
  ];
  const counts = expectedCounts(segments, CONFIG.mapping);
  const memberships = counts.segments.reduce((s, c) => s + c.memberships, 0);
  const maxLists = Math.max(...[...counts.unique.values()].map((u) => u.lists.size));
  const sum = (k) => counts.segments.reduce((s, c) => s + c[k], 0);
  const invalidByReason = {};
  for (const c of counts.segments) for (const [k, v] of Object.entries(c.invalidByReason)) invalidByReason[k] = (invalidByReason[k] ?? 0) + v;
  const expected = {
    $comment: 'Generated by www/sample/generate.mjs from its own reading of DESIGN.md §4 (not by the package). valid = rows with a usable email (duplicates included); memberships = valid - duplicates (one per contact per segment list); uniqueProfiles = distinct dedupe keys over all segments.',
    seed: SEED,
    segments: counts.segments.map(({ name, listTitle, rows, valid, invalid, invalidByReason: r, duplicates, memberships: m }, i) => ({
      name, file: segments[i].file, format: segments[i].format, listTitle, rows, valid, invalid, invalidByReason: r, duplicates, memberships: m,
    })),
    totals: {
      rows: sum('rows'),
      valid: sum('valid'),
      invalid: sum('invalid'),
      invalidByReason: Object.fromEntries(Object.entries(invalidByReason).sort()),
      duplicates: sum('duplicates'),
      memberships,
      uniqueProfiles: counts.unique.size,
      inSeveralSegments: [...counts.unique.values()].filter((u) => u.lists.size > 1).length,
    },
    warnings: [...counts.warnings.entries()].sort().map(([field, count]) => ({ code: 'VALUE_NOT_COERCIBLE', field, count })),
    batches: Math.max(Math.ceil(memberships / 100), maxLists),
    requests: { lists: 1 + segments.length, contacts: Math.max(Math.ceil(memberships / 100), maxLists) },
    unmappedColumns: UNMAPPED,
  };
  files['export.json'] = `${JSON.stringify(CONFIG, null, 2)}\n`;
  files['expected.json'] = `${JSON.stringify(expected, null, 2)}\n`;
  return { files, segments, expected, contacts: counts.unique };
}

function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    process.stdout.write('Usage: node www/sample/generate.mjs [--out DIR]\n');
    return;
  }
  const out = values.out ?? dirname(fileURLToPath(import.meta.url));
  mkdirSync(out, { recursive: true });
  const { files, expected } = generate();
  let bytes = 0;
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(out, name), text);
    bytes += Buffer.byteLength(text);
  }
  const t = expected.totals;
  process.stderr.write(`wrote ${Object.keys(files).length} files (${bytes} bytes) to ${out}: ${t.rows} rows, ${t.invalid} invalid, ${t.duplicates} duplicates, ${t.uniqueProfiles} unique profiles, ${t.memberships} memberships\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
