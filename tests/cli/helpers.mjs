// Shared helpers of the CLI tests (not a test file itself): paths, running the CLI, the
// emulator, and the Autopilot state an export of the whole sample must leave.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/index.mjs';
import { generate } from '../../www/sample/generate.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}pkg/cli.mjs`;
export const SAMPLE = `${ROOT}www/sample`;
export const SAMPLE_CONFIG = `${SAMPLE}/export.json`;
export const EXPECTED = JSON.parse(readFileSync(`${SAMPLE}/expected.json`, 'utf8'));
/** A key that cannot appear by chance: tests look for it in every output. */
export const KEY = 'cli-test-key-5f1e9a0c7b3d4e2f8a6b';
export const WRONG_KEY = 'wrong-key-0d9c8b7a6f5e4d3c2b1a';
/** Every run starts with GET /v1/account (the sync state is bound to the account, issue 11). */
export const ACCOUNT_REQUESTS = 1;

/** Fails early with a clear message when pkg/ is missing or its CLI files are not the template's. */
export function assertPackageBuilt() {
  assert.ok(existsSync(`${ROOT}pkg/node.js`), 'pkg/ is not built: run pkg-template/build.sh first');
  const files = ['cli.mjs', ...readdirSync(`${ROOT}pkg-template/cli`).map((f) => `cli/${f}`)];
  for (const f of files) {
    assert.ok(existsSync(`${ROOT}pkg/${f}`), `pkg/${f} is missing: run pkg-template/build.sh`);
    assert.equal(readFileSync(`${ROOT}pkg/${f}`, 'utf8'), readFileSync(`${ROOT}pkg-template/${f}`, 'utf8'), `pkg/${f} differs from pkg-template/${f}: run pkg-template/build.sh`);
  }
}

/** Starts an emulator that accepts KEY. */
export function emulator(options = {}) {
  return startEmulator({ apiKey: KEY, ...options });
}

/** Successful bulk upserts the emulator received. */
export const upserts = (emu) => emu.state({ contacts: false }).counters.byRoute['POST /v1/contacts']?.['200'] ?? 0;

/** Waits (bounded) until `n` bulk upserts are in while the CLI `run` exports. */
export async function waitForUpserts(emu, n, run, ms = 20_000) {
  const t0 = Date.now();
  while (upserts(emu) < n) {
    assert.ok(Date.now() - t0 < ms, `no progress: ${run.stderr()}`);
    await new Promise((resolve) => { setTimeout(resolve, 25); });
  }
}

/** How many batches a checkpoint marks done (its `done` holds inclusive ranges). */
export const doneBatches = (cp) => cp.done.reduce((n, [a, b]) => n + b - a + 1, 0);

/**
 * Kills a running CLI export with SIGKILL (no handler runs) once `minUpserts` bulk upserts
 * are in and its interim checkpoint `checkpointFile` exists (bounded wait); resolves with its exit.
 */
export async function killAfterInterim(emu, run, checkpointFile, minUpserts = 8) {
  const t0 = Date.now();
  while (upserts(emu) < minUpserts || !existsSync(checkpointFile)) {
    assert.ok(Date.now() - t0 < 30_000, `no interim checkpoint: ${run.stderr()}`);
    await new Promise((resolve) => { setTimeout(resolve, 25); });
  }
  run.child.kill('SIGKILL');
  const r = await run.done;
  assert.equal(r.signal, 'SIGKILL');
  return r;
}

/** Requests of the emulator that could change Autopilot (any method but GET), by route. */
export function writes(emu) {
  const out = {};
  for (const [route, byStatus] of Object.entries(emu.state({ contacts: false }).counters.byRoute)) {
    if (!route.startsWith('GET ')) out[route] = Object.values(byStatus).reduce((a, b) => a + b, 0);
  }
  return out;
}

/**
 * Starts the CLI with a clean environment (none of the caller's AUTOPILOT_* variables) plus `env`.
 * @returns {{child: import('node:child_process').ChildProcess, done: Promise<{code: number|null, signal: string|null, stdout: string, stderr: string}>, stderr: () => string}}
 */
export function startCli(args, { env = {}, cwd = ROOT, timeoutMs = 60_000 } = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AUTOPILOT_')));
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done, stderr: () => stderr };
}

/** Runs the CLI to the end. */
export const runCli = (args, opts) => startCli(args, opts).done;

/** The environment of an export against `emu`. */
export const envFor = (emu, key = KEY) => ({ AUTOPILOT_API_KEY: key, AUTOPILOT_BASE_URL: emu.url });

