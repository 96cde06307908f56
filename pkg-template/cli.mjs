#!/usr/bin/env node
// autopilot-export: the package's command-line tool (DESIGN.md §7). Node standard library and
// the package itself only. Run `autopilot-export --help` for usage, the configuration file
// format, environment variables and exit codes.
//
// The API key is read from AUTOPILOT_API_KEY only. It is never printed: every line this tool
// writes (stdout, stderr, report and checkpoint files) passes through `redact`, which also
// says so loudly if it ever had to remove the key.

import { createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const PROG = 'autopilot-export';
const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, CANCELLED: 130, TERMINATED: 143 });
const DEFAULT_CHECKPOINT = 'autopilot-export.checkpoint.json';
/** Error codes that mean "fix the command, the configuration or the input": exit 2. */
const USAGE_CODES = new Set(['CONFIG_INVALID', 'CONSENT_REQUIRED', 'CAP_EXCEEDED', 'INPUT_INVALID', 'CHECKPOINT_MISMATCH']);
/** Reject reasons decided before sending (invalid rows), as opposed to contacts Autopilot refused. */
const INPUT_REASONS = new Set(['EMAIL_MISSING', 'EMAIL_INVALID', 'EMAIL_NON_ASCII', 'EMAIL_TOO_LONG', 'NOT_AN_OBJECT', 'INVALID_UTF8', 'MALFORMED_ROW']);
const FORMATS = Object.freeze({ '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson', '.json': 'json' });
/** Run options a configuration file may set under "run": [min, max, whole number]. */
const RUN_OPTIONS = Object.freeze({
  ratePerSecond: [Number.MIN_VALUE, 1000, false],
  maxInFlight: [1, 256, true],
  requestTimeoutMs: [100, 600_000, false],
  maxAttempts: [1, 20, true],
});

const USAGE = `Usage:
  ${PROG} export  --config FILE [--segment "NAME=FILE"]... [options]
  ${PROG} preview --config FILE [--segment "NAME=FILE"]... [--rate N] [--report FILE]
  ${PROG} check   --config FILE
  ${PROG} --help | --version

Commands:
  export    Read the segments, validate, map, de-duplicate and send them to Autopilot
            (one Autopilot list per segment by default). Progress on stderr, the run
            report as JSON on stdout (or --report FILE).
  preview   Dry run: the same reading, validation and counting, no network at all. A
            readable summary on stderr, the summary JSON on stdout (or --report FILE).
  check     Verify the API key and the base URL (GET /v1/account).

Options:
  -c, --config FILE          configuration file (JSON, format below); required
  -s, --segment NAME=FILE    a segment and its profiles file; repeat for several, in order.
                             The format comes from the extension: .csv (header row),
                             .ndjson or .jsonl (one JSON object per line), .json (one array
                             of objects). Files are streamed, never loaded whole. Without
                             "NAME=", the file name without extension is the segment name.
                             Given at least once, it replaces the config file's "segments".
      --rate N               requests per second (default: run.ratePerSecond, else 5)
      --report FILE          write the report (or preview summary) JSON to FILE, not stdout
      --checkpoint-file FILE where a cancelled or interrupted export leaves its checkpoint
                             (default ./${DEFAULT_CHECKPOINT})
      --resume FILE          continue the export that wrote this checkpoint: same config,
                             same segment files; only unfinished batches are sent
      --progress MODE        auto (default: a bar when stderr is a terminal, else a line
                             every 2 s), bar, lines or none
  -h, --help                 this help
  -V, --version              the package version

Environment:
  AUTOPILOT_API_KEY    the Autopilot API key (export, check). Read from here only: there is
                       no flag for it, and a configuration file that holds one is refused.
                       It is never printed, nor written to the report or the checkpoint.
  AUTOPILOT_BASE_URL   overrides connection.baseUrl (e.g. a local emulator:
                       http://127.0.0.1:PORT/v1). https:// only, except loopback hosts.

Configuration file (JSON; the export job without the API key and without the profiles):
  {
    "connection": {
      "displayName": "Marketing Autopilot",    // required
      "exportUser": "ops@example.com",         // required, recorded on every report
      "consent": true,                         // the privacy notice's "I agree"; required
      "baseUrl": "https://api2.autopilothq.com/v1"   // optional (this is the default)
    },
    "mapping": {
      "email": "EmailAddress",                 // profile field holding the email; required
      "firstName": "GivenName", "lastName": "Surname",                    // optional
      "fields": { "Company": "company_name", "MailingCity": "City" },     // optional:
          // Autopilot standard field -> profile field (FirstName, LastName, Salutation,
          // Company, NumberOfEmployees, Title, Industry, Phone, MobilePhone, Fax, Website,
          // MailingStreet, MailingCity, MailingState, MailingPostalCode, MailingCountry,
          // owner_name, LeadSource, Status, LinkedIn, Twitter)
      "custom": [ { "source": "lifetime_orders", "name": "Lifetime Orders",
                    "type": "integer" } ]      // string | integer | float | date | boolean
    },
    "segments": [ { "name": "VIP customers", "file": "vip.csv" } ],
          // optional; files relative to the config file; "format" (csv | ndjson | json)
          // overrides the extension; --segment replaces this list
    "cap": 100000,                  // optional: most unique profiles (default and maximum 100000)
    "overCap": "refuse",            // optional: refuse (default, nothing is sent) | truncate
    "lists": "per-segment",         // optional: per-segment (default) | none
    "listPrefix": "CDP: ",          // optional: list title = listPrefix + segment name
    "idField": "CustomerId",        // optional: identifies rejected rows in the report
    "run": {                        // optional run options:
      "ratePerSecond": 5,           //   requests per second (default 5, Autopilot's limit)
      "maxInFlight": 4,             //   concurrent requests (default: enough for the rate)
      "requestTimeoutMs": 30000,    //   per request (default 30000)
      "maxAttempts": 6              //   per batch, for 429, 5xx, timeouts (default 6)
    },
    "$comment": "free text, ignored"
  }
  (Comments above are for this help only: the file is plain JSON.)

Exit codes:
  0    export succeeded; preview done; check: key accepted
  1    export partial (some contacts failed) or failed; check: key rejected (AUTH_FAILED)
       or Autopilot unreachable; any error met while talking to Autopilot
  2    bad command line, configuration, input file or checkpoint: nothing was sent
       (CONFIG_INVALID, CONSENT_REQUIRED, CAP_EXCEEDED, INPUT_INVALID, CHECKPOINT_MISMATCH);
       preview: the export would be refused (CAP_EXCEEDED)
  130  cancelled with Ctrl-C (143 for SIGTERM): in-flight requests are aborted, the report
       (status "cancelled") is written, the checkpoint goes to --checkpoint-file, and the
       command to resume is printed. A second Ctrl-C quits at once without a checkpoint.

Examples:
  read -rs AUTOPILOT_API_KEY && export AUTOPILOT_API_KEY    # paste the key; not echoed
  ${PROG} check --config export.json
  ${PROG} preview --config export.json --segment "VIP=vip.csv" --segment "Churn risk=churn.ndjson"
  ${PROG} export --config export.json --segment "VIP=vip.csv" --report report.json
  ${PROG} export --config export.json --segment "VIP=vip.csv" --resume ${DEFAULT_CHECKPOINT}
`;

