// Segment files as the page handles them: which format to read a file as (from its name,
// as the CLI does), the default segment name, unique names. Pure functions, tested in Node.
// What a file holds (headers, rows, dialect, binary or not) is the package's `inspect`.

/**
 * The format the package's `metadata().formats` names for the file's extension, or undefined.
 * @param {string} name
 * @param {{name: string, extensions: string[]}[]} formats `metadata().formats`
 */
function byExtension(name, formats) {
  const lower = String(name).toLowerCase();
  return formats.find((f) => f.extensions.some((e) => lower.endsWith(e)))?.name;
}

/**
 * The format to read a file as: by extension (`metadata().formats`); an unknown one is read
 * as CSV (the package's inspect then says whether it is text at all).
 * @param {string} name
 * @param {{name: string, extensions: string[]}[]} formats `metadata().formats`
 * @returns {'csv'|'ndjson'|'json'}
 */
export function formatFromName(name, formats) {
  return /** @type {any} */ (byExtension(name, formats) ?? 'csv');
}

/**
 * Whether a configuration file must name the format of this file: the CLI tells it from the
 * extension with the same `metadata().formats`, so only when that gives another format.
 */
export function needsFormat(name, format, formats) {
  return byExtension(name, formats) !== format;
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
