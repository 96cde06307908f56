// An in-memory stand-in for a SQLite-backed Durable Object's synchronous storage
// (`storage.kv` get/put/delete/list and `storage.transactionSync` with rollback), for unit tests
// of the worker's storage code in Node. Values are structured-cloned like the real thing.

/** @returns {{kv: object, transactionSync: (fn: Function) => any, map: Map<string, unknown>, puts: () => number}} */
export function fakeStorage() {
  let map = new Map();
  let puts = 0;
  const kv = {
    get: (k) => (map.has(k) ? structuredClone(map.get(k)) : undefined),
    put: (k, v) => {
      puts += 1;
      map.set(k, structuredClone(v));
    },
    delete: (k) => map.delete(k),
    *list({ prefix = '' } = {}) {
      for (const k of [...map.keys()].sort()) if (k.startsWith(prefix)) yield [k, structuredClone(map.get(k))];
    },
  };
  return {
    kv,
    map: { get size() { return map.size; }, keys: () => map.keys() },
    puts: () => puts,
    transactionSync(fn) {
      const before = new Map(map);
      try {
        return fn();
      } catch (e) {
        map = before;
        throw e;
      }
    },
  };
}
