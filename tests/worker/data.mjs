// Segment data, configuration and state checks shared by the worker tests and the slice
// bench: `unique` synthetic profiles (tests/bench/common.mjs) over two overlapping segments,
// A = the first 60 %, B = the last 60 %, as CSV files; and the exact Autopilot state an
// export of them must leave in the emulator.

import assert from 'node:assert/strict';
import { MAPPING, profile, toCsv } from '../bench/common.mjs';
import { prng } from '../../www/sample/generate.mjs';

export const LIST_PREFIX = 'Edge: ';

/**
 * Two segments over `unique` profiles; `edit(row, i)` may change a profile (for a refresh).
 * @returns {{name: string, rows: object[]}[]}
 */
export function makeSegments({ unique = 20_000, seed = 13, edit } = {}) {
  const rand = prng(seed);
  const all = [];
  for (let i = 0; i < unique; i += 1) {
    const p = profile(i, rand);
    all.push(edit ? edit(p, i) ?? p : p);
  }
  const cut = Math.floor(unique * 0.6);
  return [
    { name: 'A', rows: all.slice(0, cut) },
    { name: 'B', rows: all.slice(unique - cut) },
  ];
}

/** Serves each segment as CSV on the file server; returns the URLs in order. */
export function serveSegments(files, segments, { token } = {}) {
  return segments.map((s) => files.put(`/segments/${s.name}.csv`, toCsv(s.rows), token ? { token } : {}));
}

/**
 * A destination configuration for the emulator at `emulatorUrl`.
 * @param {{emulatorUrl: string, urls: string[], run?: object, schedule?: object|null, tokenSecret?: string}} opts
 */
export function destinationConfig({ emulatorUrl, urls, run = {}, schedule = null, tokenSecret }) {
  return {
    connection: { displayName: 'Edge worker test', consent: true, exportUser: 'ops@example.com', baseUrl: emulatorUrl },
    apiKeySecret: 'AUTOPILOT_API_KEY',
    mapping: structuredClone(MAPPING),
    segments: urls.map((url, i) => ({
      name: String.fromCharCode(65 + i),
      profiles: { url, format: 'csv', ...(tokenSecret ? { headerSecrets: { Authorization: tokenSecret } } : {}) },
    })),
    listPrefix: LIST_PREFIX,
    idField: 'id',
    schedule,
    run,
  };
}

/** Memberships of the segments: lower-cased email -> list titles. */
export function expectedMemberships(segments) {
  const out = new Map();
  for (const s of segments) {
    for (const r of s.rows) {
      const e = r.email.trim().toLowerCase();
      if (!out.has(e)) out.set(e, new Set());
      out.get(e).add(LIST_PREFIX + s.name);
    }
  }
  return out;
}

/**
 * Asserts that the emulator holds exactly the segments' contacts and list memberships, and
 * that each contact's first name is the segment data's.
 */
export function assertExactState(state, segments) {
  const want = expectedMemberships(segments);
  const titles = new Map(state.lists.map((l) => [l.list_id, l.title]));
  assert.equal(state.contacts.length, want.size, 'one contact per unique profile');
  const firstNames = new Map();
  for (const s of segments) for (const r of s.rows) if (!firstNames.has(r.email.toLowerCase())) firstNames.set(r.email.toLowerCase(), r.first_name);
  let checked = 0;
  for (const c of state.contacts) {
    const e = c.Email.toLowerCase();
    const lists = new Set(c.lists.map((id) => titles.get(id)));
    assert.deepEqual([...lists].sort(), [...(want.get(e) ?? [])].sort(), `lists of ${e}`);
    assert.equal(c.FirstName, firstNames.get(e), `first name of ${e}`);
    checked += 1;
  }
  assert.equal(checked, want.size);
  for (const s of segments) {
    const list = state.lists.find((l) => l.title === LIST_PREFIX + s.name);
    assert.ok(list, `list ${s.name} exists`);
    assert.equal(list.total_contacts, s.rows.length, `members of ${s.name}`);
  }
}

/** Batches an export of the segments needs at least (100 contacts per request, per list). */
export const minimumBatches = (segments) => segments.reduce((n, s) => n + Math.ceil(s.rows.length / 100), 0);

/** POST /v1/contacts requests the emulator received (any answer, drops included). */
export function upserts(state) {
  const byStatus = state.counters.byRoute['POST /v1/contacts'] ?? {};
  return Object.values(byStatus).reduce((a, b) => a + b, 0);
}
