#!/usr/bin/env node
// Local stand-in for the legacy Autopilot REST API v1 (api2.autopilothq.com/v1),
// following /work/shared/research/autopilot-api.md. See README.md in this folder
// for what is emulated, which source each behaviour rests on, and the choices
// made where the sources are silent.
//
// Library:  const emu = await startEmulator({ ratePerSecond: 5 }); … await emu.stop();
// CLI:      node tests/emulator/index.mjs --port 0 --api-key KEY --rate 5 --latency 250
//           prints `AUTOPILOT_EMULATOR_URL=http://127.0.0.1:PORT/v1` and runs until SIGINT/SIGTERM.
//
// Node standard library only.

import http from 'node:http';
import { realpathSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAX_BULK, Store, mulberry32 } from './store.mjs';

/** API key accepted when no `apiKey`/`apiKeys` option is given (32 lower-case hex, like real keys). */
export const DEFAULT_API_KEY = '0123456789abcdef0123456789abcdef';

/** Routes that fault injection applies to unless `faults.routes` says otherwise. */
export const DEFAULT_FAULT_ROUTES = Object.freeze(['POST /v1/contacts', 'POST /v1/contact']);

/** Steps accepted in `faults.script`. */
export const FAULT_STEPS = Object.freeze(['none', '429', '500', '503', 'drop', 'dropAfterWrite', 'slow']);

const PROBABILITIES = /** @type {const} */ (['p429', 'p500', 'p503', 'pDrop', 'pDropAfterWrite', 'pSlow']);
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const LOOPBACK = '127.0.0.1';

