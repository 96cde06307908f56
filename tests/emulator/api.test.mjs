// Wire-format tests: auth, routing, contacts, bulk, validation, lists, paging,
// custom fields. Research tags in test names refer to
// /work/shared/research/autopilot-api.md.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEmulator } from './index.mjs';
import { KEY, LIST_ID, PERSON_ID, call, createList } from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emu;
before(async () => { emu = await startEmulator({ ratePerSecond: 0, apiKeys: [KEY, 'second-key'] }); });
after(async () => { await emu.stop(); });
beforeEach(() => emu.reset());

const contactByEmail = (email) => emu.state().contacts.find((c) => c.Email.toLowerCase() === email.toLowerCase());

describe('auth [APIARY-2015]', () => {
  it('missing autopilotapikey header -> 400 with Autopilot body', async () => {
    const r = await call(emu, 'GET', '/account', { key: null });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body, { error: 'Bad Request', message: 'No autopilotapikey header provided.' });
    assert.match(r.headers.get('content-type'), /^application\/json/);
  });

  it('wrong key -> 401 with Autopilot body', async () => {
    const r = await call(emu, 'GET', '/account', { key: 'ffffffffffffffffffffffffffffffff' });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { error: 'Unauthorized', message: 'Provided autopilotapikey not valid.' });
  });

  it('a write with a wrong key changes nothing', async () => {
    const r = await call(emu, 'POST', '/contacts', { key: 'bad', body: { contacts: [{ Email: 'a@example.com' }] } });
    assert.equal(r.status, 401);
    assert.equal(emu.state().contactCount, 0);
  });

  it('header name is case-insensitive and every configured key is accepted', async () => {
    const r1 = await call(emu, 'GET', '/account', { key: null, headers: { AutopilotApiKey: KEY } });
    assert.equal(r1.status, 200);
    const r2 = await call(emu, 'GET', '/account', { key: 'second-key' });
    assert.equal(r2.status, 200);
  });

  it('GET /v1/account returns an object with instanceId [FORMIE]', async () => {
    const r = await call(emu, 'GET', '/account');
    assert.equal(r.status, 200);
    assert.equal(typeof r.body.instanceId, 'string');
    assert.ok(r.body.instanceId.length > 0);
  });
});

describe('routing', () => {
  it('unknown route -> 404 JSON', async () => {
    for (const path of ['/nope', '/contacts/extra/segments', '/list/x/other']) {
      const r = await call(emu, 'GET', path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.error, 'Not Found');
    }
    const outside = await fetch(`${emu.origin}/v2/account`, { headers: { autopilotapikey: KEY } });
    assert.equal(outside.status, 404);
    assert.equal((await outside.json()).error, 'Not Found');
  });

  it('wrong method on a known route -> 405 with Allow', async () => {
    const r = await call(emu, 'DELETE', '/lists');
    assert.equal(r.status, 405);
    assert.equal(r.body.error, 'Method Not Allowed');
    assert.equal(r.headers.get('allow'), 'GET');
    const r2 = await call(emu, 'GET', '/contacts');
    assert.equal(r2.status, 405);
    assert.equal(r2.headers.get('allow'), 'POST');
    assert.deepEqual(emu.state().counters.byRoute['GET /v1/contacts'], { 405: 1 });
  });

  it('invalid JSON body -> 400', async () => {
    for (const path of ['/contacts', '/contact', '/list']) {
      const r = await call(emu, 'POST', path, { rawBody: '{"contacts": [' });
      assert.equal(r.status, 400, path);
      assert.deepEqual(r.body, { error: 'Bad Request', message: 'Request body is not valid JSON.' });
    }
  });

  it('responses carry Content-Length and keep the connection reusable', async () => {
    const res = await fetch(`${emu.url}/account`, { headers: { autopilotapikey: KEY } });
    const text = await res.text();
    assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(text));
    assert.notEqual(res.headers.get('connection'), 'close');
  });
});

