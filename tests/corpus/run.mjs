#!/usr/bin/env node
// Bad-input corpus runner. Each case in tests/corpus/cases/ is an input plus an expectation:
//
//   NNN-name.csv | .ndjson | .json   raw bytes of one segment's profiles, in that format
//   NNN-name.job.json                {job?, jobRaw?, options?, segments?: [{name, profiles}]}:
//                                    job overrides / a whole job / run options / inline profiles
//                                    (objects, or {csv|ndjson|json: text})
//   NNN-name.gen.mjs                 `export default () => ({job?, jobRaw?, options?, segments})`
//                                    for inputs JSON cannot hold (BigInt, cycles, getters, 10 MB)
//   NNN-name.expect.json             {about, preview: {error} | {totals, rejects, invalidByReason,
//                                    warnings, summary}, export?: {error} | {status, contacts,
//                                    contactCount}}
//
// For every case it runs, against the built package:
//   1. preview(job) with each byte input as one chunk (records: one array);
//   2. previewAsync(job) with the bytes in chunks through an async iterable (one byte per
//      chunk up to 4 KiB, random chunks up to 64 KiB beyond; records: in chunks of one) —
//      must give exactly the same summary as 1 (or the same error);
//   3. exportSegments(job) against the emulator — an expected error must be the same typed
//      error with ZERO requests received (CONFIG_INVALID, CONSENT_REQUIRED: refused before
//      sending) or ZERO writes (refusals after the reads, such as NOTHING_TO_EXPORT); otherwise the run must succeed and the emulator must
//      hold exactly the expected contacts.
// Anything thrown that is not an AutopilotExportError (a trap such as `RuntimeError:
// unreachable`, a TypeError from the glue) fails the case, and after each case the module
// must still answer.
//
//   node tests/corpus/run.mjs [--filter SUBSTRING] [--verbose]

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_KEY, loadPkg, parseArgs, prng, withDeadline } from '../bench/common.mjs';
import { startEmulator } from '../emulator/index.mjs';

const args = parseArgs();
const DIR = fileURLToPath(new URL('./cases/', import.meta.url));
const pkg = await loadPkg();
const BEFORE_ANY_REQUEST = new Set(['CONFIG_INVALID', 'CONSENT_REQUIRED']);
const emu = await startEmulator({ apiKey: BENCH_KEY, ratePerSecond: 0, latencyMs: 0, seed: 1 });

const BASE_JOB = {
  connection: { displayName: 'Corpus', apiKey: BENCH_KEY, consent: true, exportUser: 'corpus@example.com', baseUrl: emu.url },
  mapping: {
    email: 'email',
    firstName: 'first_name',
    lastName: 'last_name',
    fields: { Company: 'company' },
    custom: [{ source: 'orders', name: 'Orders', type: 'integer' }],
  },
  listPrefix: 'Corpus: ',
  idField: 'id',
};

