// CORS on and off. On (default): every response carries
// Access-Control-Allow-Origin and preflights are answered (browser tests).
// Off (`cors: false`): no Access-Control-* header on any response and no
// preflight answer, so a browser blocks cross-origin calls.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEY, call, corsHeaderNames, withEmu } from './helpers.mjs';

const PREFLIGHT = {
  origin: 'http://127.0.0.1:9',
  'access-control-request-method': 'POST',
  'access-control-request-headers': 'autopilotapikey,content-type',
};

/**
 * One response of every kind the emulator sends: 200, 400, 401, 404, 405, 429,
 * injected 500, redirect, admin routes, and preflights on /v1, /__emulator and
 * unknown paths. Returns [label, Response] pairs (bodies consumed).
 */
async function everyKindOfResponse(emu) {
  const out = [];
  const get = async (label, url, init = {}) => {
    const res = await fetch(url, { redirect: 'manual', ...init });
    await res.arrayBuffer();
    out.push([label, res]);
  };
  const withKey = { headers: { autopilotapikey: KEY } };
  await get('200', `${emu.url}/account`, withKey);
  await get('400 no key', `${emu.url}/account`);
  await get('401', `${emu.url}/account`, { headers: { autopilotapikey: 'wrong' } });
  await get('404', `${emu.url}/nope`, withKey);
  await get('405', `${emu.url}/lists`, { ...withKey, method: 'DELETE' });
  await get('500 injected', `${emu.url}/contacts`, {
    method: 'POST', headers: { autopilotapikey: KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ contacts: [{ Email: 'a@example.com' }] }),
  });
  await get('429', `${emu.url}/lists`, withKey);
  await get('preflight /v1', `${emu.url}/contacts`, { method: 'OPTIONS', headers: PREFLIGHT });
  await get('preflight /v1/account', `${emu.url}/account`, { method: 'OPTIONS', headers: PREFLIGHT });
  await get('preflight unknown path', `${emu.origin}/elsewhere`, { method: 'OPTIONS', headers: PREFLIGHT });
  await get('preflight admin', `${emu.origin}/__emulator/state`, { method: 'OPTIONS', headers: PREFLIGHT });
  await get('admin state', `${emu.origin}/__emulator/state?contacts=0`);
  await get('admin 404', `${emu.origin}/__emulator/nope`);
  emu.configure({ redirect: { status: 307, to: 'http://127.0.0.1:9' } });
  await get('307', `${emu.url}/account`, withKey);
  emu.configure({ redirect: null });
  return out;
}

const OPTS = { ratePerSecond: 1, burst: 2, faults: { script: ['500'] } };

describe('CORS on (default, for browser-based tests)', () => {
  it('answers preflights 204 without auth, not counted as API requests', () =>
    withEmu({}, async (emu) => {
      const res = await fetch(`${emu.url}/contacts`, { method: 'OPTIONS', headers: PREFLIGHT });
      assert.equal(res.status, 204);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.match(res.headers.get('access-control-allow-headers'), /autopilotapikey/);
      const c = emu.state().counters;
      assert.equal(c.requests, 0);
      assert.equal(c.preflights, 1);
      const r = await call(emu, 'GET', '/account');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
    }));

  it('every kind of response carries Access-Control-Allow-Origin: *', () =>
    withEmu(OPTS, async (emu) => {
      const all = await everyKindOfResponse(emu);
      for (const [label, res] of all) assert.equal(res.headers.get('access-control-allow-origin'), '*', label);
      assert.equal(emu.state().counters.preflights, 4);
    }));
});

describe('CORS off (cors: false): a browser blocks every cross-origin call', () => {
  it('no Access-Control-* header on any response; preflights get 404/405', () =>
    withEmu({ ...OPTS, cors: false }, async (emu) => {
      const all = await everyKindOfResponse(emu);
      const statuses = Object.fromEntries(all.map(([label, res]) => [label, res.status]));
      assert.deepEqual(statuses, {
        200: 200, '400 no key': 400, 401: 401, 404: 404, 405: 405, '500 injected': 500, 429: 429,
        'preflight /v1': 405, 'preflight /v1/account': 405, 'preflight unknown path': 404, 'preflight admin': 405,
        'admin state': 200, 'admin 404': 404, 307: 307,
      });
      for (const [label, res] of all) assert.deepEqual(corsHeaderNames(res), [], label);
      const c = emu.state().counters;
      assert.equal(c.preflights, 0, 'no preflight was answered as one');
      assert.deepEqual(c.byRoute['OPTIONS /v1/contacts'], { 405: 1 }, 'a /v1 OPTIONS is an ordinary (405) API request');
    }));

  it('configure({cors: false}) at runtime switches the headers off; back on again', () =>
    withEmu({}, async (emu) => {
      assert.equal((await call(emu, 'GET', '/account')).headers.get('access-control-allow-origin'), '*');
      emu.configure({ cors: false });
      const r = await call(emu, 'GET', '/account');
      assert.equal(r.status, 200);
      assert.deepEqual(corsHeaderNames(r.headers), []);
      const pre = await fetch(`${emu.url}/account`, { method: 'OPTIONS', headers: PREFLIGHT });
      assert.equal(pre.status, 405);
      assert.deepEqual(corsHeaderNames(pre), []);
      emu.configure({ cors: true });
      assert.equal((await fetch(`${emu.url}/account`, { method: 'OPTIONS', headers: PREFLIGHT })).status, 204);
    }));
});