describe('POST /v1/contact (single upsert) [APIARY-2015] [RUBY-VCR]', () => {
  it('creates and returns contact_id in person_<UUID> format', async () => {
    const r = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'ada@example.com', FirstName: 'Ada' } } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['contact_id']);
    assert.match(r.body.contact_id, PERSON_ID);
    assert.equal(contactByEmail('ada@example.com').FirstName, 'Ada');
  });

  it('body without a contact object -> 400', async () => {
    for (const body of [{}, { contact: [] }, { contacts: [{ Email: 'a@example.com' }] }, []]) {
      const r = await call(emu, 'POST', '/contact', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    assert.equal(emu.state().contactCount, 0);
  });
});

describe('POST /v1/contacts (bulk) [BLOG-BULK] [RUBY-VCR]', () => {
  it('returns contact_ids in request order and email_contact_map keyed by the email as sent', async () => {
    const r = await call(emu, 'POST', '/contacts', {
      body: { contacts: [{ Email: 'Ada@Example.com', FirstName: 'Ada' }, { Email: 'bob@example.com' }] },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.contact_ids.length, 2);
    r.body.contact_ids.forEach((id) => assert.match(id, PERSON_ID));
    assert.notEqual(r.body.contact_ids[0], r.body.contact_ids[1]);
    assert.deepEqual(r.body.email_contact_map, {
      'Ada@Example.com': r.body.contact_ids[0],
      'bob@example.com': r.body.contact_ids[1],
    });
    assert.deepEqual(r.body._removeResultKeys, ['proposedContacts']);
    assert.equal(emu.state().contactCount, 2);
    assert.deepEqual(emu.state().counters.bulkSizes, { 2: 1 });
  });

  it('accepts exactly 1 and exactly 100 contacts', async () => {
    const one = await call(emu, 'POST', '/contacts', { body: { contacts: [{ Email: 'one@example.com' }] } });
    assert.equal(one.status, 200);
    const hundred = Array.from({ length: 100 }, (_, i) => ({ Email: `c${i}@example.com` }));
    const r = await call(emu, 'POST', '/contacts', { body: { contacts: hundred } });
    assert.equal(r.status, 200);
    assert.equal(Object.keys(r.body.email_contact_map).length, 100);
    assert.equal(emu.state().contactCount, 101);
  });

  it('0 or 101 contacts -> 400, nothing applied', async () => {
    const zero = await call(emu, 'POST', '/contacts', { body: { contacts: [] } });
    assert.equal(zero.status, 400);
    assert.equal(zero.body.error, 'Bad Request');
    assert.match(zero.body.message, /1 to 100/);
    const many = Array.from({ length: 101 }, (_, i) => ({ Email: `c${i}@example.com` }));
    const r = await call(emu, 'POST', '/contacts', { body: { contacts: many } });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /at most 100 contacts \(got 101\)/);
    assert.equal(emu.state().contactCount, 0);
    assert.deepEqual(emu.state().counters.bulkSizes, {});
  });

  it('missing or non-array contacts -> 400', async () => {
    for (const body of [{}, { contacts: {} }, { contact: { Email: 'a@example.com' } }]) {
      const r = await call(emu, 'POST', '/contacts', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.message, 'No contacts array provided.');
    }
  });

  it('one invalid contact fails the whole request and names its index; nothing applied', async () => {
    const r = await call(emu, 'POST', '/contacts', {
      body: { contacts: [{ Email: 'good@example.com' }, { Email: 'also@example.com', email: 'x' }] },
    });
    assert.equal(r.status, 400);
    assert.match(r.body.message, /index 1/);
    assert.match(r.body.message, /"email"/);
    assert.equal(emu.state().contactCount, 0);
  });

  it('the same email twice in one request is accepted but counted', async () => {
    const r = await call(emu, 'POST', '/contacts', {
      body: { contacts: [{ Email: 'dup@example.com', FirstName: 'A' }, { Email: 'DUP@example.com', LastName: 'B' }] },
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.contact_ids[0], r.body.contact_ids[1]);
    assert.deepEqual(Object.keys(r.body.email_contact_map), ['dup@example.com', 'DUP@example.com']);
    const s = emu.state();
    assert.equal(s.contactCount, 1);
    assert.equal(s.counters.duplicateEmailsInBulk, 1);
    assert.equal(s.contacts[0].FirstName, 'A');
    assert.equal(s.contacts[0].LastName, 'B');
  });
});

describe('upsert semantics [APIARY-2015] [BLOG-EMAIL]', () => {
  it('upserts by email case-insensitively; stores the email as last sent', async () => {
    const a = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'Ada@Example.com' } } });
    const b = await call(emu, 'POST', '/contacts', { body: { contacts: [{ Email: 'ada@example.COM' }] } });
    assert.equal(b.body.email_contact_map['ada@example.COM'], a.body.contact_id);
    const s = emu.state();
    assert.equal(s.contactCount, 1);
    assert.equal(s.contacts[0].Email, 'ada@example.COM');
    assert.equal(s.counters.contactsCreated, 1);
    assert.equal(s.counters.contactsUpdated, 1);
  });

  it('merges: present fields overwrite, absent fields stay, custom merged by key', async () => {
    await call(emu, 'POST', '/contact', {
      body: { contact: { Email: 'm@example.com', FirstName: 'Ada', Company: 'X', custom: { 'integer--Orders': 1, 'string--Tier': 'gold' } } },
    });
    await call(emu, 'POST', '/contact', {
      body: { contact: { Email: 'm@example.com', FirstName: 'Augusta', LastName: 'King', custom: { 'integer--Orders': 2, 'boolean--VIP': true } } },
    });
    const c = contactByEmail('m@example.com');
    assert.equal(c.FirstName, 'Augusta');
    assert.equal(c.LastName, 'King');
    assert.equal(c.Company, 'X');
    assert.deepEqual(c.custom, { 'integer--Orders': 2, 'string--Tier': 'gold', 'boolean--VIP': true });
  });

  it('_NewEmail changes the email of the contact identified by Email [N8N] [PHP]', async () => {
    const a = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'old@example.com' } } });
    const b = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'old@example.com', _NewEmail: 'new@example.com' } } });
    assert.equal(b.body.contact_id, a.body.contact_id);
    assert.equal((await call(emu, 'GET', '/contact/new%40example.com')).status, 200);
    assert.equal((await call(emu, 'GET', '/contact/old%40example.com')).status, 404);
  });
});

