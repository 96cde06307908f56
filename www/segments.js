// Segment files as the page handles them: which format to read a file as (from its name,
// as the CLI does), the default segment name, unique names. Pure functions, tested in Node.
// What a file holds (headers, rows, dialect, binary or not) is the package's `inspect`.

/** File extensions and the format the package reads them as; other names are tried as CSV. */
const EXTENSIONS = Object.freeze({ csv: 'csv', tsv: 'csv', txt: 'csv', ndjson: 'ndjson', jsonl: 'ndjson', json: 'json' });

/** Extensions from which the CLI tells the format by itself (a config file names the others). */
const CLI_EXTENSIONS = new Set(['csv', 'ndjson', 'jsonl', 'json']);

const extOf = (name) => {
  const base = String(name).replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
};

/**
 * The format to read a file as: by extension; an unknown one is read as CSV (the package's
 * inspect then says whether it is text at all).
 * @returns {'csv'|'ndjson'|'json'}
 */
export function formatFromName(name) {
  return EXTENSIONS[extOf(name)] ?? 'csv';
}

/** Whether a configuration file must name the format of this file (the CLI cannot tell it). */
export function needsFormat(name) {
  return !CLI_EXTENSIONS.has(extOf(name));
}

/**
 * The default name of a segment read from a file. The rule, shown on the page: the file name
 * without its extension, with "-", "_" and "." as spaces, spaces collapsed, first letter in
 * capitals. `churn-risk.ndjson` -> "Churn risk", `vip_customers.csv` -> "Vip customers".
 */
export function defaultSegmentName(fileName) {
  const base = String(fileName).replace(/^.*[\\/]/, '');
  const dot = base.lastIndexOf('.');
  const stem = (dot > 0 ? base.slice(0, dot) : base).replace(/[-_.]+/g, ' ').replace(/\s+/g, ' ').trim();
  return stem ? stem.charAt(0).toUpperCase() + stem.slice(1) : 'Segment';
}

/** `name`, or `name 2`, `name 3`… when another segment already has it (case-insensitive). */
export function uniqueName(name, taken) {
  const lower = new Set([...taken].map((t) => t.toLowerCase()));
  let out = name;
  for (let n = 2; lower.has(out.toLowerCase()); n += 1) out = `${name} ${n}`;
  return out;
}