const isPlain = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
function merge(base, over) {
  if (!isPlain(base) || !isPlain(over)) return over;
  const out = { ...base };
  // defineProperty, not assignment: an own "__proto__" key stays an own key (a data value),
  // exactly as JSON.parse made it, instead of becoming the prototype.
  for (const [k, v] of Object.entries(over)) {
    Object.defineProperty(out, k, { value: merge(Object.hasOwn(base, k) ? base[k] : undefined, v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Loads a case's input into {job builder, options}. */
async function loadCase(file) {
  const path = join(DIR, file);
  const name = file.replace(/\.(csv|ndjson|json|job\.json|gen\.mjs)$/, '');
  let spec;
  if (file.endsWith('.gen.mjs')) {
    spec = (await import(pathToFileURL(path).href)).default();
  } else if (file.endsWith('.job.json')) {
    spec = JSON.parse(readFileSync(path, 'utf8'));
  } else {
    const format = file.slice(file.lastIndexOf('.') + 1);
    spec = { segments: [{ name: 'Segment', profiles: { [format]: new Uint8Array(readFileSync(path)) } }] };
  }
  const expect = JSON.parse(readFileSync(join(DIR, `${name}.expect.json`), 'utf8'));
  return { name, spec, expect };
}

const enc = new TextEncoder();
/** The profiles value of one segment for a run: `whole` = bytes in one chunk, else chunked. */
function profilesFor(p, mode, rand) {
  if (p && typeof p === 'object' && !Array.isArray(p)) {
    for (const format of ['csv', 'ndjson', 'json']) {
      if (!(format in p)) continue;
      let bytes = p[format];
      if (typeof bytes === 'string') bytes = enc.encode(bytes);
      if (!(bytes instanceof Uint8Array)) return p; // a deliberately odd source: pass as is
      // Other keys (delimiter, encoding) go along as they are.
      if (mode === 'whole') return { ...p, [format]: bytes };
      // Small inputs one byte per chunk (every boundary is split somewhere); large ones in
      // random chunks of up to 64 KiB.
      const max = bytes.length > 4096 ? 1 << 16 : 1;
      async function* chunks() {
        for (let i = 0; i < bytes.length;) {
          const n = 1 + Math.floor(rand() * max);
          yield bytes.slice(i, i + n);
          i += n;
        }
      }
      return { ...p, [format]: chunks() };
    }
  }
  if (Array.isArray(p) && mode === 'chunked') {
    // Records in chunks of one (an array yielded is a chunk of records, so a record that is
    // itself an array must be wrapped).
    return (async function* records() { for (const r of p) yield [r]; })();
  }
  return p;
}

function buildJob(spec, mode, rand) {
  if ('jobRaw' in spec) return spec.jobRaw;
  const segments = (spec.segments ?? [{ name: 'Segment', profiles: [] }]).map((s) => ({ ...s, profiles: profilesFor(s.profiles, mode, rand) }));
  return merge({ ...BASE_JOB, segments }, spec.job ?? {});
}

/** Classifies what a call threw: a typed error, or a failure (trap, glue error). */
function thrown(e) {
  if (e && e.name === 'AutopilotExportError') return { code: e.code, message: e.message, issues: e.issues };
  return { trap: `${e?.name}: ${e?.message}` };
}

async function call(fn) {
  try {
    return { value: await fn() };
  } catch (e) {
    return { error: thrown(e) };
  }
}

const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

function checkError(where, got, want, problems) {
  if (got.error?.trap) { problems.push(`${where}: threw a non-library error: ${got.error.trap}`); return; }
  if (!got.error) { problems.push(`${where}: expected error ${want.code}, got a result`); return; }
  if (got.error.code !== want.code) problems.push(`${where}: expected error ${want.code}, got ${got.error.code} (${got.error.message})`);
  for (const text of want.messageIncludes ?? []) {
    if (!String(got.error.message).includes(text)) problems.push(`${where}: the message should include '${text}': ${got.error.message}`);
  }
  for (const wi of want.issues ?? []) {
    if (!(got.error.issues ?? []).some((i) => i.code === wi.code && (wi.path === undefined || i.path === wi.path))) {
      problems.push(`${where}: missing issue ${wi.path ?? '*'} ${wi.code}; got ${canon((got.error.issues ?? []).map((i) => `${i.path} ${i.code}`))}`);
    }
  }
}

function checkSummary(where, got, want, problems) {
  if (got.error) {
    problems.push(`${where}: expected a summary, got ${got.error.trap ?? `${got.error.code}: ${got.error.message}`}`);
    return;
  }
  const s = got.value;
  for (const [k, v] of Object.entries(want.totals ?? {})) {
    if (s.totals[k] !== v) problems.push(`${where}: totals.${k} = ${s.totals[k]}, expected ${v}`);
  }
  for (const [k, v] of Object.entries(want.summary ?? {})) {
    if (canon(s[k]) !== canon(v)) problems.push(`${where}: ${k} = ${canon(s[k])}, expected ${canon(v)}`);
  }
  if (want.rejects) {
    const strip = (r) => ({ segment: r.segment ?? 0, row: r.row, reason: r.reason, ...(r.id !== undefined ? { id: r.id } : {}) });
    const sort = (a) => a.map(strip).sort((x, y) => x.segment - y.segment || x.row - y.row);
    const g = canon(sort(s.rejects));
    const w = canon(sort(want.rejects));
    if (g !== w) problems.push(`${where}: rejects ${g}, expected ${w}`);
  }
  if (want.invalidByReason) {
    const sum = {};
    for (const seg of s.segments) for (const [k, v] of Object.entries(seg.invalidByReason)) sum[k] = (sum[k] ?? 0) + v;
    if (canon(sum) !== canon(want.invalidByReason)) problems.push(`${where}: invalidByReason ${canon(sum)}, expected ${canon(want.invalidByReason)}`);
  }
  if (want.dialect) {
    // Per segment: how the file was read (null for sources without a dialect).
    const g = canon(s.segments.map((x) => x.dialect ?? null));
    if (g !== canon(want.dialect)) problems.push(`${where}: dialect ${g}, expected ${canon(want.dialect)}`);
  }
  if (want.warningHints) {
    // Each listed warning (by code and field) carries a hint containing the given text.
    for (const h of want.warningHints) {
      const w = s.warnings.find((x) => x.code === h.code && x.field === h.field);
      if (!w || typeof w.hint !== 'string' || !w.hint.includes(h.includes)) problems.push(`${where}: warning ${h.code} ${h.field} should have a hint with '${h.includes}', got ${canon(w ?? null)}`);
    }
  }
  if (want.warnings) {
    const g = canon(s.warnings.map((w) => `${w.code} ${w.field} ${w.count}`).sort());
    const w = canon(want.warnings.map((x) => `${x.code} ${x.field} ${x.count}`).sort());
    if (g !== w) problems.push(`${where}: warnings ${g}, expected ${w}`);
  }
}

function contactsOf(state) {
  const titles = new Map(state.lists.map((l) => [l.list_id, l.title]));
  return state.contacts.map((c) => {
    const { contact_id: _i, created_at: _c, updated_at: _u, lists, custom, ...rest } = c;
    // The emulator's state shape always has `custom` (empty when none was sent).
    return { ...rest, ...(custom && Object.keys(custom).length ? { custom } : {}), lists: (lists ?? []).map((id) => titles.get(id)).sort() };
  });
}

async function runCase(c) {
  const problems = [];
  const { spec, expect } = c;
  const rand = prng([...c.name].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7));
  const options = spec.options ?? {};
  const previewOptions = options.ratePerSecond !== undefined ? { ratePerSecond: options.ratePerSecond } : undefined;

  // 1. preview, whole.
  const whole = await call(() => pkg.preview(buildJob(spec, 'whole', rand), previewOptions));
  // 2. previewAsync, chunked.
  const chunked = await call(() => pkg.previewAsync(buildJob(spec, 'chunked', rand), previewOptions));
  const want = expect.preview ?? {};
  // Whole and chunked input must agree: the same summary, or the same typed error.
  if (whole.error && chunked.error) {
    if (whole.error.code !== chunked.error.code) problems.push(`chunked input gave ${chunked.error.code ?? chunked.error.trap}, whole input ${whole.error.code ?? whole.error.trap}`);
  } else if (whole.error || chunked.error) {
    problems.push(`whole and chunked input disagree: ${whole.error ? `whole threw ${whole.error.code ?? whole.error.trap}` : `chunked threw ${chunked.error.code ?? chunked.error.trap}`}`);
  }
  if (want.error) {
    checkError('preview', whole, want.error, problems);
    checkError('previewAsync (chunked)', chunked, want.error, problems);
  } else {
    checkSummary('preview', whole, want, problems);
    if (!whole.error && !chunked.error && canon(whole.value) !== canon(chunked.value)) {
      const a = canon(chunked.value);
      const b = canon(whole.value);
      let i = 0;
      while (i < a.length && a[i] === b[i]) i += 1;
      problems.push(`previewAsync (chunked) disagrees with preview (whole) at: …${a.slice(Math.max(0, i - 80), i + 120)}… vs …${b.slice(Math.max(0, i - 80), i + 120)}…`);
    }
  }

  // 3. export.
  const wantExport = expect.export ?? (want.error ? { error: want.error } : { status: 'succeeded' });
  if (wantExport !== 'skip') {
    emu.reset();
    const run = await call(() => withDeadline(pkg.exportSegments(buildJob(spec, 'whole', rand), { ratePerSecond: 1000, ...options }), 60_000, 'exportSegments'));
    const st = emu.state();
    if (wantExport.error) {
      checkError('exportSegments', run, wantExport.error, problems);
      // Refused before anything goes out (invalid config, no consent): zero requests. Refused
      // after the reads (nothing to export, over the cap, a foreign checkpoint): zero writes.
      if (BEFORE_ANY_REQUEST.has(wantExport.error.code)) {
        if (st.counters.requests !== 0) problems.push(`exportSegments: the emulator received ${st.counters.requests} requests for an export refused before sending`);
      } else {
        const writes = Object.entries(st.counters.byRoute).filter(([route]) => !route.startsWith('GET ')).map(([route]) => route);
        if (writes.length !== 0 || st.contactCount !== 0) problems.push(`exportSegments: a refused export wrote (${writes.join(', ')}; ${st.contactCount} contacts)`);
      }
    } else if (run.error) {
      problems.push(`exportSegments: ${run.error.trap ?? `${run.error.code}: ${run.error.message}`}`);
    } else {
      const r = run.value;
      if (r.status !== wantExport.status) problems.push(`exportSegments: status ${r.status}, expected ${wantExport.status}`);
      const expectedCount = wantExport.contactCount ?? wantExport.contacts?.length ?? whole.value?.totals?.uniqueProfiles;
      if (expectedCount !== undefined && st.contactCount !== expectedCount) problems.push(`exportSegments: emulator holds ${st.contactCount} contacts, expected ${expectedCount}`);
      if (wantExport.contacts) {
        const got = contactsOf(st);
        const byEmail = new Map(got.map((x) => [x.Email, x]));
        for (const w of wantExport.contacts) {
          const g = byEmail.get(w.Email);
          if (!g) { problems.push(`exportSegments: contact ${canon(w)} missing; emulator has ${canon(got.map((x) => x.Email))}`); continue; }
          const cmp = w.lists ? g : (({ lists: _l, ...rest }) => rest)(g);
          if (canon(cmp) !== canon(w)) problems.push(`exportSegments: contact ${canon(cmp)}, expected ${canon(w)}`);
        }
      }
      if (r.totals.exported !== r.totals.memberships) problems.push(`exportSegments: exported ${r.totals.exported} of ${r.totals.memberships}`);
    }
  }
  // The module must still be alive.
  const alive = await call(() => pkg.validateConnection({}));
  if (alive.error || !Array.isArray(alive.value)) problems.push(`module no longer answers after this case: ${alive.error?.trap ?? alive.error?.code}`);
  return problems;
}

const files = readdirSync(DIR).filter((f) => /\.(csv|ndjson|json|gen\.mjs)$/.test(f) && !f.endsWith('.expect.json')).sort();
const filter = typeof args.flags.filter === 'string' ? args.flags.filter : '';
let pass = 0;
const failures = [];
const t0 = performance.now();
for (const file of files) {
  if (filter && !file.includes(filter)) continue;
  let problems;
  let name = file;
  try {
    const c = await loadCase(file);
    name = c.name;
    problems = await runCase(c);
  } catch (e) {
    problems = [`runner error: ${e.stack}`];
  }
  if (problems.length === 0) {
    pass += 1;
    if (args.flags.verbose) console.log(`  ok   ${name}`);
  } else {
    failures.push(name);
    console.log(`  FAIL ${name}`);
    for (const p of problems) console.log(`       ${p}`);
  }
}
await emu.stop();
const total = pass + failures.length;
console.log(`corpus: ${total} cases, ${pass} passed, ${failures.length} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`${failures.length ? 'FAIL' : 'PASS'} corpus (${pass}/${total})`);
process.exit(failures.length ? 1 : 0);
