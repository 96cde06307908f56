// Unit tests of www/worker/src/blobs.mjs (chunked values under the 2 MB per-value limit) on an
// in-memory storage: sizes around chunk boundaries, replacement, streaming writes, interrupted
// writes, removal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Blobs } from '../../www/worker/src/blobs.mjs';
import { fakeStorage } from './fake-storage.mjs';

const bytes = (n, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

test('values around chunk boundaries come back byte for byte, in chunks no larger than the chunk size', () => {
  const storage = fakeStorage();
  const blobs = new Blobs(storage, 8);
  for (const n of [0, 1, 7, 8, 9, 16, 17, 100]) {
    const v = bytes(n, n);
    blobs.put('v', v);
    assert.deepEqual(blobs.get('v'), v, `size ${n}`);
    assert.equal(blobs.size('v'), n);
    const parts = [...blobs.chunks('v')];
    assert.equal(parts.length, Math.ceil(n / 8));
    assert.ok(parts.every((p) => p.length <= 8));
  }
});

test('a smaller value replaces a larger one without leftover chunks', () => {
  const storage = fakeStorage();
  const blobs = new Blobs(storage, 4);
  blobs.put('v', bytes(40));
  blobs.put('v', bytes(5, 9));
  assert.deepEqual(blobs.get('v'), bytes(5, 9));
  assert.equal([...storage.map.keys()].filter((k) => k.startsWith('blob:v')).length, 1 + 2);
});

test('an absent value is undefined; delete and deletePrefix remove heads and chunks', () => {
  const storage = fakeStorage();
  const blobs = new Blobs(storage, 4);
  assert.equal(blobs.get('nope'), undefined);
  assert.equal(blobs.chunks('nope'), undefined);
  blobs.put('src/r1/0', bytes(9));
  blobs.put('src/r1/1', bytes(3));
  blobs.put('src/r2/0', bytes(3));
  blobs.deletePrefix('src/r1/');
  assert.equal(blobs.get('src/r1/0'), undefined);
  assert.equal(blobs.get('src/r1/1'), undefined);
  assert.deepEqual(blobs.get('src/r2/0'), bytes(3));
  blobs.delete('src/r2/0');
  assert.equal(storage.map.size, 0);
});

test('JSON values round-trip', () => {
  const blobs = new Blobs(fakeStorage(), 5);
  const v = { done: [[0, 36]], text: 'å'.repeat(20) };
  blobs.putJson('cp', v);
  assert.deepEqual(blobs.getJson('cp'), v);
});

test('a streaming writer stores full chunks as it goes and the head last', () => {
  const storage = fakeStorage();
  const blobs = new Blobs(storage, 10);
  const w = blobs.writer('dl');
  const all = bytes(57);
  for (const [a, b] of [[0, 3], [3, 25], [25, 26], [26, 57]]) w.append(all.subarray(a, b));
  assert.equal(blobs.get('dl'), undefined, 'no head before finish: readers see nothing');
  assert.ok(storage.map.size >= 5, 'full chunks are already stored');
  assert.equal(w.finish(), 57);
  assert.deepEqual(blobs.get('dl'), all);
});

test('an aborted or interrupted writer leaves nothing that a reader or the next writer sees', () => {
  const storage = fakeStorage();
  const blobs = new Blobs(storage, 4);
  blobs.put('dl', bytes(6, 3));
  const w = blobs.writer('dl');
  assert.equal(blobs.get('dl'), undefined, 'starting a writer removes the old value');
  w.append(bytes(13));
  w.abort();
  assert.equal(storage.map.size, 0);
  // A writer that never finishes (the process died): its chunks stay, but without a head.
  const dead = blobs.writer('dl');
  dead.append(bytes(13));
  assert.equal(blobs.get('dl'), undefined);
  const again = blobs.writer('dl');
  again.append(bytes(2, 7));
  again.finish();
  assert.deepEqual(blobs.get('dl'), bytes(2, 7));
  assert.equal([...storage.map.keys()].length, 2, 'the dead writer\'s chunks are gone');
});

test('a missing chunk is an error, not a short value', () => {
  const storage = fakeStorage();
  const blobs = new Blobs(storage, 4);
  blobs.put('v', bytes(10));
  storage.kv.delete('blob:v:1');
  assert.throws(() => blobs.get('v'), /lost chunk 1/);
});
