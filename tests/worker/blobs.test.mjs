// Tests of www/worker/src/blobs.mjs (chunked values under the 2 MB per-value limit) on the real
// storage of a SQLite-backed Durable Object in the real workerd binary (blobs-do/: a test-only
// Worker runs each call in the object): sizes around chunk boundaries, replacement, streaming
// writes, aborted writes and a writer cut off by killing workerd, removal, a lost chunk.
// Each test uses an object of its own (fresh storage); workerd starts once for the file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { remoteBlobs } from './blobs-do/client.mjs';
import { layoutBlobs } from './blobs-do/layout.mjs';
import { start } from './harness.mjs';

const bytes = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

/** @type {Awaited<ReturnType<typeof layoutBlobs>>} */
let box;
/** @type {Awaited<ReturnType<typeof start>>} */
let worker;
before(async () => {
  box = await layoutBlobs();
  worker = await start(box, { readyStatus: 200 });
});
after(async () => {
  await worker?.kill();
  box?.remove();
});
const remote = (object, chunkBytes) => remoteBlobs(worker.base, object, chunkBytes);

test('values around chunk boundaries come back byte for byte, in chunks no larger than the chunk size', async () => {
  const { blobs } = remote('boundaries', 8);
  for (const n of [0, 1, 7, 8, 9, 16, 17, 100]) {
    const v = bytes(n, n);
    await blobs.put('v', v);
    assert.deepEqual(await blobs.get('v'), v, `size ${n}`);
    assert.equal(await blobs.size('v'), n);
    const parts = [...(await blobs.chunks('v'))];
    assert.equal(parts.length, Math.ceil(n / 8));
    assert.ok(parts.every((p) => p.length <= 8));
  }
});

test('a smaller value replaces a larger one without leftover chunks', async () => {
  const { blobs, storage } = remote('replace', 4);
  await blobs.put('v', bytes(40));
  await blobs.put('v', bytes(5, 9));
  assert.deepEqual(await blobs.get('v'), bytes(5, 9));
  assert.equal((await storage.keys('blob:v')).length, 1 + 2);
});

test('an absent value is undefined; delete and deletePrefix remove heads and chunks', async () => {
  const { blobs, storage } = remote('delete', 4);
  assert.equal(await blobs.get('nope'), undefined);
  assert.equal(await blobs.chunks('nope'), undefined);
  await blobs.put('src/r1/0', bytes(9));
  await blobs.put('src/r1/1', bytes(3));
  await blobs.put('src/r2/0', bytes(3));
  await blobs.deletePrefix('src/r1/');
  assert.equal(await blobs.get('src/r1/0'), undefined);
  assert.equal(await blobs.get('src/r1/1'), undefined);
  assert.deepEqual(await blobs.get('src/r2/0'), bytes(3));
  await blobs.delete('src/r2/0');
  assert.equal((await storage.keys()).length, 0);
});

test('JSON values round-trip', async () => {
  const { blobs } = remote('json', 5);
  const v = { done: [[0, 36]], text: 'å'.repeat(20) };
  await blobs.putJson('cp', v);
  assert.deepEqual(await blobs.getJson('cp'), v);
});

test('a streaming writer stores full chunks as it goes and the head last', async () => {
  const { blobs, storage } = remote('stream', 10);
  const w = await blobs.writer('dl');
  const all = bytes(57);
  for (const [a, b] of [[0, 3], [3, 25], [25, 26], [26, 57]]) await w.append(all.subarray(a, b));
  assert.equal(await blobs.get('dl'), undefined, 'no head before finish: readers see nothing');
  assert.ok((await storage.keys()).length >= 5, 'full chunks are already stored');
  assert.equal(await w.finish(), 57);
  assert.deepEqual(await blobs.get('dl'), all);
});

test('an aborted or interrupted writer leaves nothing that a reader or the next writer sees', async () => {
  const { blobs, storage } = remote('interrupted', 4);
  await blobs.put('dl', bytes(6, 3));
  const w = await blobs.writer('dl');
  assert.equal(await blobs.get('dl'), undefined, 'starting a writer removes the old value');
  await w.append(bytes(13));
  await w.abort();
  assert.equal((await storage.keys()).length, 0);
  // A writer that never finishes because the process died: its appends were answered (so, past
  // the output gate, their chunks are on disk), then workerd is SIGKILLed, as the platform may
  // end a Worker between two reads of a download, and started again on the same storage. The
  // writer's memory (its id, its buffered last byte) is gone; its 3 full chunks stay, without a
  // head.
  const dead = await blobs.writer('dl');
  await dead.append(bytes(13));
  await worker.kill();
  worker = await start(box, { readyStatus: 200 });
  await assert.rejects(dead.finish(), /no writer/, 'the dead writer cannot finish after the restart');
  assert.deepEqual(await storage.keys(), ['blob:dl:0', 'blob:dl:1', 'blob:dl:2'], 'the crash left chunks and no head');
  assert.equal(await blobs.get('dl'), undefined);
  const again = await blobs.writer('dl');
  await again.append(bytes(2, 7));
  await again.finish();
  assert.deepEqual(await blobs.get('dl'), bytes(2, 7));
  assert.equal((await storage.keys()).length, 2, "the dead writer's chunks are gone");
});

test('a missing chunk is an error, not a short value', async () => {
  const { blobs, storage } = remote('lost-chunk', 4);
  await blobs.put('v', bytes(10));
  await storage.deleteKey('blob:v:1');
  await assert.rejects(blobs.get('v'), /lost chunk 1/);
});
