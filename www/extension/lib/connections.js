// Connections as the service worker keeps them: verified with the core's checkConnection,
// stored in IndexedDB without the key, the key in the area the user chose (secrets.js).
// A connection is identified by its display name and API base (ids.js).

import { loadCore } from './core.js';
import { emitChange } from './events.js';
import { filing } from './filing.js';
import * as idb from './idb.js';
import { connectionId, withoutKey } from './ids.js';
import { apiKeyArea, forgetApiKey, moveSecrets, setApiKey } from './secrets.js';

/**
 * Verifies a connection with Autopilot and, when Autopilot accepts the key, stores the
 * connection and the key (in `keyArea`). A rejected key is not stored anywhere.
 * @param {object} conn  the package's Connection, with apiKey
 * @param {{signal?: AbortSignal, keyArea?: 'session'|'local',
 *   check?: (conn: object, opts: {signal?: AbortSignal}) => Promise<object>}} opts
 *   check: how to ask Autopilot (the page's exporter's checkConnection; default the core's)
 * @returns {Promise<{account: object, id: string}>} the account object, and the connection id
 *   the key is filed under
 */
export async function verify(conn, { signal, keyArea = 'session', check } = {}) {
  const core = await loadCore();
  const account = await (check ?? core.checkConnection)(conn, signal ? { signal } : {});
  const id = connectionId(conn, core.apiBaseUrl(conn.baseUrl));
  await adoptOlderIds(id, core);
  await setApiKey(id, conn.apiKey, keyArea);
  await idb.put('connections', {
    ...withoutKey(conn), id, keyArea, verifiedAt: new Date().toISOString(),
    instanceId: typeof account?.instanceId === 'string' ? account.instanceId : undefined,
  });
  emitChange();
  return { account, id };
}

/**
 * Files under `id` what is kept under another id of the same connection: one an earlier
 * version gave it (the base URL as typed, `default` when blank), or one typed another way
 * (`/v1/`, upper case) — every stored connection whose display name and API base give `id`.
 * Moved: its destinations (so a refresh that waits for the key runs when it is stored again),
 * unfinished runs and the page's sync state (the newer one, when both ids hold one). The other
 * record and its key go.
 * @param {string} id
 * @param {{apiBaseUrl: (baseUrl?: string) => string}} core
 */
async function adoptOlderIds(id, core) {
  const idOf = (rec) => {
    try { return connectionId(rec, core.apiBaseUrl(rec.baseUrl)); } catch { return null; } // not a base URL
  };
  for (const rec of await idb.all('connections')) {
    if (rec.id !== id && idOf(rec) === id) await adopt(rec.id, id);
  }
}

/**
 * Moves what is filed under connection id `old` to `id` (see adoptOlderIds); never while a
 * finished run files its outcome (filing.js).
 */
function adopt(old, id) {
  return filing(() => adoptNow(old, id));
}

async function adoptNow(old, id) {
  // Each record changed in place: a run's or a destination's other fields, written meanwhile
  // (restarts, status), stay as they are, and a run that ended meanwhile is not stored again.
  const refile = (r) => (r.connectionId === old ? { ...r, connectionId: id } : undefined);
  for (const d of await idb.all('destinations')) if (d.connectionId === old) await idb.update('destinations', d.id, refile);
  for (const r of await idb.all('runs')) if (r.connectionId === old) await idb.update('runs', r.id, refile);
  // The connection's sync state is its last page run's: when both ids hold one (the
  // connection was stored under several ids), the newer is that run's and is kept.
  const state = await idb.get('states', `conn:${old}`);
  if (state) {
    const current = await idb.get('states', `conn:${id}`);
    if (!current || String(state.updatedAt ?? '') > String(current.updatedAt ?? '')) await idb.put('states', { ...state, id: `conn:${id}` });
    await idb.del('states', `conn:${old}`);
  }
  await forgetApiKey(old);
  await idb.del('connections', old);
}

/**
 * Moves a connection's secrets (key and its destinations' source tokens) to another area.
 * @param {string} id
 * @param {'session'|'local'} keyArea
 */
export async function setKeyArea(id, keyArea) {
  const conn = await idb.get('connections', id);
  if (!conn) return false;
  const dests = (await idb.all('destinations')).filter((d) => d.connectionId === id);
  await moveSecrets(id, keyArea, dests);
  await idb.put('connections', { ...conn, keyArea });
  emitChange();
  return true;
}

/** Forgets a connection's key (both areas); the connection and its destinations stay. */
export async function forgetKey(id) {
  await forgetApiKey(id);
  emitChange();
}

/** Every stored connection with where its key is now ('session', 'local' or null). */
export async function list() {
  const out = [];
  for (const c of await idb.all('connections')) out.push({ ...c, keyStored: await apiKeyArea(c.id) });
  return out;
}
