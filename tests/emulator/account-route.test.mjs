// GET /v1/account (the exporter's credential check [FORMIE]) goes through the
// same pipeline as every /v1 route: redirect, auth, rate limit, faults, latency.
// Latency is checked with the `delayed` counter, not with a clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KEY, call, withEmu } from './helpers.mjs';

const ROUTE = 'GET /v1/account';

describe('GET /v1/account honours every cross-cutting behaviour', () => {
  it('redirect: answered before auth, nothing else happens', () =>
    withEmu({ redirect: { status: 301, to: 'http://127.0.0.1:9' } }, async (emu) => {
      for (const headers of [{}, { autopilotapikey: KEY }, { autopilotapikey: 'wrong' }]) {
        const res = await fetch(`${emu.url}/account?probe=1`, { headers, redirect: 'manual' });
        assert.equal(res.status, 301);
        assert.equal(res.headers.get('location'), 'http://127.0.0.1:9/v1/account?probe=1');
      }
      assert.deepEqual(emu.state().counters.byRoute[ROUTE], { 301: 3 });
    }));

  it('auth: 400 without the header, 401 with a wrong key', () =>
    withEmu({}, async (emu) => {
      assert.equal((await call(emu, 'GET', '/account', { key: null })).status, 400);
      assert.equal((await call(emu, 'GET', '/account', { key: 'wrong' })).status, 401);
      assert.deepEqual(emu.state().counters.byRoute[ROUTE], { 400: 1, 401: 1 });
    }));

  it('rate limit: takes a token and is throttled like any route', () =>
    withEmu({ ratePerSecond: 0.5, burst: 1 }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/account')).status, 200);
      const r = await call(emu, 'GET', '/account');
      assert.equal(r.status, 429);
      assert.equal(r.body.message, 'You have exceeded your request rate of 0.5 r/s.');
      assert.equal((await call(emu, 'GET', '/lists')).status, 429, 'one bucket per key across routes');
      assert.equal(emu.state().counters.rateLimited, 2);
    }));

  it('faults: applies when the route is listed', () =>
    withEmu({ ratePerSecond: 0, faults: { routes: [ROUTE], script: ['503', '500'] } }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/account')).status, 503);
      assert.equal((await call(emu, 'GET', '/account')).status, 500);
      assert.equal((await call(emu, 'GET', '/account')).status, 200);
    }));

  it('latency: every answer of the route is delayed (counter `delayed`), errors included', () =>
    withEmu({ ratePerSecond: 0, latencyMs: 5 }, async (emu) => {
      await call(emu, 'GET', '/account');
      await call(emu, 'GET', '/account', { key: 'wrong' });
      await fetch(`${emu.url}/account`, { method: 'POST' });
      const c = emu.state().counters;
      assert.equal(c.delayed, 3);
      assert.deepEqual(c.byRoute[ROUTE], { 200: 1, 401: 1 });
      emu.configure({ latencyMs: 0 });
      await call(emu, 'GET', '/account');
      assert.equal(emu.state().counters.delayed, 3, 'no latency -> not delayed');
    }));
});
