// The page's state turned into the package's shapes (Connection, ExportJob, RunOptions)
// and into the job configuration file the CLI reads (www/sample/export.json), and back.
// Pure functions (no DOM, no package call), tested in Node. Values are moved, never
// judged: the package validates them and the page shows its issues.

import { formatFromName, needsFormat } from './segments.js';

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
 * @property {CustomField[]} custom
 *
 * @typedef {{source: string, name: string, type: string, format?: unknown, decimal?: unknown}} CustomField
 *   `format` (dates) and `decimal` (numbers) as the user chose or the file held them (the package judges them)
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
 * @typedef {{name: string, fileName: string, format: string, formatSet?: boolean, bytes?: Uint8Array, options?: {delimiter?: unknown, encoding?: unknown}}} Segment
 *   `options`: how to read the file when the configuration says (the package detects both otherwise);
 *   `formatSet`: the configuration named the format (it is then written back even when the extension says the same)
 */

/** Members of `o` that hold a value ('' and undefined left out). */
const present = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));
/** Members of `o` that were given (only undefined left out): values moved as they are, for the package to judge. */
const given = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Keys of a configuration file that are the file's (as the CLI reads it), not the job's. */
export const FILE_KEYS = ['segments', 'run', '$comment'];

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
  if (m.custom?.length) out.custom = m.custom.map(toCustom);
  return out;
}

/** A custom field as the package and the file take it: every member the page holds, moved as it is. @param {CustomField} c */
export function toCustom(c) {
  return { source: c.source, name: c.name, type: c.type, ...given({ format: c.format, decimal: c.decimal }) };
}

