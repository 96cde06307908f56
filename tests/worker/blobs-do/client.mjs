// Node side of the blobs test Durable Object (worker.mjs): the same calls as a `Blobs` and its
// writers, each one HTTP request to workerd on 127.0.0.1 that runs it on real storage (so each
// returns a promise), plus `storage.keys(prefix)` / `storage.deleteKey(key)` on the object's
// `ctx.storage.kv` itself.

import { decode, encode } from './wire.mjs';

/**
 * @param {string} base e.g. http://127.0.0.1:PORT
 * @param {string} object the Durable Object's name (one per test: fresh storage)
 * @param {number} chunkBytes
 */
export function remoteBlobs(base, object, chunkBytes) {
  const call = async (op, ...args) => {
    const res = await fetch(`${base}/${encodeURIComponent(object)}`, { method: 'POST', body: encode({ chunkBytes, op, args }) });
    const text = await res.text();
    let out;
    try {
      out = decode(text);
    } catch {
      throw new Error(`blobs test worker answered ${res.status}: ${text.slice(0, 2000)}`);
    }
    if (!res.ok) throw new Error(out.error ?? `blobs test worker answered ${res.status}`);
    return out.result;
  };
  const blobs = {
    put: (name, bytes) => call('put', name, bytes),
    get: (name) => call('get', name),
    size: (name) => call('size', name),
    chunks: (name) => call('chunks', name),
    putJson: (name, value) => call('putJson', name, value),
    getJson: (name) => call('getJson', name),
    delete: (name) => call('delete', name),
    deletePrefix: (prefix) => call('deletePrefix', prefix),
    writer: async (name) => {
      const id = await call('writer', name);
      return { append: (bytes) => call('append', id, bytes), finish: () => call('finish', id), abort: () => call('abort', id) };
    },
  };
  const storage = { keys: (prefix = '') => call('keys', prefix), deleteKey: (key) => call('deleteKey', key) };
  return { blobs, storage };
}