// ------------------------------------------------------------------ routes

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
function matchRoute(method, pathname) {
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

// ------------------------------------------------------------------ config

/**
 * @typedef {object} FaultOptions
 * @property {number} [p429]  injected 429 (rate-limit body), nothing written
 * @property {number} [p500]  500, nothing written
 * @property {number} [p503]  503, nothing written
 * @property {number} [pDrop] connection destroyed without a response, nothing written
 * @property {number} [pDropAfterWrite] write applied, then connection destroyed without a response
 * @property {number} [pSlow] write applied, response delayed by an extra `slowMs`
 * @property {number} [slowMs] default 1000
 * @property {string[]} [routes] route keys faults apply to (default POST /v1/contacts and POST /v1/contact; "*" = every /v1 route)
 * @property {string[]} [script] fault steps consumed in order by eligible requests before probabilities apply
 */

/**
 * @typedef {object} EmulatorOptions
 * @property {number} [port] TCP port on 127.0.0.1; default 0 (ephemeral)
 * @property {string} [apiKey] accepted API key (default DEFAULT_API_KEY)
 * @property {string[]} [apiKeys] more accepted API keys (each has its own rate bucket)
 * @property {number} [ratePerSecond] token refill rate per key; default 5; 0 = no limit
 * @property {number} [burst] bucket capacity; default max(1, ratePerSecond)
 * @property {number} [latencyMs] delay before every /v1 response; default 0
 * @property {number} [jitterMs] latency is latencyMs ± uniform(jitterMs), floored at 0; default 0
 * @property {number} [seed] seeds the PRNGs for faults, jitter and ids; default 1
 * @property {FaultOptions} [faults]
 * @property {string | null} [rejectWhen] marker that makes a contact (and so its whole request) invalid → 400
 * @property {boolean} [retryAfter] add `Retry-After: 1` to 429s; default false (Autopilot sends none)
 * @property {boolean} [cors] answer CORS preflights and add CORS headers; default true
 * @property {boolean} [quiet] no per-request log lines on stderr; default true for the library, false for the CLI
 */

const DEFAULT_CONFIG = Object.freeze({
  apiKeys: [DEFAULT_API_KEY],
  ratePerSecond: 5,
  burst: 5,
  latencyMs: 0,
  jitterMs: 0,
  seed: 1,
  faults: normalizeFaults({}),
  rejectWhen: null,
  retryAfter: false,
  cors: true,
  quiet: true,
});

/** @param {string} name @param {string} why */
function optionError(name, why) {
  return new TypeError(`Invalid emulator option "${name}": ${why}`);
}

/** @param {string} name @param {unknown} v @param {number} min */
function numberAtLeast(name, v, min) {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw optionError(name, `expected a finite number >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** @param {string} name @param {unknown} v */
function bool(name, v) {
  if (typeof v !== 'boolean') throw optionError(name, `expected a boolean, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Normalises a `faults` option. Missing probabilities are 0.
 * @param {FaultOptions} f
 */
function normalizeFaults(f) {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw optionError('faults', 'expected an object');
  const known = new Set([...PROBABILITIES, 'slowMs', 'routes', 'script']);
  for (const k of Object.keys(f)) if (!known.has(k)) throw optionError(`faults.${k}`, 'unknown option');
  const out = {};
  let sum = 0;
  for (const p of PROBABILITIES) {
    const v = f[p] ?? 0;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw optionError(`faults.${p}`, 'expected a probability in [0, 1]');
    out[p] = v;
    sum += v;
  }
  if (sum > 1 + 1e-9) throw optionError('faults', `probabilities add up to ${sum}, more than 1`);
  out.slowMs = numberAtLeast('faults.slowMs', f.slowMs ?? 1000, 0);
  const routes = f.routes ?? [...DEFAULT_FAULT_ROUTES];
  if (!Array.isArray(routes) || !routes.every((r) => r === '*' || ROUTE_KEYS.includes(r))) {
    throw optionError('faults.routes', `expected an array of "*" or route keys: ${ROUTE_KEYS.join(', ')}`);
  }
  out.routes = [...routes];
  const script = f.script ?? [];
  if (!Array.isArray(script) || !script.every((s) => FAULT_STEPS.includes(s))) {
    throw optionError('faults.script', `expected an array of ${FAULT_STEPS.join(' | ')}`);
  }
  out.script = [...script];
  return out;
}

/**
 * Applies `patch` over `base` and validates the result. `faults`, when
 * present, replaces the whole fault configuration.
 * @param {EmulatorOptions & Record<string, unknown>} patch
 * @param {typeof DEFAULT_CONFIG} base
 */
function normalizeConfig(patch, base) {
  const known = new Set([
    'port', 'apiKey', 'apiKeys', 'ratePerSecond', 'burst', 'latencyMs', 'jitterMs', 'seed',
    'faults', 'rejectWhen', 'retryAfter', 'cors', 'quiet',
  ]);
  for (const k of Object.keys(patch)) if (!known.has(k)) throw optionError(k, 'unknown option');
  const c = structuredClone(base);
  if (patch.apiKey !== undefined || patch.apiKeys !== undefined) {
    const keys = [];
    if (patch.apiKey !== undefined) keys.push(patch.apiKey);
    if (patch.apiKeys !== undefined) {
      if (!Array.isArray(patch.apiKeys)) throw optionError('apiKeys', 'expected an array of strings');
      keys.push(...patch.apiKeys);
    }
    if (keys.length === 0 || !keys.every((k) => typeof k === 'string' && k !== '')) {
      throw optionError('apiKey', 'API keys must be non-empty strings');
    }
    c.apiKeys = [...new Set(keys)];
  }
  if (patch.ratePerSecond !== undefined) {
    c.ratePerSecond = numberAtLeast('ratePerSecond', patch.ratePerSecond, 0);
    c.burst = Math.max(1, c.ratePerSecond);
  }
  if (patch.burst !== undefined) c.burst = numberAtLeast('burst', patch.burst, 1);
  if (patch.latencyMs !== undefined) c.latencyMs = numberAtLeast('latencyMs', patch.latencyMs, 0);
  if (patch.jitterMs !== undefined) c.jitterMs = numberAtLeast('jitterMs', patch.jitterMs, 0);
  if (patch.seed !== undefined) {
    if (!Number.isInteger(patch.seed)) throw optionError('seed', 'expected an integer');
    c.seed = patch.seed;
  }
  if (patch.faults !== undefined) c.faults = normalizeFaults(patch.faults);
  if (patch.rejectWhen !== undefined) {
    if (patch.rejectWhen !== null && (typeof patch.rejectWhen !== 'string' || patch.rejectWhen === '')) {
      throw optionError('rejectWhen', 'expected a non-empty string or null');
    }
    c.rejectWhen = patch.rejectWhen;
  }
  if (patch.retryAfter !== undefined) c.retryAfter = bool('retryAfter', patch.retryAfter);
  if (patch.cors !== undefined) c.cors = bool('cors', patch.cors);
  if (patch.quiet !== undefined) c.quiet = bool('quiet', patch.quiet);
  return c;
}

function newCounters() {
  return {
    requests: 0,
    byRoute: {},
    byStatus: {},
    http429: 0,
    rateLimited: 0,
    injected429: 0,
    http500: 0,
    http503: 0,
    dropped: 0,
    droppedBeforeWrite: 0,
    droppedAfterWrite: 0,
    slow: 0,
    maxInFlight: 0,
    bulkSizes: {},
    contactsCreated: 0,
    contactsUpdated: 0,
    duplicateEmailsInBulk: 0,
    preflights: 0,
  };
}

/** @param {unknown} v */
function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @param {number} status @param {string} error @param {string} message */
function errorReply(status, error, message) {
  return { status, body: { error, message } };
}

const badRequest = (message) => errorReply(400, 'Bad Request', message);
const notFound = (message) => errorReply(404, 'Not Found', message);

// ---------------------------------------------------------------- emulator

class Emulator {
  /** @param {EmulatorOptions} options */
  constructor(options) {
    this.config = normalizeConfig(options, DEFAULT_CONFIG);
    this.store = new Store(this.config.seed);
    this.counters = newCounters();
    this.inFlight = 0;
    /** @type {Map<string, {tokens: number, at: number}>} API key -> token bucket */
    this.buckets = new Map();
    /** @type {Set<NodeJS.Timeout>} pending delayed responses */
    this.timers = new Set();
    this.reseed();
    this.server = http.createServer((req, res) => {
      this.onRequest(req, res).catch((err) => {
        process.stderr.write(`[autopilot-emulator] internal error: ${err && err.stack}\n`);
        if (!res.headersSent) this.write(res, { status: 500, body: { error: 'Internal Server Error', message: 'Emulator error.' } });
      });
    });
  }

  reseed() {
    this.faultRand = mulberry32(this.config.seed);
    this.jitterRand = mulberry32((this.config.seed ^ 0x9e3779b9) >>> 0);
  }

  /** @param {number} port */
  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ port, host: LOOPBACK }, () => {
        this.server.off('error', reject);
        resolve(/** @type {import('node:net').AddressInfo} */ (this.server.address()).port);
      });
    });
  }

  async stop() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await new Promise((resolve) => {
      this.server.close(() => resolve(undefined));
      this.server.closeAllConnections();
    });
  }

  /** Clears contacts, lists, custom fields, counters and rate buckets; re-seeds the PRNGs. */
  reset() {
    this.store.seed = this.config.seed;
    this.store.clear();
    this.counters = newCounters();
    this.counters.maxInFlight = this.inFlight;
    this.buckets.clear();
    this.reseed();
  }

  /** @param {EmulatorOptions} patch */
  configure(patch) {
    if (!isPlainObject(patch)) throw new TypeError('Emulator config must be an object.');
    if (patch.port !== undefined) throw optionError('port', 'cannot be changed at runtime');
    const before = this.config;
    this.config = normalizeConfig(patch, before);
    if (this.config.ratePerSecond !== before.ratePerSecond || this.config.burst !== before.burst
      || patch.apiKey !== undefined || patch.apiKeys !== undefined) {
      this.buckets.clear();
    }
    if (patch.seed !== undefined) {
      this.store.seed = this.config.seed;
      this.reseed();
    }
    return structuredClone(this.config);
  }

  /** @param {{contacts?: boolean}} [opts] */
  state(opts = {}) {
    const withContacts = opts.contacts !== false;
    const s = this.store;
    const out = {
      config: structuredClone(this.config),
      instanceId: s.instanceId,
      contactCount: s.contacts.size,
      contacts: withContacts ? [...s.contacts.values()].map((r) => s.stateShape(r)) : undefined,
      lists: [...s.lists.values()].map((l) => ({
        list_id: l.list_id,
        title: l.title,
        total_contacts: l.members.size,
        contact_ids: withContacts ? s.listMemberIds(l) : undefined,
      })),
      customFields: [...s.customFields.entries()].map(([key, d]) => ({ key, name: d.name, fieldType: d.fieldType })),
      counters: { ...structuredClone(this.counters), inFlight: this.inFlight },
    };
    if (!withContacts) {
      delete out.contacts;
      for (const l of out.lists) delete l.contact_ids;
    }
    return out;
  }

  // -------------------------------------------------------------- HTTP core

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async onRequest(req, res) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));

    if (req.method === 'OPTIONS' && this.config.cors) {
      this.counters.preflights += 1;
      await readBody(req);
      this.write(res, { status: 204, body: null }, req);
      return;
    }
    if (pathname === '/__emulator' || pathname.startsWith('/__emulator/')) {
      const body = await readBody(req);
      this.write(res, this.admin(req.method ?? 'GET', pathname, query, body), req);
      return;
    }
    await this.api(req, res, pathname);
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} pathname */
  async api(req, res, pathname) {
    const started = performance.now();
    this.inFlight += 1;
    if (this.inFlight > this.counters.maxInFlight) this.counters.maxInFlight = this.inFlight;
    // In flight until the emulator answers or drops (or the client goes away).
    let open = true;
    const release = () => {
      if (open) { open = false; this.inFlight -= 1; }
    };
    res.once('close', release);
    this.counters.requests += 1;

    const raw = await readBody(req);
    const method = req.method ?? 'GET';
    const match = matchRoute(method, pathname);
    // Counter key: the route pattern; 405s keep the (bounded) pattern of the
    // path they hit; unknown paths share one key so memory stays bounded.
    let routeKey = 'UNMATCHED';
    if (match && 'route' in match) routeKey = match.route.key;
    else if (match) routeKey = `${method} ${match.pattern}`;
    const outcome = this.decide(req, match, raw);
    this.count(routeKey, outcome);

    let delay = this.config.latencyMs;
    if (this.config.jitterMs > 0) delay += (this.jitterRand() * 2 - 1) * this.config.jitterMs;
    delay = Math.max(0, delay) + (outcome.extraDelayMs ?? 0);

    const send = () => {
      release();
      if (outcome.drop) req.socket.destroy();
      else this.write(res, outcome, req);
      if (!this.config.quiet) {
        const what = outcome.drop ? 'dropped' : String(outcome.status);
        const ms = Math.round(performance.now() - started);
        process.stderr.write(`[autopilot-emulator] ${method} ${pathname} -> ${what} (${ms} ms)\n`);
      }
    };
    if (delay > 0) {
      const t = setTimeout(() => { this.timers.delete(t); send(); }, delay);
      this.timers.add(t);
    } else {
      send();
    }
  }

  /**
   * Decides the outcome of one /v1 request and applies its write. Order:
   * route → auth → rate limit → fault draw → body parse/validate → write.
   * @returns {{status: number, body: unknown, headers?: Record<string,string>, drop?: boolean, extraDelayMs?: number}}
   */
  decide(req, match, raw) {
    if (match === null) return notFound('The requested API route does not exist.');
    if (!('route' in match)) {
      return { ...errorReply(405, 'Method Not Allowed', `Method ${req.method} is not allowed on this route.`), headers: { Allow: match.allow.join(', ') } };
    }
    const key = req.headers.autopilotapikey;
    if (typeof key !== 'string' || key === '') return badRequest('No autopilotapikey header provided.');
    if (!this.config.apiKeys.includes(key)) return errorReply(401, 'Unauthorized', 'Provided autopilotapikey not valid.');
    if (!this.takeToken(key)) {
      this.counters.rateLimited += 1;
      return this.tooManyRequests();
    }

    const fault = this.drawFault(match.route.key);
    switch (fault) {
      case '429': this.counters.injected429 += 1; return this.tooManyRequests();
      case '500': return errorReply(500, 'Internal Server Error', 'Injected fault: internal server error.');
      case '503': return errorReply(503, 'Service Unavailable', 'Injected fault: service unavailable.');
      case 'drop': this.counters.droppedBeforeWrite += 1; return { status: 0, body: null, drop: true };
      default: break;
    }

    let outcome;
    if (match.badParam) {
      outcome = badRequest('Invalid contact_id_or_email value provided.');
    } else {
      let body;
      let parsed = true;
      if (match.route.body) {
        if (raw.tooLarge) return errorReply(413, 'Payload Too Large', 'Request body is too large.');
        try {
          body = JSON.parse(raw.text);
        } catch {
          parsed = false;
        }
      }
      outcome = parsed ? this[match.route.handler](match.params, body, req.method) : badRequest('Request body is not valid JSON.');
    }

    if (fault === 'dropAfterWrite') {
      this.counters.droppedAfterWrite += 1;
      return { status: 0, body: null, drop: true };
    }
    if (fault === 'slow') {
      this.counters.slow += 1;
      return { ...outcome, extraDelayMs: this.config.faults.slowMs };
    }
    return outcome;
  }

  tooManyRequests() {
    const reply = errorReply(429, 'Too Many Requests', `You have exceeded your request rate of ${this.config.ratePerSecond} r/s.`);
    return this.config.retryAfter ? { ...reply, headers: { 'Retry-After': '1' } } : reply;
  }

  /** Token bucket per API key; true if the request may proceed. @param {string} key */
  takeToken(key) {
    const { ratePerSecond: rate, burst } = this.config;
    if (!(rate > 0)) return true;
    const now = performance.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1 - 1e-9) return false;
    b.tokens -= 1;
    return true;
  }

  /**
   * One fault decision for a request that passed auth and the rate limit.
   * Scripted steps first; then one uniform draw against the cumulative
   * probabilities in the order p429, p500, p503, pDrop, pDropAfterWrite, pSlow.
   * @param {string} routeKey
   * @returns {string} one of FAULT_STEPS
   */
  drawFault(routeKey) {
    const f = this.config.faults;
    if (!f.routes.includes('*') && !f.routes.includes(routeKey)) return 'none';
    if (f.script.length > 0) return /** @type {string} */ (f.script.shift());
    const r = this.faultRand();
    let acc = 0;
    const steps = { p429: '429', p500: '500', p503: '503', pDrop: 'drop', pDropAfterWrite: 'dropAfterWrite', pSlow: 'slow' };
    for (const p of PROBABILITIES) {
      acc += f[p];
      if (r < acc) return steps[p];
    }
    return 'none';
  }

  /** @param {string} routeKey @param {{status: number, drop?: boolean}} outcome */
  count(routeKey, outcome) {
    const c = this.counters;
    const label = outcome.drop ? 'dropped' : String(outcome.status);
    const perRoute = (c.byRoute[routeKey] ??= {});
    perRoute[label] = (perRoute[label] ?? 0) + 1;
    if (outcome.drop) {
      c.dropped += 1;
      return;
    }
    c.byStatus[label] = (c.byStatus[label] ?? 0) + 1;
    if (outcome.status === 429) c.http429 += 1;
    if (outcome.status === 500) c.http500 += 1;
    if (outcome.status === 503) c.http503 += 1;
  }

  /**
   * @param {http.ServerResponse} res
   * @param {{status: number, body: unknown, headers?: Record<string, string>}} outcome
   * @param {http.IncomingMessage} [req]
   */
  write(res, outcome, req) {
    if (res.destroyed || res.writableEnded) return;
    const headers = { ...outcome.headers };
    if (this.config.cors) {
      headers['Access-Control-Allow-Origin'] = '*';
      headers['Access-Control-Expose-Headers'] = 'Retry-After';
      if (req && req.method === 'OPTIONS') {
        headers['Access-Control-Allow-Methods'] = 'GET, POST, DELETE, OPTIONS';
        headers['Access-Control-Allow-Headers'] = 'autopilotapikey, content-type';
        headers['Access-Control-Max-Age'] = '600';
        if (req.headers['access-control-request-private-network'] === 'true') {
          headers['Access-Control-Allow-Private-Network'] = 'true';
        }
      }
    }
    if (outcome.body === null) {
      res.writeHead(outcome.status, { ...headers, 'Content-Length': '0' });
      res.end();
      return;
    }
    const json = JSON.stringify(outcome.body);
    res.writeHead(outcome.status, {
      ...headers,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(json)),
    });
    res.end(json);
  }

  // --------------------------------------------------------- admin routes

  /**
   * `/__emulator/*`: no auth, no rate limit, no latency, not counted.
   * @param {string} method @param {string} pathname @param {URLSearchParams} query
   * @param {{text: string, tooLarge: boolean}} raw
   */
  admin(method, pathname, query, raw) {
    const parseJson = () => {
      if (raw.text.trim() === '') return {};
      return JSON.parse(raw.text);
    };
    const allow = (methods) => ({
      ...errorReply(405, 'Method Not Allowed', `Use ${methods.join(' or ')}.`),
      headers: { Allow: methods.join(', ') },
    });
    switch (pathname) {
      case '/__emulator/state': {
        if (method !== 'GET') return allow(['GET']);
        const c = query.get('contacts');
        return { status: 200, body: this.state({ contacts: !(c === '0' || c === 'false') }) };
      }
      case '/__emulator/reset':
        if (method !== 'POST') return allow(['POST']);
        this.reset();
        return { status: 200, body: { ok: true } };
      case '/__emulator/config':
        if (method === 'GET') return { status: 200, body: structuredClone(this.config) };
        if (method !== 'POST') return allow(['GET', 'POST']);
        try {
          return { status: 200, body: this.configure(parseJson()) };
        } catch (err) {
          return badRequest(err instanceof Error ? err.message : String(err));
        }
      default:
        return notFound('Unknown emulator route. Try /__emulator/state, /__emulator/reset, /__emulator/config.');
    }
  }

  // ------------------------------------------------------------ v1 handlers

  getAccount() {
    return { status: 200, body: { instanceId: this.store.instanceId, emulator: true } };
  }

  /** `POST /v1/contact` `{"contact":{…}}` → `{"contact_id"}` ([APIARY-2015], [RUBY-VCR]). */
  upsertOne(_params, body) {
    if (!isPlainObject(body) || !isPlainObject(body.contact)) return badRequest('No contact object provided.');
    const v = this.store.validateContact(body.contact, this.config.rejectWhen ?? undefined);
    if (!v.ok) return badRequest(`Invalid contact: ${v.message}`);
    const { id, created } = this.store.upsert(v.contact, new Date().toISOString());
    if (created) this.counters.contactsCreated += 1; else this.counters.contactsUpdated += 1;
    return { status: 200, body: { contact_id: id } };
  }

  /** `POST /v1/contacts` `{"contacts":[…1..100]}` ([BLOG-BULK], [RUBY-VCR]). All or nothing. */
  upsertBulk(_params, body) {
    if (!isPlainObject(body) || !Array.isArray(body.contacts)) return badRequest('No contacts array provided.');
    const n = body.contacts.length;
    if (n === 0) return badRequest(`No contacts provided: a bulk request takes 1 to ${MAX_BULK} contacts.`);
    if (n > MAX_BULK) return badRequest(`Too many contacts: a bulk request takes at most ${MAX_BULK} contacts (got ${n}).`);
    const valid = [];
    for (let i = 0; i < n; i += 1) {
      const v = this.store.validateContact(body.contacts[i], this.config.rejectWhen ?? undefined);
      if (!v.ok) return badRequest(`Invalid contact at index ${i}: ${v.message}`);
      valid.push(v.contact);
    }
    const now = new Date().toISOString();
    const contactIds = [];
    const emailContactMap = {};
    const seen = new Set();
    for (const c of valid) {
      if (seen.has(c.emailKey)) this.counters.duplicateEmailsInBulk += 1;
      seen.add(c.emailKey);
      const { id, created } = this.store.upsert(c, now);
      if (created) this.counters.contactsCreated += 1; else this.counters.contactsUpdated += 1;
      contactIds.push(id);
      emailContactMap[c.email] = id;
    }
    const sizes = this.counters.bulkSizes;
    sizes[n] = (sizes[n] ?? 0) + 1;
    return {
      status: 200,
      body: { contact_ids: contactIds, email_contact_map: emailContactMap, _removeResultKeys: ['proposedContacts'] },
    };
  }

  /** `GET /v1/contact/{id_or_email}` → read shape, 404 if absent. */
  getContact(params) {
    const rec = this.store.findContact(params.idOrEmail);
    if (rec === null) return badRequest('Invalid contact_id_or_email value provided.');
    if (rec === undefined) return notFound('Contact could not be found.');
    return { status: 200, body: this.store.readShape(rec) };
  }

  /** `GET /v1/contacts/custom_fields` → `[{name, fieldType}]` ([TORCH], [N8N], [FORMIE]). */
  getCustomFields() {
    const fields = [...this.store.customFields.values()].map((d) => ({ name: d.name, fieldType: d.fieldType }));
    return { status: 200, body: fields };
  }

  /** `GET /v1/lists` → `{"lists":[{list_id,title}]}` ([RUBY-VCR], [N8N]). */
  getLists() {
    const lists = [...this.store.lists.values()].map((l) => ({ list_id: l.list_id, title: l.title }));
    return { status: 200, body: { lists } };
  }

  /** `POST /v1/list` `{"name"}` → `{"list_id"}`; existing title → 409 ([APIARY-2015]). */
  createList(_params, body) {
    if (!isPlainObject(body) || typeof body.name !== 'string' || body.name.trim() === '') {
      return badRequest('No list name provided.');
    }
    if (this.store.findListByTitle(body.name)) {
      return errorReply(409, 'Conflict', 'A list with this name already exists.');
    }
    return { status: 200, body: { list_id: this.store.createList(body.name).list_id } };
  }

  /** `GET|POST|DELETE /v1/list/{list_id}/contact/{id_or_email}` (research §1.3). */
  listMembership(params, _body, method) {
    const list = this.store.lists.get(params.listId);
    if (!list) return notFound('List could not be found.');
    const rec = this.store.findContact(params.idOrEmail);
    if (rec === null) return badRequest('Invalid contact_id_or_email value provided.');
    if (rec === undefined) return notFound('Contact could not be found.');
    if (method === 'GET') {
      return list.members.has(rec.contact_id) ? { status: 200, body: {} } : notFound('');
    }
    const changed = method === 'POST'
      ? this.store.addToList(list.list_id, rec.contact_id)
      : this.store.removeFromList(list.list_id, rec.contact_id);
    return { status: 200, body: changed ? {} : { not_modified: true } };
  }

  /** `GET /v1/list/{list_id}/contacts[/{bookmark}]` ([BLOG-BOOKMARK]). */
  listContacts(params) {
    const list = this.store.lists.get(params.listId);
    if (!list) return notFound('List could not be found.');
    const page = this.store.listPage(list, params.bookmark);
    if (page === null) return badRequest('Invalid bookmark value provided.');
    return { status: 200, body: page };
  }
}

