// Segment source files over HTTP for the exporter's URL sources (DESIGN §10:
// hosts fetch segment exports with the runtime's fetch; a failed or partial
// download must abort the run). A 127.0.0.1 server that serves registered
// bytes, with optional bearer token, forced error status, redirect, or a
// download cut short; CORS headers so a browser page can read it. Node
// standard library only.
//
//   const files = await startFileServer();
//   const url = files.put('/segments/a.csv', 'Email\na@example.com\n', { token: 't' });
//   … await files.stop();

import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { LOOPBACK, closeServer, listenLoopback, readBody } from './loopback.mjs';

/** At most this many requests are kept in the log. */
export const MAX_LOGGED_REQUESTS = 10_000;

const TYPES = {
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.json': 'application/json',
  '.ndjson': 'application/x-ndjson',
  '.jsonl': 'application/x-ndjson',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * @typedef {object} PutOptions
 * @property {string} [contentType]     default from the extension (.csv, .tsv, .json, .ndjson, .jsonl, .txt), else application/octet-stream
 * @property {string} [token]           require `Authorization: Bearer <token>`, else 401
 * @property {number} [failAfterBytes]  send the full Content-Length, then destroy the socket after this many body bytes
 * @property {number} [status]          answer this error status (400–599) instead of the bytes
 * @property {string} [redirectTo]      answer 302 with this Location (absolute URL or a path on this server)
 * @property {boolean} [gzip]           send the bytes gzip-compressed (`Content-Encoding: gzip`, `Content-Length` of the compressed bytes, as object stores do)
 * @property {number} [delayMs]         wait this long (0–600,000 ms) before answering a GET or HEAD
 */

/**
 * @typedef {object} LoggedRequest
 * @property {string} method
 * @property {string} path      path and query as received
 * @property {Record<string, string>} headers  lower-cased names
 * @property {number} status    status answered (200 also for a download cut short)
 */

/**
 * @typedef {object} FileServerHandle
 * @property {string} url      `http://127.0.0.1:<port>` (same as origin)
 * @property {string} origin
 * @property {number} port
 * @property {(path: string, data: string | Uint8Array | ArrayBuffer, opts?: PutOptions) => string} put
 *           registers (or replaces) a file; returns its absolute URL
 * @property {() => LoggedRequest[]} requests  deep copy, arrival order
 * @property {() => void} clear  empties the request log (files stay)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {string} path
 * @param {string | Uint8Array | ArrayBuffer} data
 * @param {PutOptions} opts
 */
function checkPut(path, data, opts) {
  const fail = (why) => { throw new TypeError(`files.put(${JSON.stringify(path)}): ${why}`); };
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#]/.test(path)) fail('path must start with "/" and have no query or fragment');
  let bytes;
  if (typeof data === 'string') bytes = Buffer.from(data, 'utf8');
  else if (data instanceof Uint8Array) bytes = Buffer.from(data);
  else if (data instanceof ArrayBuffer) bytes = Buffer.from(new Uint8Array(data));
  else fail('data must be a string, Uint8Array or ArrayBuffer');
  const known = new Set(['contentType', 'token', 'failAfterBytes', 'status', 'redirectTo', 'gzip', 'delayMs']);
  for (const k of Object.keys(opts)) if (!known.has(k)) fail(`unknown option ${k}`);
  const { contentType, token, failAfterBytes, status, redirectTo, gzip, delayMs } = opts;
  if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0 && delayMs <= 600_000)) fail('delayMs must be an integer from 0 to 600000');
  if (gzip !== undefined && typeof gzip !== 'boolean') fail('gzip must be a boolean');
  if (gzip && failAfterBytes !== undefined) fail('gzip and failAfterBytes exclude each other');
  if (contentType !== undefined && (typeof contentType !== 'string' || contentType === '')) fail('contentType must be a non-empty string');
  if (token !== undefined && (typeof token !== 'string' || token === '')) fail('token must be a non-empty string');
  if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) fail('status must be an integer 400–599');
  if (redirectTo !== undefined && (typeof redirectTo !== 'string' || !(redirectTo.startsWith('/') || /^https?:\/\//.test(redirectTo)))) {
    fail('redirectTo must be an absolute http(s) URL or a path');
  }
  if (failAfterBytes !== undefined && !(Number.isInteger(failAfterBytes) && failAfterBytes >= 0 && failAfterBytes < bytes.length)) {
    fail(`failAfterBytes must be an integer from 0 to ${bytes.length - 1} (fewer than the file's bytes)`);
  }
  if ([status, redirectTo, failAfterBytes].filter((v) => v !== undefined).length > 1) {
    fail('status, redirectTo and failAfterBytes exclude each other');
  }
  const ext = /\.[a-z0-9]+$/i.exec(path)?.[0].toLowerCase() ?? '';
  return { bytes: gzip ? gzipSync(bytes) : bytes, gzip: Boolean(gzip), contentType: contentType ?? TYPES[ext] ?? 'application/octet-stream', token, failAfterBytes, status, redirectTo, delayMs };
}

/**
 * Starts the file server on 127.0.0.1.
 * @param {{port?: number}} [options]
 * @returns {Promise<FileServerHandle>}
 */
export async function startFileServer(options = {}) {
  /** @type {Map<string, ReturnType<typeof checkPut>>} pathname (URL-encoded) -> file */
  const files = new Map();
  /** @type {LoggedRequest[]} */
  let log = [];

  const server = http.createServer(async (req, res) => {
    await readBody(req, 0);
    const method = req.method ?? 'GET';
    const raw = req.url ?? '/';
    const pathname = raw.split('?')[0];
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    const entry = { method, path: raw, headers, status: 0 };
    if (log.length < MAX_LOGGED_REQUESTS) log.push(entry);

    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Content-Length, Content-Encoding, Content-Type, Location, WWW-Authenticate',
    };
    const answer = (status, extra = {}, body = '') => {
      entry.status = status;
      const buf = Buffer.from(body, 'utf8');
      res.writeHead(status, { ...cors, ...extra, 'Content-Length': String(buf.length) });
      res.end(method === 'HEAD' ? undefined : buf);
    };
    const error = (status, extra = {}) => answer(status, { ...extra, 'Content-Type': 'application/json' },
      JSON.stringify({ error: http.STATUS_CODES[status] ?? 'Error' }));

    if (method === 'OPTIONS') {
      const requested = req.headers['access-control-request-headers'];
      const allowHeaders = ['authorization', ...(requested ? [requested] : [])].join(', ');
      const extra = {
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': allowHeaders,
        'Access-Control-Max-Age': '600',
        ...(req.headers['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
      };
      answer(204, extra);
      return;
    }
    const file = files.get(pathname);
    if (!file) { error(404); return; }
    if (method !== 'GET' && method !== 'HEAD') { error(405, { Allow: 'GET, HEAD, OPTIONS' }); return; }
    if (file.token !== undefined) {
      const m = /^Bearer +(.+)$/i.exec(req.headers.authorization ?? '');
      if (!m || m[1] !== file.token) { error(401, { 'WWW-Authenticate': 'Bearer' }); return; }
    }
    if (file.delayMs) await new Promise((resolve) => { setTimeout(resolve, file.delayMs); });
    if (file.status !== undefined) { error(file.status); return; }
    if (file.redirectTo !== undefined) { answer(302, { Location: file.redirectTo }); return; }

    entry.status = 200;
    res.writeHead(200, { ...cors, 'Content-Type': file.contentType, 'Content-Length': String(file.bytes.length), ...(file.gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    if (method === 'HEAD') { res.end(); return; }
    if (file.failAfterBytes === undefined) { res.end(file.bytes); return; }
    // A download cut short: headers promise every byte; the socket dies after n.
    res.flushHeaders();
    res.write(file.bytes.subarray(0, file.failAfterBytes), () => res.destroy());
  });

  const port = await listenLoopback(server, options.port ?? 0);
  const origin = `http://${LOOPBACK}:${port}`;
  return {
    url: origin,
    origin,
    port,
    put(path, data, opts = {}) {
      const file = checkPut(path, data, opts);
      const key = new URL(path, origin).pathname;
      files.set(key, file);
      return origin + key;
    },
    requests: () => structuredClone(log),
    clear: () => { log = []; },
    stop: () => closeServer(server),
  };
}
