// A small 127.0.0.1 file server for the worker tests' segment sources: registered bytes, an
// optional bearer token, a forced error status, or a download cut short after n bytes (the
// Content-Length promises them all). Same calls as the emulator helper's files.mjs
// (`startFileServer`, `put`, `requests`, `stop`); the tests switch to that one once it is on
// main. Node standard library only.

import http from 'node:http';

/**
 * Starts the server.
 * @returns {Promise<{origin: string, put: (path: string, data: string|Uint8Array, opts?: {token?: string, status?: number, failAfterBytes?: number}) => string, requests: () => {method: string, path: string, headers: Record<string, string>}[], stop: () => Promise<void>}>}
 */
export async function startFileServer() {
  const files = new Map();
  const log = [];
  const server = http.createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    log.push({ method: req.method, path: req.url, headers: { ...req.headers } });
    const file = files.get(path);
    const fail = (status) => res.writeHead(status, { 'content-type': 'text/plain' }).end(http.STATUS_CODES[status]);
    if (!file) return fail(404);
    if (file.token !== undefined && req.headers.authorization !== `Bearer ${file.token}`) return fail(401);
    if (file.status !== undefined) return fail(file.status);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
    if (file.failAfterBytes === undefined) return res.end(file.bytes);
    res.flushHeaders();
    res.write(file.bytes.subarray(0, file.failAfterBytes), () => res.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    put(path, data, opts = {}) {
      files.set(path, { bytes: Buffer.from(data), ...opts });
      return origin + path;
    },
    requests: () => structuredClone(log),
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
