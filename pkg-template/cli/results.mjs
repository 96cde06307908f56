// Where a command's JSON result goes: --report FILE (written atomically), else stdout. Bytes
// (the report's syncState) are left out: the state goes to its own file (--state).

import { writeFileAtomic } from './files.mjs';
import { PROG, out, say } from './output.mjs';

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
