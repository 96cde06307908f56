// Everything the admin page keeps in the browser, in one IndexedDB database; the browser
// extension opens the same module to share it. Per connection (its id is the API base URL
// plus Autopilot's instance id, see `connectionId`): the last job configuration (the CLI's
// JSON, never the API key), the sync state of the last run, and the saved progress of a
// cancelled or interrupted run. Plus the run history (non-personal fields only). A history
// kept by an earlier version of the page in localStorage is moved in once.
//
// Guard: every write refuses a record holding a member named like an API key
// (`assertNoSecret`), so a key can never reach this storage by mistake.
//
// Interface (all async):
//   openStorage({name?, indexedDB?}) -> Storage
//   Storage.connections()                      -> ConnectionRecord[] newest first
//   Storage.connection(id)                     -> ConnectionRecord | undefined
//   Storage.saveConfig(id, config)             -> ConnectionRecord
//   Storage.saveSyncState(id, Uint8Array|null) -> ConnectionRecord
//   Storage.saveResume(id, Resume|null)        -> ConnectionRecord
//   Storage.forget(id)
//   Storage.adopt(fromId, toId)                -> whether a record moved (see `adopt`)
//   Storage.history()  /  addHistory(entry, limit?)  /  clearHistory()
//   Storage.close()
//   ConnectionRecord = {id, savedAt, config?, syncState?, syncStateAt?, resume?}
//   Resume = {checkpoint, configKey, batchesDone, batchesTotal, savedAt, interrupted?}
//     (resume with the connection's syncState: it is the one the run started from until a
//     run ends, and the cancelled run's own after a cancel)

const DB_NAME = 'autopilot-export';
const VERSION = 1;
const CONNECTIONS = 'connections';
const HISTORY = 'history';
/** Most history entries kept. */
export const HISTORY_LIMIT = 50;

/**
 * The storage id of a connection: its API base URL as the core writes it (the package's
 * `apiBaseUrl`: one form of each address, the default when the form left it empty) and the
 * Autopilot instance the key belongs to.
 * @param {string} apiBase  apiBaseUrl(connection.baseUrl)
 * @param {object} [account]  AccountInfo from checkConnection
 */
export function connectionId(apiBase, account) {
  const instance = account && typeof account.instanceId === 'string' ? account.instanceId : '';
  return `${apiBase}#${instance}`;
}

/**
 * The id an earlier version of the page gave a connection: the base URL as typed (the
 * default when empty) without trailing slashes, in its letter case. Only to find a record
 * kept under it (`Storage.adopt`); new records use `connectionId`.
 * @param {string} typedOrDefault  the form's base URL, else the package's default
 * @param {object} [account]
 */
export function olderConnectionId(typedOrDefault, account) {
  return connectionId(String(typedOrDefault).replace(/\/+$/, ''), account);
}

/** Throws when `value` holds a member whose name looks like an API key. */
export function assertNoSecret(value, where = 'record') {
  const seen = new Set();
  const walk = (v, path) => {
    if (!v || typeof v !== 'object' || ArrayBuffer.isView(v) || seen.has(v)) return;
    seen.add(v);
    for (const [k, x] of Object.entries(v)) {
      if (/^(api[-_]?key|autopilotapikey)$/i.test(k)) throw new Error(`refusing to store ${where}: ${path}${k} looks like an API key`);
      walk(x, `${path}${k}.`);
    }
  };
  walk(value, '');
}

/** Where earlier versions of the page kept the run history (localStorage). */
const LEGACY_HISTORY = 'autopilot-export.history.v1';

/** Moves a run history kept by an earlier version of the page into the database, once. */
async function adoptLegacyHistory(db) {
  let old;
  try {
    old = JSON.parse(globalThis.localStorage?.getItem(LEGACY_HISTORY) ?? 'null');
  } catch {
    old = null;
  }
  if (!Array.isArray(old)) return;
  await new Promise((resolve, reject) => {
    const t = db.transaction(HISTORY, 'readwrite');
    for (const e of old.slice(0, HISTORY_LIMIT).reverse()) {
      try { assertNoSecret(e, 'history entry'); t.objectStore(HISTORY).add(e); } catch { /* left out */ }
    }
    t.oncomplete = () => resolve(undefined);
    t.onerror = () => reject(t.error);
  });
  globalThis.localStorage.removeItem(LEGACY_HISTORY);
}