/**
 * Reads a request body (up to MAX_BODY_BYTES; the rest is drained and discarded).
 * @param {http.IncomingMessage} req
 * @returns {Promise<{text: string, tooLarge: boolean}>}
 */
function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', () => resolve({ text: '', tooLarge: false }));
  });
}

// --------------------------------------------------------------- public API

/**
 * @typedef {object} EmulatorHandle
 * @property {string} url      API base, `http://127.0.0.1:<port>/v1`
 * @property {string} origin   `http://127.0.0.1:<port>` (the `/__emulator/...` routes live here)
 * @property {number} port
 * @property {() => Promise<void>} stop      closes the server and every connection
 * @property {(opts?: {contacts?: boolean}) => object} state  deep copy of the state (see README)
 * @property {() => void} reset              clears contacts, lists, custom fields, counters, rate buckets
 * @property {(patch: EmulatorOptions) => object} configure  changes options at runtime; returns the new config
 */

/**
 * Starts an Autopilot emulator on 127.0.0.1.
 * @param {EmulatorOptions} [options]
 * @returns {Promise<EmulatorHandle>}
 * @throws {TypeError} on an invalid option (the promise rejects)
 */
export async function startEmulator(options = {}) {
  const emu = new Emulator(options);
  const port = await emu.listen(options.port ?? 0);
  const origin = `http://${LOOPBACK}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    port,
    stop: () => emu.stop(),
    state: (opts) => emu.state(opts),
    reset: () => emu.reset(),
    configure: (patch) => emu.configure(patch),
  };
}

// --------------------------------------------------------------------- CLI

const USAGE = `Usage: node tests/emulator/index.mjs [options]

Starts the local Autopilot emulator on 127.0.0.1 and prints
AUTOPILOT_EMULATOR_URL=http://127.0.0.1:PORT/v1 on stdout. Stops on SIGINT/SIGTERM.

  --port N                 TCP port (default 0 = ephemeral)
  --api-key KEY            accepted API key; repeat for several (default ${DEFAULT_API_KEY})
  --rate R                 requests per second per key (default 5; 0 = unlimited)
  --burst B                token-bucket capacity (default = rate)
  --latency MS             response latency (default 0)
  --jitter MS              latency ± uniform jitter (default 0)
  --seed N                 PRNG seed for faults, jitter and ids (default 1)
  --p429 P --p500 P --p503 P --p-drop P --p-drop-after-write P --p-slow P
                           fault probabilities (sum <= 1)
  --slow-ms MS             extra delay of a slow response (default 1000)
  --fault-routes LIST      comma-separated route keys, or * (default "${DEFAULT_FAULT_ROUTES.join(',')}")
  --reject-when MARKER     contacts carrying MARKER make their request 400
  --retry-after            send Retry-After: 1 with 429s
  --no-cors                no CORS headers / preflight answers
  --quiet                  no per-request log lines on stderr
  --help`;

/**
 * Parses CLI arguments into startEmulator options.
 * @param {string[]} argv
 * @returns {EmulatorOptions & {help?: boolean}}
 */
export function parseCliArgs(argv) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      rate: { type: 'string' },
      burst: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      seed: { type: 'string' },
      p429: { type: 'string' },
      p500: { type: 'string' },
      p503: { type: 'string' },
      'p-drop': { type: 'string' },
      'p-drop-after-write': { type: 'string' },
      'p-slow': { type: 'string' },
      'slow-ms': { type: 'string' },
      'fault-routes': { type: 'string' },
      'reject-when': { type: 'string' },
      'retry-after': { type: 'boolean' },
      'no-cors': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const num = (flag) => {
    const s = v[flag];
    if (s === undefined) return undefined;
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new TypeError(`--${flag}: not a number: ${s}`);
    return n;
  };
  /** @type {EmulatorOptions & {help?: boolean}} */
  const opts = { quiet: v.quiet === true };
  const set = (key, value) => { if (value !== undefined) opts[key] = value; };
  set('help', v.help);
  set('port', num('port'));
  if (v['api-key'] !== undefined) opts.apiKeys = v['api-key'];
  set('ratePerSecond', num('rate'));
  set('burst', num('burst'));
  set('latencyMs', num('latency'));
  set('jitterMs', num('jitter'));
  set('seed', num('seed'));
  set('rejectWhen', v['reject-when']);
  if (v['retry-after']) opts.retryAfter = true;
  if (v['no-cors']) opts.cors = false;
  const faults = {};
  const fset = (key, value) => { if (value !== undefined) faults[key] = value; };
  fset('p429', num('p429'));
  fset('p500', num('p500'));
  fset('p503', num('p503'));
  fset('pDrop', num('p-drop'));
  fset('pDropAfterWrite', num('p-drop-after-write'));
  fset('pSlow', num('p-slow'));
  fset('slowMs', num('slow-ms'));
  if (v['fault-routes'] !== undefined) faults.routes = v['fault-routes'].split(',').map((s) => s.trim()).filter(Boolean);
  if (Object.keys(faults).length > 0) opts.faults = faults;
  return opts;
}

async function main() {
  let opts;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  delete opts.help;
  let emu;
  try {
    emu = await startEmulator(opts);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exit(2);
  }
  process.stdout.write(`AUTOPILOT_EMULATOR_URL=${emu.url}\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    emu.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

function isMainModule() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) await main();
