// The page's state turned into the package's shapes (Connection, ExportJob, RunOptions)
// and into the job configuration file the CLI reads (www/sample/export.json), and back.
// Pure functions (no DOM, no package call), tested in Node. Values are moved, never
// judged: the package validates them and the page shows its issues.

import { needsFormat } from './segments.js';

/**
 * @typedef {object} ConnectionForm
 * @property {string} displayName
 * @property {string} exportUser
 * @property {string} baseUrl  '' = the package's default
 *
 * @typedef {object} Mapping
 * @property {string} email
 * @property {string} firstName
 * @property {string} lastName
 * @property {Record<string, string>} fields  standard field -> profile field ('' = not mapped)
 * @property {{source: string, name: string, type: string}[]} custom
 *
 * @typedef {object} Settings
 * @property {number|string} cap  '' = the package's default
 * @property {string} overCap
 * @property {string} lists
 * @property {string} listPrefix
 * @property {string} idField  '' = none
 * @property {string} [membership]
 * @property {number|string} [maxRemovalRatio]  '' = the package's default
 * @property {Record<string, number>} run  run options of the configuration file (ratePerSecond…)
 *
 * @typedef {{name: string, fileName: string, format: string, bytes?: Uint8Array, options?: {delimiter?: string, encoding?: string}}} Segment
 *   `options`: how to read a CSV file when the user chose it (the package detects both otherwise)
 */

/** Members of `o` that hold a value ('' and undefined left out). */
const present = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));

