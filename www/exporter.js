// The only module of the page that talks to the autopilot-export package.
//
// Everything else (app.js) works with plain page state; this module turns that state into
// the package's shapes (Connection, ExportJob, RunOptions), calls the package, and turns
// what it throws into one error shape. A browser extension can reuse it as it is: import
// the package's browser entry from wherever the extension ships it.

import {
  checkConnection,
  exportSegments,
  preview,
  validateConnection,
  validateExportConfig,
} from '/pkg/browser.js';

/** Autopilot's documented request rate per API key. */
export const DEFAULT_RATE = 5;
/** The connector's per-export limit of unique profiles. */
export const MAX_PROFILES = 100_000;

/**
 * @typedef {object} ConnectionForm
 * @property {string} displayName
 * @property {string} apiKey
 * @property {boolean} consent
 * @property {string} exportUser
 * @property {string} [baseUrl]  empty = Autopilot's production API
 */

/**
 * The package's `Connection` from the form's values (an empty base URL is left out).
 * @param {ConnectionForm} f
 */
export function toConnection(f) {
  const conn = {
    displayName: f.displayName.trim(),
    apiKey: f.apiKey.trim(),
    consent: f.consent === true,
    exportUser: f.exportUser.trim(),
  };
  const base = (f.baseUrl ?? '').trim();
  if (base) conn.baseUrl = base;
  return conn;
}

/** Every problem of a connection, without any request. @returns {Issue[]} */
export function connectionIssues(conn) {
  return validateConnection(conn);
}

/**
 * Verifies the key with `GET /v1/account` (after validating, so no request goes out
 * without consent). Resolves with the account object; rejects with a `PageError`.
 */
export async function connect(conn, { signal, timeoutMs = 15_000 } = {}) {
  try {
    return await checkConnection(conn, { signal, timeoutMs });
  } catch (e) {
    throw toPageError(e);
  }
}

/**
 * @typedef {object} SegmentState
 * @property {string} name
 * @property {'csv'|'ndjson'|'json'} format
 * @property {Uint8Array} bytes
 *
 * @typedef {object} MappingState
 * @property {string} email
 * @property {string} firstName
 * @property {string} lastName
 * @property {Record<string, string>} fields   standard field -> profile field ('' = not mapped)
 * @property {{source: string, name: string, type: string}[]} custom
 *
 * @typedef {object} JobOptions
 * @property {number} cap
 * @property {'refuse'|'truncate'} overCap
 * @property {'per-segment'|'none'} lists
 * @property {string} listPrefix
 * @property {string} idField   '' = none
 */

/**
 * The package's `ExportJob`. Segment and custom-field indices are kept as they are in the
 * page, so an issue path such as `segments[1].name` or `mapping.custom[0].type` points back
 * at the control that holds the value.
 * @param {{connection: object, mapping: MappingState, segments: SegmentState[], options: JobOptions}} s
 */
export function toJob({ connection, mapping, segments, options }) {
  const m = { email: mapping.email };
  if (mapping.firstName) m.firstName = mapping.firstName;
  if (mapping.lastName) m.lastName = mapping.lastName;
  const fields = Object.fromEntries(Object.entries(mapping.fields).filter(([, v]) => v));
  if (Object.keys(fields).length) m.fields = fields;
  if (mapping.custom.length) m.custom = mapping.custom.map((c) => ({ source: c.source, name: c.name, type: c.type }));
  const job = {
    connection,
    mapping: m,
    segments: segments.map((s) => ({ name: s.name, profiles: { [s.format]: s.bytes } })),
    cap: options.cap,
    overCap: options.overCap,
    lists: options.lists,
  };
  if (options.listPrefix) job.listPrefix = options.listPrefix;
  if (options.idField) job.idField = options.idField;
  return job;
}

/** Every problem of a job's configuration (connection, mapping, segments, cap). */
export function configIssues(job) {
  return validateExportConfig(job);
}

/**
 * Dry run (no network): counts, rejects, cap status, requests and duration estimate.
 * Throws a `PageError` (e.g. CONFIG_INVALID with issues, INPUT_INVALID for a bad file).
 */
export function previewJob(job, ratePerSecond = DEFAULT_RATE) {
  try {
    return preview(job, { ratePerSecond });
  } catch (e) {
    throw toPageError(e);
  }
}

/**
 * Runs the export. Resolves with the report (status `cancelled` plus `checkpoint` when
 * `signal` aborts); rejects with a `PageError`, carrying `report` when the run had started.
 * @param {object} job
 * @param {{signal?: AbortSignal, onProgress?: (p: object) => void, ratePerSecond?: number, checkpoint?: object}} opts
 */
export async function runExport(job, { signal, onProgress, ratePerSecond = DEFAULT_RATE, checkpoint } = {}) {
  const options = { signal, onProgress, ratePerSecond };
  if (checkpoint) options.checkpoint = checkpoint;
  try {
    return await exportSegments(job, options);
  } catch (e) {
    throw toPageError(e);
  }
}

/**
 * What the page shows for anything thrown: the package's `AutopilotExportError` keeps its
 * code, message, issues and report; anything else becomes code `INTERNAL`.
 * @typedef {{name: 'PageError', code: string, message: string, issues: Issue[], report?: object}} PageError
 * @returns {PageError}
 */
export function toPageError(e) {
  if (e && typeof e === 'object' && e.name === 'AutopilotExportError') {
    return { name: 'PageError', code: e.code, message: e.message, issues: Array.isArray(e.issues) ? e.issues : [], report: e.report };
  }
  return { name: 'PageError', code: 'INTERNAL', message: e instanceof Error ? e.message : String(e), issues: [] };
}
