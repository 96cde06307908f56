// Data matching state helpers: which Autopilot fields the page offers (from the package's
// metadata), and merging the package's suggestions (one per segment file) into one. Pure
// functions, no DOM, no package call, tested in Node. The suggestions themselves, the
// standard field list and the custom types all come from the package.

/**
 * A mapping target: a control of the "Data matching" step.
 * @typedef {{key: string, label: string, path: string, field?: string, required?: boolean}} Target
 */

/**
 * The targets the page offers: the job's email / first name / last name keys, then every
 * standard field of the package's metadata (its own first/last name entries, if any, are
 * the two keys above).
 * @param {{standardFields: {name: string, label: string}[]}} metadata
 * @returns {{core: Target[], more: Target[]}}
 */
export function targets(metadata) {
  const core = [
    { key: 'email', label: 'Email', path: 'mapping.email', required: true },
    { key: 'firstName', label: 'First name', path: 'mapping.firstName' },
    { key: 'lastName', label: 'Last name', path: 'mapping.lastName' },
  ];
  const dup = new Set(core.map((t) => t.key.toLowerCase()));
  const more = (metadata.standardFields ?? [])
    .filter((f) => !dup.has(String(f.name).toLowerCase()))
    .map((f) => ({ key: `fields.${f.name}`, field: f.name, label: f.label ?? f.name, path: `mapping.fields.${f.name}` }));
  return { core, more };
}

/** Union of the segments' headers in first-seen order. */
export function unionHeaders(lists) {
  const out = [];
  const seen = new Set();
  for (const l of lists) for (const hd of l ?? []) if (!seen.has(hd)) { seen.add(hd); out.push(hd); }
  return out;
}

/**
 * One suggestion from the package's suggestions of several files (in segment order): the
 * first file's choice wins for each target; custom fields once per source, never a source
 * already suggested for a standard target.
 * @param {{email?: string, firstName?: string, lastName?: string, fields?: object, idField?: string, custom?: object[]}[]} list
 *   the package's suggestMapping results
 * @returns {{targets: Record<string, string>, custom: {source: string, name: string, type: string, confidence?: number}[], idField?: string}}
 */
export function mergeSuggestions(list) {
  const out = { targets: {}, custom: [] };
  const used = new Set();
  const take = (key, v) => {
    if (typeof v !== 'string' || !v || key in out.targets) return;
    out.targets[key] = v;
    used.add(v);
  };
  for (const s of list) {
    const m = s?.mapping ?? s ?? {};
    for (const k of ['email', 'firstName', 'lastName']) take(k, m[k]);
    for (const [f, v] of Object.entries(m.fields ?? {})) take(`fields.${f}`, v);
    if (typeof s?.idField === 'string' && s.idField && out.idField === undefined) out.idField = s.idField;
  }
  const seen = new Set();
  for (const s of list) {
    for (const c of s?.mapping?.custom ?? s?.custom ?? []) {
      if (!c || typeof c.source !== 'string' || used.has(c.source) || seen.has(c.source)) continue;
      seen.add(c.source);
      out.custom.push({ source: c.source, name: c.name ?? c.source, type: c.type, confidence: c.confidence });
    }
  }
  return out;
}
