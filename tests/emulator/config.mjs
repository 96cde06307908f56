// Options of the emulator: defaults, validation and merging of a patch over the
// current configuration (startEmulator options, configure(), POST /__emulator/config).
// Pure functions; nothing here touches the network or the store.

import { ROUTE_KEYS } from './routes.mjs';
import { parseCustomKey } from './store.mjs';

/** API key accepted when no `apiKey`/`apiKeys` option is given (32 lower-case hex, like real keys). */
export const DEFAULT_API_KEY = '0123456789abcdef0123456789abcdef';

/** Routes that fault injection applies to unless `faults.routes` says otherwise. */
export const DEFAULT_FAULT_ROUTES = Object.freeze(['POST /v1/contacts', 'POST /v1/contact']);

/** Steps accepted in `faults.script`. */
export const FAULT_STEPS = Object.freeze(['none', '429', '500', '503', 'drop', 'dropAfterWrite', 'slow']);

export const PROBABILITIES = /** @type {const} */ (['p429', 'p500', 'p503', 'pDrop', 'pDropAfterWrite', 'pSlow']);

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
 * @property {string[]} [apiKeys] more accepted API keys (each has its own rate bucket);
 *           `apiKey`/`apiKeys` are the first account's keys
 * @property {Array<{instanceId?: string | null, apiKeys: string[]}>} [accounts] several accounts, each
 *           with its own data and instanceId (mutually exclusive with apiKey/apiKeys)
 * @property {number} [ratePerSecond] token refill rate per key; default 5; 0 = no limit
 * @property {number} [burst] bucket capacity; default max(1, ratePerSecond)
 * @property {number} [latencyMs] delay before every /v1 response; default 0
 * @property {number} [jitterMs] latency is latencyMs ± uniform(jitterMs), floored at 0; default 0
 * @property {number} [seed] seeds the PRNGs for faults, jitter and ids; default 1
 * @property {FaultOptions} [faults]
 * @property {string | null} [rejectWhen] marker that makes a contact (and so its whole request) invalid → 400
 * @property {string | null} [rejectCustomKey] custom key `<type>--<Name>`: every contact carrying it is
 *           invalid with one fixed message (a field of another type in the account) → its request 400
 * @property {boolean} [retryAfter] add `Retry-After: 1` to 429s; default false (Autopilot sends none)
 * @property {boolean} [cors] answer CORS preflights and add CORS headers; default true
 * @property {boolean} [quiet] no per-request log lines on stderr; default true for the library, false for the CLI
 * @property {{status: 301 | 302 | 303 | 307 | 308, to: string} | null} [redirect] answer every routed /v1
 *           request with this redirect (`Location: <to><path and query>`), before auth; default null
 */

export const DEFAULT_CONFIG = Object.freeze({
  apiKeys: [DEFAULT_API_KEY],
  accounts: [{ instanceId: null, apiKeys: [DEFAULT_API_KEY] }],
  ratePerSecond: 5,
  burst: 5,
  latencyMs: 0,
  jitterMs: 0,
  seed: 1,
  faults: normalizeFaults({}),
  rejectWhen: null,
  rejectCustomKey: null,
  retryAfter: false,
  cors: true,
  quiet: true,
  redirect: null,
});

/** Most accounts one emulator holds. */
export const MAX_ACCOUNTS = 100;

/** Statuses accepted in `redirect.status`. */
export const REDIRECT_STATUSES = Object.freeze([301, 302, 303, 307, 308]);