/** How to read a segment's bytes, as the configuration gave it (delimiter, encoding). @param {Segment} seg */
const readOptions = (seg) => given({ delimiter: seg.options?.delimiter, encoding: seg.options?.encoding });


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
      profiles: { [seg.format]: seg.bytes ?? new Uint8Array(0), ...readOptions(seg) },
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
 * --config FILE`): never the API key; segments by file name, with how to read them.
 * @param {{form: ConnectionForm, consent: boolean, mapping: Mapping, segments: Segment[], settings: Settings, formats: object[], comment?: unknown}} s
 *   `comment`: the imported file's "$comment", written back as it was
 */
export function toConfigFile({ form, consent, mapping, segments, settings, formats, comment }) {
  const run = runOptions(settings);
  return {
    ...(comment !== undefined ? { $comment: comment } : {}),
    connection: {
      displayName: String(form.displayName ?? '').trim(),
      exportUser: String(form.exportUser ?? '').trim(),
      consent: consent === true,
      ...present({ baseUrl: String(form.baseUrl ?? '').trim() }),
    },
    mapping: toMapping(mapping),
    segments: segments.map((seg) => fileSegment(seg, formats)),
    ...jobSettings(settings),
    ...(Object.keys(run).length ? { run } : {}),
  };
}

/** A segment of the configuration file: {name, file, format?, delimiter?, encoding?}. @param {Segment} seg */
function fileSegment(seg, formats) {
  const format = seg.formatSet || needsFormat(seg.fileName, seg.format, formats) ? { format: seg.format } : {};
  return { name: seg.name, file: seg.fileName, ...format, ...readOptions(seg) };
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** An error about a configuration file the page cannot take at all. */
export class ConfigFileError extends Error {}

/**
 * Reads a job configuration file (the CLI's JSON). Throws ConfigFileError when it is not
 * one (not JSON, not an object, or holding an API key, which is never imported). Values are
 * taken as they are; the package's validation judges them once they are in the form.
 *
 * `job` is the file's job (every key but the file's own, FILE_KEYS), for the package to
 * validate as the CLI does. `ignored` lists every member of the file the page does not
 * carry as it was written (found by comparing the file with what the page writes back, so
 * no list of the job's keys is kept here), each with the page's reason when it has one;
 * `importNotes` adds the package's word on each.
 * @param {string} text
 * @returns {{form: ConnectionForm, consent: boolean, mapping: Mapping,
 *   segments: {name: string, file: string, format?: unknown, delimiter?: unknown, encoding?: unknown}[],
 *   settings: Partial<Settings>, comment?: unknown, job: object, ignored: {path: string, note?: string}[]}}
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
  /** The page's own reasons for what it cannot take, by path. */
  const notes = new Map();
  const conn = isObject(cfg.connection) ? cfg.connection : {};
  const m = isObject(cfg.mapping) ? cfg.mapping : {};
  if (cfg.connection !== undefined && !isObject(cfg.connection)) notes.set('connection', 'not an object');
  if (cfg.mapping !== undefined && !isObject(cfg.mapping)) notes.set('mapping', 'not an object');
  if (m.fields !== undefined && !isObject(m.fields)) notes.set('mapping.fields', 'not an object');
  if (m.custom !== undefined && !Array.isArray(m.custom)) notes.set('mapping.custom', 'not an array');
  // Custom fields and segments keep their place in the file (undefined where one is not taken),
  // so that what is left out is named by its index in the file.
  const custom = (Array.isArray(m.custom) ? m.custom : []).map((c, i) => {
    if (isObject(c)) return { source: str(c.source), name: str(c.name), type: str(c.type), ...given({ format: c.format, decimal: c.decimal }) };
    notes.set(`mapping.custom[${i}]`, 'not an object');
    return undefined;
  });
  const segs = (Array.isArray(cfg.segments) ? cfg.segments : []).map((s, i) => {
    if (isObject(s) && typeof s.file === 'string') {
      return { name: str(s.name), file: s.file, ...given({ format: s.format ?? undefined, delimiter: s.delimiter, encoding: s.encoding }) };
    }
    notes.set(`segments[${i}]`, isObject(s) && s.url !== undefined
      ? 'a segment read from a URL is for the command-line tool: this page reads segment files'
      : 'expected {"name", "file"}');
    return undefined;
  });
  if (cfg.segments !== undefined && !Array.isArray(cfg.segments)) notes.set('segments', 'not an array');
  const settings = {};
  for (const k of ['cap', 'overCap', 'lists', 'listPrefix', 'idField', 'membership', 'maxRemovalRatio']) if (k in cfg) settings[k] = cfg[k];
  if (isObject(cfg.run)) settings.run = { ...cfg.run };
  else if (cfg.run !== undefined) notes.set('run', 'not an object');
  const read = {
    form: { displayName: str(conn.displayName), exportUser: str(conn.exportUser), baseUrl: str(conn.baseUrl) },
    consent: conn.consent === true,
    mapping: {
      email: str(m.email),
      firstName: str(m.firstName),
      lastName: str(m.lastName),
      fields: isObject(m.fields) ? Object.fromEntries(Object.entries(m.fields).map(([k, v]) => [k, str(v)])) : {},
      custom: custom.filter((c) => c !== undefined),
    },
    segments: segs.filter((s) => s !== undefined),
    settings,
    ...(cfg.$comment !== undefined ? { comment: cfg.$comment } : {}),
  };
  // What the page writes back, with custom fields and segments in their places in the file.
  const back = toConfigFile({ ...read, mapping: { ...read.mapping, custom: [] }, segments: [], formats: [] });
  if (Array.isArray(m.custom)) back.mapping.custom = custom.map((c) => c && toCustom(c));
  back.segments = segs.map((s) => s && fileSegment(segmentFromFile(s, []), []));
  const ignored = notCarried(cfg, back).map((path) => ({ path, ...(notes.has(path) ? { note: notes.get(path) } : {}) }));
  const job = Object.fromEntries(Object.entries(cfg).filter(([k]) => !FILE_KEYS.includes(k)));
  return { ...read, job, ignored };
}

/**
 * A segment of the page from one of a configuration file's segments (its file not read yet).
 * @param {{name: string, file: string, format?: unknown, delimiter?: unknown, encoding?: unknown}} s
 * @param {{name: string, extensions: string[]}[]} formats `metadata().formats`
 */
export function segmentFromFile(s, formats) {
  const formatSet = s.format !== undefined && s.format !== null;
  return {
    name: s.name,
    fileName: s.file,
    format: /** @type {string} */ (formatSet ? s.format : formatFromName(s.file, formats)),
    formatSet,
    options: given({ delimiter: s.delimiter, encoding: s.encoding }),
  };
}

/** Nothing to lose: an absent, null or empty value, or an empty object or array. */
const blank = (v) => v === undefined || v === null || v === '' || (typeof v === 'object' && Object.keys(v).length === 0);

/**
 * Paths of the members of `from` that `to` does not hold as they are (`cap`,
 * `mapping.custom[1].format`, `segments[0].url`): objects and arrays are compared member by
 * member, other values as text (a number typed as "5" is still 5, spaces around a name are
 * trimmed), and an empty value is nothing to lose.
 */
export function notCarried(from, to, path = '', out = []) {
  if (blank(from)) return out;
  if (typeof from === 'object') {
    if (typeof to !== 'object' || to === null || Array.isArray(from) !== Array.isArray(to)) {
      out.push(path);
      return out;
    }
    for (const [k, v] of Object.entries(from)) {
      notCarried(v, Object.hasOwn(to, k) ? to[k] : undefined, Array.isArray(from) ? `${path}[${k}]` : path ? `${path}.${k}` : k, out);
    }
    return out;
  }
  if (to === undefined || to === null || typeof to === 'object' || String(from).trim() !== String(to).trim()) out.push(path);
  return out;
}

/**
 * What the user is told about the members of an imported file the page did not take: the
 * package's issue at that path (its validation of the file's job: an unknown key, a value
 * of the wrong type), else the page's reason, else that the page does not use it.
 * @param {{path: string, note?: string}[]} ignored
 * @param {{path: string, message: string}[]} issues  the package's issues of the file's `job`
 * @returns {{path: string, message: string}[]}
 */
export function importNotes(ignored, issues) {
  return ignored.map(({ path, note }) => ({
    path,
    message: issues.find((i) => i.path === path)?.message ?? note ?? 'not used by this page',
  }));
}

/**
 * What identifies a job for resuming: its configuration (without run options and comment)
 * and the files' names and sizes. The package's checkpoint fingerprint checks the contents.
 */
export function configKey(config, segments) {
  const { run, $comment, ...rest } = config;
  return JSON.stringify({ config: rest, files: segments.map((s) => [s.fileName, s.bytes?.length ?? s.size ?? 0]) });
}
