// The configuration file and the segments: reading export.json (the export job without the
// API key and the profiles, plus "segments" and "run"), turning --segment/--format/
// --segment-token-env and the file's "segments" into package sources (files streamed, URLs
// as {url, format, headers}), the connection with the key and base URL from the environment,
// and rendering the package's issues with where each value came from. The job and the run
// options go to the package as they are: it validates them (unknown keys included).

import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError, PROG, addSecret } from './output.mjs';
import { usageError } from './args.mjs';
import { formatOfName, metadata } from './meta.mjs';

/** Keys of the configuration file that are the tool's, not the job's. */
const FILE_KEYS = ['segments', 'run', '$comment'];
/** Run options the tool sets itself (from flags and files), never from the "run" section. */
const HOST_RUN_KEYS = { signal: 'Ctrl-C', onProgress: '--progress', checkpoint: '--resume', syncState: '--state' };

const isUrl = (s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The API key from the environment (read once; registered as a secret). */
export const apiKey = (process.env.AUTOPILOT_API_KEY ?? '').trim();
addSecret(apiKey);
export const envBaseUrl = () => (process.env.AUTOPILOT_BASE_URL ?? '').trim();

/**
 * Reads the configuration file. Problems of the tool's own keys (segments, run section
 * shape) go to `issues` / `segmentIssues`; the rest is the package's to judge.
 * @returns {{file: string, job: object, run: object, segments: object[], issues: string[], segmentIssues: string[]}}
 */
export function loadConfig(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read the configuration file '${file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  let cfg;
  try {
    cfg = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (e) {
    throw new CliError(`${file}: not valid JSON: ${e.message}`);
  }
  if (!isObject(cfg)) throw new CliError(`${file}: expected a JSON object (see \`${PROG} --help\`)`);
  const keyIn = (o) => isObject(o) && Object.keys(o).some((k) => k.toLowerCase() === 'apikey');
  if (keyIn(cfg.connection) || keyIn(cfg)) {
    const where = keyIn(cfg.connection) ? 'connection.apiKey' : 'apiKey';
    throw new CliError(`${file}: ${where}: the API key must not be stored in the configuration file; remove it and set the AUTOPILOT_API_KEY environment variable instead`);
  }
  const job = Object.fromEntries(Object.entries(cfg).filter(([k]) => !FILE_KEYS.includes(k)));
  const issues = [];
  let run = cfg.run ?? {};
  if (!isObject(run)) {
    issues.push('run: expected an object of run options');
    run = {};
  }
  for (const [k, flag] of Object.entries(HOST_RUN_KEYS)) {
    if (k in run) {
      issues.push(`run.${k}: set by the command line (${flag}), not in the configuration file`);
      run = { ...run };
      delete run[k];
    }
  }
  const dir = path.dirname(path.resolve(file));
  const segs = [];
  const segmentIssues = [];
  if (cfg.segments !== undefined) {
    if (!Array.isArray(cfg.segments)) {
      segmentIssues.push('segments: expected an array of {"name", "file" or "url"}');
    } else {
      cfg.segments.forEach((s, i) => {
        const p = `segments[${i}]`;
        if (!isObject(s)) return segmentIssues.push(`${p}: expected {"name", "file" or "url"}`);
        const before = segmentIssues.length;
        const extra = Object.keys(s).filter((k) => !['name', 'file', 'url', 'format', 'tokenEnv', 'delimiter', 'encoding'].includes(k));
        if (extra.length) segmentIssues.push(`${p}.${extra[0]}: unknown key (a segment has name, file or url, and optional format, tokenEnv, delimiter and encoding)`);
        if (typeof s.name !== 'string') segmentIssues.push(`${p}.name: expected the segment name (a string)`);
        const hasFile = typeof s.file === 'string' && s.file.trim() !== '';
        const hasUrl = typeof s.url === 'string' && s.url.trim() !== '';
        if (hasFile === hasUrl) {
          segmentIssues.push(`${p}.file: expected the path of the segment's profiles file, or "url" (one of them)`);
          return undefined;
        }
        try {
          const seg = hasUrl
            ? urlSegment(s.name, s.url, s.format, s.tokenEnv, `${p}.url`)
            : fileSegment(s.name, path.resolve(dir, s.file), s.format, `${p}.file`);
          if (!hasUrl && s.tokenEnv !== undefined) segmentIssues.push(`${p}.tokenEnv: only a "url" segment sends a token`);
          // Byte source options go to the package as they are (it checks them).
          for (const k of ['delimiter', 'encoding']) if (s[k] !== undefined) seg.options = { ...seg.options, [k]: s[k] };
          if (segmentIssues.length === before) segs.push({ ...seg, origin: `"segments" of the config file` });
        } catch (e) {
          segmentIssues.push(e.message);
        }
        return undefined;
      });
    }
  }
  return { file, job, run, segments: segs, issues, segmentIssues };
}

function formatOf(name, explicit, where) {
  const formats = metadata().formats;
  const names = formats.map((f) => f.name);
  if (explicit !== undefined) {
    if (!names.includes(explicit)) throw new CliError(`${where}: format must be ${names.join(', ')} (got ${JSON.stringify(explicit)})`);
    return explicit;
  }
  const format = formatOfName(name);
  if (!format) {
    const extensions = formats.flatMap((f) => f.extensions).join(', ');
    throw new CliError(`${where}: cannot tell the format of '${name}' from its extension: use ${extensions}, or give it (--format NAME=${names.join('|')}, or "format" in the config file)`);
  }
  return format;
}

function fileSegment(name, file, format, where) {
  return { name, file, format: formatOf(file, format, where) };
}

function urlSegment(name, url, format, tokenEnv, where) {
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // The package says what is wrong with the URL; the format may still come from --format.
  }
  const seg = { name, url, format: formatOf(pathname, format, where) };
  if (tokenEnv !== undefined) {
    const token = (process.env[tokenEnv] ?? '').trim();
    if (typeof tokenEnv !== 'string' || token === '') throw new CliError(`${where}: the token variable ${tokenEnv} is not set (or empty)`);
    addSecret(token);
    seg.headers = { authorization: `Bearer ${token}` };
    seg.tokenEnv = tokenEnv;
  }
  return seg;
}

/** NAME=VALUE flags (--format, --segment-token-env) by segment name. */
function byName(list, flag) {
  const m = new Map();
  for (const spec of list ?? []) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw usageError(`--${flag} expects NAME=VALUE (got '${spec}')`);
    m.set(spec.slice(0, eq), spec.slice(eq + 1));
  }
  return m;
}

