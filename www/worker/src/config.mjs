// A destination's configuration: what PUT /destinations/{id} accepts, how it is checked, and
// how a slice turns it into the package's job.
//
// The configuration is the package's ExportConfig with three differences, all host matters:
// - `connection` has no `apiKey`; `apiKeySecret` names the Worker secret that holds it. The key
//   is read from the environment when a slice runs and is never stored or returned.
// - each segment's `profiles` is a download: the package's URL source `{url, format,
//   delimiter?, encoding?}` whose `headers` are given as `headerSecrets`, a map from a request
//   header to the secret holding its value;
// - `schedule` (`{cron}`: one of the Worker's Cron Triggers, or null) and `run` (the package's
//   RunOptions; `maxRequests` is the slice budget).
// Everything about the export itself, the URL sources included, is validated by the package
// (`validateExportConfig`), and the run options by its `validateRunOptions`. This file checks
// only the host keys above and the platform's ceilings (6 connections, the plan's subrequests).

import { DEFAULT_SLICE_REQUESTS, MAX_CONNECTIONS, subrequestLimit } from './limits.mjs';

/** Top-level keys that belong to the worker, not to the package's ExportConfig. */
const HOST_KEYS = ['apiKeySecret', 'schedule', 'run'];
/**
 * Run options the worker sets itself for every slice (from the stored checkpoint and sync
 * state, its abort signal and progress, and `POST /run {"fullResync": true}`).
 */
const SLICE_KEYS = ['checkpoint', 'syncState', 'signal', 'onProgress', 'onCheckpoint', 'fullResync'];
/** The secret that guards the endpoints; never usable as a value source. */
const ADMIN_SECRET = 'ADMIN_TOKEN';

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const issue = (path, code, message) => ({ path, code, message });

/**
 * Checks a configuration body and returns the issues (empty = valid) and, when valid, the
 * configuration to store. Host keys are checked here; the rest goes to the package with the
 * key taken from its secret (never echoed in an issue).
 * @param {any} body parsed JSON
 * @param {Record<string, unknown>} env Worker bindings (secrets and variables)
 * @param {{validateExportConfig: Function, validateRunOptions: Function}} core the package
 * @returns {{issues: {path: string, code: string, message: string}[], config?: object}}
 */
export function checkConfig(body, env, core) {
  if (!isObject(body)) return { issues: [issue('', 'TYPE_MISMATCH', 'the configuration must be a JSON object')] };
  const issues = [];
  secretName(body.apiKeySecret, 'apiKeySecret', env, issues);
  if (isObject(body.connection) && 'apiKey' in body.connection) {
    issues.push(issue('connection.apiKey', 'SECRET_IN_CONFIG', 'the API key is never part of the configuration: store it as a Worker secret and name it in apiKeySecret'));
  }
  checkSchedule(body.schedule, issues);
  checkRunOptions(body.run, env, core, issues);
  const segments = Array.isArray(body.segments) ? body.segments : [];
  segments.forEach((s, i) => checkSource(s?.profiles, `segments[${i}].profiles`, env, issues));
  const keyIssue = issues.some((x) => x.path === 'apiKeySecret');
  // The package sees the download descriptions as its URL sources (url, format, delimiter,
  // encoding, header names) and checks them; its issues keep their paths, except that a
  // header's is the configuration's: `headerSecrets.<name>`.
  for (const x of core.validateExportConfig(coreConfig(body, env, { resolveHeaders: true }))) {
    if (keyIssue && x.path === 'connection.apiKey') continue; // already said, about the secret
    issues.push({ path: x.path.replace(/^(segments\[\d+\]\.profiles\.)headers\b/, '$1headerSecrets'), code: x.code, message: x.message });
  }
  if (issues.length > 0) return { issues };
  return { issues, config: structuredClone(body) };
}

/**
 * The package's ExportConfig for a stored configuration: host keys removed, the API key read
 * from its secret, each segment's profiles as a URL source (header values from their secrets).
 * @param {object} config stored configuration
 * @param {Record<string, unknown>} env
 * @param {{resolveHeaders?: boolean}} [opts]
 */
export function coreConfig(config, env, { resolveHeaders = false } = {}) {
  const out = {};
  for (const [k, v] of Object.entries(config)) if (!HOST_KEYS.includes(k)) out[k] = v;
  out.connection = { ...(isObject(config.connection) ? config.connection : {}), apiKey: secretValue(env, config.apiKeySecret) };
  if (Array.isArray(config.segments)) {
    out.segments = config.segments.map((s) => {
      if (!isObject(s) || !isObject(s.profiles)) return s;
      return { ...s, profiles: urlSource(s.profiles, env, { resolveHeaders }) };
    });
  }
  return out;
}

/**
 * The job of one slice: the package's ExportConfig with each segment's stored bytes.
 * @param {object} config stored configuration (the run's snapshot)
 * @param {Record<string, unknown>} env
 * @param {(segment: number) => Iterable<Uint8Array>} chunksOf fresh iterable of a segment's stored bytes
 */
export function sliceJob(config, env, chunksOf) {
  const job = coreConfig(config, env);
  job.segments = config.segments.map((s, i) => {
    const { format, delimiter, encoding } = s.profiles;
    const profiles = { [format]: chunksOf(i) };
    if (delimiter !== undefined) profiles.delimiter = delimiter;
    if (encoding !== undefined) profiles.encoding = encoding;
    return { name: s.name, profiles };
  });
  return job;
}

/**
 * The package's RunOptions of a slice (without checkpoint, state, signal and callbacks):
 * the configured numbers, `maxInFlight` capped at the platform's connections, and
 * `maxRequests` = the slice budget.
 * @param {object} config stored configuration
 * @returns {Record<string, number>}
 */
