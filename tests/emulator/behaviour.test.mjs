// Behaviour tests: rate limit, latency, fault injection, rejectWhen,
// state/reset/config, and a load smoke test.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from './index.mjs';
import { KEY, admin, call, createList, sleep, withEmu } from './helpers.mjs';

const upsert = (emu, email, extra = {}) =>
  call(emu, 'POST', '/contacts', { body: { contacts: [{ Email: email, ...extra }] } });

/** Times one request; resolves to [ms, reply]. */
async function timed(promise) {
  const t0 = performance.now();
  const r = await promise;
  return [performance.now() - t0, r];
}

describe('rate limit (token bucket per key) [APIARY-2015]', () => {
  it('defaults to 5 r/s with a one-second bucket; 429 carries Autopilot\'s body and no Retry-After', () =>
    withEmu({}, async (emu) => {
      const replies = await Promise.all(Array.from({ length: 7 }, () => call(emu, 'GET', '/account')));
      const statuses = replies.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
      const throttled = replies.find((r) => r.status === 429);
      assert.deepEqual(throttled.body, { error: 'Too Many Requests', message: 'You have exceeded your request rate of 5 r/s.' });
      assert.equal(throttled.headers.get('retry-after'), null);
      const c = emu.state().counters;
      assert.equal(c.rateLimited, 2);
      assert.equal(c.http429, 2);
      assert.deepEqual(c.byRoute['GET /v1/account'], { 200: 5, 429: 2 });
    }));

  it('refills at ratePerSecond', () =>
    withEmu({ ratePerSecond: 20, burst: 1 }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/lists')).status, 200);
      assert.equal((await call(emu, 'GET', '/lists')).status, 429);
      await sleep(80); // 1 token per 50 ms
      assert.equal((await call(emu, 'GET', '/lists')).status, 200);
    }));

  it('burst sets the bucket capacity; the message uses the configured rate', () =>
    withEmu({ ratePerSecond: 0.5, burst: 3 }, async (emu) => {
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await call(emu, 'GET', '/lists')).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const r = await call(emu, 'GET', '/lists');
      assert.equal(r.body.message, 'You have exceeded your request rate of 0.5 r/s.');
    }));

  it('buckets are per API key', () =>
    withEmu({ apiKeys: ['k1', 'k2'], ratePerSecond: 1 }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/lists', { key: 'k1' })).status, 200);
      assert.equal((await call(emu, 'GET', '/lists', { key: 'k1' })).status, 429);
      assert.equal((await call(emu, 'GET', '/lists', { key: 'k2' })).status, 200);
    }));

  it('a throttled write changes nothing', () =>
    withEmu({ ratePerSecond: 1 }, async (emu) => {
      assert.equal((await upsert(emu, 'first@example.com')).status, 200);
      assert.equal((await upsert(emu, 'second@example.com')).status, 429);
      const s = emu.state();
      assert.deepEqual(s.contacts.map((c) => c.Email), ['first@example.com']);
      assert.deepEqual(s.counters.bulkSizes, { 1: 1 });
    }));

  it('retryAfter: true adds Retry-After: 1', () =>
    withEmu({ ratePerSecond: 1, retryAfter: true }, async (emu) => {
      await call(emu, 'GET', '/lists');
      const r = await call(emu, 'GET', '/lists');
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '1');
    }));

  it('ratePerSecond: 0 disables the limit', () =>
    withEmu({ ratePerSecond: 0 }, async (emu) => {
      const replies = await Promise.all(Array.from({ length: 30 }, () => call(emu, 'GET', '/lists')));
      assert.ok(replies.every((r) => r.status === 200));
    }));
});