/** The segment name a flag without NAME= gets: the file or URL path's base name. */
function defaultName(target) {
  let p = target;
  if (isUrl(target)) {
    try {
      p = decodeURIComponent(new URL(target).pathname);
    } catch {
      // Keep the text.
    }
  }
  return path.basename(p, path.extname(p));
}

function segmentFromFlag(spec, i, formats, tokens) {
  const eq = spec.indexOf('=');
  // "NAME=SOURCE", or only a SOURCE; a URL's own "=" (in a query) is not a NAME separator.
  const named = eq >= 0 && !isUrl(spec.slice(0, eq)) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(spec);
  const target = named ? spec.slice(eq + 1) : spec;
  const name = named ? spec.slice(0, eq) : defaultName(target);
  const where = `--segment #${i + 1} ("${spec}")`;
  if (target.trim() === '') throw usageError(`${where}: expected NAME=FILE or NAME=URL`);
  const format = formats.get(name);
  const tokenEnv = tokens.get(name);
  const origin = `--segment "${spec}"`;
  if (isUrl(target)) return { ...urlSegment(name, target, format, tokenEnv, where), origin };
  if (tokenEnv !== undefined) throw usageError(`--segment-token-env ${name}=…: segment "${name}" is a file, not a URL`);
  return { ...fileSegment(name, target, format, where), origin };
}

/**
 * The segments to export: from --segment when given, else from the configuration file (whose
 * segment problems then join `config.issues`). Checks that every file can be read.
 */
