// A tiny segment-file server for the extension tests, on 127.0.0.1 only: serves in-memory
// files whose content the test changes between runs, optionally behind a bearer token, and
// counts requests per path. Node standard library only.
// (Stand-in until tests/emulator/files.mjs's startFileServer is on main.)

import http from 'node:http';

/**
 * @param {{token?: string}} [opts]  when set, every request needs `Authorization: Bearer <token>`
 * @returns {Promise<{url: string, set: (path: string, body: string|Buffer) => void,
 *   remove: (path: string) => void, hits: (path: string) => number, stop: () => Promise<void>}>}
 */
export async function startFileServer({ token } = {}) {
  const files = new Map();
  const hits = new Map();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized');
      return;
    }
    const body = files.get(path);
    if (body === undefined || req.method !== 'GET') {
      res.writeHead(body === undefined ? 404 : 405, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const type = path.endsWith('.csv') ? 'text/csv' : path.endsWith('.json') ? 'application/json' : 'application/x-ndjson';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'content-length': body.length, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    set: (path, body) => files.set(path, Buffer.from(body)),
    remove: (path) => files.delete(path),
    hits: (path) => hits.get(path) ?? 0,
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}
