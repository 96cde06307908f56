// Per-contact 400s of bulk upserts: `index N` in every message (the contact's
// position in the request's `contacts` array, from 0), and the systemic
// `rejectCustomKey` rejection (a custom field of another type in the account).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectCustomKeyMessage } from './store.mjs';
import { admin, call, withEmu } from './helpers.mjs';

const KEY_ = 'float--Lifetime--Value';
const MESSAGE = 'Invalid custom field "float--Lifetime--Value": the account\'s field "Lifetime Value" is not of type float.';
const bulk = (emu, contacts) => call(emu, 'POST', '/contacts', { body: { contacts } });
const ok = (i) => ({ Email: `ok${i}@example.com`, custom: { 'string--Tier': 'gold' } });
const poisoned = (i) => ({ Email: `p${i}@example.com`, custom: { [KEY_]: 12.5 } });

describe('index N in every per-contact 400', () => {
  it('names the position of the first invalid contact in the request\'s contacts array', () =>
    withEmu({ ratePerSecond: 0, rejectWhen: 'MARK' }, async (emu) => {
      const cases = [
        [0, 'not an object'],
        [1, { Email: 'no-at-sign' }],
        [2, { Email: 'x@example.com', email: 'lower' }],
        [3, { Email: 'x@example.com', custom: { 'integer--Age': 1.5 } }],
        [4, { Email: 'x@example.com', custom: { 'money--X': 1 } }],
        [5, { FirstName: 'no email' }],
        [6, { Email: 'MARK@example.com' }],
        [99, { Email: 'x@example.com', unsubscribed: 'yes' }],
      ];
      for (const [index, bad] of cases) {
        const contacts = Array.from({ length: 100 }, (_, i) => ok(i));
        contacts[index] = bad;
        if (index < 99) contacts[99] = { Email: 'also-invalid' }; // a later invalid contact does not change N
        const r = await bulk(emu, contacts);
        assert.equal(r.status, 400, JSON.stringify(bad));
        assert.equal(r.body.error, 'Bad Request');
        assert.match(r.body.message, new RegExp(`^Invalid contact at index ${index}: `), JSON.stringify(bad));
      }
      assert.equal(emu.state().contactCount, 0);
    }));
});

describe('rejectCustomKey (systemic rejection: a wrong field type for the whole account)', () => {
  it('every contact carrying the key fails its bulk request with the same message, at its index', () =>
    withEmu({ ratePerSecond: 0, rejectCustomKey: KEY_ }, async (emu) => {
      assert.equal(rejectCustomKeyMessage(KEY_), MESSAGE);
      const contacts = Array.from({ length: 10 }, (_, i) => ok(i));
      contacts[3] = poisoned(3);
      contacts[7] = poisoned(7);
      const r = await bulk(emu, contacts);
      assert.equal(r.status, 400);
      assert.deepEqual(r.body, { error: 'Bad Request', message: `Invalid contact at index 3: ${MESSAGE}` });
      assert.equal(emu.state().contactCount, 0, 'nothing applied');
      assert.deepEqual(emu.state().customFields, []);
      // A client splitting at the index: the head passes, the contact fails alone, the tail fails at 7 - 4 = 3.
      assert.equal((await bulk(emu, contacts.slice(0, 3))).status, 200);
      assert.deepEqual((await bulk(emu, contacts.slice(3, 4))).body.message, `Invalid contact at index 0: ${MESSAGE}`);
      assert.deepEqual((await bulk(emu, contacts.slice(4))).body.message, `Invalid contact at index 3: ${MESSAGE}`);
      assert.equal((await bulk(emu, contacts.slice(4, 7))).status, 200);
      assert.equal(emu.state().contactCount, 6);
    }));

  it('rejects whatever the value and before any other check of the contact; single upserts too', () =>
    withEmu({ ratePerSecond: 0, rejectCustomKey: KEY_ }, async (emu) => {
      for (const value of [1, 2.5, 'text', true, null]) {
        const r = await bulk(emu, [{ Email: 'a@example.com', custom: { [KEY_]: value } }]);
        assert.equal(r.body.message, `Invalid contact at index 0: ${MESSAGE}`, String(value));
      }
      const broken = await bulk(emu, [{ Email: 'no-at-sign', bogus: 1, custom: { 'money--X': 1, [KEY_]: 1 } }]);
      assert.equal(broken.body.message, `Invalid contact at index 0: ${MESSAGE}`);
      const one = await call(emu, 'POST', '/contact', { body: { contact: poisoned(0) } });
      assert.equal(one.status, 400);
      assert.deepEqual(one.body, { error: 'Bad Request', message: `Invalid contact: ${MESSAGE}` });
      assert.equal((await bulk(emu, [{ Email: 'a@example.com', custom: { 'float--Lifetime--Value--2': 1 } }])).status, 200, 'exact key only');
      assert.equal((await bulk(emu, [{ Email: 'b@example.com', custom: { 'string--Lifetime--Value': 'x' } }])).status, 200, 'other type prefix is another key');
    }));

  it('coexists with rejectWhen; set at runtime, via /__emulator/config, cleared with null; validated', () =>
    withEmu({ ratePerSecond: 0, rejectWhen: 'MARK' }, async (emu) => {
      assert.equal((await bulk(emu, [poisoned(0)])).status, 200, 'off by default');
      emu.configure({ rejectCustomKey: KEY_ });
      assert.equal((await bulk(emu, [poisoned(1)])).status, 400);
      assert.match((await bulk(emu, [ok(0), { Email: 'MARK@example.com' }])).body.message, /^Invalid contact at index 1: Contact rejected by the emulator's rejectWhen marker\.$/);
      assert.equal((await admin(emu, 'POST', '/__emulator/config', { rejectCustomKey: null })).body.rejectCustomKey, null);
      assert.equal((await bulk(emu, [poisoned(2)])).status, 200);
      for (const bad of ['', 'Lifetime', 'money--X', 'float--', 'float--Has Space', 7]) {
        assert.throws(() => emu.configure({ rejectCustomKey: bad }), TypeError, JSON.stringify(bad));
        assert.equal((await admin(emu, 'POST', '/__emulator/config', { rejectCustomKey: bad })).status, 400);
      }
      assert.equal(emu.state().config.rejectCustomKey, null);
    }));
});
