// Handlers of the emulated /v1 routes (see routes.mjs). Each takes the
// account's store, the current config and the counters, plus the URL-decoded
// path parameters and the parsed JSON body, and returns a Reply. Auth, rate
// limit, faults and latency happen before/after, in index.mjs.

import { MAX_BULK } from './store.mjs';
import { badRequest, errorReply, isPlainObject, notFound } from './replies.mjs';

/**
 * @typedef {object} Ctx
 * @property {import('./store.mjs').Store} store  the store of the account the API key belongs to
 * @property {any} config    current emulator config
 * @property {any} counters  emulator counters (mutated)
 * @typedef {import('./replies.mjs').Reply} Reply
 */

/** @param {Ctx} ctx */
function validationOptions(ctx) {
  return { rejectWhen: ctx.config.rejectWhen ?? undefined, rejectCustomKey: ctx.config.rejectCustomKey ?? undefined };
}

/** `GET /v1/account` → `{"instanceId"}` ([FORMIE], [TORCH], [OAS]). @param {Ctx} ctx @returns {Reply} */
export function getAccount(ctx) {
  return { status: 200, body: { instanceId: ctx.store.instanceId, emulator: true } };
}

/** `POST /v1/contact` `{"contact":{…}}` → `{"contact_id"}` ([APIARY-2015], [RUBY-VCR]). @param {Ctx} ctx */
export function upsertOne(ctx, _params, body) {
  if (!isPlainObject(body) || !isPlainObject(body.contact)) return badRequest('No contact object provided.');
  const v = ctx.store.validateContact(body.contact, validationOptions(ctx));
  if (!v.ok) return badRequest(`Invalid contact: ${v.message}`);
  const { id, created } = ctx.store.upsert(v.contact, new Date().toISOString());
  if (created) ctx.counters.contactsCreated += 1; else ctx.counters.contactsUpdated += 1;
  return { status: 200, body: { contact_id: id } };
}

/**
 * `POST /v1/contacts` `{"contacts":[…1..100]}` ([BLOG-BULK], [RUBY-VCR]). All or
 * nothing: the first invalid contact fails the request with its index (its
 * position in the request's `contacts` array, from 0).
 * @param {Ctx} ctx
 */
export function upsertBulk(ctx, _params, body) {
  if (!isPlainObject(body) || !Array.isArray(body.contacts)) return badRequest('No contacts array provided.');
  const n = body.contacts.length;
  if (n === 0) return badRequest(`No contacts provided: a bulk request takes 1 to ${MAX_BULK} contacts.`);
  if (n > MAX_BULK) return badRequest(`Too many contacts: a bulk request takes at most ${MAX_BULK} contacts (got ${n}).`);
  const valid = [];
  const opts = validationOptions(ctx);
  for (let i = 0; i < n; i += 1) {
    const v = ctx.store.validateContact(body.contacts[i], opts);
    if (!v.ok) return badRequest(`Invalid contact at index ${i}: ${v.message}`);
    valid.push(v.contact);
  }
  const now = new Date().toISOString();
  const contactIds = [];
  const emailContactMap = {};
  const seen = new Set();
  for (const c of valid) {
    if (seen.has(c.emailKey)) ctx.counters.duplicateEmailsInBulk += 1;
    seen.add(c.emailKey);
    const { id, created } = ctx.store.upsert(c, now);
    if (created) ctx.counters.contactsCreated += 1; else ctx.counters.contactsUpdated += 1;
    contactIds.push(id);
    emailContactMap[c.email] = id;
  }
  const sizes = ctx.counters.bulkSizes;
  sizes[n] = (sizes[n] ?? 0) + 1;
  return {
    status: 200,
    body: { contact_ids: contactIds, email_contact_map: emailContactMap, _removeResultKeys: ['proposedContacts'] },
  };
}

/** `GET /v1/contact/{id_or_email}` → read shape, 404 if absent. @param {Ctx} ctx */
export function getContact(ctx, params) {
  const rec = ctx.store.findContact(params.idOrEmail);
  if (rec === null) return badRequest('Invalid contact_id_or_email value provided.');
  if (rec === undefined) return notFound('Contact could not be found.');
  return { status: 200, body: ctx.store.readShape(rec) };
}

/** `GET /v1/contacts/custom_fields` → `[{name, fieldType}]` ([TORCH], [N8N], [FORMIE]). @param {Ctx} ctx */
export function getCustomFields(ctx) {
  const fields = [...ctx.store.customFields.values()].map((d) => ({ name: d.name, fieldType: d.fieldType }));
  return { status: 200, body: fields };
}

/** `GET /v1/lists` → `{"lists":[{list_id,title}]}` ([RUBY-VCR], [N8N]). @param {Ctx} ctx */
export function getLists(ctx) {
  const lists = [...ctx.store.lists.values()].map((l) => ({ list_id: l.list_id, title: l.title }));
  return { status: 200, body: { lists } };
}

/** `POST /v1/list` `{"name"}` → `{"list_id"}`; existing title → 409 ([APIARY-2015]). @param {Ctx} ctx */
export function createList(ctx, _params, body) {
  if (!isPlainObject(body) || typeof body.name !== 'string' || body.name.trim() === '') {
    return badRequest('No list name provided.');
  }
  if (ctx.store.findListByTitle(body.name)) {
    return errorReply(409, 'Conflict', 'A list with this name already exists.');
  }
  return { status: 200, body: { list_id: ctx.store.createList(body.name).list_id } };
}

/** `GET|POST|DELETE /v1/list/{list_id}/contact/{id_or_email}` ([TORCH], [N8N], [PHP]). @param {Ctx} ctx */
export function listMembership(ctx, params, _body, method) {
  const list = ctx.store.lists.get(params.listId);
  if (!list) return notFound('List could not be found.');
  const rec = ctx.store.findContact(params.idOrEmail);
  if (rec === null) return badRequest('Invalid contact_id_or_email value provided.');
  if (rec === undefined) return notFound('Contact could not be found.');
  if (method === 'GET') {
    return list.members.has(rec.contact_id) ? { status: 200, body: {} } : notFound('');
  }
  if (method === 'POST') {
    const added = ctx.store.addToList(list.list_id, rec.contact_id);
    return { status: 200, body: added ? {} : { not_modified: true } };
  }
  const removed = ctx.store.removeFromList(list.list_id, rec.contact_id);
  if (removed) ctx.counters.removals += 1; else ctx.counters.removalsNotModified += 1;
  return { status: 200, body: removed ? {} : { not_modified: true } };
}

/** `GET /v1/list/{list_id}/contacts[/{bookmark}]` ([BLOG-BOOKMARK]). @param {Ctx} ctx */
export function listContacts(ctx, params) {
  const list = ctx.store.lists.get(params.listId);
  if (!list) return notFound('List could not be found.');
  const page = ctx.store.listPage(list, params.bookmark);
  if (page === null) return badRequest('Invalid bookmark value provided.');
  return { status: 200, body: page };
}