describe('contact validation (strict where the research is silent)', () => {
  const bad = [
    ['lower-case email key', { email: 'a@example.com' }, /Unknown contact field "email"/],
    ['Custom with capital C', { Email: 'a@example.com', Custom: {} }, /Unknown contact field "Custom"/],
    ['contact_id is not an accepted key', { Email: 'a@example.com', contact_id: 'person_X' }, /Unknown contact field/],
    ['missing Email', { FirstName: 'A' }, /"Email" is required/],
    ['Email not an address', { Email: 'not-an-email' }, /Invalid Email/],
    ['Email not a string', { Email: 42 }, /"Email" must be a string/],
    ['standard field null', { Email: 'a@example.com', FirstName: null }, /"FirstName" must be a string/],
    ['standard field number', { Email: 'a@example.com', Phone: 123 }, /"Phone" must be a string/],
    ['NumberOfEmployees boolean', { Email: 'a@example.com', NumberOfEmployees: true }, /NumberOfEmployees/],
    ['unsubscribed as string', { Email: 'a@example.com', unsubscribed: 'false' }, /"unsubscribed" must be a boolean/],
    ['notify as string', { Email: 'a@example.com', notify: 'no' }, /"notify" must be a boolean/],
    ['custom not an object', { Email: 'a@example.com', custom: ['x'] }, /"custom" must be an object/],
    ['custom null', { Email: 'a@example.com', custom: null }, /"custom" must be an object/],
    ['custom key without type', { Email: 'a@example.com', custom: { Age: 3 } }, /expected "<type>--<Name>"/],
    ['custom unknown type', { Email: 'a@example.com', custom: { 'number--Age': 3 } }, /unknown type "number"/],
    ['custom empty name', { Email: 'a@example.com', custom: { 'string--': 'x' } }, /name is empty/],
    ['custom name with a space', { Email: 'a@example.com', custom: { 'string--Loyalty Tier': 'x' } }, /spaces/],
    ['integer with a fraction', { Email: 'a@example.com', custom: { 'integer--Age': 1.5 } }, /expected an integer/],
    ['integer as string', { Email: 'a@example.com', custom: { 'integer--Age': '7' } }, /expected an integer/],
    ['float as string', { Email: 'a@example.com', custom: { 'float--Score': '1.5' } }, /expected a float/],
    ['boolean as string', { Email: 'a@example.com', custom: { 'boolean--VIP': 'true' } }, /expected a boolean/],
    ['date not ISO', { Email: 'a@example.com', custom: { 'date--Born': 'yesterday' } }, /expected a date/],
    ['date as epoch number', { Email: 'a@example.com', custom: { 'date--Born': 1700000000000 } }, /expected a date/],
    ['date impossible', { Email: 'a@example.com', custom: { 'date--Born': '2024-13-45' } }, /expected a date/],
    ['string as number', { Email: 'a@example.com', custom: { 'string--Tier': 5 } }, /expected a string/],
    ['custom value null', { Email: 'a@example.com', custom: { 'string--Tier': null } }, /expected a string/],
    ['_autopilot_list unknown', { Email: 'a@example.com', _autopilot_list: 'contactlist_NOPE' }, /_autopilot_list/],
  ];
  for (const [name, contact, message] of bad) {
    it(`400: ${name}`, async () => {
      const single = await call(emu, 'POST', '/contact', { body: { contact } });
      assert.equal(single.status, 400);
      assert.equal(single.body.error, 'Bad Request');
      assert.match(single.body.message, message);
      const bulk = await call(emu, 'POST', '/contacts', { body: { contacts: [{ Email: 'ok@example.com' }, contact] } });
      assert.equal(bulk.status, 400);
      assert.match(bulk.body.message, /index 1/);
      assert.equal(emu.state().contactCount, 0);
    });
  }

  it('accepts every documented field with well-typed values', async () => {
    const contact = {
      Email: 'full@example.com', FirstName: 'F', LastName: 'L', Salutation: 'Dr', Company: 'C',
      NumberOfEmployees: 12, Title: 'T', Industry: 'I', Phone: '+1', MobilePhone: '+2', Fax: '+3',
      Website: 'https://example.com', MailingStreet: 'S', MailingCity: 'Ci', MailingState: 'St',
      MailingPostalCode: '1234', MailingCountry: 'NL', owner_name: 'O', LeadSource: 'LS', Status: 'New',
      LinkedIn: 'li', Twitter: 'tw', unsubscribed: false, notify: false, _autopilot_session_id: 'sess',
      custom: {
        'string--Loyalty--Tier': 'gold', 'integer--Orders': 7, 'float--Score': 2, 'float--Ratio': 0.5,
        'boolean--VIP': false, 'date--Last--Order': '2024-05-01T00:00:00Z', 'date--Born': '1990-02-03',
      },
    };
    const r = await call(emu, 'POST', '/contact', { body: { contact } });
    assert.equal(r.status, 200, r.text);
    const second = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'n@example.com', NumberOfEmployees: '50' } } });
    assert.equal(second.status, 200);
  });
});

