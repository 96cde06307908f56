// The emulator's observability and test-control routes under /__emulator/:
// state, reset, config, and hand edits of lists (what a person does in the
// Autopilot UI). No auth, no rate limit, no latency, never counted as API requests.

import { badRequest, errorReply, notFound } from './replies.mjs';

/**
 * @typedef {object} AdminTarget what the admin routes act on (the Emulator)
 * @property {any} config
 * @property {(opts: {contacts?: boolean}) => object} state
 * @property {() => void} reset
 * @property {(patch: object) => object} configure
 * @property {import('./accounts.mjs').Accounts} accounts
 */

const LIST_ROUTE = /^\/__emulator\/lists\/([^/]+)\/(delete|members)$/;

/**
 * Answers one `/__emulator/*` request.
 * @param {AdminTarget} emu
 * @param {string} method @param {string} pathname @param {URLSearchParams} query
 * @param {{text: string, tooLarge: boolean}} raw
 * @returns {import('./replies.mjs').Reply}
 */
export function adminRoute(emu, method, pathname, query, raw) {
  const parseJson = () => {
    if (raw.text.trim() === '') return {};
    return JSON.parse(raw.text);
  };
  const allow = (methods) => ({
    ...errorReply(405, 'Method Not Allowed', `Use ${methods.join(' or ')}.`),
    headers: { Allow: methods.join(', ') },
  });
  const listRoute = LIST_ROUTE.exec(pathname);
  if (listRoute) {
    if (method !== 'POST') return allow(['POST']);
    let listId;
    try {
      listId = decodeURIComponent(listRoute[1]);
    } catch {
      return badRequest('Invalid list_id value provided.');
    }
    let body;
    try {
      body = parseJson();
    } catch {
      return badRequest('Request body is not valid JSON.');
    }
    return listRoute[2] === 'delete' ? deleteList(emu, listId) : addMember(emu, listId, body);
  }
  switch (pathname) {
    case '/__emulator/state': {
      if (method !== 'GET') return allow(['GET']);
      const c = query.get('contacts');
      return { status: 200, body: emu.state({ contacts: !(c === '0' || c === 'false') }) };
    }
    case '/__emulator/reset':
      if (method !== 'POST') return allow(['POST']);
      emu.reset();
      return { status: 200, body: { ok: true } };
    case '/__emulator/config':
      if (method === 'GET') return { status: 200, body: structuredClone(emu.config) };
      if (method !== 'POST') return allow(['GET', 'POST']);
      try {
        return { status: 200, body: emu.configure(parseJson()) };
      } catch (err) {
        return badRequest(err instanceof Error ? err.message : String(err));
      }
    default:
      return notFound('Unknown emulator route. Try /__emulator/state, /__emulator/reset, /__emulator/config, '
        + '/__emulator/lists/{list_id}/delete, /__emulator/lists/{list_id}/members.');
  }
}

/**
 * `POST /__emulator/lists/{list_id}/delete`: deletes the list (in whichever
 * account holds it) and its memberships.
 * @param {AdminTarget} emu @param {string} listId
 */
function deleteList(emu, listId) {
  const found = emu.accounts.findList(listId);
  if (!found) return notFound('List could not be found.');
  const removed = found.store.deleteList(listId);
  return { status: 200, body: { ok: true, list_id: listId, removedMemberships: removed } };
}

/**
 * `POST /__emulator/lists/{list_id}/members` `{"email"}`: adds an existing
 * contact of the list's account to the list by hand.
 * @param {AdminTarget} emu @param {string} listId @param {unknown} body
 */
function addMember(emu, listId, body) {
  const email = body !== null && typeof body === 'object' ? /** @type {any} */ (body).email : undefined;
  if (typeof email !== 'string' || !email.includes('@')) return badRequest('Expected {"email": "<address of an existing contact>"}.');
  const found = emu.accounts.findList(listId);
  if (!found) return notFound('List could not be found.');
  const rec = found.store.findContact(email);
  if (!rec) return notFound('Contact could not be found.');
  const added = found.store.addToList(listId, rec.contact_id);
  return { status: 200, body: { ok: true, contact_id: rec.contact_id, ...(added ? {} : { not_modified: true }) } };
}
