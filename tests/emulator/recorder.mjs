// A catch-all recording HTTP server on 127.0.0.1, the target of the emulator's
// `redirect` option in security tests: it answers every request 200 `{}` (any
// method, any path, with permissive CORS headers so a browser would not hide
// the exchange) and records each request, so a test can assert that nothing
// ever reached it. Node standard library only.
//
//   const rec = await startRecorder();
//   emu.configure({ redirect: { status: 307, to: rec.origin } });
//   … run the client …; assert.deepEqual(rec.requests(), []); await rec.stop();

import http from 'node:http';
import { LOOPBACK, closeServer, listenLoopback, readBody } from './loopback.mjs';

/** At most this many requests are kept (later ones are counted in `overflow` only). */
export const MAX_RECORDED_REQUESTS = 10_000;
/** At most this many body bytes are kept per request. */
export const MAX_RECORDED_BODY_BYTES = 1024 * 1024;

/**
 * @typedef {object} RecordedRequest
 * @property {string} method
 * @property {string} path     path and query exactly as received
 * @property {Record<string, string>} headers  lower-cased names; repeated headers joined with ", "
 * @property {string} body     UTF-8 text ('' when empty or over MAX_RECORDED_BODY_BYTES)
 */

/**
 * @typedef {object} RecorderHandle
 * @property {string} url      `http://127.0.0.1:<port>` (same as origin; use it as a redirect prefix)
 * @property {string} origin   `http://127.0.0.1:<port>`
 * @property {number} port
 * @property {() => RecordedRequest[]} requests  deep copy, arrival order
 * @property {() => number} overflow  requests received but not kept (beyond MAX_RECORDED_REQUESTS)
 * @property {() => void} clear
 * @property {() => Promise<void>} stop  closes the server and every connection
 */

/**
 * Starts the recorder on 127.0.0.1.
 * @param {{port?: number}} [options]
 * @returns {Promise<RecorderHandle>}
 */
export async function startRecorder(options = {}) {
  /** @type {RecordedRequest[]} */
  let recorded = [];
  let overflow = 0;
  const server = http.createServer(async (req, res) => {
    const { text } = await readBody(req, MAX_RECORDED_BODY_BYTES);
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (recorded.length < MAX_RECORDED_REQUESTS) {
      recorded.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body: text });
    } else {
      overflow += 1;
    }
    const body = '{}';
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': req.headers['access-control-request-method'] ?? 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? '*',
      'Access-Control-Allow-Private-Network': 'true',
      'Access-Control-Expose-Headers': '*',
    });
    res.end(body);
  });
  const port = await listenLoopback(server, options.port ?? 0);
  const origin = `http://${LOOPBACK}:${port}`;
  return {
    url: origin,
    origin,
    port,
    requests: () => structuredClone(recorded),
    overflow: () => overflow,
    clear: () => { recorded = []; overflow = 0; },
    stop: () => closeServer(server),
  };
}