/** A number typed in a form, or the text itself when it is not one (the package then says why). */
export function numberOrText(v) {
  if (typeof v === 'number') return v;
  const t = String(v ?? '').trim();
  if (t === '') return '';
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/**
 * The package's Connection. The key is passed in, never kept in page state that is stored.
 * @param {ConnectionForm} form
 * @param {{apiKey: string, consent: boolean}} secret
 */
export function toConnection(form, { apiKey, consent }) {
  return {
    displayName: String(form.displayName ?? '').trim(),
    apiKey: String(apiKey ?? '').trim(),
    consent: consent === true,
    exportUser: String(form.exportUser ?? '').trim(),
    ...present({ baseUrl: String(form.baseUrl ?? '').trim() }),
  };
}

/** The package's mapping from the page's (unmapped targets left out). @param {Mapping} m */
export function toMapping(m) {
  const out = { email: m.email ?? '' };
  if (m.firstName) out.firstName = m.firstName;
  if (m.lastName) out.lastName = m.lastName;
  const fields = present(m.fields ?? {});
  if (Object.keys(fields).length) out.fields = fields;
  if (m.custom?.length) out.custom = m.custom.map((c) => ({ source: c.source, name: c.name, type: c.type }));
  return out;
}

/** Job-level settings as the package and the configuration file take them. @param {Settings} s */
function jobSettings(s) {
  return present({
    cap: numberOrText(s.cap),
    overCap: s.overCap,
    lists: s.lists,
    listPrefix: s.listPrefix,
    idField: s.idField,
    membership: s.membership,
    maxRemovalRatio: numberOrText(s.maxRemovalRatio),
  });
}

/**
 * The package's ExportJob. Segment and custom-field indices stay as in the page, so an issue
 * path such as `segments[1].name` points back at the control that holds the value.
 * @param {{connection: object, mapping: Mapping, segments: Segment[], settings: Settings}} s
 */
export function toJob({ connection, mapping, segments, settings }) {
  return {
    connection,
    mapping: toMapping(mapping),
    segments: segments.map((seg) => ({
      name: seg.name,
      profiles: { [seg.format]: seg.bytes ?? new Uint8Array(0), ...(seg.format === 'csv' ? present({ delimiter: seg.options?.delimiter, encoding: seg.options?.encoding }) : {}) },
    })),
    ...jobSettings(settings),
  };
}

/** Run options of the configuration file's "run" (numbers typed in the page converted). */
export function runOptions(settings) {
  return present(Object.fromEntries(Object.entries(settings.run ?? {}).map(([k, v]) => [k, numberOrText(v)])));
}

/**
 * The job configuration file, exactly as the CLI reads it (`autopilot-export export
 * --config FILE`): never the API key; segments by file name.
 * @param {{form: ConnectionForm, consent: boolean, mapping: Mapping, segments: Segment[], settings: Settings}} s
 */
export function toConfigFile({ form, consent, mapping, segments, settings, formats }) {
  const run = runOptions(settings);
  return {
    connection: {
      displayName: String(form.displayName ?? '').trim(),
      exportUser: String(form.exportUser ?? '').trim(),
      consent: consent === true,
      ...present({ baseUrl: String(form.baseUrl ?? '').trim() }),
    },
    mapping: toMapping(mapping),
    segments: segments.map((seg) => ({ name: seg.name, file: seg.fileName, ...(needsFormat(seg.fileName, seg.format, formats) ? { format: seg.format } : {}) })),
    ...jobSettings(settings),
    ...(Object.keys(run).length ? { run } : {}),
  };
}

/** Top-level keys of a configuration file. */
const KNOWN = ['connection', 'mapping', 'segments', 'cap', 'overCap', 'lists', 'listPrefix', 'idField', 'membership', 'maxRemovalRatio', 'run', '$comment'];

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** An error about a configuration file the page cannot take at all. */
export class ConfigFileError extends Error {}

/**
 * Reads a job configuration file (the CLI's JSON). Throws ConfigFileError when it is not
 * one (not JSON, not an object, or holding an API key, which is never imported). Values are
 * taken as they are; the package's validation judges them once they are in the form.
 * @param {string} text
 * @returns {{form: ConnectionForm, consent: boolean, mapping: Mapping, segments: {name: string, file: string, format?: string}[],
 *   settings: Partial<Settings>, ignored: string[]}}
 */
export function fromConfigFile(text) {
  let cfg;
  try {
    cfg = JSON.parse(String(text).replace(/^\ufeff/, ''));
  } catch (e) {
    throw new ConfigFileError(`not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  if (!isObject(cfg)) throw new ConfigFileError('expected a JSON object with "connection", "mapping" and "segments"');
  const keyAt = (o, p) => (isObject(o) ? Object.keys(o).filter((k) => /^api[-_]?key$/i.test(k)).map((k) => `${p}${k}`) : []);
  const keys = [...keyAt(cfg, ''), ...keyAt(cfg.connection, 'connection.')];
  if (keys.length) {
    throw new ConfigFileError(`${keys[0]}: the file holds an API key, which is never imported nor stored. Remove it from the file (the CLI reads the key from AUTOPILOT_API_KEY) and import it again`);
  }
  const ignored = Object.keys(cfg).filter((k) => !KNOWN.includes(k));
  const conn = isObject(cfg.connection) ? cfg.connection : {};
  const m = isObject(cfg.mapping) ? cfg.mapping : {};
  if (cfg.connection !== undefined && !isObject(cfg.connection)) ignored.push('connection (not an object)');
  if (cfg.mapping !== undefined && !isObject(cfg.mapping)) ignored.push('mapping (not an object)');
  const segments = [];
  if (Array.isArray(cfg.segments)) {
    for (const [i, s] of cfg.segments.entries()) {
      if (isObject(s) && typeof s.file === 'string') segments.push({ name: str(s.name), file: s.file, ...(typeof s.format === 'string' ? { format: s.format } : {}) });
      else ignored.push(`segments[${i}] (expected {"name", "file"})`);
    }
  } else if (cfg.segments !== undefined) {
    ignored.push('segments (not an array)');
  }
  const settings = {};
  for (const k of ['cap', 'overCap', 'lists', 'listPrefix', 'idField', 'membership', 'maxRemovalRatio']) if (k in cfg) settings[k] = cfg[k];
  if (isObject(cfg.run)) settings.run = { ...cfg.run };
  else if (cfg.run !== undefined) ignored.push('run (not an object)');
  return {
    form: { displayName: str(conn.displayName), exportUser: str(conn.exportUser), baseUrl: str(conn.baseUrl) },
    consent: conn.consent === true,
    mapping: {
      email: str(m.email),
      firstName: str(m.firstName),
      lastName: str(m.lastName),
      fields: isObject(m.fields) ? Object.fromEntries(Object.entries(m.fields).map(([k, v]) => [k, str(v)])) : {},
      custom: Array.isArray(m.custom) ? m.custom.filter(isObject).map((c) => ({ source: str(c.source), name: str(c.name), type: str(c.type) })) : [],
    },
    segments,
    settings,
    ignored,
  };
}

/**
 * What identifies a job for resuming: its configuration (without run options) and the
 * files' names and sizes. The package's checkpoint fingerprint checks the contents.
 */
export function configKey(config, segments) {
  const { run, ...rest } = config;
  return JSON.stringify({ config: rest, files: segments.map((s) => [s.fileName, s.bytes?.length ?? s.size ?? 0]) });
}
