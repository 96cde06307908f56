// Several Autopilot accounts on one emulator (`accounts` option): separate data
// and instanceId per account, rotated keys sharing one account, rate buckets per
// key, reconciliation on configure().

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEmulator } from './index.mjs';
import { KEY, admin, call, withEmu } from './helpers.mjs';

const ACCOUNTS = [
  { instanceId: 'instance_A', apiKeys: ['key-a'] },
  { apiKeys: ['key-b1', 'key-b2'] },
];

const upsert = (emu, key, email, extra = {}) =>
  call(emu, 'POST', '/contacts', { key, body: { contacts: [{ Email: email, ...extra }] } });
const instanceOf = async (emu, key) => (await call(emu, 'GET', '/account', { key })).body.instanceId;

describe('accounts option', () => {
  it('default: one account holding the default key', () =>
    withEmu({}, async (emu) => {
      const s = emu.state();
      assert.deepEqual(s.config.accounts, [{ instanceId: s.instanceId, apiKeys: [KEY] }], 'config shows the generated id');
      assert.deepEqual(s.config.apiKeys, [KEY]);
      assert.equal(s.accounts.length, 1);
      assert.equal(s.accounts[0].instanceId, s.instanceId);
      assert.equal(await instanceOf(emu, KEY), s.instanceId);
    }));

  it('GET /v1/account answers each account\'s instanceId; two keys of one account share it', () =>
    withEmu({ accounts: ACCOUNTS }, async (emu) => {
      assert.equal(await instanceOf(emu, 'key-a'), 'instance_A');
      const b = await instanceOf(emu, 'key-b1');
      assert.match(b, /^instance_[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
      assert.equal(await instanceOf(emu, 'key-b2'), b);
      assert.equal((await call(emu, 'GET', '/account')).status, 401, 'the default key is not accepted');
      const s = emu.state();
      assert.deepEqual(s.accounts.map((a) => a.instanceId), ['instance_A', b]);
      assert.deepEqual(s.config.accounts, [{ instanceId: 'instance_A', apiKeys: ['key-a'] }, { instanceId: b, apiKeys: ['key-b1', 'key-b2'] }]);
      assert.deepEqual(s.config.apiKeys, ['key-a'], 'apiKeys = the first account\'s keys');
    }));

  it('each account has its own contacts, lists and custom fields', () =>
    withEmu({ ratePerSecond: 0, accounts: ACCOUNTS }, async (emu) => {
      const listA = (await call(emu, 'POST', '/list', { key: 'key-a', body: { name: 'Seg' } })).body.list_id;
      const listB = (await call(emu, 'POST', '/list', { key: 'key-b1', body: { name: 'Seg' } })).body.list_id;
      assert.ok(listA && listB && listA !== listB, 'the same title in two accounts is no conflict');
      const wa = await upsert(emu, 'key-a', 'a@example.com', { _autopilot_list: listA, custom: { 'string--Tier': 'gold' } });
      assert.equal(wa.status, 200);
      const wb = await upsert(emu, 'key-b1', 'a@example.com');
      assert.notEqual(wb.body.contact_ids[0], wa.body.contact_ids[0], 'ids differ between accounts');

      assert.equal((await call(emu, 'GET', '/contact/b%40example.com', { key: 'key-a' })).status, 404);
      assert.deepEqual((await call(emu, 'GET', '/lists', { key: 'key-b2' })).body, { lists: [{ list_id: listB, title: 'Seg' }] });
      assert.deepEqual((await call(emu, 'GET', '/contacts/custom_fields', { key: 'key-b1' })).body, []);
      assert.equal((await call(emu, 'GET', `/list/${listA}/contact/a%40example.com`, { key: 'key-b1' })).status, 404, 'other account\'s list');
      assert.equal((await upsert(emu, 'key-b1', 'c@example.com', { _autopilot_list: listA })).status, 400);

      const s = emu.state();
      assert.equal(s.contactCount, 1);
      assert.deepEqual(s.accounts[0], { instanceId: s.instanceId, contactCount: s.contactCount, contacts: s.contacts, lists: s.lists, customFields: s.customFields });
      assert.deepEqual(s.accounts[0].contacts[0].lists, [listA]);
      assert.deepEqual(s.accounts[1].contacts.map((c) => [c.Email, c.lists]), [['a@example.com', []]]);
      assert.deepEqual(s.accounts[1].customFields, []);
      assert.deepEqual(s.accounts[1].lists, [{ list_id: listB, title: 'Seg', total_contacts: 0, contact_ids: [] }]);
      const slim = emu.state({ contacts: false });
      assert.equal(slim.accounts[1].contacts, undefined);
      assert.equal(slim.accounts[1].lists[0].contact_ids, undefined);
      assert.equal(slim.accounts[1].contactCount, 1);
    }));

  it('a rotated key (second key of the account) sees the same data', () =>
    withEmu({ ratePerSecond: 0, accounts: ACCOUNTS }, async (emu) => {
      const w = await upsert(emu, 'key-b1', 'r@example.com');
      const r = await call(emu, 'GET', '/contact/r%40example.com', { key: 'key-b2' });
      assert.equal(r.status, 200);
      assert.equal(r.body.contact_id, w.body.contact_ids[0]);
    }));

  it('rate buckets stay per key, also within one account', () =>
    withEmu({ ratePerSecond: 0.5, burst: 1, accounts: ACCOUNTS }, async (emu) => {
      assert.equal((await call(emu, 'GET', '/lists', { key: 'key-b1' })).status, 200);
      assert.equal((await call(emu, 'GET', '/lists', { key: 'key-b1' })).status, 429);
      assert.equal((await call(emu, 'GET', '/lists', { key: 'key-b2' })).status, 200);
      assert.equal((await call(emu, 'GET', '/lists', { key: 'key-a' })).status, 200);
    }));

  it('rejects invalid accounts (TypeError) and accounts together with apiKey/apiKeys', async () => {
    for (const bad of [
      { accounts: [] },
      { accounts: [{ apiKeys: [] }] },
      { accounts: [{ apiKeys: [''] }] },
      { accounts: [{ apiKeys: ['k'], nope: 1 }] },
      { accounts: [{ apiKeys: ['k'] }, { apiKeys: ['k'] }] },
      { accounts: [{ instanceId: 'i', apiKeys: ['k1'] }, { instanceId: 'i', apiKeys: ['k2'] }] },
      { accounts: [{ instanceId: '', apiKeys: ['k1'] }] },
      { accounts: [{ apiKeys: ['k'] }], apiKey: 'x' },
      { accounts: [{ apiKeys: ['k'] }], apiKeys: ['x'] },
      { accounts: 'k' },
    ]) {
      await assert.rejects(startEmulator(bad), TypeError, JSON.stringify(bad));
    }
    await withEmu({ accounts: ACCOUNTS }, async (emu) => {
      assert.throws(() => emu.configure({ apiKeys: ['key-b1'] }), TypeError, 'a key of another account');
      const r = await admin(emu, 'POST', '/__emulator/config', { accounts: [{ apiKeys: ['x'] }], apiKey: 'y' });
      assert.equal(r.status, 400);
      assert.match(r.body.message, /accounts/);
      assert.deepEqual(emu.state().config.accounts.map((a) => a.apiKeys), [['key-a'], ['key-b1', 'key-b2']]);
    });
  });
});

describe('accounts at runtime', () => {
  it('configure({accounts}) keeps the data of accounts named by instanceId; others start empty', () =>
    withEmu({ ratePerSecond: 0, accounts: ACCOUNTS }, async (emu) => {
      await upsert(emu, 'key-a', 'a@example.com');
      await upsert(emu, 'key-b1', 'b@example.com');
      const b = emu.state().accounts[1].instanceId;
      // rotate B's key (drop key-b1), replace A with a new account C
      const cfg = emu.configure({ accounts: [{ instanceId: b, apiKeys: ['key-b3'] }, { apiKeys: ['key-c'] }] });
      const c = emu.state().accounts[1].instanceId;
      assert.deepEqual(cfg.accounts, [{ instanceId: b, apiKeys: ['key-b3'] }, { instanceId: c, apiKeys: ['key-c'] }]);
      assert.equal((await call(emu, 'GET', '/account', { key: 'key-b1' })).status, 401, 'old key invalid at once');
      assert.equal((await call(emu, 'GET', '/account', { key: 'key-a' })).status, 401);
      assert.equal(await instanceOf(emu, 'key-b3'), b);
      assert.equal((await call(emu, 'GET', '/contact/b%40example.com', { key: 'key-b3' })).status, 200, 'data kept');
      const s = emu.state();
      assert.equal(s.instanceId, b, 'top level = first account');
      assert.equal(s.accounts[1].contactCount, 0);
      assert.notEqual(s.accounts[1].instanceId, b, 'a new account gets a new generated instanceId');
      assert.notEqual(s.accounts[1].instanceId, 'instance_A');
      emu.reset();
      assert.deepEqual(emu.state().accounts.map((a) => a.instanceId), s.accounts.map((a) => a.instanceId));
    }));

  it('configure({apiKeys}) rotates the first account\'s keys and keeps every account\'s data', () =>
    withEmu({ ratePerSecond: 0, accounts: ACCOUNTS }, async (emu) => {
      await upsert(emu, 'key-a', 'a@example.com');
      await upsert(emu, 'key-b1', 'b@example.com');
      emu.configure({ apiKeys: ['key-a2'] });
      assert.equal((await call(emu, 'GET', '/account', { key: 'key-a' })).status, 401);
      assert.equal((await call(emu, 'GET', '/contact/a%40example.com', { key: 'key-a2' })).status, 200);
      assert.equal((await call(emu, 'GET', '/contact/b%40example.com', { key: 'key-b2' })).status, 200);
      assert.deepEqual(emu.state().config.accounts[0], { instanceId: 'instance_A', apiKeys: ['key-a2'] });
    }));

  it('a config read back (GET /__emulator/config) can be posted again and keeps every account\'s data', () =>
    withEmu({ ratePerSecond: 0, accounts: ACCOUNTS }, async (emu) => {
      await upsert(emu, 'key-a', 'a@example.com');
      await upsert(emu, 'key-b1', 'b@example.com');
      const cfg = (await admin(emu, 'GET', '/__emulator/config')).body;
      const back = await admin(emu, 'POST', '/__emulator/config', cfg);
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.deepEqual(back.body, cfg);
      assert.deepEqual(emu.state().accounts.map((a) => a.contactCount), [1, 1]);
      assert.deepEqual(emu.configure(emu.state().config), cfg, 'also through the handle');
      assert.deepEqual(emu.state().accounts.map((a) => a.contactCount), [1, 1]);
    }));

  it('a patch giving two accounts one instanceId is rejected and changes nothing', () =>
    withEmu({ accounts: ACCOUNTS }, async (emu) => {
      const b = emu.state().accounts[1].instanceId;
      const before = emu.state();
      assert.throws(() => emu.configure({ accounts: [{ instanceId: b, apiKeys: ['x'] }, { instanceId: b, apiKeys: ['y'] }] }), TypeError);
      assert.deepEqual(emu.state(), before);
    }));

  it('reset() clears every account; explicit and generated instanceIds stay (also after a seed change)', () =>
    withEmu({ ratePerSecond: 0, accounts: ACCOUNTS }, async (emu) => {
      await upsert(emu, 'key-a', 'a@example.com');
      await upsert(emu, 'key-b1', 'b@example.com');
      const ids = emu.state().accounts.map((a) => a.instanceId);
      emu.configure({ seed: 99 });
      emu.reset();
      const s = emu.state();
      assert.deepEqual(s.accounts.map((a) => a.contactCount), [0, 0]);
      assert.deepEqual(s.accounts.map((a) => a.instanceId), ids);
      assert.equal(await instanceOf(emu, 'key-b2'), ids[1]);
    }));

  it('the same seed gives the same ids in a fresh emulator (first account unchanged by the option)', async () => {
    const run = async (options) => withEmuValue(options, async (emu) => {
      const key = options.accounts ? options.accounts[0].apiKeys[0] : KEY;
      const w = await upsert(emu, key, 'a@example.com');
      return [emu.state().instanceId, w.body.contact_ids[0]];
    });
    const single = await run({ seed: 7, ratePerSecond: 0 });
    const multi = await run({ seed: 7, ratePerSecond: 0, accounts: [{ apiKeys: ['k1'] }, { apiKeys: ['k2'] }] });
    assert.deepEqual(multi, single);
  });
});

/** Like withEmu, returning fn's value. */
async function withEmuValue(options, fn) {
  const emu = await startEmulator(options);
  try {
    return await fn(emu);
  } finally {
    await emu.stop();
  }
}
