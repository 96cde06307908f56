// The extension's IndexedDB database, shared by its page and its service worker (same
// origin). It holds everything that is not a secret: connections (without key),
// destinations, sync states, unfinished runs, results, reports and run history. API keys and
// source tokens never go here (see secrets.js).

export const DB_NAME = 'autopilot-export-extension';
const VERSION = 1;

/** Object stores and their key paths. */
export const STORES = Object.freeze({
  connections: 'id', // {id, displayName, exportUser, baseUrl?, consent, keyArea, verifiedAt, instanceId?}
  destinations: 'id', // see destinations.js
  states: 'id', // {id: 'dest:<id>' | 'conn:<id>', bytes: Uint8Array, lists: string[], updatedAt}; {id: 'run:<id>', checkpoint, updatedAt} (runner.js)
  runs: 'id', // unfinished runs, see runner.js
  results: 'id', // finished runs by run id: {id, report?, error?, finishedAt}
  reports: 'id', // last report of a destination: {id: destinationId, report}
  history: 'seq', // entries of history.js's entryFrom plus destinationId, trigger, changes
});

let opening = null;

/** @returns {Promise<IDBDatabase>} */
export function db() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, VERSION);
      req.onupgradeneeded = () => {
        const d = req.result;
        for (const [name, keyPath] of Object.entries(STORES)) {
          if (d.objectStoreNames.contains(name)) continue;
          const s = d.createObjectStore(name, keyPath === 'seq' ? { keyPath, autoIncrement: true } : { keyPath });
          if (name === 'history') s.createIndex('destinationId', 'destinationId');
        }
      };
      req.onsuccess = () => {
        req.result.onversionchange = () => { req.result.close(); opening = null; };
        resolve(req.result);
      };
      req.onerror = () => { opening = null; reject(req.error); };
    });
  }
  return opening;
}

function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves when transaction `t` commits; rejects when it fails or aborts (also at commit, e.g. over quota). */
function settled(t) {
  return new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = (ev) => reject(ev.target?.error ?? t.error);
    t.onabort = () => reject(t.error ?? new Error('transaction aborted'));
  });
}

async function tx(store, mode, fn) {
  const d = await db();
  const t = d.transaction(store, mode);
  const result = fn(t.objectStore(store));
  await settled(t);
  return result instanceof IDBRequest ? result.result : result;
}

/** One record by key, or undefined. */
export function get(store, key) {
  return tx(store, 'readonly', (s) => s.get(key));
}

/** Every record of a store (optionally of one index value). */
export function all(store, index, value) {
  return tx(store, 'readonly', (s) => (index ? s.index(index).getAll(value) : s.getAll()));
}

/** Writes a record (structured clone: Uint8Array stays binary). */
export function put(store, value) {
  return tx(store, 'readwrite', (s) => s.put(value));
}

/**
 * Changes one record in one readwrite transaction, so that no other write to the store comes
 * between its read and its write: `fn(record)` (synchronous) gives the record to write, or
 * undefined to write nothing; a key with no record is left alone (never created again).
 * @param {string} store
 * @param {IDBValidKey} key
 * @param {(record: any) => any} fn
 * @returns {Promise<any>} the record written, or undefined
 */
export async function update(store, key, fn) {
  const d = await db();
  const t = d.transaction(store, 'readwrite');
  const s = t.objectStore(store);
  const req = s.get(key);
  let written;
  let failure;
  req.onsuccess = () => {
    if (req.result === undefined) return;
    try {
      written = fn(req.result);
      if (written !== undefined) s.put(written);
    } catch (e) {
      failure = e;
      t.abort();
    }
  };
  await settled(t).catch((e) => {
    throw failure ?? e; // fn's own error, not the abort's
  });
  return written;
}

/** Deletes a record by key. */
export function del(store, key) {
  return tx(store, 'readwrite', (s) => s.delete(key));
}

/** Deletes every record of `store` whose `index` equals `value`. */
export async function delWhere(store, index, value) {
  const d = await db();
  const t = d.transaction(store, 'readwrite');
  const keys = await done(t.objectStore(store).index(index).getAllKeys(value));
  for (const k of keys) t.objectStore(store).delete(k);
  await settled(t);
}

/** Keeps the newest `limit` records of `store` (by key order) for one index value. */
export async function trim(store, index, value, limit) {
  const d = await db();
  const t = d.transaction(store, 'readwrite');
  const keys = await done(t.objectStore(store).index(index).getAllKeys(value));
  for (const k of keys.slice(0, Math.max(0, keys.length - limit))) t.objectStore(store).delete(k);
  await settled(t);
}