describe('latency', () => {
  it('delays every /v1 response by latencyMs', () =>
    withEmu({ ratePerSecond: 0, latencyMs: 150 }, async (emu) => {
      const [ms, r] = await timed(call(emu, 'GET', '/account'));
      assert.equal(r.status, 200);
      assert.ok(ms >= 145, `took ${ms} ms`);
      const [ms2, r2] = await timed(call(emu, 'GET', '/account', { key: 'bad' }));
      assert.equal(r2.status, 401);
      assert.ok(ms2 >= 145, `401 took ${ms2} ms`);
    }));

  it('applies the write on arrival and responds after the delay; counts requests in flight', () =>
    withEmu({ ratePerSecond: 0, latencyMs: 300 }, async (emu) => {
      const pending = Promise.all([
        upsert(emu, 'early@example.com'),
        call(emu, 'GET', '/account'),
        call(emu, 'GET', '/lists'),
      ]);
      await sleep(120);
      const mid = emu.state();
      assert.deepEqual(mid.contacts.map((c) => c.Email), ['early@example.com']);
      assert.equal(mid.counters.inFlight, 3);
      const replies = await pending;
      assert.ok(replies.every((r) => r.status === 200));
      const end = emu.state().counters;
      assert.equal(end.inFlight, 0);
      assert.equal(end.maxInFlight, 3);
    }));

  it('jitter spreads latency within latencyMs ± jitterMs', () =>
    withEmu({ ratePerSecond: 0, latencyMs: 60, jitterMs: 40, seed: 3 }, async (emu) => {
      const times = [];
      for (let i = 0; i < 12; i += 1) times.push((await timed(call(emu, 'GET', '/lists')))[0]);
      const min = Math.min(...times);
      const max = Math.max(...times);
      assert.ok(min >= 18, `min ${min}`);
      assert.ok(max <= 100 + 150, `max ${max}`);
      assert.ok(max - min > 5, `no spread: ${times.join(', ')}`);
    }));

  it('/__emulator routes have no latency', () =>
    withEmu({ latencyMs: 400 }, async (emu) => {
      const t0 = performance.now();
      await admin(emu, 'GET', '/__emulator/state');
      assert.ok(performance.now() - t0 < 300);
    }));
});

