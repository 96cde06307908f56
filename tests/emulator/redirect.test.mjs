// The `redirect` option and the recorder (recorder.mjs): every routed /v1
// request answers a redirect to the recorder and applies nothing; the recorder
// proves that a client that follows redirects would leak its key there.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startRecorder } from './recorder.mjs';
import { KEY, admin, call, withEmu } from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startRecorder>>} */
let rec;
before(async () => { rec = await startRecorder(); });
after(async () => { await rec.stop(); });
beforeEach(() => rec.clear());

const BODY = { contacts: [{ Email: 'a@example.com' }] };
const REASONS = { 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect' };

/** POST /v1/contacts?x=1 without following redirects. */
const postManual = (emu, init = {}) => fetch(`${emu.url}/contacts?x=1`, {
  method: 'POST',
  redirect: 'manual',
  headers: { autopilotapikey: KEY, 'content-type': 'application/json' },
  body: JSON.stringify(BODY),
  ...init,
});

describe('redirect option', () => {
  it('answers each redirect status with Location = prefix + original path and query, and applies nothing', () =>
    withEmu({ ratePerSecond: 0 }, async (emu) => {
      for (const status of [301, 302, 303, 307, 308]) {
        emu.configure({ redirect: { status, to: rec.origin } });
        const res = await postManual(emu);
        assert.equal(res.status, status);
        assert.equal(res.headers.get('location'), `${rec.origin}/v1/contacts?x=1`);
        assert.deepEqual(await res.json(), { error: REASONS[status], message: `The API has moved to ${rec.origin}/v1/contacts?x=1` });
      }
      const s = emu.state();
      assert.equal(s.contactCount, 0, 'nothing applied');
      assert.equal(s.counters.redirected, 5);
      assert.deepEqual(s.counters.byRoute['POST /v1/contacts'], { 301: 1, 302: 1, 303: 1, 307: 1, 308: 1 });
      assert.deepEqual(rec.requests(), [], 'redirect: manual never reaches the recorder');
    }));

  it('comes after routing and before auth, rate limit and faults', () =>
    withEmu({ ratePerSecond: 1, burst: 1, faults: { script: ['500'] } }, async (emu) => {
      emu.configure({ redirect: { status: 307, to: `${rec.origin}/` } });
      assert.equal((await postManual(emu, { headers: {} })).status, 307, 'no key -> still redirected');
      assert.equal((await postManual(emu, { headers: { autopilotapikey: 'wrong' } })).status, 307, 'wrong key -> still redirected');
      for (let i = 0; i < 3; i += 1) assert.equal((await postManual(emu)).status, 307, 'no token taken');
      const res = await postManual(emu);
      assert.equal(res.headers.get('location'), `${rec.origin}/v1/contacts?x=1`, 'trailing slash of `to` dropped');
      assert.equal((await call(emu, 'GET', '/nope')).status, 404, 'unknown route still 404');
      assert.equal((await fetch(`${emu.url}/lists`, { method: 'DELETE', redirect: 'manual' })).status, 405);
      assert.equal(emu.state().counters.redirected, 6);

      emu.configure({ redirect: null });
      const first = await call(emu, 'POST', '/contacts', { body: BODY });
      assert.equal(first.status, 500, 'the scripted fault was not consumed by redirected requests');
      assert.equal((await call(emu, 'GET', '/lists')).status, 429, 'the one token went to the write above');
      assert.deepEqual(rec.requests(), []);
    }));

  it('can be set via POST /__emulator/config and is validated', () =>
    withEmu({}, async (emu) => {
      const cfg = await admin(emu, 'POST', '/__emulator/config', { redirect: { status: 308, to: 'http://127.0.0.1:9/prefix' } });
      assert.equal(cfg.status, 200);
      assert.deepEqual(cfg.body.redirect, { status: 308, to: 'http://127.0.0.1:9/prefix' });
      const res = await fetch(`${emu.url}/account`, { redirect: 'manual' });
      assert.equal(res.status, 308);
      assert.equal(res.headers.get('location'), 'http://127.0.0.1:9/prefix/v1/account');
      for (const bad of [{ status: 300, to: rec.origin }, { status: 307, to: '/relative' }, { status: 307, to: 'ftp://x/' },
        { status: 307, to: 'http://x/?q=1' }, { status: 307 }, { status: 307, to: rec.origin, extra: 1 }, 'http://x']) {
        assert.equal((await admin(emu, 'POST', '/__emulator/config', { redirect: bad })).status, 400, JSON.stringify(bad));
        assert.throws(() => emu.configure({ redirect: bad }), TypeError);
      }
      assert.equal(emu.state().config.redirect.status, 308, 'rejected patches change nothing');
      assert.equal(emu.configure({ redirect: null }).redirect, null);
      assert.equal((await call(emu, 'GET', '/account')).status, 200);
      assert.equal(emu.state().config.redirect, null);
    }));
});

describe('the rig can fail: a client that follows redirects reaches the recorder', () => {
  it('fetch with redirect: "follow" carries the key header and body to the recorder (307)', () =>
    withEmu({ ratePerSecond: 0, redirect: { status: 307, to: rec.origin } }, async (emu) => {
      const res = await fetch(`${emu.url}/contacts?x=1`, {
        method: 'POST',
        redirect: 'follow',
        headers: { AutopilotApiKey: KEY, 'content-type': 'application/json' },
        body: JSON.stringify(BODY),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      const got = rec.requests();
      assert.equal(got.length, 1);
      assert.equal(got[0].method, 'POST');
      assert.equal(got[0].path, '/v1/contacts?x=1');
      assert.equal(got[0].headers.autopilotapikey, KEY, 'header names recorded lower-cased');
      assert.equal(got[0].headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(got[0].body), BODY);
      assert.equal(emu.state().contactCount, 0);
    }));

  it('a 303 is followed as GET, still with the key header', () =>
    withEmu({ ratePerSecond: 0, redirect: { status: 303, to: rec.origin } }, async (emu) => {
      const r = await call(emu, 'POST', '/contacts', { body: BODY });
      assert.equal(r.status, 200);
      const [got] = rec.requests();
      assert.equal(got.method, 'GET');
      assert.equal(got.headers.autopilotapikey, KEY);
      assert.equal(got.body, '');
    }));

  it('fetch with redirect: "manual" does not reach the recorder', () =>
    withEmu({ redirect: { status: 302, to: rec.origin } }, async (emu) => {
      const res = await postManual(emu);
      assert.equal(res.status, 302);
      assert.deepEqual(rec.requests(), []);
    }));
});

describe('recorder', () => {
  it('answers any method 200 {} with CORS, records requests, copies on read, clears', async () => {
    const res = await fetch(`${rec.url}/any/path?q=1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'autopilotapikey' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-headers'), 'autopilotapikey');
    assert.equal(res.headers.get('access-control-allow-methods'), 'PUT');
    const del = await fetch(`${rec.origin}/x`, { method: 'DELETE', headers: { 'X-Mixed-Case': 'v' } });
    assert.equal(del.status, 200);
    assert.equal(del.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await del.json(), {});
    assert.equal(rec.url, rec.origin);
    assert.match(rec.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    const got = rec.requests();
    assert.deepEqual(got.map((r) => [r.method, r.path]), [['OPTIONS', '/any/path?q=1'], ['DELETE', '/x']]);
    assert.equal(got[1].headers['x-mixed-case'], 'v');
    got[0].method = 'mutated';
    assert.equal(rec.requests()[0].method, 'OPTIONS');
    assert.equal(rec.overflow(), 0);
    rec.clear();
    assert.deepEqual(rec.requests(), []);
  });
});
