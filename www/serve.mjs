#!/usr/bin/env node
// Static server for the admin page: www/ at /, the built package (pkg/) at /pkg/, and
// /demo-config.json telling the page which API base to default to (the emulator in the
// demo). Node standard library only; loopback only; no directory listings; no traversal.
//
//   node www/serve.mjs [--port 8080] [--host 127.0.0.1] [--emulator URL]
//   prints ADMIN_PAGE_URL=http://127.0.0.1:PORT/ and runs until SIGINT/SIGTERM.
//
//   import { startServer } from './www/serve.mjs';
//   const { url, stop } = await startServer({ port: 0, emulatorUrl });

import http from 'node:http';
import { createReadStream, realpathSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');

/** Content types by extension. */
export const TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
});

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|localhost|::1|\[::1\])$/;

/**
 * Content-Security-Policy of the page: own scripts only, WebAssembly allowed, requests to
 * https:// APIs and to loopback (the emulator) only.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function headers(type, extra = {}) {
  return {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    ...(type.startsWith('text/html') ? { 'Content-Security-Policy': CSP } : {}),
    ...extra,
  };
}

function send(res, status, type, body, method) {
  const buf = Buffer.from(body);
  res.writeHead(status, headers(type, { 'Content-Length': String(buf.length) }));
  res.end(method === 'HEAD' ? undefined : buf);
}

/**
 * Resolves a URL path inside `root`, or null when it would leave it (`..`, encoded
 * separators, NUL, symlinks pointing outside) or names a hidden file.
 * @param {string} root  real path of the served directory
 * @param {string} rel   decoded path below the mount point, starting with '/'
 */
export function resolveInside(root, rel) {
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const parts = rel.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.' || p.startsWith('.'))) return null;
  const full = path.resolve(root, ...parts);
  if (full !== root && !full.startsWith(root + path.sep)) return null;
  return full;
}

/** Real path of `p` if it stays inside `root` (symlinks followed), else null. */
function realInside(root, p) {
  try {
    const real = realpathSync(p);
    return real === root || real.startsWith(root + path.sep) ? real : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server on loopback.
 * @param {{port?: number, host?: string, emulatorUrl?: string | null, wwwDir?: string, pkgDir?: string}} [opts]
 *   `pkgDir` defaults to the repository's pkg/ (tests may point it at a copy).
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>}>}
 */
export async function startServer({ port = 0, host = '127.0.0.1', emulatorUrl = null, wwwDir = here, pkgDir = path.join(repo, 'pkg') } = {}) {
  if (!LOOPBACK.test(host)) throw new Error(`refusing to bind ${host}: the admin page is served on loopback only (127.0.0.1, localhost, ::1)`);
  if (emulatorUrl !== null && emulatorUrl !== undefined) {
    const u = new URL(emulatorUrl); // throws on a malformed URL
    if (!/^https?:$/.test(u.protocol)) throw new Error(`--emulator must be an http(s) URL, got ${emulatorUrl}`);
  }
  const demoConfig = JSON.stringify({ baseUrl: emulatorUrl ?? null });
  const www = realpathSync(wwwDir);
  const mounts = () => {
    const list = [{ prefix: '/pkg/', dir: pkgDir }, { prefix: '/', dir: www }];
    return list;
  };

  const server = http.createServer(async (req, res) => {
    try {
      const method = req.method ?? 'GET';
      if (method !== 'GET' && method !== 'HEAD') {
        res.writeHead(405, headers('text/plain; charset=utf-8', { Allow: 'GET, HEAD' }));
        res.end('Method Not Allowed\n');
        return;
      }
      const raw = (req.url ?? '/').split('?')[0].split('#')[0];
      let pathname;
      try {
        pathname = decodeURIComponent(raw);
      } catch {
        send(res, 400, 'text/plain; charset=utf-8', 'Bad Request\n', method);
        return;
      }
      if (pathname === '/demo-config.json') {
        send(res, 200, 'application/json; charset=utf-8', demoConfig, method);
        return;
      }
      if (pathname === '/pkg') {
        res.writeHead(301, headers('text/plain; charset=utf-8', { Location: '/pkg/' }));
        res.end();
        return;
      }
      const mount = mounts().find((m) => pathname.startsWith(m.prefix));
      let root;
      try {
        root = realpathSync(mount.dir);
      } catch {
        send(res, 404, 'text/plain; charset=utf-8', mount.prefix === '/pkg/'
          ? 'pkg/ is not built yet: run pkg-template/build.sh\n' : 'Not Found\n', method);
        return;
      }
      let file = resolveInside(root, `/${pathname.slice(mount.prefix.length)}`);
      if (file === null) {
        send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n', method);
        return;
      }
      let info = await stat(file).catch(() => null);
      if (info?.isDirectory()) {
        if (!pathname.endsWith('/')) {
          res.writeHead(301, headers('text/plain; charset=utf-8', { Location: `${raw}/` }));
          res.end();
          return;
        }
        file = path.join(file, 'index.html');
        info = await stat(file).catch(() => null);
      }
      const real = info?.isFile() ? realInside(root, file) : null;
      if (real === null) {
        send(res, 404, 'text/plain; charset=utf-8', 'Not Found\n', method);
        return;
      }
      const type = TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, headers(type, { 'Content-Length': String(info.size) }));
      if (method === 'HEAD') {
        res.end();
        return;
      }
      const stream = createReadStream(real);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch (err) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error\n', 'GET');
      else res.destroy();
      process.stderr.write(`[serve] ${err instanceof Error ? err.stack : err}\n`);
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: host === 'localhost' ? '127.0.0.1' : host.replace(/^\[|\]$/g, '') }, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}/`,
    port: addr.port,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve(undefined));
      server.closeAllConnections();
    }),
  };
}

const USAGE = `Usage: node www/serve.mjs [--port 8080] [--host 127.0.0.1] [--emulator URL]

Serves the admin page (www/) at / and the built package (pkg/) at /pkg/ on loopback.
--emulator URL makes the page default its API base URL to URL (e.g. the local emulator's
http://127.0.0.1:PORT/v1). Prints ADMIN_PAGE_URL=... and runs until SIGINT/SIGTERM.`;

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        emulator: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: not a port number: ${values.port}\n`);
    process.exit(2);
  }
  let server;
  try {
    server = await startServer({ port, host: values.host, emulatorUrl: values.emulator ?? null });
  } catch (err) {
    process.stderr.write(`serve: ${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  }
  process.stdout.write(`ADMIN_PAGE_URL=${server.url}\n`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) main();