describe('fault injection', () => {
  const base = { ratePerSecond: 0 };

  it('500: error body, nothing written', () =>
    withEmu({ ...base, faults: { script: ['500'] } }, async (emu) => {
      const r = await upsert(emu, 'a@example.com');
      assert.equal(r.status, 500);
      assert.equal(r.body.error, 'Internal Server Error');
      assert.equal(emu.state().contactCount, 0);
      assert.equal(emu.state().counters.http500, 1);
      assert.equal((await upsert(emu, 'a@example.com')).status, 200, 'script step consumed');
    }));

  it('503: error body, nothing written', () =>
    withEmu({ ...base, faults: { script: ['503'] } }, async (emu) => {
      const r = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'a@example.com' } } });
      assert.equal(r.status, 503);
      assert.equal(r.body.error, 'Service Unavailable');
      assert.equal(emu.state().contactCount, 0);
      assert.equal(emu.state().counters.http503, 1);
    }));

  it('injected 429: rate-limit body, nothing written', () =>
    withEmu({ ...base, faults: { script: ['429'] } }, async (emu) => {
      const r = await upsert(emu, 'a@example.com');
      assert.equal(r.status, 429);
      assert.equal(r.body.error, 'Too Many Requests');
      const c = emu.state().counters;
      assert.equal(emu.state().contactCount, 0);
      assert.equal(c.injected429, 1);
      assert.equal(c.rateLimited, 0);
      assert.equal(c.http429, 1);
    }));

  it('drop before write: connection closed without a response, nothing written', () =>
    withEmu({ ...base, latencyMs: 20, faults: { script: ['drop'] } }, async (emu) => {
      await assert.rejects(upsert(emu, 'a@example.com'), TypeError);
      const s = emu.state();
      assert.equal(s.contactCount, 0);
      assert.equal(s.counters.dropped, 1);
      assert.equal(s.counters.droppedBeforeWrite, 1);
      assert.deepEqual(s.counters.byRoute['POST /v1/contacts'], { dropped: 1 });
      assert.equal(s.counters.inFlight, 0);
      assert.equal((await upsert(emu, 'a@example.com')).status, 200, 'the emulator keeps serving');
    }));

  it('drop after write: connection closed without a response, but the write is applied', () =>
    withEmu({ ...base, faults: { script: ['dropAfterWrite'] } }, async (emu) => {
      await assert.rejects(upsert(emu, 'a@example.com'), TypeError);
      const s = emu.state();
      assert.deepEqual(s.contacts.map((c) => c.Email), ['a@example.com']);
      assert.equal(s.counters.droppedAfterWrite, 1);
      assert.equal(s.counters.dropped, 1);
    }));

  it('slow: responds after slowMs, the write is applied on arrival', () =>
    withEmu({ ...base, faults: { script: ['slow'], slowMs: 250 } }, async (emu) => {
      const pending = timed(upsert(emu, 'a@example.com'));
      await sleep(100);
      assert.equal(emu.state().contactCount, 1, 'applied before the response');
      const [ms, r] = await pending;
      assert.equal(r.status, 200);
      assert.ok(ms >= 240, `took ${ms} ms`);
      assert.equal(emu.state().counters.slow, 1);
    }));

  it('applies to POST /v1/contacts and POST /v1/contact only, unless routes says otherwise', async () => {
    await withEmu({ ...base, faults: { p500: 1 } }, async (emu) => {
      assert.equal((await upsert(emu, 'a@example.com')).status, 500);
      assert.equal((await call(emu, 'POST', '/contact', { body: { contact: { Email: 'a@example.com' } } })).status, 500);
      assert.equal((await call(emu, 'GET', '/account')).status, 200);
      assert.equal((await call(emu, 'POST', '/list', { body: { name: 'L' } })).status, 200);
    });
    await withEmu({ ...base, faults: { p503: 1, routes: ['*'] } }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/account')).status, 503);
    });
    await withEmu({ ...base, faults: { p503: 1, routes: ['GET /v1/lists'] } }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/lists')).status, 503);
      assert.equal((await upsert(emu, 'a@example.com')).status, 200);
    });
  });

  it('faults are drawn only after auth and rate limit pass', () =>
    withEmu({ ratePerSecond: 1, faults: { p500: 1 } }, async (emu) => {
      const statuses = [
        (await call(emu, 'POST', '/contacts', { key: null, body: {} })).status,
        (await call(emu, 'POST', '/contacts', { key: 'bad', body: {} })).status,
        (await upsert(emu, 'a@example.com')).status,
        (await upsert(emu, 'b@example.com')).status,
      ];
      assert.deepEqual(statuses, [400, 401, 500, 429]);
    }));

  it('probabilistic faults are deterministic for a seed (and reset re-seeds)', async () => {
    const faults = { p500: 0.25, p503: 0.15, pDropAfterWrite: 0.1 };
    const run = async (emu) => {
      const out = [];
      for (let i = 0; i < 30; i += 1) {
        out.push(await upsert(emu, `s${i}@example.com`).then((r) => r.status, () => 'drop'));
      }
      return out;
    };
    let first;
    let afterReset;
    await withEmu({ ...base, seed: 7, faults }, async (emu) => {
      first = await run(emu);
      emu.reset();
      afterReset = await run(emu);
    });
    let again;
    await withEmu({ ...base, seed: 7, faults }, async (emu) => { again = await run(emu); });
    let other;
    await withEmu({ ...base, seed: 8, faults }, async (emu) => { other = await run(emu); });
    assert.deepEqual(again, first);
    assert.deepEqual(afterReset, first);
    assert.notDeepEqual(other, first);
    for (const kind of [200, 500, 503, 'drop']) assert.ok(first.includes(kind), `${kind} in ${first}`);
  });

  it('a script runs first, then probabilities apply', () =>
    withEmu({ ...base, faults: { script: ['503', 'none', '500'], p500: 0 } }, async (emu) => {
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await upsert(emu, `x${i}@example.com`)).status);
      assert.deepEqual(statuses, [503, 200, 500, 200]);
    }));
});

describe('rejectWhen marker (forces clients to bisect)', () => {
  const opts = { ratePerSecond: 0, rejectWhen: 'REJECT-ME' };

  it('an Email containing the marker makes the whole bulk request 400', () =>
    withEmu(opts, async (emu) => {
      const contacts = Array.from({ length: 10 }, (_, i) => ({ Email: `ok${i}@example.com` }));
      contacts[6] = { Email: 'bad+REJECT-ME@example.com' };
      const r = await call(emu, 'POST', '/contacts', { body: { contacts } });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'Bad Request');
      assert.match(r.body.message, /index 6/);
      assert.equal(emu.state().contactCount, 0);
      // the halves without it go through
      const left = await call(emu, 'POST', '/contacts', { body: { contacts: contacts.slice(0, 5) } });
      assert.equal(left.status, 200);
    }));

  it('any string value equal to the marker (standard or custom field) rejects; a mere substring does not', () =>
    withEmu(opts, async (emu) => {
      assert.equal((await upsert(emu, 'a@example.com', { Company: 'REJECT-ME' })).status, 400);
      assert.equal((await upsert(emu, 'a@example.com', { custom: { 'string--Note': 'REJECT-ME' } })).status, 400);
      assert.equal((await call(emu, 'POST', '/contact', { body: { contact: { Email: 'a@example.com', FirstName: 'REJECT-ME' } } })).status, 400);
      assert.equal((await upsert(emu, 'a@example.com', { Company: 'xx REJECT-ME xx' })).status, 200);
    }));
});

