// `--help`, generated: the tool's own flags and conventions are written here; every default,
// bound, unit, standard field, custom type, value list, reject reason and error code comes
// from the package's metadata(), so the help can never disagree with what the package does.

import { SYNOPSIS } from './args.mjs';
import { EXIT, PROG, num, withUnit } from './output.mjs';
import { exitCodeOf } from './errors.mjs';

import { DEFAULT_CHECKPOINT } from './files.mjs';

/** Wraps `text` to `width` columns, every line after the first indented by `indent`. */
function wrap(text, indent, width = 92) {
  const words = String(text).split(/\s+/).filter(Boolean);
  const lines = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** "  -x, --flag ARG   description" with the description wrapped in a column. */
const opt = (flag, desc) => (flag.length < 30 ? `  ${flag.padEnd(31)}${wrap(desc, 33)}` : `  ${flag}\n${' '.repeat(33)}${wrap(desc, 33)}`);

/** A line of the configuration example: the setting and a comment. */
const setting = (key, value, comment) => `${`    "${key}": ${value},`.padEnd(36)}// ${comment}`;

/** A number's range in words: "above 0 to 1000 requests/s". */
export function range(n) {
  return `${n.minExclusive ? 'above' : 'from'} ${num(n.min)} to ${withUnit(n.max, n.unit)}${n.integer ? ', whole' : ''}`;
}
const dflt = (n) => (n.default === undefined || n.default === null ? 'no fixed default' : `default ${withUnit(n.default, n.unit)}`);

export function helpText(ap) {
  const meta = ap.metadata();
  const d = meta.defaults;
  const spec = Object.fromEntries(meta.numbers.map((n) => [n.name, n]));
  const numberFlag = (flag, name, extra = '') => {
    const n = spec[name];
    return opt(flag, `${n ? `${n.label} (${dflt(n)}; ${range(n)}): ${n.description}` : name}${extra}`);
  };
  const labels = (list) => list.map((x) => `${x.name} (${x.label})`).join(', ');
  const values = (list) => list.map((x) => x.name).join(' | ');
  const formats = meta.formats.map((f) => f.name);
  const fields = meta.standardFields;
  const exFields = fields.slice(3, 5).map((f) => `"${f.name}": "${f.name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()}"`).join(', ');
  const exCustom = meta.customTypes[1] ?? meta.customTypes[0];
  const byExit = (code) => meta.errorCodes.filter((c) => exitCodeOf(c) === code).join(', ');
  const runNumbers = meta.numbers.filter((n) => n.scope === 'run');
  const jobNumbersList = meta.numbers.filter((n) => n.scope === 'job');

  return `${SYNOPSIS}

Commands:
  export    Read the segments, validate, map, de-duplicate and send them to Autopilot (one
            list per segment by default). With --state it is a refresh: only new and changed
            list memberships are sent, and with --mirror the members this exporter placed who
            left a segment are removed from its list. Progress on stderr; the run report as
            JSON on stdout (or --report FILE).
  preview   Dry run: the same reading, validation and counting, with no network at all. With
            --state: what a refresh would add, update, leave unchanged and remove, and the
            removal guard. A readable summary on stderr; the summary JSON on stdout (or
            --report FILE).
  check     Verify the API key and the base URL (Autopilot's account request).

Segments:
${opt('-c, --config FILE', 'configuration file (JSON, format below); required')}
${opt('-s, --segment NAME=SOURCE', `a segment and its profiles; repeat for several, in order. SOURCE is a file or an https:// URL (http:// only for loopback hosts such as 127.0.0.1); URLs are downloaded with a streaming GET, and a failed or partial download stops the run before anything is written. The format comes from the extension of the file or of the URL's path: ${meta.formats.map((f) => `${f.extensions.join(' ')} (${f.name})`).join(', ')}. Without "NAME=", the base name without extension is the segment name. Given at least once, --segment replaces the config file's "segments".`)}
${opt('    --format NAME=FORMAT', `the format of segment NAME when its name or URL has no usable extension: ${formats.join(' | ')}`)}
${opt('    --segment-token-env NAME=VAR', 'download segment NAME\'s URL with "Authorization: Bearer <token>", the token read from the environment variable VAR (never a flag value; never printed or written anywhere)')}

Refresh (sync state):
${opt('    --state FILE', 'the sync state of the previous runs: read if it exists (else this is a first run) and, by export, written after every run that started (succeeded, partial, failed, cancelled or paused), atomically (temporary file, fsync, rename). It holds what this exporter has confirmed on each list: hashes and Autopilot ids, no email, no API key. Keep one file per configuration and Autopilot account. An export holds FILE.lock while it runs: a second export on the same FILE is refused (exit 2, nothing sent).')}
${opt('    --mirror', `"membership": "mirror" for this run (${meta.membership.find((m) => m.name === 'mirror')?.label ?? 'mirror'}). Needs --state (members are removed only if the state shows this exporter placed them); members added by hand or by other tools are never removed; contacts are never deleted or unsubscribed.`)}
${opt('    --full-resync', 'send every list membership again, whatever the state says (removals still apply)')}
${numberFlag('    --max-removal-ratio R', 'maxRemovalRatio', ' (sets "maxRemovalRatio" for this run; a refused run exits 2 with REMOVALS_EXCEEDED and the counts)')}

Run:
${numberFlag('    --rate N', 'ratePerSecond', ' (sets run.ratePerSecond)')}
${numberFlag('    --max-requests N', 'maxRequests', ` (export; sets run.maxRequests; a paused run exits ${EXIT.PAUSED} and leaves its checkpoint and state for --resume)`)}
${opt('    --checkpoint-file FILE', `where a cancelled, paused or interrupted export leaves its checkpoint (default ./${DEFAULT_CHECKPOINT}), and where a running export keeps an interim one (at most once a second) that resumes it after a hard kill. Without --state, the run's sync state goes next to it (FILE.state). The export holds FILE.lock: give each job its own FILE.`)}
${opt('    --resume FILE', 'continue the export that wrote this checkpoint: same configuration, same segments, and the same --state FILE if it had one; only unfinished work is sent')}
${opt('    --progress MODE', 'auto (default: a bar when stderr is a terminal, else a line every 2 s), bar, lines or none')}

Output:
${opt('    --report FILE', 'write the report (or the preview summary) JSON to FILE instead of stdout')}
${opt('    --rejects FILE', 'also write the rejected rows and failed contacts as CSV (segment, row, id, reason, detail; no email). Cells a spreadsheet would run as a formula are neutralised.')}
${numberFlag('    --sample N', 'sample', ` Preview only. Emails are masked (a***@example.com) on screen and in the summary JSON alike: no unmasked address is ever printed or written by this tool. Without --sample, the summary holds no contact at all.`)}
${opt('-h, --help', 'this help')}
${opt('-V, --version', 'the package version')}

Environment:
  AUTOPILOT_API_KEY    the Autopilot API key (export, check). Read from here only: there is no
                       flag for it, and a configuration file that holds one is refused. It is
                       never printed, nor written to the report, checkpoint or state.
  AUTOPILOT_BASE_URL   overrides connection.baseUrl (e.g. a local emulator:
                       http://127.0.0.1:PORT/v1). https:// only, except loopback hosts.

Configuration file (JSON; the export job without the API key and without the profiles):
  {
    "connection": {
      "displayName": "Marketing Autopilot",    // required
      "exportUser": "ops@example.com",         // required, recorded on every report
      "consent": true,                         // the privacy notice's "I agree"; required
      "baseUrl": "${d.baseUrl}"   // optional (this is the default)
    },
    "mapping": {
      "email": "EmailAddress",                 // profile field holding the email; required
      "firstName": "GivenName", "lastName": "Surname",                    // optional
      "fields": { ${exFields} },     // optional: standard field -> profile field
      "custom": [ { "source": "lifetime_orders", "name": "Lifetime Orders",
                    "type": "${exCustom.name}" } ]      // ${values(meta.customTypes)}
    },
    "segments": [ { "name": "VIP customers", "file": "vip.csv" },
                  { "name": "Churn risk", "url": "https://cdp.example.com/churn.csv",
                    "tokenEnv": "CDP_TOKEN" } ],
          // optional; files relative to the config file; "format" (${formats.join(' | ')}) overrides
          // the extension; "tokenEnv" names the variable holding a bearer token; CSV may
          // set "delimiter" (${meta.delimiters.map((x) => JSON.stringify(x)).join(', ')}; detected when absent) and
          // "encoding" (a label such as "windows-1252"); --segment replaces this list
${jobNumbersList.map((n) => setting(n.name, n.default ?? n.min, `optional: ${n.label} (${dflt(n)}; ${range(n)})`)).join('\n')}
${setting('overCap', `"${d.overCap}"`, `optional: ${values(meta.overCap)} (default ${d.overCap})`)}
${setting('lists', `"${d.lists}"`, `optional: ${values(meta.lists)} (default ${d.lists})`)}
${setting('membership', `"${d.membership}"`, `optional: ${values(meta.membership)} (default ${d.membership}; --mirror)`)}
    "listPrefix": "CDP: ",          // optional: list title = listPrefix + segment name
    "idField": "CustomerId",        // optional: identifies rejected rows in the report
    "run": {                        // optional run options (names and bounds below)
      "${runNumbers[0]?.name ?? 'ratePerSecond'}": ${runNumbers[0]?.default ?? 1}
    },
    "$comment": "free text, ignored"
  }
  (Comments above are for this help only: the file is plain JSON.)

Run options ("run" section; the package checks them, unknown keys included):
${runNumbers.map((n) => opt(`  ${n.name}`, `${n.label} (${dflt(n)}; ${range(n)}): ${n.description}`)).join('\n')}

Standard fields ("mapping.fields" keys):
  ${wrap(labels(fields), 2)}

Custom field types: ${wrap(labels(meta.customTypes), 20)}

Reject reasons (report "rejects", --rejects):
  ${wrap(meta.rejectReasons.join(', '), 2)}

Exit codes:
  ${EXIT.OK}    export succeeded; preview done; check: key accepted
  ${EXIT.FAILED}    export partial (some contacts failed) or failed; check failed; an error met while
       talking to Autopilot; the state file could not be written after the run. Codes:
       ${wrap(byExit(EXIT.FAILED), 7)}
  ${EXIT.USAGE}    bad command line, configuration, input, checkpoint or state, or a refusal before
       anything was written (preview: the export would be refused; export: the state file
       cannot be written, checked before any request). Codes:
       ${wrap(byExit(EXIT.USAGE), 7)}
  ${EXIT.PAUSED}    paused after --max-requests requests: the checkpoint and the state are written;
       continue with the printed --resume command
  ${EXIT.CANCELLED}  cancelled with Ctrl-C (${EXIT.TERMINATED} for SIGTERM): in-flight requests are aborted, the
       report (status "cancelled") is written, the checkpoint goes to --checkpoint-file and
       the state to --state, and the command to resume is printed. A second Ctrl-C quits
       at once; the interim checkpoint (written at most once a second while the export
       runs) still resumes it. Codes: ${byExit(EXIT.CANCELLED)}

Scheduled refresh (cron), e.g. every night at 02:30:
  30 2 * * *  cd /srv/export && AUTOPILOT_API_KEY=$(cat key) ${PROG} export --config export.json \\
                --state export.state --mirror --report last-report.json --progress none

Examples:
  read -rs AUTOPILOT_API_KEY && export AUTOPILOT_API_KEY    # paste the key; not echoed
  ${PROG} check --config export.json
  ${PROG} preview --config export.json --segment "VIP=vip.csv" --segment "Churn risk=churn.ndjson"
  ${PROG} preview --config export.json --state export.state --mirror --sample 3
  ${PROG} export --config export.json --segment "VIP=vip.csv" --report report.json
  ${PROG} export --config export.json --state export.state --resume ${DEFAULT_CHECKPOINT}
`;
}