// ------------------------------------------------------------------ output

/** An error that ends the program with a message and an exit code. */
class CliError extends Error {
  /** @param {string} message @param {number} [exitCode] @param {string[]} [details] */
  constructor(message, exitCode = EXIT.USAGE, details = []) {
    super(message);
    this.exitCode = exitCode;
    this.details = details;
  }
}

const apiKey = (process.env.AUTOPILOT_API_KEY ?? '').trim();
let keyLeaked = false;

/** Removes the API key from any text leaving this process (it should never be there). */
function redact(text) {
  if (apiKey.length >= 8 && text.includes(apiKey)) {
    keyLeaked = true;
    return text.split(apiKey).join('[redacted]');
  }
  return text;
}

const err = (text) => process.stderr.write(redact(text));
const out = (text) => process.stdout.write(redact(text));
let progress = null; // the active progress display, which must be cleared before other lines
/** One line of information on stderr. */
function say(line) {
  if (progress) progress.clear();
  err(`${line}\n`);
  if (progress) progress.draw(true);
}

/** Writes `text` to `file` atomically (temporary file + rename). */
function writeFileAtomic(file, text, mode = 0o644) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, redact(text), { mode });
  renameSync(tmp, file);
}

async function exit(code) {
  if (progress) progress.stop();
  if (keyLeaked) process.stderr.write(`${PROG}: internal error: the API key appeared in output and was redacted; please report this\n`);
  await new Promise((resolve) => process.stdout.write('', resolve));
  await new Promise((resolve) => process.stderr.write('', resolve));
  process.exit(code);
}

process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(EXIT.FAILED);
});

const group = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const plural = (n, one, many = `${one}s`) => `${group(n)} ${n === 1 ? one : many}`;
function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
/** A shell word for the resume hint. */
const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, "'\\''")}'`);

// ------------------------------------------------------------------ progress

/**
 * Numbers shown by both progress displays.
 * @param {object} p the latest Progress
 * @param {{sent: number, elapsedMs: number}} base the first one's requests and time (a resumed
 *   run's counters start at the checkpoint's)
 */
function progressFigures(p, base) {
  const elapsed = p.elapsedMs ?? 0;
  const cps = Number.isFinite(p.contactsPerSecond) ? p.contactsPerSecond : elapsed > 0 ? (p.contactsDone / elapsed) * 1000 : 0;
  const span = elapsed - (base?.elapsedMs ?? 0);
  const rps = span > 0 ? (((p.requests?.sent ?? 0) - (base?.sent ?? 0)) / span) * 1000 : 0;
  let eta = p.etaMs;
  if (!Number.isFinite(eta) && cps > 0) eta = ((p.contactsTotal - p.contactsDone) / cps) * 1000;
  const frac = p.contactsTotal > 0 ? p.contactsDone / p.contactsTotal : p.phase === 'done' ? 1 : 0;
  return { cps, rps, eta, frac: Math.max(0, Math.min(1, frac)) };
}

