// Values of any size in a Durable Object's synchronous key-value storage (`ctx.storage.kv` of
// a SQLite-backed object), where one key plus its value may hold at most 2 MB.
//
// A blob named N is stored as chunks `blob:N:0`, `blob:N:1`, ... and a head `blob:N` =
// `{chunks, bytes}`. Readers trust the head only: `put` writes chunks and head in one
// transaction, and a streaming `writer` writes the head last, so a reader never sees half a
// value, and a writer interrupted by a crash leaves only chunks that the next write of that
// name removes.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Chunked blobs over `storage.kv` (sync API) and `storage.transactionSync`. */
export class Blobs {
  /**
   * @param {{kv: {get: Function, put: Function, delete: Function, list: Function}, transactionSync: Function}} storage
   * @param {number} chunkBytes bytes per chunk (below the platform's value limit)
   */
  constructor(storage, chunkBytes) {
    this.storage = storage;
    this.kv = storage.kv;
    this.chunkBytes = chunkBytes;
  }

  /**
   * Stores `bytes` under `name`, replacing any earlier value, in one transaction.
   * @param {string} name
   * @param {Uint8Array} bytes
   */
  put(name, bytes) {
    this.storage.transactionSync(() => {
      this.#clear(name);
      let i = 0;
      for (let at = 0; at < bytes.length; at += this.chunkBytes) {
        this.kv.put(chunkKey(name, i), bytes.slice(at, at + this.chunkBytes));
        i += 1;
      }
      this.kv.put(headKey(name), { chunks: i, bytes: bytes.length });
    });
  }

  /**
   * The chunks of `name`, read one at a time when iterated (a fresh iterable each call);
   * `undefined` when nothing is stored.
   * @param {string} name
   * @returns {Iterable<Uint8Array> | undefined}
   */
  chunks(name) {
    const head = this.kv.get(headKey(name));
    if (!head) return undefined;
    const kv = this.kv;
    return {
      *[Symbol.iterator]() {
        for (let i = 0; i < head.chunks; i += 1) {
          const c = kv.get(chunkKey(name, i));
          if (!(c instanceof Uint8Array)) throw new Error(`stored value '${name}' lost chunk ${i}`);
          yield c;
        }
      },
    };
  }

  /**
   * The whole value of `name`, or `undefined`.
   * @param {string} name
   * @returns {Uint8Array | undefined}
   */
  get(name) {
    const head = this.kv.get(headKey(name));
    const parts = this.chunks(name);
    if (!head || !parts) return undefined;
    const out = new Uint8Array(head.bytes);
    let at = 0;
    for (const c of parts) {
      out.set(c, at);
      at += c.length;
    }
    if (at !== head.bytes) throw new Error(`stored value '${name}' has ${at} bytes, expected ${head.bytes}`);
    return out;
  }

  /**
   * Size in bytes of `name`, or `undefined`.
   * @param {string} name
   * @returns {number | undefined}
   */
  size(name) {
    return this.kv.get(headKey(name))?.bytes;
  }

  /** Stores a JSON-serialisable value. @param {string} name @param {unknown} value */
  putJson(name, value) {
    this.put(name, encoder.encode(JSON.stringify(value)));
  }

  /** The JSON value of `name`, or `undefined`. @param {string} name */
  getJson(name) {
    const bytes = this.get(name);
    return bytes === undefined ? undefined : JSON.parse(decoder.decode(bytes));
  }

  /** Removes `name` (head and chunks). @param {string} name */
  delete(name) {
    this.storage.transactionSync(() => this.#clear(name));
  }

  /** Removes every blob whose name starts with `prefix`. @param {string} prefix */
  deletePrefix(prefix) {
    this.storage.transactionSync(() => {
      for (const [key] of this.kv.list({ prefix: `blob:${prefix}` })) this.kv.delete(key);
    });
  }

  /**
   * A streaming writer for `name`: `append` stores each full chunk at once (so memory stays at
   * one chunk), `finish` stores the rest and the head, `abort` removes what was written.
   * Starting a writer removes any earlier value of `name`.
   * @param {string} name
   * @returns {{append(bytes: Uint8Array): void, finish(): number, abort(): void, readonly bytes: number}}
   */
  writer(name) {
    this.delete(name);
    const size = this.chunkBytes;
    let buf = new Uint8Array(size);
    let fill = 0;
    let index = 0;
    let total = 0;
    const flush = () => {
      if (fill === 0) return;
      this.kv.put(chunkKey(name, index), buf.slice(0, fill));
      index += 1;
      fill = 0;
    };
    return {
      append: (bytes) => {
        let at = 0;
        while (at < bytes.length) {
          const n = Math.min(size - fill, bytes.length - at);
          buf.set(bytes.subarray(at, at + n), fill);
          fill += n;
          at += n;
          if (fill === size) flush();
        }
        total += bytes.length;
      },
      finish: () => {
        this.storage.transactionSync(() => {
          flush();
          this.kv.put(headKey(name), { chunks: index, bytes: total });
        });
        buf = null;
        return total;
      },
      abort: () => {
        buf = null;
        this.delete(name);
      },
      get bytes() {
        return total;
      },
    };
  }

  #clear(name) {
    this.kv.delete(headKey(name));
    for (const [key] of this.kv.list({ prefix: `${headKey(name)}:` })) this.kv.delete(key);
  }
}

const headKey = (name) => `blob:${name}`;
const chunkKey = (name, i) => `blob:${name}:${i}`;
