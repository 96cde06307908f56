// Connecting again adopts what is filed under older ids of the connection (an earlier
// version's base URL as typed: connections.js, adoptOlderIds). A page run that is still
// running then keeps its sync state under the id the run is filed under when it ends; of two
// sync states under older ids, the newer is kept. In Debian's Chromium against the emulator
// without CORS headers.
//
//   node --test tests/extension/        (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_API_KEY } from '../emulator/index.mjs';
import { launch } from './helpers.mjs';

const ROWS = 1200; // 12 upserts of 100 at 4 requests/s: about 3 s, the reconnect comes first

test('extension: a page run adopted by a new connection id while it runs files its sync state under that id', { timeout: 90_000 }, async (t) => {
  const x = await launch(t, { prefix: 'adopt-', emulator: { ratePerSecond: 4, latencyMs: 40 } });
  const { page, emu } = x;
  const out = await page.evaluate(async ({ base, key, rows }) => {
    const idb = await import('/lib/idb.js');
    const client = await import('/lib/client.js');
    const old = `Legacy @ ${base}/`; // an earlier version's id: the base URL as typed
    const connection = { displayName: 'Legacy', exportUser: 'ops@example.com', consent: true, baseUrl: `${base}/` };
    await idb.put('connections', { id: old, ...connection, keyArea: 'session', verifiedAt: '2026-01-01T00:00:00.000Z' });
    const now = new Date().toISOString();
    const runId = 'run-adopted-while-running';
    await idb.put('runs', {
      id: runId, kind: 'page', connectionId: old, options: { ratePerSecond: 4 }, startedAt: now, updatedAt: now, restarts: 0, pending: true,
      job: {
        connection, mapping: { email: 'email' },
        segments: [{ name: 'Adopted', profiles: Array.from({ length: rows }, (_, i) => ({ email: `adopted${i}@example.com` })) }],
      },
    });
    let progressed;
    const first = new Promise((r) => { progressed = r; });
    const running = client.run(runId, key, { onProgress: (p) => { if (p.batchesDone > 0) progressed(); } });
    await first; // running and sending
    const { connectionId } = await client.call('checkConnection', { connection: { ...connection, apiKey: key }, keyArea: 'session' });
    const during = (await idb.get('runs', runId))?.connectionId; // still stored: still running
    const report = await running;
    const state = async (id) => (await idb.get('states', `conn:${id}`))?.bytes?.length ?? 0;
    return { old, connectionId, during, status: report.status, exported: report.totals.exported, newState: await state(connectionId), oldState: await state(old) };
  }, { base: emu.url, key: DEFAULT_API_KEY, rows: ROWS });
  assert.equal(out.connectionId, `Legacy @ ${emu.url.replace(/\/+$/, '')}`);
  assert.notEqual(out.connectionId, out.old);
  assert.equal(out.during, out.connectionId, 'the run was adopted while it ran');
  assert.equal(out.status, 'succeeded');
  assert.equal(out.exported, ROWS);
  assert.ok(out.newState > 0, 'the sync state is filed under the id the run ended under');
  assert.equal(out.oldState, 0, 'nothing is filed under the id that is gone');
  assert.deepEqual(x.errors, []);
});

test('extension: connecting again keeps the newer of two sync states filed under older ids of the connection', { timeout: 60_000 }, async (t) => {
  const x = await launch(t, { prefix: 'adopt2-', emulator: {} });
  const { page, emu } = x;
  const out = await page.evaluate(async ({ base, key }) => {
    const idb = await import('/lib/idb.js');
    const client = await import('/lib/client.js');
    const connection = { displayName: 'Twice', exportUser: 'ops@example.com', consent: true };
    // One connection stored under two ids (the base URL typed two ways); the first in key
    // order holds the older state.
    for (const [id, baseUrl, bytes, updatedAt] of [
      ['twice-a', `${base}/`, [1, 1, 1], '2026-01-01T00:00:00.000Z'],
      ['twice-b', base, [2, 2, 2], '2026-06-01T00:00:00.000Z'],
    ]) {
      await idb.put('connections', { id, ...connection, baseUrl, keyArea: 'session', verifiedAt: updatedAt });
      await idb.put('states', { id: `conn:${id}`, bytes: new Uint8Array(bytes), lists: '{}', updatedAt });
    }
    const { connectionId } = await client.call('checkConnection', { connection: { ...connection, baseUrl: base, apiKey: key }, keyArea: 'session' });
    const kept = await idb.get('states', `conn:${connectionId}`);
    const left = (await idb.all('states')).map((s) => s.id).sort();
    const connections = (await idb.all('connections')).map((c) => c.id);
    return { connectionId, kept: kept ? Array.from(kept.bytes) : null, updatedAt: kept?.updatedAt, left, connections };
  }, { base: emu.url.replace(/\/+$/, ''), key: DEFAULT_API_KEY });
  assert.deepEqual(out.connections, [out.connectionId], 'both older ids were adopted');
  assert.deepEqual(out.left, [`conn:${out.connectionId}`], 'one state is left, under the new id');
  assert.deepEqual(out.kept, [2, 2, 2], 'the newer state is kept');
  assert.equal(out.updatedAt, '2026-06-01T00:00:00.000Z');
  assert.deepEqual(x.errors, []);
});