/** Asserts that no output carries an API key (nor the CLI's own alarm about one). */
export function assertNoKey(...texts) {
  for (const t of texts) {
    assert.ok(!t.includes(KEY), 'the API key appears in an output');
    assert.ok(!t.includes(WRONG_KEY), 'the (wrong) API key appears in an output');
    assert.ok(!t.includes('[redacted]') && !t.includes('API key appeared in output'), 'the CLI had to redact the key');
  }
}

/**
 * Asserts bytes (a sync state, a checkpoint) hold no email of the sample (nor, for text, an
 * "@": a binary state may hold that byte by chance in a hash) and no key.
 */
export function assertNoSampleEmail(bytes, label) {
  const buf = Buffer.from(bytes);
  for (const k of expectedState().keys()) assert.ok(!buf.includes(k), `${label}: holds the email ${k}`);
  assert.ok(!buf.toString('latin1').toLowerCase().includes('example'), `${label}: holds an email domain`);
  assert.ok(!buf.includes(KEY) && !buf.includes(WRONG_KEY), `${label}: holds the key`);
}

let wanted;
/**
 * What Autopilot must hold after a complete export of the sample: dedupe key ->
 * {contact (state shape without ids, lists, timestamps), lists: Set of list titles}. Built by
 * the sample generator from its own records, independently of the package.
 */
export function expectedState() {
  wanted ??= generate().contacts;
  return wanted;
}

/** Checks the emulator's state against a complete export of the whole sample. */
export function assertSampleState(state, label = 'emulator state') {
  const want = expectedState();
  const titles = new Map(state.lists.map((l) => [l.list_id, l.title]));
  assert.equal(state.contactCount, EXPECTED.totals.uniqueProfiles, `${label}: number of contacts`);
  assert.equal(want.size, EXPECTED.totals.uniqueProfiles);
  assert.deepEqual(
    Object.fromEntries(state.lists.map((l) => [l.title, l.total_contacts])),
    Object.fromEntries(EXPECTED.segments.map((s) => [s.listTitle, s.memberships])),
    `${label}: lists and their member counts`,
  );
  const allowed = new Set(['contact_id', 'Email', 'FirstName', 'LastName', 'Company', 'Phone', 'MailingCity', 'MailingCountry', 'custom', 'lists', 'created_at', 'updated_at']);
  const seen = new Set();
  for (const c of state.contacts) {
    const k = c.Email.toLowerCase();
    const w = want.get(k);
    assert.ok(w, `${label}: unexpected contact ${c.Email}`);
    assert.ok(!seen.has(k), `${label}: ${c.Email} twice`);
    seen.add(k);
    for (const f of Object.keys(c)) assert.ok(allowed.has(f), `${label}: ${c.Email} has an unmapped field ${f}`);
    const { contact_id: _id, lists, created_at: _c, updated_at: _u, ...fields } = c;
    assert.deepEqual(fields, w.contact, `${label}: fields of ${c.Email}`);
    assert.deepEqual(lists.map((id) => titles.get(id)).sort(), [...w.lists].sort(), `${label}: lists of ${c.Email}`);
  }
  assert.equal(seen.size, want.size);
}

/** Asserts a run report's counts equal the sample's expected numbers (all three segments). */
export function assertSampleCounts(report) {
  const t = report.totals;
  assert.equal(t.profilesIn, EXPECTED.totals.rows, 'rows read');
  assert.equal(t.invalid, EXPECTED.totals.invalid, 'invalid rows');
  assert.equal(t.duplicates, EXPECTED.totals.duplicates, 'duplicates');
  assert.equal(t.uniqueProfiles, EXPECTED.totals.uniqueProfiles, 'unique profiles');
  assert.equal(t.memberships, EXPECTED.totals.memberships, 'memberships');
  assert.equal(t.overCap, 0);
  assert.equal(report.segments.length, EXPECTED.segments.length);
  report.segments.forEach((s, i) => {
    const e = EXPECTED.segments[i];
    assert.equal(s.name, e.name);
    assert.equal(s.listTitle, e.listTitle);
    assert.deepEqual(
      [s.profilesIn, s.invalid, s.duplicates, s.memberships],
      [e.rows, e.invalid, e.duplicates, e.memberships],
      `counts of segment ${e.name}`,
    );
  });
  const byReason = {};
  for (const r of report.rejects) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  assert.deepEqual(byReason, EXPECTED.totals.invalidByReason, 'rejects by reason');
  assert.deepEqual(
    report.warnings.map((w) => ({ code: w.code, field: w.field, count: w.count })).sort((a, b) => a.field.localeCompare(b.field)),
    EXPECTED.warnings,
    'warnings',
  );
}

/** A `runCli` that also keeps every stdout and stderr in `outputs` (for the key check). */
export function recordingCli(outputs) {
  return async (args, opts) => {
    const r = await runCli(args, opts);
    outputs.push(r.stdout, r.stderr);
    return r;
  };
}