export function sliceOptions(config) {
  const run = isObject(config.run) ? config.run : {};
  return {
    ...run,
    maxRequests: run.maxRequests ?? DEFAULT_SLICE_REQUESTS,
    maxInFlight: Math.min(run.maxInFlight ?? MAX_CONNECTIONS, MAX_CONNECTIONS),
  };
}

/**
 * The package's URL source of a segment download (for `validateExportConfig` and
 * `downloadSource`): the stored description without `headerSecrets` (and without any literal
 * `headers`, which a configuration may not hold), with `headers` read from their secrets.
 * @param {object} profiles a segment's `profiles`
 * @param {Record<string, unknown>} env
 * @param {{resolveHeaders?: boolean}} [opts]
 * @returns {{url: string, format: string, headers?: Record<string, string>, delimiter?: string, encoding?: string}}
 */
export function urlSource(profiles, env, { resolveHeaders = true } = {}) {
  const { headerSecrets, headers, ...source } = profiles;
  if (resolveHeaders && isObject(headerSecrets)) {
    source.headers = Object.fromEntries(Object.entries(headerSecrets).map(([h, name]) => [h, secretValue(env, name)]));
  }
  return source;
}

/**
 * The value of secret `name`, or '' when absent.
 * @param {Record<string, unknown>} env
 * @param {unknown} name
 * @returns {string}
 */
export function secretValue(env, name) {
  if (typeof name !== 'string' || name === ADMIN_SECRET) return '';
  const v = env?.[name];
  return typeof v === 'string' ? v : '';
}

function secretName(name, path, env, issues) {
  if (typeof name !== 'string' || name.length === 0) {
    issues.push(issue(path, 'SECRET_NAME_MISSING', 'name the Worker secret that holds this value (wrangler secret put NAME)'));
  } else if (name === ADMIN_SECRET) {
    issues.push(issue(path, 'SECRET_NOT_ALLOWED', `${ADMIN_SECRET} guards the endpoints and cannot be sent anywhere`));
  } else if (secretValue(env, name) === '') {
    issues.push(issue(path, 'SECRET_NOT_SET', `the Worker has no secret named ${name} (wrangler secret put ${name})`));
  }
}

function checkSchedule(schedule, issues) {
  if (schedule === undefined || schedule === null) return;
  if (!isObject(schedule) || Object.keys(schedule).some((k) => k !== 'cron')) {
    issues.push(issue('schedule', 'TYPE_MISMATCH', 'schedule is null or {"cron": "<one of the Worker\'s Cron Triggers>"}'));
  } else if (typeof schedule.cron !== 'string' || schedule.cron.trim() === '') {
    issues.push(issue('schedule.cron', 'TYPE_MISMATCH', 'schedule.cron must be one of the cron expressions in wrangler.toml [triggers]'));
  }
}

/**
 * The worker's part of a segment's `profiles`: it is a download (the package also accepts
 * bytes and rows, which a stored configuration cannot carry), and its header values come from
 * named secrets. Everything else about it is the package's (see checkConfig).
 */
function checkSource(source, path, env, issues) {
  if (!isObject(source) || !('url' in source)) {
    issues.push(issue(path, 'SOURCE_REQUIRED', 'each segment\'s profiles is a download: {"url": "https://...", "format": "..."} (the package\'s URL source)'));
    return;
  }
  if ('headers' in source) {
    issues.push(issue(`${path}.headers`, 'SECRET_IN_CONFIG', 'header values are never part of the configuration: store each as a Worker secret and name it in headerSecrets'));
  }
  if (source.headerSecrets !== undefined) {
    if (!isObject(source.headerSecrets)) issues.push(issue(`${path}.headerSecrets`, 'TYPE_MISMATCH', 'headerSecrets maps a header name to a secret name'));
    else for (const [h, name] of Object.entries(source.headerSecrets)) secretName(name, `${path}.headerSecrets.${h}`, env, issues);
  }
}

/**
 * Run options: the package's `validateRunOptions` (its paths `options.<name>` become
 * `run.<name>`), the keys the worker sets per slice, and the platform's ceilings.
 */
function checkRunOptions(run, env, core, issues) {
  if (run === undefined || run === null) return;
  if (!isObject(run)) {
    issues.push(issue('run', 'TYPE_MISMATCH', 'run holds the export options: {"maxRequests": 45, "maxInFlight": 6, ...}'));
    return;
  }
  const own = SLICE_KEYS.filter((k) => k in run);
  for (const k of own) {
    issues.push(issue(`run.${k}`, 'SET_BY_WORKER', k === 'fullResync'
      ? 'a full resync is asked per run: POST /destinations/{id}/run with {"fullResync": true}'
      : `the worker sets ${k} for every slice`));
  }
  const rest = Object.fromEntries(Object.entries(run).filter(([k]) => !own.includes(k)));
  for (const x of core.validateRunOptions(rest)) {
    issues.push({ path: x.path.replace(/^options(?=\.|$)/, 'run'), code: x.code, message: x.message });
  }
  const limit = subrequestLimit(env);
  if (typeof run.maxRequests === 'number' && run.maxRequests > limit) {
    issues.push(issue('run.maxRequests', 'ABOVE_PLATFORM_LIMIT', `a slice may make at most ${limit} subrequests on this plan (set SUBREQUEST_LIMIT on a Paid plan)`));
  }
  if (typeof run.maxInFlight === 'number' && run.maxInFlight > MAX_CONNECTIONS) {
    issues.push(issue('run.maxInFlight', 'ABOVE_PLATFORM_LIMIT', `a Worker has at most ${MAX_CONNECTIONS} connections open at once`));
  }
}
