// List membership removal (DELETE /v1/list/{list_id}/contact/{id_or_email})
// with its counters, and the admin routes that edit lists by hand as a person
// would in the Autopilot UI (delete a list, add a contact to a list).

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEmulator } from './index.mjs';
import { admin, call, createList } from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emu;
before(async () => { emu = await startEmulator({ ratePerSecond: 0 }); });
after(async () => { await emu.stop(); });
beforeEach(() => emu.reset());

/** Creates lists A and B and contacts a, b, c on A (c also on B); returns ids. */
async function fixture() {
  const A = await createList(emu, 'A');
  const B = await createList(emu, 'B');
  const r = await call(emu, 'POST', '/contacts', {
    body: { contacts: ['a', 'b', 'c'].map((n) => ({ Email: `${n}@example.com`, _autopilot_list: A })) },
  });
  const [a, b, c] = r.body.contact_ids;
  assert.equal((await call(emu, 'POST', `/list/${B}/contact/${c}`)).status, 200);
  return { A, B, a, b, c };
}

const listOf = (id) => emu.state().lists.find((l) => l.list_id === id);
const contactOf = (id) => emu.state().contacts.find((c) => c.contact_id === id);

describe('DELETE /v1/list/{list_id}/contact/{id_or_email} [TORCH] [N8N] [PHP]', () => {
  it('removes by person_… id; state lists and contacts reflect it exactly; counters.removals', async () => {
    const { A, B, a, b, c } = await fixture();
    const r = await call(emu, 'DELETE', `/list/${A}/contact/${c}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {});
    assert.deepEqual(listOf(A), { list_id: A, title: 'A', total_contacts: 2, contact_ids: [a, b] });
    assert.deepEqual(listOf(B).contact_ids, [c], 'the other list keeps it');
    assert.deepEqual(contactOf(c).lists, [B]);
    assert.deepEqual(contactOf(a).lists, [A]);
    assert.equal((await call(emu, 'GET', `/list/${A}/contact/${c}`)).status, 404);
    const page = await call(emu, 'GET', `/list/${A}/contacts`);
    assert.deepEqual(page.body.contacts.map((x) => x.contact_id), [a, b]);
    assert.equal(page.body.total_contacts, 2);
    const k = emu.state().counters;
    assert.equal(k.removals, 1);
    assert.equal(k.removalsNotModified, 0);
  });

  it('not a member -> 200 {"not_modified": true}, by id or by email; counted apart', async () => {
    const { A, B, a, c } = await fixture();
    await call(emu, 'DELETE', `/list/${A}/contact/${a}`);
    const again = await call(emu, 'DELETE', `/list/${A}/contact/${a}`);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { not_modified: true });
    const byEmail = await call(emu, 'DELETE', `/list/${B}/contact/A%40EXAMPLE.com`);
    assert.deepEqual(byEmail.body, { not_modified: true }, 'a was never on B');
    const k = emu.state().counters;
    assert.equal(k.removals, 1);
    assert.equal(k.removalsNotModified, 2);
    assert.deepEqual(listOf(B).contact_ids, [c]);
  });

  it('unknown list -> 404 "List could not be found." (choice 13), unknown contact -> 404; neither counted as a removal', async () => {
    const { A, a } = await fixture();
    const r1 = await call(emu, 'DELETE', `/list/contactlist_00000000-0000-4000-8000-000000000000/contact/${a}`);
    assert.equal(r1.status, 404);
    assert.deepEqual(r1.body, { error: 'Not Found', message: 'List could not be found.' });
    const r2 = await call(emu, 'DELETE', `/list/${A}/contact/person_00000000-0000-4000-8000-000000000000`);
    assert.equal(r2.status, 404);
    assert.equal(r2.body.message, 'Contact could not be found.');
    const k = emu.state().counters;
    assert.equal(k.removals + k.removalsNotModified, 0);
    assert.equal(listOf(A).total_contacts, 3);
  });
});

describe('admin: lists edited by hand', () => {
  it('POST /__emulator/lists/{id}/delete deletes the list and its memberships, not counted', async () => {
    const { A, B, a, c } = await fixture();
    const before = emu.state().counters.requests;
    const r = await admin(emu, 'POST', `/__emulator/lists/${encodeURIComponent(A)}/delete`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true, list_id: A, removedMemberships: 3 });
    const s = emu.state();
    assert.equal(s.counters.requests, before, 'not an API request');
    assert.deepEqual(s.lists.map((l) => l.list_id), [B]);
    assert.deepEqual(contactOf(a).lists, []);
    assert.deepEqual(contactOf(c).lists, [B]);
    assert.equal(s.contactCount, 3, 'contacts stay');
    assert.deepEqual((await call(emu, 'GET', '/lists')).body, { lists: [{ list_id: B, title: 'B' }] });
    const del = await call(emu, 'DELETE', `/list/${A}/contact/${a}`);
    assert.equal(del.status, 404);
    assert.equal(del.body.message, 'List could not be found.');
    assert.equal((await call(emu, 'GET', `/list/${A}/contacts`)).status, 404);
    assert.equal((await call(emu, 'POST', '/contacts', { body: { contacts: [{ Email: 'd@example.com', _autopilot_list: A }] } })).status, 400);
    assert.equal((await call(emu, 'POST', '/list', { body: { name: 'A' } })).status, 200, 'the title is free again');
    assert.equal((await admin(emu, 'POST', `/__emulator/lists/${A}/delete`)).status, 404);
    assert.equal((await admin(emu, 'GET', `/__emulator/lists/${B}/delete`)).status, 405);
  });

  it('POST /__emulator/lists/{id}/members {email} adds an existing contact by hand, not counted', async () => {
    const { A, B, a, b, c } = await fixture();
    const before = emu.state().counters.requests;
    const r = await admin(emu, 'POST', `/__emulator/lists/${B}/members`, { email: 'A@Example.COM' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ok: true, contact_id: a });
    assert.deepEqual(listOf(B).contact_ids, [c, a]);
    assert.deepEqual(contactOf(a).lists, [A, B]);
    assert.equal((await call(emu, 'GET', `/list/${B}/contact/${a}`)).status, 200);
    const again = await admin(emu, 'POST', `/__emulator/lists/${B}/members`, { email: 'a@example.com' });
    assert.deepEqual(again.body, { ok: true, contact_id: a, not_modified: true });
    assert.equal(emu.state().counters.requests, before + 1, 'only the GET above was an API request');

    assert.equal((await admin(emu, 'POST', `/__emulator/lists/${B}/members`, { email: 'nobody@example.com' })).status, 404, 'never creates contacts');
    assert.equal((await admin(emu, 'POST', '/__emulator/lists/contactlist_NOPE/members', { email: 'a@example.com' })).status, 404);
    assert.equal((await admin(emu, 'POST', `/__emulator/lists/${B}/members`, {})).status, 400);
    const bad = await fetch(`${emu.origin}/__emulator/lists/${B}/members`, { method: 'POST', body: '{' });
    assert.equal(bad.status, 400);
    assert.equal((await admin(emu, 'GET', `/__emulator/lists/${B}/members`)).status, 405);
    assert.deepEqual(listOf(B).contact_ids, [c, a]);
    assert.equal(listOf(A).contact_ids.includes(b), true);
  });

  it('hand edits act on the account that holds the list', async () => {
    const multi = await startEmulator({ ratePerSecond: 0, accounts: [{ apiKeys: ['k1'] }, { apiKeys: ['k2'] }] });
    try {
      const L = (await call(multi, 'POST', '/list', { key: 'k2', body: { name: 'L' } })).body.list_id;
      await call(multi, 'POST', '/contact', { key: 'k1', body: { contact: { Email: 'one@example.com' } } });
      await call(multi, 'POST', '/contact', { key: 'k2', body: { contact: { Email: 'two@example.com' } } });
      assert.equal((await admin(multi, 'POST', `/__emulator/lists/${L}/members`, { email: 'one@example.com' })).status, 404, 'contact of another account');
      assert.equal((await admin(multi, 'POST', `/__emulator/lists/${L}/members`, { email: 'two@example.com' })).status, 200);
      assert.deepEqual(multi.state().accounts[1].lists[0].total_contacts, 1);
      assert.equal((await admin(multi, 'POST', `/__emulator/lists/${L}/delete`)).status, 200);
      assert.deepEqual(multi.state().accounts[1].lists, []);
      assert.deepEqual(multi.state().accounts[1].contacts[0].lists, []);
    } finally {
      await multi.stop();
    }
  });
});