describe('_autopilot_list [N8N] [FORMIE #258]', () => {
  it('inside a contact adds it to the list (single and bulk)', async () => {
    const listId = await createList(emu, 'Segment A');
    await call(emu, 'POST', '/contact', { body: { contact: { Email: 'one@example.com', _autopilot_list: listId } } });
    await call(emu, 'POST', '/contacts', { body: { contacts: [{ Email: 'two@example.com', _autopilot_list: listId }] } });
    assert.deepEqual(contactByEmail('one@example.com').lists, [listId]);
    assert.deepEqual(contactByEmail('two@example.com').lists, [listId]);
    assert.equal(emu.state().lists[0].total_contacts, 2);
  });

  it('beside the contact(s) (top level) is NOT honoured', async () => {
    const listId = await createList(emu, 'Segment B');
    const bulk = await call(emu, 'POST', '/contacts', {
      body: { _autopilot_list: listId, contacts: [{ Email: 'top@example.com' }] },
    });
    assert.equal(bulk.status, 200);
    const single = await call(emu, 'POST', '/contact', {
      body: { _autopilot_list: listId, contact: { Email: 'top2@example.com' } },
    });
    assert.equal(single.status, 200);
    assert.deepEqual(contactByEmail('top@example.com').lists, []);
    assert.deepEqual(contactByEmail('top2@example.com').lists, []);
    assert.equal(emu.state().lists[0].total_contacts, 0);
  });

  it('an unknown list id makes the whole bulk request 400', async () => {
    const r = await call(emu, 'POST', '/contacts', {
      body: { contacts: [{ Email: 'a@example.com' }, { Email: 'b@example.com', _autopilot_list: 'contactlist_UNKNOWN' }] },
    });
    assert.equal(r.status, 400);
    assert.equal(emu.state().contactCount, 0);
  });
});

