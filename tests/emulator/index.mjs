#!/usr/bin/env node
// Local stand-in for the legacy Autopilot REST API v1 (api2.autopilothq.com/v1),
// following /work/shared/research/autopilot-api.md. See README.md in this folder
// for what is emulated, which source each behaviour rests on, and the choices
// made where the sources are silent.
//
// This file owns the HTTP core: request flow (route → auth → rate limit →
// faults → handler → latency), counters, CORS headers, the public handle
// (startEmulator) and the script entry point. Routes, options, handlers, the
// store, admin routes and the CLI live in their own files (README, "Files").
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
import { adminRoute } from './admin.mjs';
import { parseCliArgs, runCli } from './cli.mjs';
import { DEFAULT_API_KEY, DEFAULT_CONFIG, DEFAULT_FAULT_ROUTES, FAULT_STEPS, PROBABILITIES, normalizeConfig, optionError } from './config.mjs';
import * as handlers from './handlers.mjs';
import { LOOPBACK, closeServer, listenLoopback, readBody } from './loopback.mjs';
import { badRequest, errorReply, isPlainObject, notFound } from './replies.mjs';
import { ROUTE_KEYS, matchRoute } from './routes.mjs';
import { Accounts } from './accounts.mjs';
import { mulberry32 } from './store.mjs';

export { DEFAULT_API_KEY, DEFAULT_FAULT_ROUTES, FAULT_STEPS, ROUTE_KEYS, parseCliArgs };

/** @typedef {import('./config.mjs').EmulatorOptions} EmulatorOptions */
/** @typedef {import('./config.mjs').FaultOptions} FaultOptions */

const MAX_BODY_BYTES = 8 * 1024 * 1024;

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
    delayed: 0,
    maxInFlight: 0,
    bulkSizes: {},
    contactsCreated: 0,
    contactsUpdated: 0,
    duplicateEmailsInBulk: 0,
    preflights: 0,
    redirected: 0,
    removals: 0,
    removalsNotModified: 0,
  };
}

/**
 * The `redirect` option's answer: `Location` = prefix + the request's original
 * path and query; a small JSON body; nothing applied.
 * @param {{status: number, to: string}} redirect
 * @param {string} originalUrl path and query exactly as received
 * @returns {import('./replies.mjs').Reply}
 */
function redirectReply(redirect, originalUrl) {
  const location = redirect.to + originalUrl;
  return {
    ...errorReply(redirect.status, http.STATUS_CODES[redirect.status] ?? 'Redirect', `The API has moved to ${location}`),
    headers: { Location: location },
  };
}

// ---------------------------------------------------------------- emulator

class Emulator {
  /** @param {import('./config.mjs').EmulatorOptions} options */
  constructor(options) {
    this.config = normalizeConfig(options, DEFAULT_CONFIG);
    this.accounts = new Accounts(this.config.accounts, this.config.seed);
    this.showInstanceIds();
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

  /**
   * Handler context: the account's store, config and counters.
   * @param {import('./store.mjs').Store} store
   * @returns {import('./handlers.mjs').Ctx}
   */
  ctx(store) {
    return { store, config: this.config, counters: this.counters };
  }

  /** config.accounts[i].instanceId = the account's actual (possibly generated) instanceId. */
  showInstanceIds() {
    this.config.accounts.forEach((a, i) => { a.instanceId = this.accounts.stores[i].instanceId; });
  }

  reseed() {
    this.faultRand = mulberry32(this.config.seed);
    this.jitterRand = mulberry32((this.config.seed ^ 0x9e3779b9) >>> 0);
  }

  /** @param {number} port */
  listen(port) {
    return listenLoopback(this.server, port);
  }

  async stop() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await closeServer(this.server);
  }

  /** Clears every account's data, the counters and rate buckets; re-seeds the PRNGs. Keeps config. */
  reset() {
    this.accounts.reseed(this.config.seed);
    this.accounts.clearAll();
    this.counters = newCounters();
    this.counters.maxInFlight = this.inFlight;
    this.buckets.clear();
    this.reseed();
  }

