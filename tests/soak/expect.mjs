// The expected Autopilot state of an export, computed independently of the package by the
// plain-JS reference implementation (tests/bench/reference.mjs), and exact comparison with
// the emulator's state (contacts, their fields and custom values, list memberships).

import { planJs } from '../bench/reference.mjs';

/**
 * @param {object} job    the export job (segments with arrays of plain-object profiles)
 * @returns {{plan: object, contacts: Map<string, {contact: object, lists: Set<string>}>}}
 *   keyed by the lower-cased email; lists are list titles.
 */
export function expectedState(job) {
  const plan = planJs(job, job.segments.map((s) => s.profiles), { keepObjects: true });
  const contacts = new Map();
  plan.contactObjects.forEach((c) => contacts.set(c.Email.toLowerCase(), { contact: c, lists: new Set() }));
  const perSegment = (job.lists ?? 'per-segment') === 'per-segment';
  for (const batch of plan.batchList) {
    for (const m of batch) {
      if (!perSegment) continue;
      const c = plan.contactObjects[m.contact];
      contacts.get(c.Email.toLowerCase()).lists.add(plan.segments[m.segment].listTitle);
    }
  }
  return { plan, contacts };
}

const IGNORED = new Set(['contact_id', 'lists', 'created_at', 'updated_at']);

const canon = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
  ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/**
 * A canonical, id-free form of an emulator state: contacts keyed by lower-cased email with
 * their stored fields and list titles; lists keyed by title with sorted member emails.
 */
export function normalizeState(state) {
  const titleOf = new Map(state.lists.map((l) => [l.list_id, l.title]));
  const contacts = new Map();
  const emailOf = new Map();
  for (const c of state.contacts) {
    const fields = {};
    for (const [k, v] of Object.entries(c)) if (!IGNORED.has(k)) fields[k] = v;
    // The emulator's state shape always has `custom` (empty when none was sent).
    if (fields.custom && Object.keys(fields.custom).length === 0) delete fields.custom;
    contacts.set(c.Email.toLowerCase(), { fields, lists: new Set((c.lists ?? []).map((id) => titleOf.get(id) ?? `?${id}`)) });
    emailOf.set(c.contact_id, c.Email.toLowerCase());
  }
  const lists = new Map(state.lists.map((l) => [l.title, (l.contact_ids ?? []).map((id) => emailOf.get(id)).sort()]));
  return { contacts, lists };
}

/** Differences between the emulator state and the expectation (at most `limit` listed). */
export function diffState(state, expected, limit = 10) {
  const got = normalizeState(state);
  const diffs = [];
  const add = (s) => { if (diffs.length < limit) diffs.push(s); else diffs.truncated = true; };
  if (got.contacts.size !== expected.contacts.size) add(`contact count: emulator ${got.contacts.size}, expected ${expected.contacts.size}`);
  for (const [key, exp] of expected.contacts) {
    const g = got.contacts.get(key);
    if (!g) { add(`missing contact #${[...expected.contacts.keys()].indexOf(key)}`); continue; }
    const e = { ...exp.contact };
    if (canon(g.fields) !== canon(e)) add(`fields differ for a contact: emulator ${canon(g.fields)} expected ${canon(e)}`);
    const gl = [...g.lists].sort().join('|');
    const el = [...exp.lists].sort().join('|');
    if (gl !== el) add(`lists differ for a contact: emulator [${gl}] expected [${el}]`);
  }
  for (const key of got.contacts.keys()) if (!expected.contacts.has(key)) add('unexpected contact in the emulator');
  return diffs;
}

/** Differences between two emulator states (ids and timestamps ignored). */
export function diffStates(a, b, limit = 10) {
  const x = normalizeState(a);
  const y = normalizeState(b);
  const diffs = [];
  const add = (s) => { if (diffs.length < limit) diffs.push(s); };
  if (x.contacts.size !== y.contacts.size) add(`contact count ${x.contacts.size} vs ${y.contacts.size}`);
  for (const [k, v] of x.contacts) {
    const w = y.contacts.get(k);
    if (!w) { add('a contact is missing from the second state'); continue; }
    if (canon(v.fields) !== canon(w.fields)) add(`fields differ: ${canon(v.fields)} vs ${canon(w.fields)}`);
    if ([...v.lists].sort().join('|') !== [...w.lists].sort().join('|')) add('lists of a contact differ');
  }
  if (canon([...x.lists.keys()].sort()) !== canon([...y.lists.keys()].sort())) add(`list titles differ: ${[...x.lists.keys()]} vs ${[...y.lists.keys()]}`);
  for (const [t, m] of x.lists) if (canon(m) !== canon(y.lists.get(t))) add(`members of list '${t}' differ`);
  return diffs;
}

/** Compares the report's totals and per-segment counts with the reference plan. */
export function diffCounts(report, plan) {
  const diffs = [];
  const t = report.totals;
  for (const k of ['profilesIn', 'invalid', 'duplicates', 'overCap', 'uniqueProfiles', 'memberships']) {
    if (t[k] !== plan.totals[k]) diffs.push(`totals.${k}: report ${t[k]}, expected ${plan.totals[k]}`);
  }
  if (t.exported !== plan.totals.memberships) diffs.push(`totals.exported ${t.exported} != memberships ${plan.totals.memberships}`);
  if (t.failed !== 0) diffs.push(`totals.failed ${t.failed}`);
  report.segments.forEach((s, i) => {
    const p = plan.segments[i];
    for (const k of ['profilesIn', 'invalid', 'duplicates', 'overCap', 'memberships']) {
      if (s[k] !== p[k]) diffs.push(`segments[${i}].${k}: report ${s[k]}, expected ${p[k]}`);
    }
    if (s.exported !== p.memberships) diffs.push(`segments[${i}].exported ${s.exported} != ${p.memberships}`);
  });
  return diffs;
}