describe('state, reset, config', () => {
  it('state() is a deep copy with the documented shape', () =>
    withEmu({ ratePerSecond: 0 }, async (emu) => {
      const listId = await createList(emu, 'S');
      await upsert(emu, 'a@example.com', { FirstName: 'A', _autopilot_list: listId, custom: { 'integer--N': 1 } });
      const s = emu.state();
      assert.deepEqual(Object.keys(s).sort(), ['accounts', 'config', 'contactCount', 'contacts', 'counters', 'customFields', 'instanceId', 'lists']);
      assert.deepEqual(s.accounts, [{ instanceId: s.instanceId, contactCount: 1, contacts: s.contacts, lists: s.lists, customFields: s.customFields }]);
      assert.deepEqual(Object.keys(s.contacts[0]).sort(), ['Email', 'FirstName', 'contact_id', 'created_at', 'custom', 'lists', 'updated_at']);
      assert.deepEqual(s.lists, [{ list_id: listId, title: 'S', total_contacts: 1, contact_ids: [s.contacts[0].contact_id] }]);
      assert.deepEqual(s.customFields, [{ key: 'integer--N', name: 'N', fieldType: 'integer' }]);
      for (const k of ['requests', 'byRoute', 'byStatus', 'http429', 'rateLimited', 'injected429', 'http500', 'http503',
        'dropped', 'droppedBeforeWrite', 'droppedAfterWrite', 'slow', 'inFlight', 'maxInFlight', 'bulkSizes',
        'contactsCreated', 'contactsUpdated', 'duplicateEmailsInBulk', 'preflights', 'redirected', 'removals',
        'removalsNotModified', 'delayed']) {
        assert.ok(k in s.counters, `counters.${k}`);
      }
      assert.equal(s.counters.requests, 2);
      assert.deepEqual(s.counters.byStatus, { 200: 2 });
      s.contacts[0].FirstName = 'mutated';
      s.contacts[0].custom['integer--N'] = 99;
      s.lists[0].contact_ids.push('x');
      s.counters.byRoute['POST /v1/contacts']['200'] = 42;
      const t = emu.state();
      assert.equal(t.contacts[0].FirstName, 'A');
      assert.equal(t.contacts[0].custom['integer--N'], 1);
      assert.equal(t.lists[0].contact_ids.length, 1);
      assert.equal(t.counters.byRoute['POST /v1/contacts']['200'], 1);
      const slim = emu.state({ contacts: false });
      assert.equal(slim.contacts, undefined);
      assert.equal(slim.contactCount, 1);
      assert.equal(slim.lists[0].contact_ids, undefined);
    }));

  it('reset() clears contacts, lists, custom fields and counters but keeps config', () =>
    withEmu({ ratePerSecond: 0, latencyMs: 1 }, async (emu) => {
      await createList(emu, 'S');
      await upsert(emu, 'a@example.com', { custom: { 'string--X': 'y' } });
      emu.reset();
      const s = emu.state();
      assert.equal(s.contactCount, 0);
      assert.deepEqual(s.contacts, []);
      assert.deepEqual(s.lists, []);
      assert.deepEqual(s.customFields, []);
      assert.equal(s.counters.requests, 0);
      assert.deepEqual(s.counters.byRoute, {});
      assert.equal(s.config.latencyMs, 1);
      assert.equal((await call(emu, 'GET', '/contact/a%40example.com')).status, 404);
    }));

  it('HTTP /__emulator/state, /reset and /config mirror the handle; no auth; not counted', () =>
    withEmu({ ratePerSecond: 0 }, async (emu) => {
      await upsert(emu, 'a@example.com');
      const st = await admin(emu, 'GET', '/__emulator/state');
      assert.equal(st.status, 200);
      const local = emu.state();
      assert.deepEqual(st.body.contacts, local.contacts);
      assert.deepEqual(st.body.counters.byRoute, local.counters.byRoute);
      assert.equal(local.counters.requests, 1);
      const slim = await admin(emu, 'GET', '/__emulator/state?contacts=0');
      assert.equal(slim.body.contacts, undefined);
      assert.equal(slim.body.contactCount, 1);

      const cfg = await admin(emu, 'POST', '/__emulator/config', { ratePerSecond: 1, faults: { p503: 0.5 } });
      assert.equal(cfg.status, 200);
      assert.equal(cfg.body.ratePerSecond, 1);
      assert.equal(cfg.body.burst, 1);
      assert.equal(cfg.body.faults.p503, 0.5);
      assert.deepEqual((await admin(emu, 'GET', '/__emulator/config')).body, cfg.body);
      await call(emu, 'GET', '/lists');
      const r = await call(emu, 'GET', '/lists');
      assert.equal(r.status, 429);
      assert.equal(r.body.message, 'You have exceeded your request rate of 1 r/s.');

      const bad = await admin(emu, 'POST', '/__emulator/config', { faults: { p500: 0.8, p503: 0.8 } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /add up to/);
      assert.equal((await admin(emu, 'POST', '/__emulator/config', { nope: 1 })).status, 400);
      assert.equal(emu.state().config.faults.p503, 0.5, 'a rejected patch changes nothing');

      const rs = await admin(emu, 'POST', '/__emulator/reset');
      assert.deepEqual(rs.body, { ok: true });
      assert.equal(emu.state().contactCount, 0);
      assert.equal((await admin(emu, 'GET', '/__emulator/nope')).status, 404);
      assert.equal((await admin(emu, 'DELETE', '/__emulator/state')).status, 405);
    }));

  it('configure() on the handle changes behaviour at runtime', () =>
    withEmu({ ratePerSecond: 0 }, async (emu) => {
      emu.configure({ faults: { script: ['500'] }, rejectWhen: 'BAD' });
      assert.equal((await upsert(emu, 'a@example.com')).status, 500);
      assert.equal((await upsert(emu, 'BAD@example.com')).status, 400);
      emu.configure({ apiKey: 'newkey' });
      assert.equal((await call(emu, 'GET', '/lists')).status, 401);
      assert.equal((await call(emu, 'GET', '/lists', { key: 'newkey' })).status, 200);
      assert.throws(() => emu.configure({ latencyMs: -1 }), TypeError);
      assert.throws(() => emu.configure({ port: 1234 }), TypeError);
    }));

  it('startEmulator rejects invalid options and binds 127.0.0.1', async () => {
    await assert.rejects(startEmulator({ bogus: true }), TypeError);
    await assert.rejects(startEmulator({ faults: { p500: 2 } }), TypeError);
    await assert.rejects(startEmulator({ faults: { routes: ['GET /v1/nope'] } }), TypeError);
    await assert.rejects(startEmulator({ faults: { script: ['explode'] } }), TypeError);
    await assert.rejects(startEmulator({ apiKeys: [''] }), TypeError);
    await withEmu({}, async (emu) => {
      assert.equal(emu.url, `http://127.0.0.1:${emu.port}/v1`);
      assert.equal(emu.origin, `http://127.0.0.1:${emu.port}`);
      assert.ok(emu.port > 0);
      assert.equal(emu.state().config.apiKeys[0], KEY);
    });
  });
});

describe('load', () => {
  it('takes 100,000 contacts in 1,000 bulk requests and pages the list', () =>
    withEmu({ ratePerSecond: 0 }, async (emu) => {
      const listId = await createList(emu, 'Load');
      let next = 0;
      const worker = async () => {
        while (next < 1000) {
          const b = next++;
          const contacts = Array.from({ length: 100 }, (_, i) => ({
            Email: `u${b * 100 + i}@example.com`, FirstName: 'F', _autopilot_list: listId, custom: { 'integer--Batch': b },
          }));
          const r = await call(emu, 'POST', '/contacts', { body: { contacts } });
          assert.equal(r.status, 200);
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
      const s = emu.state({ contacts: false });
      assert.equal(s.contactCount, 100000);
      assert.deepEqual(s.counters.bulkSizes, { 100: 1000 });
      assert.equal(s.lists[0].total_contacts, 100000);
      const first = await call(emu, 'GET', `/list/${listId}/contacts`);
      const second = await call(emu, 'GET', `/list/${listId}/contacts/${first.body.bookmark}`);
      assert.equal(second.body.contacts.length, 100);
      assert.equal(second.body.total_contacts, 100000);
    }));
});