/** @param {string} name @param {string} why */
export function optionError(name, why) {
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
export function normalizeConfig(patch, base) {
  const known = new Set([
    'port', 'apiKey', 'apiKeys', 'accounts', 'ratePerSecond', 'burst', 'latencyMs', 'jitterMs', 'seed',
    'faults', 'rejectWhen', 'rejectCustomKey', 'retryAfter', 'cors', 'quiet', 'redirect',
  ]);
  for (const k of Object.keys(patch)) if (!known.has(k)) throw optionError(k, 'unknown option');
  const c = structuredClone(base);
  if (patch.accounts !== undefined) {
    c.accounts = normalizeAccounts(patch.accounts);
    // apiKeys merely echoing accounts[0].apiKeys (a config read back and posted again) is fine.
    const echo = patch.apiKey === undefined && Array.isArray(patch.apiKeys)
      && JSON.stringify([...new Set(patch.apiKeys)]) === JSON.stringify(c.accounts[0].apiKeys);
    if (patch.apiKey !== undefined || (patch.apiKeys !== undefined && !echo)) {
      throw optionError('accounts', 'give either accounts or apiKey/apiKeys, not both');
    }
    c.apiKeys = [...c.accounts[0].apiKeys];
  }
  if (patch.accounts === undefined && (patch.apiKey !== undefined || patch.apiKeys !== undefined)) {
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
    const elsewhere = c.accounts.slice(1).flatMap((a) => a.apiKeys);
    const clash = c.apiKeys.find((k) => elsewhere.includes(k));
    if (clash !== undefined) throw optionError('apiKeys', 'a key is already used by another account');
    c.accounts[0].apiKeys = [...c.apiKeys];
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
  if (patch.rejectCustomKey !== undefined) {
    const k = patch.rejectCustomKey;
    if (k !== null && (typeof k !== 'string' || typeof parseCustomKey(k) === 'string')) {
      throw optionError('rejectCustomKey', `expected a custom field key "<type>--<Name>" or null, got ${JSON.stringify(k)}`);
    }
    c.rejectCustomKey = k;
  }
  if (patch.retryAfter !== undefined) c.retryAfter = bool('retryAfter', patch.retryAfter);
  if (patch.cors !== undefined) c.cors = bool('cors', patch.cors);
  if (patch.quiet !== undefined) c.quiet = bool('quiet', patch.quiet);
  if (patch.redirect !== undefined) c.redirect = normalizeRedirect(patch.redirect);
  return c;
}

/**
 * Normalises `redirect`: null, or `{status, to}` with `to` an absolute http(s)
 * URL prefix without query or fragment; one trailing "/" of `to` is dropped so
 * that `to + "/v1/…"` has a single slash.
 * @param {unknown} r
 */
function normalizeRedirect(r) {
  if (r === null) return null;
  if (typeof r !== 'object' || Array.isArray(r)) throw optionError('redirect', 'expected {status, to} or null');
  for (const k of Object.keys(r)) if (k !== 'status' && k !== 'to') throw optionError(`redirect.${k}`, 'unknown option');
  const { status, to } = /** @type {{status: unknown, to: unknown}} */ (r);
  if (!REDIRECT_STATUSES.includes(/** @type {any} */ (status))) {
    throw optionError('redirect.status', `expected one of ${REDIRECT_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  }
  let url;
  try {
    url = new URL(/** @type {string} */ (to));
  } catch {
    url = null;
  }
  if (typeof to !== 'string' || url === null || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== ''
    || /[?#]/.test(to)) {
    throw optionError('redirect.to', `expected an absolute http(s) URL prefix without query or fragment, got ${JSON.stringify(to)}`);
  }
  return { status: /** @type {number} */ (status), to: to.endsWith('/') ? to.slice(0, -1) : to };
}

/**
 * Normalises `accounts`: 1..MAX_ACCOUNTS objects `{instanceId?, apiKeys}`; every
 * key non-empty and used by one account only; explicit instanceIds distinct.
 * @param {unknown} accounts
 * @returns {Array<{instanceId: string | null, apiKeys: string[]}>}
 */
function normalizeAccounts(accounts) {
  if (!Array.isArray(accounts) || accounts.length === 0 || accounts.length > MAX_ACCOUNTS) {
    throw optionError('accounts', `expected an array of 1 to ${MAX_ACCOUNTS} accounts`);
  }
  const seenKeys = new Set();
  const seenIds = new Set();
  return accounts.map((a, i) => {
    const name = `accounts[${i}]`;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) throw optionError(name, 'expected {instanceId?, apiKeys}');
    for (const k of Object.keys(a)) if (k !== 'instanceId' && k !== 'apiKeys') throw optionError(`${name}.${k}`, 'unknown option');
    const instanceId = a.instanceId ?? null;
    if (instanceId !== null && (typeof instanceId !== 'string' || instanceId === '')) {
      throw optionError(`${name}.instanceId`, 'expected a non-empty string');
    }
    if (instanceId !== null && seenIds.has(instanceId)) throw optionError(`${name}.instanceId`, 'used by two accounts');
    if (instanceId !== null) seenIds.add(instanceId);
    const keys = a.apiKeys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k !== '')) {
      throw optionError(`${name}.apiKeys`, 'expected a non-empty array of non-empty strings');
    }
    const unique = [...new Set(keys)];
    for (const k of unique) {
      if (seenKeys.has(k)) throw optionError(`${name}.apiKeys`, 'a key is used by two accounts');
      seenKeys.add(k);
    }
    return { instanceId, apiKeys: unique };
  });
}
