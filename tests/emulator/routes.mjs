// Route table of the emulated Autopilot v1 API and the matcher that maps a
// method + path onto it (404 / 405 decisions). No state, no I/O.

/**
 * Route table. `parts` are path segments after `/v1`; `:name` is a URL-decoded
 * parameter. `key` names the route in counters. `body: true` = JSON body parsed.
 */
const ROUTES = [
  { parts: ['account'], method: 'GET', key: 'GET /v1/account', handler: 'getAccount' },
  { parts: ['contact'], method: 'POST', key: 'POST /v1/contact', handler: 'upsertOne', body: true },
  { parts: ['contact', ':idOrEmail'], method: 'GET', key: 'GET /v1/contact/{id_or_email}', handler: 'getContact' },
  { parts: ['contacts'], method: 'POST', key: 'POST /v1/contacts', handler: 'upsertBulk', body: true },
  { parts: ['contacts', 'custom_fields'], method: 'GET', key: 'GET /v1/contacts/custom_fields', handler: 'getCustomFields' },
  { parts: ['lists'], method: 'GET', key: 'GET /v1/lists', handler: 'getLists' },
  { parts: ['list'], method: 'POST', key: 'POST /v1/list', handler: 'createList', body: true },
  ...['GET', 'POST', 'DELETE'].map((method) => ({
    parts: ['list', ':listId', 'contact', ':idOrEmail'],
    method,
    key: `${method} /v1/list/{list_id}/contact/{id_or_email}`,
    handler: 'listMembership',
  })),
  { parts: ['list', ':listId', 'contacts'], method: 'GET', key: 'GET /v1/list/{list_id}/contacts', handler: 'listContacts' },
  {
    parts: ['list', ':listId', 'contacts', ':bookmark'],
    method: 'GET',
    key: 'GET /v1/list/{list_id}/contacts/{bookmark}',
    handler: 'listContacts',
  },
];

/** Every route key, for validating `faults.routes`. */
export const ROUTE_KEYS = Object.freeze(ROUTES.map((r) => r.key));

/**
 * Matches a path (without query) and method against ROUTES.
 * @param {string} method
 * @param {string} pathname
 * @returns {{route: any, params: Record<string, string>, badParam: boolean} | {allow: string[], pattern: string} | null}
 */
export function matchRoute(method, pathname) {
  const segs = pathname.split('/');
  if (segs[0] !== '' || segs[1] !== 'v1') return null;
  const rest = segs.slice(2);
  const allow = [];
  let pattern = '';
  for (const route of ROUTES) {
    if (route.parts.length !== rest.length) continue;
    const params = {};
    let ok = true;
    let badParam = false;
    for (let i = 0; i < rest.length && ok; i += 1) {
      const part = route.parts[i];
      if (part.startsWith(':')) {
        if (rest[i] === '') { ok = false; break; }
        try {
          params[part.slice(1)] = decodeURIComponent(rest[i]);
        } catch {
          badParam = true;
        }
      } else if (part !== rest[i]) {
        ok = false;
      }
    }
    if (!ok) continue;
    if (route.method === method) return { route, params, badParam };
    allow.push(route.method);
    pattern = route.key.slice(route.key.indexOf(' ') + 1);
  }
  return allow.length > 0 ? { allow, pattern } : null;
}
