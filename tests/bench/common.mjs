// Shared helpers of the benchmarks (tests/bench/) and the reliability checks (tests/soak/,
// tests/corpus/): loading the built package, an emulator in a child process, deterministic
// profile data, fetch instrumentation, small statistics. Node 20+, standard library only.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { prng } from '../../www/sample/generate.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Directory of the built package: $AUTOPILOT_PKG_DIR, else <repo>/pkg. */
export const PKG_DIR = process.env.AUTOPILOT_PKG_DIR
  ? resolve(process.env.AUTOPILOT_PKG_DIR)
  : join(ROOT, 'pkg');

/** The API key every bench and soak uses with the emulator (not hex: no redaction can hide it). */
export const BENCH_KEY = 'bench-Key-7f3a9c1e5b2d4f60a8c7e9d1';

/** Imports the package's Node entry (which instantiates the module). Exits 2 when missing. */
export async function loadPkg(dir = PKG_DIR) {
  const entry = join(dir, 'node.js');
  if (!existsSync(entry)) {
    console.error(`package not built: ${entry} is missing (run pkg-template/build.sh)`);
    process.exit(2);
  }
  return import(pathToFileURL(entry).href);
}

/**
 * A fresh, independent instance of the module (its own linear memory): the wasm-bindgen glue
 * is imported under a unique query string, so the ES module cache gives a new copy, and
 * `initSync` on it returns the instance exports (`.memory` among them).
 * @returns {Promise<{api: any, memory: WebAssembly.Memory}>}
 */
export async function freshInstance(dir = PKG_DIR, tag = String(Math.random()).slice(2)) {
  const glueUrl = pathToFileURL(join(dir, 'autopilot_export.js')).href + `?instance=${tag}`;
  const glue = await import(glueUrl);
  const bytes = readFileSync(join(dir, 'autopilot_export_bg.wasm'));
  const exports = glue.initSync({ module: bytes });
  if (!exports || !(exports.memory instanceof WebAssembly.Memory)) {
    throw new Error('initSync did not return the instance exports with a memory');
  }
  return { api: glue, memory: exports.memory };
}

// ------------------------------------------------------------------ arguments

/** `--short` (default) or `--long`, plus `--key value` / `--flag` options. */
export function parseArgs(argv = process.argv.slice(2)) {
  const out = { mode: 'short', flags: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--short') out.mode = 'short';
    else if (a === '--long') out.mode = 'long';
    else if (a.startsWith('--')) {
      const k = a.slice(2);
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        out.flags[k] = next;
        i += 1;
      } else out.flags[k] = true;
    }
  }
  return out;
}