const done = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/**
 * Opens (creating when needed) the page's database.
 * @param {{name?: string, indexedDB?: IDBFactory}} [opts]
 */
export async function openStorage({ name = DB_NAME, indexedDB = globalThis.indexedDB } = {}) {
  if (!indexedDB) throw new Error('this browser offers no IndexedDB: nothing can be kept between visits');
  const open = indexedDB.open(name, VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(CONNECTIONS)) db.createObjectStore(CONNECTIONS, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(HISTORY)) db.createObjectStore(HISTORY, { autoIncrement: true });
  };
  const db = await done(open);
  await adoptLegacyHistory(db);

  /** Runs `fn(store)` in one transaction and resolves when it commits. */
  const tx = (storeName, mode, fn) => new Promise((resolve, reject) => {
    const t = db.transaction(storeName, mode);
    let result;
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error ?? new Error('storage transaction aborted'));
    Promise.resolve(fn(t.objectStore(storeName))).then((r) => { result = r; }, (e) => { t.abort(); reject(e); });
  });

  /** Reads, changes and writes one connection record. */
  const update = (id, change) => tx(CONNECTIONS, 'readwrite', async (s) => {
    const rec = (await done(s.get(id))) ?? { id };
    change(rec);
    rec.savedAt = new Date().toISOString();
    assertNoSecret(rec, `connection ${id}`);
    s.put(rec);
    return rec;
  });

  return {
    /** @returns {Promise<object[]>} every connection record, newest first */
    async connections() {
      const all = await tx(CONNECTIONS, 'readonly', (s) => done(s.getAll()));
      return all.sort((a, b) => String(b.savedAt).localeCompare(String(a.savedAt)));
    },
    /** @returns {Promise<object|undefined>} */
    connection(id) {
      return tx(CONNECTIONS, 'readonly', (s) => done(s.get(id)));
    },
    /** Keeps `config` (the CLI's configuration JSON, without the key) as this connection's last. */
    saveConfig(id, config) {
      return update(id, (r) => { r.config = config; });
    },
    /** Keeps the sync state of the last run (null forgets it). */
    saveSyncState(id, syncState) {
      return update(id, (r) => {
        if (syncState) { r.syncState = syncState; r.syncStateAt = new Date().toISOString(); } else { delete r.syncState; delete r.syncStateAt; }
      });
    },
    /** Keeps (or with null, drops) the saved progress of a cancelled run. */
    saveResume(id, resume) {
      return update(id, (r) => { if (resume) r.resume = resume; else delete r.resume; });
    },
    /**
     * Files the record kept under `fromId` under `toId`, in one transaction, when `toId` has
     * none (a connection whose id changed form: `olderConnectionId`). @returns {Promise<boolean>}
     */
    adopt(fromId, toId) {
      if (fromId === toId) return Promise.resolve(false);
      return tx(CONNECTIONS, 'readwrite', async (s) => {
        const [from, to] = [await done(s.get(fromId)), await done(s.get(toId))];
        if (!from || to) return false;
        s.put({ ...from, id: toId });
        s.delete(fromId);
        return true;
      });
    },
    /** Forgets everything kept for a connection. */
    forget(id) {
      return tx(CONNECTIONS, 'readwrite', (s) => { s.delete(id); });
    },
    /** @returns {Promise<object[]>} run history, newest first */
    async history() {
      const all = await tx(HISTORY, 'readonly', (s) => done(s.getAll()));
      return all.reverse();
    },
    /** Adds an entry and keeps only the newest `limit`. @returns {Promise<object[]>} the history */
    async addHistory(entry, limit = HISTORY_LIMIT) {
      assertNoSecret(entry, 'history entry');
      await tx(HISTORY, 'readwrite', async (s) => {
        s.add(entry);
        const keys = await done(s.getAllKeys());
        for (const k of keys.slice(0, Math.max(0, keys.length - limit))) s.delete(k);
      });
      return this.history();
    },
    clearHistory() {
      return tx(HISTORY, 'readwrite', (s) => { s.clear(); });
    },
    close() {
      db.close();
    },
  };
}
