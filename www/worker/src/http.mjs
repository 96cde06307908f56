// The Worker's HTTP surface: routes, authentication, JSON in and out. Everything a request
// changes happens in the destination's Durable Object (RPC); this file only checks the token,
// picks the route and shapes the answer.
//
//   GET  /destinations/{id}          status, progress, last run, history
//   PUT  /destinations/{id}          configuration (validated by the package)
//   POST /destinations/{id}/run      start a refresh now ({"fullResync": true} optional)
//   POST /destinations/{id}/cancel   cancel the refresh in progress
//
// Every request needs `Authorization: Bearer <ADMIN_TOKEN>`; without it: 401 and nothing else
// happens (the route is not even looked at).

import { authorized } from './auth.mjs';
import { MAX_CONFIG_BYTES } from './limits.mjs';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Answers one HTTP request.
 * @param {Request} request
 * @param {{DESTINATION: DurableObjectNamespace, REGISTRY: DurableObjectNamespace, ADMIN_TOKEN?: string}} env
 * @returns {Promise<Response>}
 */
export async function handle(request, env) {
  if (!(await authorized(request, env))) {
    return json(401, { error: 'UNAUTHORIZED', message: 'send Authorization: Bearer <ADMIN_TOKEN>' }, { 'www-authenticate': 'Bearer' });
  }
  const { pathname } = new URL(request.url);
  const m = /^\/destinations\/([^/]+)(?:\/(run|cancel))?\/?$/.exec(pathname);
  if (!m || !ID.test(m[1])) return json(404, { error: 'NOT_FOUND', message: 'routes: /destinations/{id}, /destinations/{id}/run, /destinations/{id}/cancel' });
  const [, id, action] = m;
  const stub = env.DESTINATION.get(env.DESTINATION.idFromName(id));
  const method = request.method;
  if (!action && method === 'GET') {
    const status = await stub.status();
    return status ? json(200, status) : json(404, { error: 'NOT_FOUND', message: `no destination '${id}' (PUT its configuration first)` });
  }
  if (!action && method === 'PUT') {
    const body = await readJson(request);
    if (body.error) return json(400, body.error);
    const r = await stub.configure(id, body.value);
    if (!r.ok) return json(400, { error: 'CONFIG_INVALID', issues: r.issues });
    await registry(env).set(id, r.schedule);
    return json(200, { ok: true, id, schedule: r.schedule });
  }
  if (action === 'run' && method === 'POST') {
    const body = await readJson(request, true);
    if (body.error) return json(400, body.error);
    const opts = body.value ?? {};
    const unknown = Object.keys(opts).filter((k) => k !== 'fullResync');
    if (unknown.length > 0 || (opts.fullResync !== undefined && typeof opts.fullResync !== 'boolean')) {
      return json(400, { error: 'BAD_REQUEST', message: 'the body is empty or {"fullResync": true|false}' });
    }
    const r = await stub.start({ kind: 'manual', ...(opts.fullResync ? { fullResync: true } : {}) });
    if (r.started) return json(202, r);
    return json(r.reason === 'NOT_CONFIGURED' ? 404 : 409, r);
  }
  if (action === 'cancel' && method === 'POST') {
    const r = await stub.cancel();
    return json(r.cancelled ? 202 : 409, r);
  }
  return json(405, { error: 'METHOD_NOT_ALLOWED', message: `${method} is not allowed here` }, { allow: action ? 'POST' : 'GET, PUT' });
}

/** The registry object. @param {{REGISTRY: DurableObjectNamespace}} env */
export function registry(env) {
  return env.REGISTRY.get(env.REGISTRY.idFromName('registry'));
}

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

async function readJson(request, optional = false) {
  const text = await request.text();
  if (text.length > MAX_CONFIG_BYTES) return { error: { error: 'TOO_LARGE', message: `at most ${MAX_CONFIG_BYTES} bytes` } };
  if (optional && text.trim() === '') return { value: undefined };
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { error: { error: 'BAD_JSON', message: 'the body is not valid JSON' } };
  }
}
