// Unit tests of the extension's pure modules in Node: schedules (next run in local time,
// across a daylight-saving change) and the port's wire format (bytes and errors).
//
//   node --test tests/extension/units.test.mjs

process.env.TZ = 'Europe/Paris'; // before any Date is made: daylight saving starts 2026-03-29 02:00

const { test } = await import('node:test');
const assert = (await import('node:assert/strict')).default;
const { describe: words, nextRun, scheduleIssues } = await import('../../www/extension/lib/schedule.js');
const { errorFromWire, errorToWire, pack, unpack } = await import('../../www/extension/lib/wire.js');

const at = (y, mo, d, h, mi) => new Date(y, mo - 1, d, h, mi).getTime();
const local = (ms) => { const d = new Date(ms); return [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()]; };

test('daily: the same wall-clock time, also across the daylight-saving change', () => {
  const s = { every: 'day', time: '07:30' };
  assert.deepEqual(local(nextRun(s, at(2026, 3, 28, 8, 0))), [2026, 3, 29, 7, 30]);
  assert.deepEqual(local(nextRun(s, at(2026, 3, 28, 7, 0))), [2026, 3, 28, 7, 30]);
  assert.deepEqual(local(nextRun(s, at(2026, 3, 28, 7, 30))), [2026, 3, 29, 7, 30], 'strictly after now');
  assert.equal(nextRun(s, at(2026, 3, 29, 8, 0)) - nextRun(s, at(2026, 3, 28, 8, 0)), 24 * 3600e3);
  assert.equal(nextRun(s, at(2026, 3, 28, 8, 0)) - nextRun(s, at(2026, 3, 27, 8, 0)), 23 * 3600e3, 'the short day');
});

test('weekly and hourly', () => {
  // 2026-03-28 is a Saturday.
  assert.deepEqual(local(nextRun({ every: 'week', day: 1, time: '06:00' }, at(2026, 3, 28, 12, 0))), [2026, 3, 30, 6, 0]);
  assert.deepEqual(local(nextRun({ every: 'week', day: 6, time: '06:00' }, at(2026, 3, 28, 12, 0))), [2026, 4, 4, 6, 0]);
  assert.deepEqual(local(nextRun({ every: 'week', day: 6, time: '13:00' }, at(2026, 3, 28, 12, 0))), [2026, 3, 28, 13, 0]);
  assert.deepEqual(local(nextRun({ every: 'hour', minute: 15 }, at(2026, 3, 28, 12, 20))), [2026, 3, 28, 13, 15]);
  assert.deepEqual(local(nextRun({ every: 'hour', minute: 15 }, at(2026, 3, 28, 12, 10))), [2026, 3, 28, 12, 15]);
  assert.equal(nextRun({ every: 'never' }, Date.now()), null);
});

test('invalid schedules say why and never fire', () => {
  for (const [s, path] of [
    [{ every: 'day', time: '7:30' }, 'schedule.time'],
    [{ every: 'day', time: '24:00' }, 'schedule.time'],
    [{ every: 'hour', minute: 60 }, 'schedule.minute'],
    [{ every: 'week', day: 7, time: '06:00' }, 'schedule.day'],
    [{ every: 'monthly' }, 'schedule.every'],
    [null, 'schedule.every'],
  ]) {
    assert.deepEqual(scheduleIssues(s).map((i) => i.path), [path], JSON.stringify(s));
    assert.equal(nextRun(/** @type {any} */ (s), Date.now()), null);
  }
  assert.equal(words({ every: 'week', day: 1, time: '07:30' }), 'Weekly on Monday at 07:30');
  assert.equal(words({ every: 'hour', minute: 5 }), 'Every hour at :05');
});

test('wire: bytes survive JSON, errors keep code, issues and report', () => {
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
  const value = { report: { status: 'succeeded', syncState: bytes, segments: [{ name: 'a', n: 1 }] }, none: undefined };
  const back = unpack(JSON.parse(JSON.stringify(pack(value))));
  assert.ok(back.report.syncState instanceof Uint8Array);
  assert.deepEqual([...back.report.syncState], [...bytes]);
  assert.deepEqual(back.report.segments, [{ name: 'a', n: 1 }]);
  assert.equal('none' in back, false);

  const e = Object.assign(new Error('Autopilot rejected the API key'), { name: 'AutopilotExportError', code: 'AUTH_FAILED', issues: [], report: { syncState: new Uint8Array([1, 2]) } });
  const w = JSON.parse(JSON.stringify(errorToWire(e)));
  const again = errorFromWire(w);
  assert.equal(again.name, 'AutopilotExportError');
  assert.equal(again.code, 'AUTH_FAILED');
  assert.deepEqual([...again.report.syncState], [1, 2]);
  assert.equal(errorToWire('boom').code, 'INTERNAL');
});