export function segmentsOf(values, config) {
  const fromFlags = values.segment?.length > 0;
  const formats = byName(values.format, 'format');
  const tokens = byName(values['segment-token-env'], 'segment-token-env');
  if (!fromFlags && (formats.size || tokens.size)) throw usageError('--format and --segment-token-env go with --segment');
  const segs = fromFlags ? values.segment.map((s, i) => segmentFromFlag(s, i, formats, tokens)) : config.segments;
  for (const [flag, m] of [['format', formats], ['segment-token-env', tokens]]) {
    for (const name of m.keys()) {
      if (!segs.some((s) => s.name === name)) throw usageError(`--${flag} ${name}=…: no --segment is named "${name}"`);
    }
  }
  if (!fromFlags) config.issues.push(...config.segmentIssues);
  if (config.issues.length && (segs.length === 0 || config.segmentIssues.length)) {
    throw new CliError(`${config.file}: the configuration is invalid:`, 2, config.issues);
  }
  if (segs.length === 0) throw usageError('no segments: give --segment NAME=FILE (or "segments" in the configuration file)');
  for (const s of segs) {
    if (s.url !== undefined) continue;
    let st;
    try {
      st = statSync(s.file);
    } catch (e) {
      throw new CliError(`segment "${s.name}" (${s.origin}): cannot read '${s.file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    }
    if (!st.isFile()) throw new CliError(`segment "${s.name}" (${s.origin}): '${s.file}' is not a file`);
  }
  return segs;
}

/** The package's URL source of a segment: {url, format, headers?, delimiter?, encoding?}. */
export const urlSource = (s) => ({ url: s.url, format: s.format, ...(s.headers ? { headers: s.headers } : {}), ...s.options });

/** Package sources: files as streams of byte chunks `{csv|ndjson|json: ReadStream}`, URLs as `{url, format, headers?}`. */
export function openSources(segs, streams) {
  return segs.map((s) => {
    if (s.url !== undefined) return { name: s.name, profiles: urlSource(s) };
    const stream = createReadStream(s.file, { highWaterMark: 256 * 1024 });
    streams.push(stream);
    return { name: s.name, profiles: { [s.format]: stream, ...s.options } };
  });
}

/** The effective connection: the file's, plus the key and base URL from the environment. */
export function connectionOf(config, { withKey }) {
  const conn = isObject(config.job.connection) ? { ...config.job.connection } : config.job.connection;
  if (!isObject(conn)) return conn;
  if (envBaseUrl() !== '') conn.baseUrl = envBaseUrl();
  if (withKey) {
    if (apiKey === '') {
      throw new CliError('AUTOPILOT_API_KEY is not set: put your Autopilot API key (Settings → Autopilot API) in this environment variable; it is never read from a flag or a file');
    }
    conn.apiKey = apiKey;
  }
  return conn;
}

/**
 * Renders the package's issues ({path, code, message}) with where each value came from.
 * @param {{segments?: object[], flags?: Record<string, string>}} ctx `flags`: issue path ->
 *   the flag that set the value (e.g. "options.ratePerSecond" -> "--rate")
 */
export function describeIssues(issues, ctx) {
  return issues.map((i) => {
    let p = i.path || '(configuration)';
    let where = '';
    const seg = /^segments\[(\d+)\]/.exec(p);
    const flag = ctx.flags?.[p];
    if (flag) p = flag;
    else if (seg && ctx.segments?.[Number(seg[1])]) where = ` (segment "${ctx.segments[Number(seg[1])].name}" from ${ctx.segments[Number(seg[1])].origin})`;
    else if (p.startsWith('options.')) p = `run.${p.slice('options.'.length)}`;
    else if (p === 'connection.apiKey') where = ' (from AUTOPILOT_API_KEY)';
    else if (p === 'connection.baseUrl' && envBaseUrl() !== '') where = ' (from AUTOPILOT_BASE_URL)';
    return `${p}: ${i.message}${i.code ? ` [${i.code}]` : ''}${where}`;
  });
}