describe('GET /v1/contact/{id_or_email} read shape [RUBY-VCR] [PHP]', () => {
  it('by id and by email (any case, URL-encoded); custom fields read back as custom_fields', async () => {
    const listId = await createList(emu, 'L');
    const w = await call(emu, 'POST', '/contact', {
      body: {
        contact: {
          Email: 'a+tag@example.com', FirstName: 'Ada', LastName: 'Lovelace', _autopilot_list: listId,
          custom: { 'string--Loyalty--Tier': 'gold', 'date--Last--Order': '2024-05-01', 'integer--Orders': 7 },
        },
      },
    });
    const id = w.body.contact_id;
    const byId = await call(emu, 'GET', `/contact/${id}`);
    const byEmail = await call(emu, 'GET', `/contact/${encodeURIComponent('A+TAG@example.com')}`);
    assert.equal(byId.status, 200);
    assert.deepEqual(byEmail.body, byId.body);
    const c = byId.body;
    assert.equal(c.contact_id, id);
    assert.equal(c.Email, 'a+tag@example.com');
    assert.equal(c.FirstName, 'Ada');
    assert.equal(c.Name, 'Ada Lovelace');
    assert.deepEqual(c.lists, [listId]);
    assert.equal(c.custom, undefined);
    assert.deepEqual(c.custom_fields, [
      { kind: 'Loyalty Tier', value: 'gold', fieldType: 'string', deleted: false },
      { kind: 'Last Order', value: '2024-05-01T00:00:00.000Z', fieldType: 'date', deleted: false },
      { kind: 'Orders', value: 7, fieldType: 'integer', deleted: false },
    ]);
    assert.equal(c.api_originated, true);
    assert.ok(!Number.isNaN(Date.parse(c.created_at)));
  });

  it('absent -> 404; neither id nor email -> 400', async () => {
    const r = await call(emu, 'GET', '/contact/nobody%40example.com');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { error: 'Not Found', message: 'Contact could not be found.' });
    const r2 = await call(emu, 'GET', '/contact/person_0000');
    assert.equal(r2.status, 404);
    const r3 = await call(emu, 'GET', '/contact/garbage');
    assert.equal(r3.status, 400);
    assert.equal(r3.body.message, 'Invalid contact_id_or_email value provided.');
    const r4 = await call(emu, 'GET', '/contact/%E0%A4%A');
    assert.equal(r4.status, 400);
  });
});