  /** @param {import('./config.mjs').EmulatorOptions} patch */
  configure(patch) {
    if (!isPlainObject(patch)) throw new TypeError('Emulator config must be an object.');
    if (patch.port !== undefined) throw optionError('port', 'cannot be changed at runtime');
    const before = this.config;
    const next = normalizeConfig(patch, before);
    const keysChanged = patch.apiKey !== undefined || patch.apiKeys !== undefined || patch.accounts !== undefined;
    // Plan the stores first: a rejected patch changes nothing.
    const stores = patch.accounts !== undefined ? this.accounts.plan(next.accounts, next.seed) : null;
    this.config = next;
    if (stores !== null) {
      this.accounts.commit(stores, next.accounts);
      this.showInstanceIds();
    }
    else if (keysChanged) this.accounts.setKeys(next.accounts);
    if (next.ratePerSecond !== before.ratePerSecond || next.burst !== before.burst || keysChanged) {
      this.buckets.clear();
    }
    if (patch.seed !== undefined || stores !== null) {
      this.accounts.reseed(next.seed);
      if (patch.seed !== undefined) this.reseed();
    }
    return structuredClone(this.config);
  }

  /**
   * Deep copy of the state: the first account's data at the top level (the
   * single-account shape), every account under `accounts`, config, counters.
   * @param {{contacts?: boolean}} [opts]
   */
  state(opts = {}) {
    const withContacts = opts.contacts !== false;
    const accounts = this.accounts.stores.map((s) => s.snapshot(withContacts));
    return {
      config: structuredClone(this.config),
      ...structuredClone(accounts[0]),
      accounts,
      counters: { ...structuredClone(this.counters), inFlight: this.inFlight },
    };
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
      await readBody(req, MAX_BODY_BYTES);
      this.write(res, { status: 204, body: null }, req);
      return;
    }
    if (pathname === '/__emulator' || pathname.startsWith('/__emulator/')) {
      const body = await readBody(req, MAX_BODY_BYTES);
      this.write(res, adminRoute(this, req.method ?? 'GET', pathname, query, body), req);
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

    const raw = await readBody(req, MAX_BODY_BYTES);
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
    if (delay > 0) this.counters.delayed += 1;

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
   * route → redirect → auth → rate limit → fault draw → body parse/validate → write.
   * @returns {{status: number, body: unknown, headers?: Record<string,string>, drop?: boolean, extraDelayMs?: number}}
   */
  decide(req, match, raw) {
    if (match === null) return notFound('The requested API route does not exist.');
    if (!('route' in match)) {
      return { ...errorReply(405, 'Method Not Allowed', `Method ${req.method} is not allowed on this route.`), headers: { Allow: match.allow.join(', ') } };
    }
    if (this.config.redirect !== null) {
      this.counters.redirected += 1;
      return redirectReply(this.config.redirect, req.url ?? '/');
    }
    const key = req.headers.autopilotapikey;
    if (typeof key !== 'string' || key === '') return badRequest('No autopilotapikey header provided.');
    const store = this.accounts.storeForKey(key);
    if (store === undefined) return errorReply(401, 'Unauthorized', 'Provided autopilotapikey not valid.');
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
      outcome = parsed ? handlers[match.route.handler](this.ctx(store), match.params, body, req.method) : badRequest('Request body is not valid JSON.');
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
      headers['Access-Control-Expose-Headers'] = 'Retry-After, Location';
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
 * @property {(patch: import('./config.mjs').EmulatorOptions) => object} configure  changes options at runtime; returns the new config
 */

/**
 * Starts an Autopilot emulator on 127.0.0.1.
 * @param {import('./config.mjs').EmulatorOptions} [options]
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

// ------------------------------------------------------------------ script

function isMainModule() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) await runCli(startEmulator);