/** A progress bar redrawn in place on a terminal. */
class BarProgress {
  constructor(stream) {
    this.stream = stream;
    this.p = null;
    this.lastDraw = 0;
    this.shown = false;
    this.timer = setInterval(() => this.draw(true), 250);
    this.timer.unref();
  }
  update(p) {
    this.base ??= { sent: p.requests?.sent ?? 0, elapsedMs: p.elapsedMs ?? 0 };
    this.p = p;
    this.draw(p.phase === 'done');
  }
  line() {
    const p = this.p;
    const width = Math.max(40, (this.stream.columns || 80) - 1);
    if (!p) return 'Reading the segments…';
    if (p.phase === 'lists') return `Preparing the Autopilot lists… (${plural(p.requests?.sent ?? 0, 'request')} sent)`;
    const { cps, rps, eta, frac } = progressFigures(p, this.base);
    const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
    const parts = [
      `${group(p.batchesDone)}/${group(p.batchesTotal)} batches`,
      `${group(p.contactsDone)}/${group(p.contactsTotal)} contacts`,
      `${rps.toFixed(1)} req/s`,
      `${group(cps)} contacts/s`,
      p.phase === 'done' ? duration(p.elapsedMs) : `ETA ${Number.isFinite(eta) ? duration(eta) : '…'}`,
    ];
    if (p.failed > 0) parts.splice(2, 0, `${group(p.failed)} failed`);
    // Drop the least important parts until the bar has room.
    while (parts.length > 1 && pct.length + parts.join('  ').length + 14 > width) parts.splice(parts.length - 2, 1);
    const text = `${pct}  ${parts.join('  ')}`;
    const barWidth = Math.max(10, Math.min(40, width - text.length - 4));
    const full = Math.floor(frac * barWidth);
    const bar = '█'.repeat(full) + '░'.repeat(barWidth - full);
    return `${bar} ${text}`.slice(0, width);
  }
  /** @param {boolean} [force] draw even if the last draw was less than 80 ms ago */
  draw(force = false) {
    const now = Date.now();
    if (!force && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    this.stream.write(`\r${redact(this.line())}\x1b[K`);
    this.shown = true;
  }
  clear() {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
  stop() {
    clearInterval(this.timer);
    if (this.shown) {
      this.draw(true);
      this.stream.write('\n');
      this.shown = false;
    }
  }
}

/** Plain progress lines (stderr is not a terminal): every 2 s while something changes, and at the end. */
class LineProgress {
  constructor(stream, intervalMs = 2000) {
    this.stream = stream;
    this.p = null;
    this.printed = '';
    this.timer = setInterval(() => this.print(), intervalMs);
    this.timer.unref();
  }
  update(p) {
    this.base ??= { sent: p.requests?.sent ?? 0, elapsedMs: p.elapsedMs ?? 0 };
    const first = this.p === null || (this.p.phase !== p.phase && p.phase === 'contacts');
    this.p = p;
    if (first) this.print();
  }
  print() {
    const p = this.p;
    if (!p) return;
    let line;
    if (p.phase === 'lists') {
      line = 'progress: preparing the Autopilot lists';
    } else {
      const { cps, rps, eta, frac } = progressFigures(p, this.base);
      line = `progress: ${group(p.batchesDone)}/${group(p.batchesTotal)} batches, ${group(p.contactsDone)}/${group(p.contactsTotal)} contacts (${Math.floor(frac * 100)}%)`
        + `${p.failed > 0 ? `, ${group(p.failed)} failed` : ''}, ${rps.toFixed(1)} req/s, ${group(cps)} contacts/s`
        + (p.phase === 'done' ? `, ${duration(p.elapsedMs)}` : `, ETA ${Number.isFinite(eta) ? duration(eta) : '?'}`);
    }
    if (line === this.printed) return;
    this.printed = line;
    this.stream.write(`${redact(line)}\n`);
  }
  draw() {}
  clear() {}
  stop() {
    clearInterval(this.timer);
    this.print();
  }
}

class NoProgress {
  update() {}
  draw() {}
  clear() {}
  stop() {}
}

function makeProgress(mode) {
  const m = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : mode;
  if (m === 'bar') return new BarProgress(process.stderr);
  if (m === 'lines') return new LineProgress(process.stderr);
  return new NoProgress();
}

// ------------------------------------------------------------------ arguments

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  segment: { type: 'string', short: 's', multiple: true },
  rate: { type: 'string' },
  report: { type: 'string' },
  'checkpoint-file': { type: 'string' },
  resume: { type: 'string' },
  progress: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};
/** Options each command accepts (besides --help/--version). */
const ALLOWED = {
  export: ['config', 'segment', 'rate', 'report', 'checkpoint-file', 'resume', 'progress'],
  preview: ['config', 'segment', 'rate', 'report'],
  check: ['config'],
};

function usageError(message) {
  return new CliError(`${message}\n\n${USAGE.split('\n\nCommands:')[0]}\n\nRun \`${PROG} --help\` for the options, the configuration file format and the exit codes.`);
}

function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(String(e.message).replace(/\. To specify a positional argument.*$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { command: 'help' };
  if (values.version) return { command: 'version' };
  if (positionals.length === 0) throw usageError('no command given');
  const [command, ...rest] = positionals;
  if (!(command in ALLOWED)) throw usageError(`unknown command '${command}'`);
  if (rest.length > 0) throw usageError(`unexpected argument '${rest[0]}'`);
  for (const key of Object.keys(values)) {
    if (!ALLOWED[command].includes(key)) throw usageError(`--${key} is not an option of '${command}'`);
  }
  if (values.config === undefined) throw usageError(`'${command}' needs --config FILE`);
  if (values.progress !== undefined && !['auto', 'bar', 'lines', 'none'].includes(values.progress)) {
    throw usageError(`--progress must be auto, bar, lines or none (got '${values.progress}')`);
  }
  let rate;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (values.rate.trim() === '' || !Number.isFinite(rate) || rate <= 0 || rate > 1000) {
      throw usageError(`--rate must be a number above 0 and at most 1000 (got '${values.rate}')`);
    }
  }
  return { command, values, rate };
}

// ------------------------------------------------------------------ configuration

/** Where a segment came from, for messages. */
const origin = (s) => (s.fromFlag ? `--segment "${s.spec}"` : `"segments" of the config file`);

function formatOf(file, explicit, where) {
  if (explicit !== undefined) {
    if (!['csv', 'ndjson', 'json'].includes(explicit)) throw new CliError(`${where}: format must be csv, ndjson or json (got ${JSON.stringify(explicit)})`);
    return explicit;
  }
  const ext = path.extname(file).toLowerCase();
  const format = FORMATS[ext];
  if (!format) throw new CliError(`${where}: cannot tell the format of '${file}' from its extension: use .csv, .ndjson, .jsonl or .json`);
  return format;
}

function segmentFromFlag(spec, i) {
  const eq = spec.indexOf('=');
  const file = eq < 0 ? spec : spec.slice(eq + 1);
  const name = eq < 0 ? path.basename(file, path.extname(file)) : spec.slice(0, eq);
  const where = `--segment #${i + 1} ("${spec}")`;
  if (file.trim() === '') throw usageError(`${where}: expected NAME=FILE`);
  return { name, file, format: formatOf(file, undefined, where), spec, fromFlag: true };
}

/**
 * Reads the configuration file. Problems the package does not see (run options, segment
 * files, unknown keys) are returned in `issues`, to be reported with the package's own.
 * @returns {{file: string, job: object, run: object, segments: object[], issues: string[]}}
 */
function loadConfig(file) {
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
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new CliError(`${file}: expected a JSON object (see \`${PROG} --help\`)`);
  const { run = {}, segments, $comment, ...job } = cfg;
  const known = ['connection', 'mapping', 'segments', 'cap', 'overCap', 'lists', 'listPrefix', 'idField', 'run', '$comment'];
  const unknown = Object.keys(cfg).filter((k) => !known.includes(k) && k.toLowerCase() !== 'apikey');
  const keyIn = (o) => typeof o === 'object' && o !== null && Object.keys(o).some((k) => k.toLowerCase() === 'apikey');
  if (keyIn(job.connection) || keyIn(job)) {
    const where = keyIn(job.connection) ? 'connection.apiKey' : 'apiKey';
    throw new CliError(`${file}: ${where}: the API key must not be stored in the configuration file; remove it and set the AUTOPILOT_API_KEY environment variable instead`);
  }
  if (typeof run !== 'object' || run === null || Array.isArray(run)) throw new CliError(`${file}: run: expected an object of run options`);
  const issues = unknown.map((k) => `${k}: unknown key (a configuration file has ${known.join(', ')})`);
  for (const k of ['connection', 'mapping']) {
    if (k in job && (typeof job[k] !== 'object' || job[k] === null || Array.isArray(job[k]))) {
      issues.push(`${k}: expected an object`);
      delete job[k];
    }
  }
  for (const [k, v] of Object.entries(run)) {
    const spec = RUN_OPTIONS[k];
    if (!spec) {
      issues.push(`run.${k}: unknown run option (use ${Object.keys(RUN_OPTIONS).join(', ')})`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < spec[0] || v > spec[1] || (spec[2] && !Number.isInteger(v))) {
      issues.push(`run.${k}: must be a ${spec[2] ? 'whole number' : 'number'} ${spec[0] === Number.MIN_VALUE ? 'above 0 and at most' : `from ${spec[0]} to`} ${spec[1]}`);
    }
  }
  // "segments" is checked here (the package sees names only); its problems only count when
  // the segments come from the file, not from --segment.
  const dir = path.dirname(path.resolve(file));
  const segs = [];
  const segmentIssues = [];
  if (segments !== undefined) {
    if (!Array.isArray(segments)) {
      segmentIssues.push('segments: expected an array of {"name", "file"}');
    } else {
      segments.forEach((s, i) => {
        const p = `segments[${i}]`;
        if (typeof s !== 'object' || s === null || Array.isArray(s)) return segmentIssues.push(`${p}: expected {"name", "file"}`);
        const before = segmentIssues.length;
        const extra = Object.keys(s).filter((k) => !['name', 'file', 'format'].includes(k));
        if (extra.length) segmentIssues.push(`${p}.${extra[0]}: unknown key (a segment has name, file and optional format)`);
        if (typeof s.name !== 'string') segmentIssues.push(`${p}.name: expected the segment name (a string)`);
        if (typeof s.file !== 'string' || s.file.trim() === '') {
          segmentIssues.push(`${p}.file: expected the path of the segment's profiles file`);
        } else {
          try {
            const format = formatOf(s.file, s.format, `${p}.file`);
            if (segmentIssues.length === before) segs.push({ name: s.name, file: path.resolve(dir, s.file), format, fromFlag: false });
          } catch (e) {
            segmentIssues.push(e.message);
          }
        }
      });
    }
  }
  return { file, job: Object.fromEntries(Object.entries(job).filter(([k]) => known.includes(k))), run, segments: segs, issues, segmentIssues };
}

/** The effective connection: the file's, plus the key and base URL from the environment. */
function connectionOf(config, { withKey }) {
  const conn = { ...(config.job.connection ?? {}) };
  const base = (process.env.AUTOPILOT_BASE_URL ?? '').trim();
  if (base !== '') conn.baseUrl = base;
  if (withKey) {
    if (apiKey === '') {
      throw new CliError('AUTOPILOT_API_KEY is not set: put your Autopilot API key (Settings → Autopilot API) in this environment variable; it is never read from a flag or a file');
    }
    conn.apiKey = apiKey;
  }
  return conn;
}

/** Renders issues from the package ({path, code, message}) with where each came from. */
function describeIssues(issues, ctx) {
  return issues.map((i) => {
    let p = i.path || '(configuration)';
    let where = '';
    const seg = /^segments\[(\d+)\]/.exec(p);
    if (seg && ctx.segments?.[Number(seg[1])]) where = ` (segment "${ctx.segments[Number(seg[1])].name}" from ${origin(ctx.segments[Number(seg[1])])})`;
    else if (p.startsWith('options.')) {
      const k = p.slice('options.'.length);
      p = k === 'ratePerSecond' && ctx.rateFlag ? '--rate' : `run.${k}`;
    } else if (p === 'connection.apiKey') where = ' (from AUTOPILOT_API_KEY)';
    else if (p === 'connection.baseUrl' && (process.env.AUTOPILOT_BASE_URL ?? '').trim() !== '') where = ' (from AUTOPILOT_BASE_URL)';
    return `${p}: ${i.message}${i.code ? ` [${i.code}]` : ''}${where}`;
  });
}

/**
 * The segments to export: from --segment when given, else from the configuration file (whose
 * segment problems then join `config.issues`). Checks that every file can be read.
 */
function segmentsOf(values, config) {
  const fromFlags = values.segment?.length > 0;
  const segs = fromFlags ? values.segment.map(segmentFromFlag) : config.segments;
  if (!fromFlags) config.issues.push(...config.segmentIssues);
  if (config.issues.length && (segs.length === 0 || config.segmentIssues.length)) {
    throw new CliError(`${config.file}: the configuration is invalid:`, EXIT.USAGE, config.issues);
  }
  if (segs.length === 0) throw usageError('no segments: give --segment NAME=FILE (or "segments" in the configuration file)');
  for (const s of segs) {
    let st;
    try {
      st = statSync(s.file);
    } catch (e) {
      throw new CliError(`segment "${s.name}" (${origin(s)}): cannot read '${s.file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    }
    if (!st.isFile()) throw new CliError(`segment "${s.name}" (${origin(s)}): '${s.file}' is not a file`);
  }
  return segs;
}

/** Opens each segment file as a stream of byte chunks: `{csv | ndjson | json: ReadStream}`. */
function openSources(segs, streams) {
  return segs.map((s) => {
    const stream = createReadStream(s.file, { highWaterMark: 256 * 1024 });
    streams.push(stream);
    return { name: s.name, profiles: { [s.format]: stream } };
  });
}

function runOptions(config, rate) {
  const o = { ...config.run };
  if (rate !== undefined) o.ratePerSecond = rate;
  return o;
}

async function loadPackage() {
  try {
    return await import('./node.js');
  } catch (e) {
    throw new CliError(`cannot load the autopilot-export package next to this tool (${e.message}); is the package built?`, EXIT.FAILED);
  }
}

/** Turns an AutopilotExportError into a CliError with the right exit code. */
function packageError(e, ctx, prefix = '') {
  if (e?.name !== 'AutopilotExportError') {
    return new CliError(`${prefix}unexpected error: ${e?.stack ?? e}`, EXIT.FAILED);
  }
  const code = USAGE_CODES.has(e.code) ? EXIT.USAGE : e.code === 'ABORTED' ? EXIT.CANCELLED : EXIT.FAILED;
  const details = describeIssues(e.issues ?? [], ctx);
  let message = `${prefix}${e.message} (${e.code})`;
  if (e.code === 'CONFIG_INVALID' || e.code === 'CONSENT_REQUIRED') message = `${prefix}${ctx.configFile}: the configuration is invalid (${e.code}):`;
  if (e.code === 'CHECKPOINT_MISMATCH') message += `\nThe checkpoint does not belong to this export (the configuration or a segment file changed since it was written). Run without --resume to export everything again.`;
  if (e.code === 'AUTH_FAILED') message += '\nCheck the key in AUTOPILOT_API_KEY (Autopilot: Settings → Autopilot API).';
  return new CliError(message, code, details);
}

// ------------------------------------------------------------------ commands

async function commandCheck(values) {
  const config = loadConfig(values.config);
  const conn = connectionOf(config, { withKey: true });
  const ap = await loadPackage();
  const ctx = { configFile: values.config };
  const issues = [...config.issues, ...describeIssues(ap.validateConnection(conn).map((i) => ({ ...i, path: `connection.${i.path}` })), ctx)];
  if (issues.length) throw new CliError(`${values.config}: the configuration is invalid:`, EXIT.USAGE, issues);
  const base = (conn.baseUrl ?? 'https://api2.autopilothq.com/v1').replace(/\/+$/, '');
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  say(`Checking the API key against ${base} …`);
  try {
    const account = await ap.checkConnection(conn, { signal: controller.signal, timeoutMs: config.run.requestTimeoutMs ?? 30_000 });
    say(`OK: ${base} accepted the API key${account?.instanceId ? ` (instance ${account.instanceId})` : ''}.`);
    out(`${JSON.stringify({ ok: true, baseUrl: base, displayName: conn.displayName, instanceId: account?.instanceId ?? null }, null, 2)}\n`);
    return EXIT.OK;
  } catch (e) {
    const ce = packageError(e, ctx);
    if (e?.name === 'AutopilotExportError' && !USAGE_CODES.has(e.code)) {
      out(`${JSON.stringify({ ok: false, baseUrl: base, error: { code: e.code, message: e.message } }, null, 2)}\n`);
    }
    throw ce;
  }
}

function writeJsonResult(values, obj, what) {
  const text = `${JSON.stringify(obj, null, 2)}\n`;
  if (values.report) {
    try {
      writeFileAtomic(values.report, text);
    } catch (e) {
      say(`${PROG}: cannot write the ${what} to '${values.report}': ${e.message}; writing it to stdout instead`);
      out(text);
      return;
    }
    say(`The ${what} is in ${values.report}.`);
  } else {
    out(text);
  }
}

function reasonCounts(rejects, input) {
  const by = {};
  for (const r of rejects ?? []) {
    if (INPUT_REASONS.has(r.reason) === input) by[r.reason] = (by[r.reason] ?? 0) + 1;
  }
  return Object.entries(by).sort().map(([k, v]) => `${k} ${group(v)}`).join(', ');
}

/** Warning lines; examples ("segment:row") are shown with the segment's name. */
function warningLines(warnings, segments) {
  const where = (ex) => {
    const [seg, row] = String(ex).split(':');
    const name = segments?.[Number(seg)]?.name;
    return name === undefined ? ex : `${name} row ${row}`;
  };
  return (warnings ?? []).map((w) => `  ${plural(w.count, 'value')} of ${w.field} left out (${w.code})${w.examples?.length ? `, e.g. ${w.examples.slice(0, 3).map(where).join(', ')}` : ''}`);
}

async function commandPreview(values, rate) {
  const config = loadConfig(values.config);
  const segs = segmentsOf(values, config);
  const ap = await loadPackage();
  const ctx = { configFile: values.config, segments: segs, rateFlag: rate !== undefined };
  const conn = connectionOf(config, { withKey: false });
  const run = runOptions(config, rate);
  // The whole configuration is checked, except the API key, which a dry run never reads.
  const issues = [...config.issues, ...describeIssues(
    ap.validateExportConfig({ ...config.job, connection: conn, segments: segs.map((s) => ({ name: s.name })) })
      .filter((i) => i.path !== 'connection.apiKey'),
    ctx,
  )];
  if (issues.length) throw new CliError(`${values.config}: the configuration is invalid:`, EXIT.USAGE, issues);
  const streams = [];
  process.once('SIGINT', () => exit(EXIT.CANCELLED));
  let summary;
  try {
    summary = await ap.previewAsync({ ...config.job, connection: conn, segments: openSources(segs, streams) }, { ratePerSecond: run.ratePerSecond ?? 5 });
  } catch (e) {
    throw packageError(e, ctx);
  } finally {
    for (const s of streams) s.destroy();
  }
  const t = summary.totals;
  const rows = [['segment', 'rows', 'invalid', 'duplicates', 'over cap', 'contacts', 'Autopilot list']];
  summary.segments.forEach((s) => rows.push([s.name, s.profilesIn, s.invalid, s.duplicates, s.overCap, s.memberships, s.listTitle ?? '-']));
  rows.push(['total', t.profilesIn, t.invalid, t.duplicates, t.overCap, t.memberships, '']);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(typeof r[c] === 'number' ? group(r[c]) : r[c]).length)));
  const fmt = (r) => `  ${r.map((v, c) => {
    const s = typeof v === 'number' ? group(v) : String(v);
    return c === 0 || c === r.length - 1 ? s.padEnd(widths[c]) : s.padStart(widths[c]);
  }).join('  ').trimEnd()}`;
  say(`Preview of ${values.config} (dry run: nothing is sent)`);
  rows.forEach((r) => say(fmt(r)));
  const reasons = reasonCounts(summary.rejects, true);
  if (t.invalid > 0) say(`  invalid rows: ${reasons || group(t.invalid)}${summary.rejectsOmitted ? ` (+${group(summary.rejectsOmitted)} not listed)` : ''}`);
  say(`  ${plural(t.uniqueProfiles, 'unique profile')} (cap ${group(summary.cap)}${summary.capExceeded ? `, EXCEEDED: ${group(summary.uniqueSeen)} found, overCap "${summary.overCap}"` : ''}), `
    + `${plural(t.memberships, 'list membership')} in ${plural(summary.batches, 'batch', 'batches')}`);
  say(`  ${plural(summary.requests.total, 'request')} (${summary.requests.lists} for lists, ${summary.requests.contacts} for contacts): about ${duration(summary.estimatedDurationMs)} at ${summary.ratePerSecond} requests/s`);
  for (const l of warningLines(summary.warnings, summary.segments)) say(l);
  if (!summary.wouldSend) say(`  The export would be refused: ${group(summary.uniqueSeen)} unique profiles exceed the cap of ${group(summary.cap)} (set "overCap": "truncate" to send the first ${group(summary.cap)}).`);
  writeJsonResult(values, summary, 'preview summary');
  return summary.wouldSend ? EXIT.OK : EXIT.USAGE;
}

function doneBatches(cp) {
  return (cp?.done ?? []).reduce((n, [a, b]) => n + (b - a + 1), 0);
}

/** Reconstructs the command line that resumes this export. */
function resumeCommand(values, checkpointFile) {
  const script = process.argv[1] ?? PROG;
  const rel = path.relative(process.cwd(), script);
  const prog = path.basename(script) === PROG ? PROG : `node ${shellQuote(rel && !rel.startsWith('..') ? rel : script)}`;
  const args = ['export', '--config', values.config];
  for (const s of values.segment ?? []) args.push('--segment', s);
  if (values.rate !== undefined) args.push('--rate', values.rate);
  if (values.report !== undefined) args.push('--report', values.report);
  if (values['checkpoint-file'] !== undefined) args.push('--checkpoint-file', values['checkpoint-file']);
  args.push('--resume', checkpointFile);
  return `${prog} ${args.map(shellQuote).join(' ')}`;
}

function writeCheckpoint(values, checkpoint) {
  const file = values['checkpoint-file'] ?? DEFAULT_CHECKPOINT;
  try {
    writeFileAtomic(file, `${JSON.stringify(checkpoint, null, 2)}\n`, 0o600);
    return file;
  } catch (e) {
    say(`${PROG}: cannot write the checkpoint to '${file}': ${e.message}`);
    return null;
  }
}

function reportSummary(report, heading) {
  const t = report.totals;
  const lines = [`${heading} in ${duration(report.durationMs)}: ${group(t.exported)} of ${plural(t.memberships, 'list membership')} exported`
    + ` (${plural(t.uniqueProfiles, 'unique contact')}; ${plural(report.requests.sent, 'request')}, ${group(report.requests.retried)} retried, ${group(report.requests.throttled)} throttled)`
    + (t.failed > 0 ? `, ${group(t.failed)} failed` : '')];
  for (const s of report.segments ?? []) {
    const list = s.listTitle ? ` → list "${s.listTitle}"${s.listCreated ? ' (created)' : ''}` : '';
    lines.push(`  ${s.name}${list}: ${group(s.exported)}/${group(s.memberships)} exported, ${group(s.invalid)} invalid, ${group(s.duplicates)} duplicates${s.overCap ? `, ${group(s.overCap)} over the cap` : ''}${s.failed ? `, ${group(s.failed)} failed` : ''}`);
  }
  const inReasons = reasonCounts(report.rejects, true);
  if (t.invalid > 0) lines.push(`  ${plural(t.invalid, 'row')} skipped for their email: ${inReasons}${report.rejectsOmitted ? ` (+${group(report.rejectsOmitted)} not listed)` : ''}`);
  const outReasons = reasonCounts(report.rejects, false);
  if (outReasons) lines.push(`  contacts Autopilot did not take: ${outReasons}`);
  lines.push(...warningLines(report.warnings, report.segments));
  return lines;
}

async function commandExport(values, rate) {
  const config = loadConfig(values.config);
  const conn = connectionOf(config, { withKey: true });
  const segs = segmentsOf(values, config);
  const ap = await loadPackage();
  const ctx = { configFile: values.config, segments: segs, rateFlag: rate !== undefined };
  const issues = [...config.issues, ...describeIssues(
    ap.validateExportConfig({ ...config.job, connection: conn, segments: segs.map((s) => ({ name: s.name })) }),
    ctx,
  )];
  if (issues.length) throw new CliError(`${values.config}: the configuration is invalid:`, EXIT.USAGE, issues);

  const options = runOptions(config, rate);
  if (values.resume !== undefined) {
    let text;
    try {
      text = readFileSync(values.resume, 'utf8');
      options.checkpoint = JSON.parse(text);
    } catch (e) {
      throw new CliError(`--resume: cannot read the checkpoint '${values.resume}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    }
  } else if (existsSync(values['checkpoint-file'] ?? DEFAULT_CHECKPOINT)) {
    say(`Note: ${values['checkpoint-file'] ?? DEFAULT_CHECKPOINT} holds the checkpoint of an earlier, unfinished run; this run starts from the beginning (use --resume to continue that one instead).`);
  }

  const base = (conn.baseUrl ?? 'https://api2.autopilothq.com/v1').replace(/\/+$/, '');
  const controller = new AbortController();
  let signalled = null;
  const onSignal = (sig) => {
    if (signalled) {
      say(`${sig} again: quitting at once, without a checkpoint.`);
      exit(sig === 'SIGTERM' ? EXIT.TERMINATED : EXIT.CANCELLED);
      return;
    }
    signalled = sig;
    say(`${sig === 'SIGINT' ? 'Ctrl-C' : sig}: cancelling (no new requests; in-flight ones are aborted). Press Ctrl-C again to quit at once.`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  say(`${options.checkpoint ? 'Resuming' : 'Exporting'} ${plural(segs.length, 'segment')} (${segs.map((s) => s.name).join(', ')}) to ${base}`
    + `${(process.env.AUTOPILOT_BASE_URL ?? '').trim() ? ' (from AUTOPILOT_BASE_URL)' : ''} for "${conn.displayName}", export user ${conn.exportUser}`);
  const streams = [];
  progress = makeProgress(values.progress ?? 'auto');
  progress.draw(true);
  let report;
  let failure = null;
  try {
    report = await ap.exportSegments(
      { ...config.job, connection: conn, segments: openSources(segs, streams) },
      { ...options, signal: controller.signal, onProgress: (p) => progress.update(p) },
    );
  } catch (e) {
    failure = e;
    report = e?.report;
  } finally {
    for (const s of streams) s.destroy();
    progress.stop();
    progress = null;
  }
  const cancelCode = signalled === 'SIGTERM' ? EXIT.TERMINATED : EXIT.CANCELLED;

  if (failure && !report) {
    if (failure?.code === 'ABORTED') {
      say(`Cancelled before anything was sent: there is nothing to resume.`);
      return cancelCode;
    }
    throw packageError(failure, ctx);
  }

  writeJsonResult(values, report, 'report');
  const status = report.status;
  const heading = failure ? `Export stopped (${failure.code})` : { succeeded: 'Export succeeded', partial: 'Export partly succeeded', failed: 'Export failed', cancelled: 'Export cancelled' }[status] ?? `Export ${status}`;
  for (const l of reportSummary(report, heading)) say(l);

  const cp = report.checkpoint;
  const unfinished = cp && doneBatches(cp) < cp.batches;
  // A cancelled run always leaves its checkpoint; a failed one only when it got somewhere
  // (e.g. AUTH_FAILED after a key was revoked mid-run: fix the key, then resume).
  if (unfinished && (status === 'cancelled' || ((failure || status === 'failed') && doneBatches(cp) > 0))) {
    const file = writeCheckpoint(values, cp);
    if (file) {
      say(`Checkpoint: ${file} (${group(doneBatches(cp))} of ${plural(cp.batches, 'batch', 'batches')} done; no emails, no API key).`);
      say(`To resume, with AUTOPILOT_API_KEY${(process.env.AUTOPILOT_BASE_URL ?? '').trim() ? ' and AUTOPILOT_BASE_URL' : ''} still set:\n  ${resumeCommand(values, file)}`);
    }
  } else if (values.resume !== undefined && status === 'succeeded') {
    try {
      rmSync(values.resume);
      say(`The export is complete: removed the checkpoint ${values.resume}.`);
    } catch {
      // Leaving a finished checkpoint behind is harmless.
    }
  }
  if (failure) {
    const ce = packageError(failure, ctx);
    say(`${PROG}: ${ce.message}`);
    for (const d of ce.details) say(`  ${d}`);
    return ce.exitCode;
  }
  if (status === 'cancelled') return cancelCode;
  return status === 'succeeded' ? EXIT.OK : EXIT.FAILED;
}

// ------------------------------------------------------------------ main

function version() {
  try {
    return JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

async function main() {
  let code;
  try {
    const { command, values, rate } = parseCommandLine(process.argv.slice(2));
    if (command === 'help') {
      out(USAGE);
      code = EXIT.OK;
    } else if (command === 'version') {
      out(`${PROG} ${version()}\n`);
      code = EXIT.OK;
    } else if (command === 'check') {
      code = await commandCheck(values);
    } else if (command === 'preview') {
      code = await commandPreview(values, rate);
    } else {
      code = await commandExport(values, rate);
    }
  } catch (e) {
    if (progress) {
      progress.stop();
      progress = null;
    }
    if (e instanceof CliError) {
      err(`${PROG}: ${e.message}\n`);
      for (const d of e.details) err(`  ${d}\n`);
      code = e.exitCode;
    } else {
      err(`${PROG}: unexpected error: ${e?.stack ?? e}\n`);
      code = EXIT.FAILED;
    }
  }
  await exit(code);
}

await main();