describe('lists [APIARY-2015] [RUBY-VCR]', () => {
  it('POST /v1/list creates (contactlist_<UUID>) and GET /v1/lists shows it', async () => {
    const r = await call(emu, 'POST', '/list', { body: { name: 'Newsletter' } });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body), ['list_id']);
    assert.match(r.body.list_id, LIST_ID);
    const l = await call(emu, 'GET', '/lists');
    assert.deepEqual(l.body, { lists: [{ list_id: r.body.list_id, title: 'Newsletter' }] });
  });

  it('an existing title -> 409 Conflict', async () => {
    await createList(emu, 'Dup');
    const r = await call(emu, 'POST', '/list', { body: { name: 'Dup' } });
    assert.equal(r.status, 409);
    assert.deepEqual(r.body, { error: 'Conflict', message: 'A list with this name already exists.' });
    assert.equal((await call(emu, 'GET', '/lists')).body.lists.length, 1);
  });

  it('missing or empty name -> 400', async () => {
    for (const body of [{}, { name: '' }, { name: 3 }, { title: 'x' }]) {
      const r = await call(emu, 'POST', '/list', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
  });

  it('GET /v1/lists with no lists -> {"lists": []}', async () => {
    assert.deepEqual((await call(emu, 'GET', '/lists')).body, { lists: [] });
  });
});

describe('list membership /v1/list/{list_id}/contact/{id_or_email} [TORCH] [N8N] [PHP]', () => {
  it('add, re-add (not_modified), check, remove, re-remove (not_modified)', async () => {
    const listId = await createList(emu, 'M');
    const w = await call(emu, 'POST', '/contact', { body: { contact: { Email: 'a+b@example.com' } } });
    const email = encodeURIComponent('A+B@example.com');
    const path = `/list/${listId}/contact/${email}`;

    assert.equal((await call(emu, 'GET', path)).status, 404);
    assert.deepEqual((await call(emu, 'GET', path)).body, { error: 'Not Found', message: '' });

    const add = await call(emu, 'POST', path);
    assert.equal(add.status, 200);
    assert.notEqual(add.body.not_modified, true);
    const again = await call(emu, 'POST', `/list/${listId}/contact/${w.body.contact_id}`);
    assert.equal(again.status, 200);
    assert.equal(again.body.not_modified, true);
    assert.equal((await call(emu, 'GET', path)).status, 200);
    assert.deepEqual(contactByEmail('a+b@example.com').lists, [listId]);

    const del = await call(emu, 'DELETE', path);
    assert.equal(del.status, 200);
    assert.notEqual(del.body.not_modified, true);
    const del2 = await call(emu, 'DELETE', path);
    assert.equal(del2.status, 200);
    assert.equal(del2.body.not_modified, true);
    assert.equal((await call(emu, 'GET', path)).status, 404);
    assert.deepEqual(contactByEmail('a+b@example.com').lists, []);
  });

  it('unknown list or contact -> 404', async () => {
    const listId = await createList(emu, 'M2');
    await call(emu, 'POST', '/contact', { body: { contact: { Email: 'x@example.com' } } });
    const r1 = await call(emu, 'POST', '/list/contactlist_NOPE/contact/x%40example.com');
    assert.equal(r1.status, 404);
    assert.equal(r1.body.message, 'List could not be found.');
    const r2 = await call(emu, 'POST', `/list/${listId}/contact/y%40example.com`);
    assert.equal(r2.status, 404);
    assert.equal(r2.body.message, 'Contact could not be found.');
  });

  it('path params are URL-decoded (ids may need encoding) [TC] [SDK]', async () => {
    const listId = await createList(emu, 'Sunset');
    await call(emu, 'POST', '/contact', { body: { contact: { Email: 'x@example.com' } } });
    const encodedId = listId.replace('_', '%5F').replace('-', '%2D');
    const r = await call(emu, 'POST', `/list/${encodedId}/contact/x%40example.com`);
    assert.equal(r.status, 200);
    assert.deepEqual(contactByEmail('x@example.com').lists, [listId]);
  });
});

