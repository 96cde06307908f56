// The only module of the page that imports the autopilot-export package.
//
// A browser extension swaps this file at build time for one that forwards each call to its
// service worker over a runtime port; every other page module stays as it is. So the
// interface below is small, asynchronous everywhere (a port is), and takes and returns the
// package's own plain values (structured-cloneable: no functions except runExport's
// `onProgress` / `onCheckpoint` and no objects except its `signal`; bytes as Uint8Array). Nothing here holds a rule, a default or a bound: the
// package's `metadata()` carries those, and the page reads them from `init()`.
//
// Final interface (all functions return Promises; errors reject with a PageError):
//   init(): Metadata                                   loads the package; call once first
//   validateConnection(conn): Issue[]                  no network
//   validateJob(job): Issue[]                          no network
//   validateRunOptions(options): Issue[]               no network
//   checkConnection(conn, {signal?}): AccountInfo
//   inspect(bytes, format, {delimiter?, encoding?}?): Inspection
//   suggestMapping(inspection): {email?, firstName?, lastName?, fields, idField?, custom}
//   preview(job, {ratePerSecond?, syncState?, sample?}?): ExportPlanSummary
//   runExport(job, {signal?, onProgress?, onCheckpoint?, checkpoint?, syncState?, fullResync?,
//             ratePerSecond?, maxInFlight?, requestTimeoutMs?, maxAttempts?}?): ExportReport
//   toCsv(rows): string                                formula cells neutralised by the core
//   isLoopbackUrl(url): boolean
//   apiBaseUrl(baseUrl?): string                      the API base as the core writes it
//   PageError = {name: 'PageError', code, message, issues, status?, report?}
//
// Where the package is: one static import line below, resolved relative to this module
// ('../pkg/browser.js': the repository's www/ and pkg/ side by side, or pkg/ mounted at
// the server root as www/serve.mjs does). An extension build rewrites this line (or the
// whole file).

import * as pkg from '../pkg/browser.js';

/**
 * @typedef {{path: string, code: string, message: string}} Issue
 * @typedef {{name: 'PageError', code: string, message: string, issues: Issue[], status?: number, report?: object}} PageError
 */

/** Calls `fn`, turning anything thrown into a rejected PageError. */
async function call(fn) {
  try {
    return await fn();
  } catch (e) {
    throw toPageError(e);
  }
}

/**
 * Loads the package and returns its metadata: defaults, bounds, standard fields, custom
 * types (the page keeps no copy of any of them).
 * @returns {Promise<object>}
 */
export async function init() {
  return call(() => pkg.metadata());
}

/** Every problem of a connection, without any request. @returns {Promise<Issue[]>} */
export async function validateConnection(conn) {
  return call(() => pkg.validateConnection(conn));
}

/** Every problem of a job's configuration (connection, mapping, segments, options). @returns {Promise<Issue[]>} */
export async function validateJob(job) {
  return call(() => pkg.validateExportConfig(job));
}

/** Every problem of run options (the configuration file's "run"). @returns {Promise<Issue[]>} */
export async function validateRunOptions(options) {
  return call(() => pkg.validateRunOptions(options));
}

/**
 * Verifies the key with Autopilot (the package validates first: no request without consent).
 * @param {object} conn  the package's Connection
 * @param {{signal?: AbortSignal}} [opts]
 * @returns {Promise<object>} AccountInfo
 */
export async function checkConnection(conn, { signal } = {}) {
  return call(() => pkg.checkConnection(conn, signal ? { signal } : {}));
}

/**
 * What a segment file holds: headers, row count, dialect, sampled values, or `binary` with a
 * message when its bytes are not text.
 * @param {Uint8Array} bytes
 * @param {'csv'|'ndjson'|'json'} format
 * @param {{delimiter?: string, encoding?: string}} [opts]
 */
export async function inspect(bytes, format, opts) {
  return call(() => (opts ? pkg.inspect(bytes, format, opts) : pkg.inspect(bytes, format)));
}

/**
 * The core's suggestion of a mapping for an inspection: `{email?, firstName?, lastName?,
 * fields, idField?, custom: [{source, name, type, samples}]}` (custom types guessed by the
 * core's coercion rules from the sampled values).
 */
export async function suggestMapping(inspection) {
  return call(() => pkg.suggestMapping(inspection.headers ?? [], inspection.samples ?? []));
}

/**
 * Dry run (no network): counts, rejects, cap status, requests, duration estimate, the first
 * contacts of each segment as they will be sent, and the changes against `syncState`.
 * @param {object} job
 * @param {{ratePerSecond?: number, syncState?: Uint8Array, sample?: number}} [opts]
 */
export async function preview(job, opts = {}) {
  return call(() => pkg.previewAsync(job, clean(opts)));
}

/**
 * Runs the export. Resolves with the report (status `cancelled` plus `checkpoint` when
 * `signal` aborts); rejects with a PageError that carries `report` when the run had started.
 * @param {object} job
 * `onCheckpoint(checkpoint)` is called after every finished batch with an interim checkpoint
 * (to resume a run whose tab was closed: pass it with the sync state the run started from).
 * @param {{signal?: AbortSignal, onProgress?: (p: object) => void, onCheckpoint?: (c: object) => void,
 *   ratePerSecond?: number, checkpoint?: object, syncState?: Uint8Array, fullResync?: boolean}} [opts]
 */
export async function runExport(job, opts = {}) {
  return call(() => pkg.exportSegments(job, clean(opts)));
}

/** RFC 4180 text of `rows`, every formula-like cell neutralised by the core. @returns {Promise<string>} */
export async function toCsv(rows) {
  return call(() => pkg.toCsv(rows));
}

/** Whether `url` names a loopback host (127.0.0.0/8, localhost, [::1]). @returns {Promise<boolean>} */
export async function isLoopbackUrl(url) {
  return call(() => pkg.isLoopbackUrl(url));
}

/** The API base a connection with this `baseUrl` uses, as the core writes it (the default when blank). @returns {Promise<string>} */
export async function apiBaseUrl(baseUrl) {
  return call(() => pkg.apiBaseUrl(baseUrl));
}

/** Options without undefined members (the package rejects unknown or ill-typed keys). */
function clean(opts) {
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined && v !== null));
}

/**
 * What the page shows for anything thrown: the package's error keeps its code, message,
 * issues, HTTP status and report; anything else becomes code `INTERNAL`.
 * @returns {PageError}
 */
export function toPageError(e) {
  if (e && typeof e === 'object' && (e.name === 'AutopilotExportError' || e.name === 'PageError')) {
    const out = { name: 'PageError', code: String(e.code), message: String(e.message ?? ''), issues: Array.isArray(e.issues) ? e.issues : [] };
    if (Number.isInteger(e.status)) out.status = e.status;
    if (e.report) out.report = e.report;
    return out;
  }
  return { name: 'PageError', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), issues: [] };
}