// ------------------------------------------------------------------ numbers

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmtMs = (ms) => `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
export const fmtBytes = (b) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Races `p` against a deadline; rejects with `what` timed out. */
export function withDeadline(p, ms, what) {
  let t;
  const deadline = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(t));
}

// ------------------------------------------------------------------ PRNG + data

/** mulberry32, the same seeded PRNG the sample generator uses (also used here). */
export { prng };

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken', 'Donald', 'Margaret', 'Linus', 'Radia', 'Tim', 'Frances'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Thompson', 'Knuth', 'Hamilton', 'Torvalds', 'Perlman', "O'Neil", 'Allen'];
const CITY = ['London', 'Paris', 'Berlin', 'New York', 'Tokyo', 'São Paulo', 'Zürich', 'Lagos'];
const TIER = ['gold', 'silver', 'bronze', 'none'];

/**
 * One profile of the synthetic universe (index `i`): a plain object with string, number and
 * boolean values, a few of them empty or not coercible, plus an unmapped `notes` field with
 * CSV-hostile characters.
 */
export function profile(i, rand) {
  const f = FIRST[i % FIRST.length];
  const l = LAST[(i * 7) % LAST.length];
  const p = {
    id: `p${String(i).padStart(7, '0')}`,
    email: `${f.toLowerCase()}.${l.toLowerCase().replace("'", '')}.${i}@Example${i % 97}.com`,
    first_name: f,
    last_name: l,
    company: i % 5 === 0 ? '' : `Company ${i % 1000}`,
    phone: `+44 20 ${String(7000 + (i % 3000))} ${String(1000 + (i % 9000))}`,
    city: CITY[i % CITY.length],
    country: i % 3 === 0 ? 'GB' : 'FR',
    tier: TIER[i % TIER.length],
    orders: i % 11 === 0 ? 'n/a' : i % 13,
    ltv: Math.round(rand() * 1e6) / 100,
    signup: new Date(Date.UTC(2015 + (i % 10), i % 12, 1 + (i % 28), i % 24, i % 60)).toISOString(),
    optin: i % 4 === 0 ? 'yes' : i % 4 === 1,
    notes: i % 9 === 0 ? 'said "hi", then\nleft' : 'ok, fine',
  };
  return p;
}

/** The mapping used by every bench and soak (all standard kinds + the five custom types). */
export const MAPPING = {
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  fields: { Company: 'company', Phone: 'phone', MailingCity: 'city', MailingCountry: 'country' },
  custom: [
    { source: 'tier', name: 'Loyalty Tier', type: 'string' },
    { source: 'orders', name: 'Orders', type: 'integer' },
    { source: 'ltv', name: 'Lifetime Value', type: 'float' },
    { source: 'signup', name: 'Signed Up', type: 'date' },
    { source: 'optin', name: 'Opt In', type: 'boolean' },
  ],
};

/**
 * `segments` segments over a universe of `unique` valid profiles: segment s covers a 40 %
 * window starting at 30 % × s (so consecutive segments overlap by 10 % of the universe when
 * there are 3), and every `dupEvery`-th row is followed by a mixed-case duplicate of an
 * earlier row and every `invalidEvery`-th by an invalid row.
 * @returns {{name: string, rows: object[]}[]}
 */
export function makeSegments({ unique, segments = 3, seed = 7, dupEvery = 200, invalidEvery = 250 }) {
  const rand = prng(seed);
  const universe = new Array(unique);
  for (let i = 0; i < unique; i += 1) universe[i] = profile(i, rand);
  const out = [];
  const width = segments === 1 ? 1 : 0.4;
  const step = segments === 1 ? 0 : (1 - width) / (segments - 1);
  for (let s = 0; s < segments; s += 1) {
    const lo = Math.floor(unique * step * s);
    const hi = s === segments - 1 ? unique : Math.floor(unique * (step * s + width));
    const rows = [];
    for (let i = lo; i < hi; i += 1) {
      rows.push(universe[i]);
      const n = rows.length;
      if (dupEvery && n % dupEvery === 0) {
        const orig = universe[lo + Math.floor(rand() * (i - lo + 1))];
        rows.push({ ...orig, email: ` ${orig.email.toUpperCase()} `, first_name: 'Duplicate' });
      }
      if (invalidEvery && n % invalidEvery === 0) {
        const kind = Math.floor(rand() * 4);
        const bad = { ...universe[i], id: `bad${s}-${n}` };
        if (kind === 0) bad.email = 'not-an-email';
        else if (kind === 1) bad.email = '';
        else if (kind === 2) bad.email = `jürgen.${i}@example.de`;
        else delete bad.email;
        rows.push(bad);
      }
    }
    out.push({ name: `Segment ${String.fromCharCode(65 + s)}`, rows });
  }
  return out;
}

const CSV_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'company', 'phone', 'city', 'country', 'tier', 'orders', 'ltv', 'signup', 'optin', 'notes'];

function csvField(v) {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 text (CRLF) of `rows` with a header row. */
export function toCsv(rows, columns = CSV_COLUMNS) {
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export const toNdjson = (rows) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;

/** A complete job for `segments` against `baseUrl`. */
export function makeJob(segments, { baseUrl, apiKey = BENCH_KEY, profiles = (s) => s.rows, ...rest } = {}) {
  return {
    connection: {
      displayName: 'Bench connection',
      apiKey,
      consent: true,
      exportUser: 'bench@example.com',
      baseUrl: baseUrl ?? 'http://127.0.0.1:9/v1',
    },
    mapping: MAPPING,
    segments: segments.map((s) => ({ name: s.name, profiles: profiles(s) })),
    listPrefix: 'Bench: ',
    idField: 'id',
    ...rest,
  };
}

// ------------------------------------------------------------------ emulator in a child process

/**
 * Starts `tests/emulator/index.mjs` in its own Node process (its own event loop, so timing
 * of the client under test is not disturbed by the server's work, and vice versa).
 * @returns {Promise<{url: string, origin: string, pid: number, state: (contacts?: boolean) => Promise<any>, configure: (patch: object) => Promise<any>, reset: () => Promise<void>, stop: () => Promise<void>}>}
 */
export async function startEmulatorProcess({ rate = 5, burst, latency = 0, jitter = 0, seed = 1, apiKey = BENCH_KEY } = {}) {
  const args = [join(ROOT, 'tests/emulator/index.mjs'), '--quiet', '--port', '0', '--rate', String(rate),
    '--latency', String(latency), '--jitter', String(jitter), '--seed', String(seed), '--api-key', apiKey];
  if (burst !== undefined) args.push('--burst', String(burst));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await withDeadline(new Promise((resolveUrl, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /AUTOPILOT_EMULATOR_URL=(\S+)/.exec(buf);
      if (m) resolveUrl(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited early (${code})`)));
  }), 10_000, 'emulator start');
  const origin = new URL(url).origin;
  const admin = async (method, path, body) => {
    const res = await fetch(origin + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`emulator admin ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    origin,
    pid: child.pid,
    state: (contacts = true) => admin('GET', `/__emulator/state${contacts ? '' : '?contacts=0'}`),
    configure: (patch) => admin('POST', '/__emulator/config', patch),
    reset: () => admin('POST', '/__emulator/reset').then(() => undefined),
    stop: () => new Promise((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}

// ------------------------------------------------------------------ fetch instrumentation

/**
 * Wraps the global `fetch` (which the package's wasm calls) to count requests, the most in
 * flight at once, and the time of the first send and last settle. Returns the live stats and
 * a `restore()` function.
 */
export function instrumentFetch() {
  const original = globalThis.fetch;
  const stats = {
    started: 0, settled: 0, inFlight: 0, maxInFlight: 0, firstStart: 0, lastEnd: 0,
    byPath: {}, aborted: 0,
    reset() {
      Object.assign(this, { started: 0, settled: 0, inFlight: 0, maxInFlight: 0, firstStart: 0, lastEnd: 0, byPath: {}, aborted: 0 });
    },
  };
  globalThis.fetch = function instrumentedFetch(input, init) {
    const now = performance.now();
    stats.started += 1;
    if (stats.firstStart === 0) stats.firstStart = now;
    stats.inFlight += 1;
    if (stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    let key = String(input);
    try {
      const u = new URL(key);
      key = `${init?.method ?? 'GET'} ${u.pathname}`;
    } catch { /* keep */ }
    stats.byPath[key] = (stats.byPath[key] ?? 0) + 1;
    const p = original.call(this, input, init);
    let open = true;
    const done = (err) => {
      if (!open) return;
      open = false;
      stats.inFlight -= 1;
      stats.settled += 1;
      stats.lastEnd = performance.now();
      if (err && err.name === 'AbortError') stats.aborted += 1;
    };
    p.then(() => done(), done);
    return p;
  };
  return { stats, restore: () => { globalThis.fetch = original; } };
}