describe('paging GET /v1/list/{list_id}/contacts[/{bookmark}] [BLOG-BOOKMARK]', () => {
  it('pages of 100 with total_contacts; bookmark absent on the last page', async () => {
    const listId = await createList(emu, 'Big');
    const emails = Array.from({ length: 250 }, (_, i) => `p${i}@example.com`);
    for (let i = 0; i < emails.length; i += 100) {
      const contacts = emails.slice(i, i + 100).map((Email) => ({ Email, _autopilot_list: listId }));
      assert.equal((await call(emu, 'POST', '/contacts', { body: { contacts } })).status, 200);
    }
    // a contact not on the list must not appear
    await call(emu, 'POST', '/contact', { body: { contact: { Email: 'outsider@example.com' } } });

    const seen = [];
    const sizes = [];
    let path = `/list/${listId}/contacts`;
    for (let guard = 0; guard < 10; guard += 1) {
      const r = await call(emu, 'GET', path);
      assert.equal(r.status, 200);
      assert.equal(r.body.total_contacts, 250);
      sizes.push(r.body.contacts.length);
      for (const c of r.body.contacts) {
        seen.push(c.Email);
        assert.deepEqual(c.lists, [listId]);
      }
      if (!('bookmark' in r.body)) break;
      assert.match(r.body.bookmark, PERSON_ID);
      path = `/list/${listId}/contacts/${r.body.bookmark}`;
    }
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.deepEqual(seen, emails);
  });

  it('exactly 100 members -> one page without bookmark; empty list -> no contacts', async () => {
    const listId = await createList(emu, 'Hundred');
    const contacts = Array.from({ length: 100 }, (_, i) => ({ Email: `h${i}@example.com`, _autopilot_list: listId }));
    await call(emu, 'POST', '/contacts', { body: { contacts } });
    const r = await call(emu, 'GET', `/list/${listId}/contacts`);
    assert.equal(r.body.contacts.length, 100);
    assert.equal('bookmark' in r.body, false);
    const empty = await createList(emu, 'Empty');
    assert.deepEqual((await call(emu, 'GET', `/list/${empty}/contacts`)).body, { contacts: [], total_contacts: 0 });
  });

  it('unknown list -> 404; unknown bookmark -> 400', async () => {
    assert.equal((await call(emu, 'GET', '/list/contactlist_NOPE/contacts')).status, 404);
    const listId = await createList(emu, 'B');
    const r = await call(emu, 'GET', `/list/${listId}/contacts/person_NOPE`);
    assert.equal(r.status, 400);
    assert.equal(r.body.message, 'Invalid bookmark value provided.');
  });

  it('removing members between pages neither repeats nor skips the rest', async () => {
    const listId = await createList(emu, 'Churn');
    const contacts = Array.from({ length: 150 }, (_, i) => ({ Email: `r${i}@example.com`, _autopilot_list: listId }));
    await call(emu, 'POST', '/contacts', { body: { contacts: contacts.slice(0, 100) } });
    await call(emu, 'POST', '/contacts', { body: { contacts: contacts.slice(100) } });
    const first = await call(emu, 'GET', `/list/${listId}/contacts`);
    // remove the bookmark contact itself and one on the next page
    await call(emu, 'DELETE', `/list/${listId}/contact/${first.body.bookmark}`);
    await call(emu, 'DELETE', `/list/${listId}/contact/r120%40example.com`);
    const second = await call(emu, 'GET', `/list/${listId}/contacts/${first.body.bookmark}`);
    assert.equal(second.status, 200);
    assert.equal(second.body.total_contacts, 148);
    const emails = second.body.contacts.map((c) => c.Email);
    assert.equal(emails.length, 49);
    assert.equal(emails[0], 'r100@example.com');
    assert.ok(!emails.includes('r120@example.com'));
  });
});

describe('GET /v1/contacts/custom_fields [TORCH] [N8N] [FORMIE]', () => {
  it('array of {name, fieldType} seen so far, names with spaces', async () => {
    assert.deepEqual((await call(emu, 'GET', '/contacts/custom_fields')).body, []);
    await call(emu, 'POST', '/contacts', {
      body: {
        contacts: [
          { Email: 'a@example.com', custom: { 'string--Loyalty--Tier': 'gold', 'integer--Orders': 1 } },
          { Email: 'b@example.com', custom: { 'string--Loyalty--Tier': 'silver', 'date--Born': '1990-01-01' } },
        ],
      },
    });
    const r = await call(emu, 'GET', '/contacts/custom_fields');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, [
      { name: 'Loyalty Tier', fieldType: 'string' },
      { name: 'Orders', fieldType: 'integer' },
      { name: 'Born', fieldType: 'date' },
    ]);
  });
});
