// Shared helpers for the emulator's own tests (not a test file itself).

import { DEFAULT_API_KEY, startEmulator } from './index.mjs';

export const KEY = DEFAULT_API_KEY;

/**
 * @typedef {object} Reply
 * @property {number} status
 * @property {Headers} headers
 * @property {any} body  parsed JSON, or null for an empty body
 * @property {string} text
 */

/**
 * Sends one request to the emulator API.
 * @param {{url: string}} emu
 * @param {string} method
 * @param {string} path   relative to /v1, e.g. "/contacts"
 * @param {{body?: unknown, rawBody?: string, key?: string | null, headers?: Record<string, string>}} [opts]
 *        key: API key to send (default KEY; null = no header)
 * @returns {Promise<Reply>}
 */
export async function call(emu, method, path, opts = {}) {
  const headers = { ...opts.headers };
  const key = opts.key === undefined ? KEY : opts.key;
  if (key !== null) headers.autopilotapikey = key;
  let body;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(emu.url + path, { method, headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text), text };
}

/**
 * Calls an `/__emulator/...` route.
 * @param {{origin: string}} emu
 * @param {string} method
 * @param {string} path e.g. "/__emulator/state"
 * @param {unknown} [body]
 */
export async function admin(emu, method, path, body) {
  const res = await fetch(emu.origin + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Creates a list and returns its id. */
export async function createList(emu, name) {
  const r = await call(emu, 'POST', '/list', { body: { name } });
  if (r.status !== 200) throw new Error(`create list failed: ${r.status} ${r.text}`);
  return r.body.list_id;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const PERSON_ID = /^person_[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
export const LIST_ID = /^contactlist_[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/**
 * Runs `fn` with a fresh emulator and always stops it.
 * @param {import('./index.mjs').EmulatorOptions} options
 * @param {(emu: Awaited<ReturnType<typeof startEmulator>>) => Promise<void>} fn
 */
export async function withEmu(options, fn) {
  const emu = await startEmulator(options);
  try {
    await fn(emu);
  } finally {
    await emu.stop();
  }
}

/** Names of the `access-control-*` headers of a fetch Response (or Headers). */
export function corsHeaderNames(headersOrResponse) {
  const headers = 'headers' in headersOrResponse ? headersOrResponse.headers : headersOrResponse;
  return [...headers.keys()].filter((k) => k.toLowerCase().startsWith('access-control-'));
}
