// Test-only Worker (never shipped) that runs www/worker/src/blobs.mjs on the real storage of a
// SQLite-backed Durable Object in workerd, for tests/worker/blobs.test.mjs.
//
// `GET /` answers 200 (readiness). `POST /<object>` with {chunkBytes, op, args} (wire.mjs)
// goes to the BlobsObject named <object> (one per test, so each test has fresh storage), which
// calls `new Blobs(this.ctx.storage, chunkBytes)[op](...args)` in that request and answers
// {result}, or 500 {error: message} when it throws. Besides the Blobs methods:
// - writer(name) keeps the streaming writer in the object's memory and answers its id;
//   append/finish/abort(id, ...) call it in later requests (memory that a killed workerd loses,
//   like the real Worker's download writer);
// - keys(prefix) and deleteKey(key) read and change `ctx.storage.kv` itself, past Blobs.

import { DurableObject } from 'cloudflare:workers';
import { Blobs } from './blobs.mjs';
import { decode, encode } from './wire.mjs';

const BLOB_OPS = new Set(['put', 'get', 'size', 'putJson', 'getJson', 'delete', 'deletePrefix']);
const WRITER_OPS = new Set(['append', 'finish', 'abort']);
const MAX_WRITERS = 100;

export class BlobsObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    /** @type {Map<number, ReturnType<Blobs['writer']>>} */
    this.writers = new Map();
    this.nextWriter = 1;
  }

  async fetch(request) {
    const { chunkBytes, op, args } = decode(await request.text());
    try {
      return new Response(encode({ result: this.#call(new Blobs(this.ctx.storage, chunkBytes), op, args) }));
    } catch (e) {
      return new Response(encode({ error: String(e?.message ?? e) }), { status: 500 });
    }
  }

  #call(blobs, op, args) {
    const kv = this.ctx.storage.kv;
    if (BLOB_OPS.has(op)) return blobs[op](...args);
    if (op === 'chunks') {
      const parts = blobs.chunks(args[0]);
      return parts && [...parts];
    }
    if (op === 'writer') {
      if (this.writers.size >= MAX_WRITERS) throw new Error('too many writers');
      const id = this.nextWriter++;
      this.writers.set(id, blobs.writer(args[0]));
      return id;
    }
    if (WRITER_OPS.has(op)) {
      const [id, ...rest] = args;
      const w = this.writers.get(id);
      if (!w) throw new Error(`no writer ${id} in this object (workerd restarted or it was evicted)`);
      if (op !== 'append') this.writers.delete(id);
      return w[op](...rest);
    }
    if (op === 'keys') return [...kv.list({ prefix: args[0] ?? '' })].map(([k]) => k);
    if (op === 'deleteKey') return kv.delete(args[0]);
    throw new Error(`unknown op '${op}'`);
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method === 'GET' && pathname === '/') return new Response('blobs test worker');
    const object = decodeURIComponent(pathname.slice(1));
    if (request.method !== 'POST' || !object) return new Response('not found', { status: 404 });
    return env.BLOBS.get(env.BLOBS.idFromName(object)).fetch(request);
  },
};
