// Where a command's results go: the JSON to --report FILE (written atomically) or stdout,
// bytes (the report's syncState) left out, as the state has its own file (--state); the
// rejected rows to --rejects FILE as CSV.

import { writeFileAtomic, writeRejectsCsv } from './files.mjs';
import { CliError, EXIT, PROG, out, say } from './output.mjs';

export function writeJsonResult(values, obj, what) {
  const text = `${JSON.stringify(obj, (k, v) => (v instanceof Uint8Array ? undefined : v), 2)}\n`;
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

export function writeRejects(ap, file, result) {
  try {
    const n = writeRejectsCsv(ap, file, result.rejects, result.segments);
    say(`The rejected rows (${n}) are in ${file}.`);
  } catch (e) {
    throw new CliError(`cannot write the rejected rows to '${file}': ${e.message}`, EXIT.FAILED);
  }
}
