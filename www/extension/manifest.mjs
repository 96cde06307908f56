#!/usr/bin/env node
// Writes the extension's manifest.json (called by build.sh).
//   node manifest.mjs PKG_DIR [--test] > manifest.json
// The API's origin is read from the built core, never written here: metadata().defaults.baseUrl
// when the core exports metadata(), else the URL of the request checkConnection would send
// with no base URL (caught by a stand-in fetch, nothing leaves the machine). --test adds
// loopback host permissions for the local emulator and file server.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [pkgDir, flag] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node manifest.mjs PKG_DIR [--test]');
  process.exit(2);
}
const test = flag === '--test';

/** The default API base URL of the core in PKG_DIR. */
async function defaultBaseUrl() {
  const core = await import(pathToFileURL(path.join(pkgDir, 'node.js')).href);
  if (typeof core.metadata === 'function') return core.metadata().defaults.baseUrl;
  let seen = null;
  globalThis.fetch = async (input) => {
    seen = typeof input === 'string' ? input : input.url;
    throw new TypeError('probe only');
  };
  const conn = { displayName: 'probe', apiKey: '0'.repeat(32), consent: true, exportUser: 'probe@example.com' };
  await core.checkConnection(conn, { timeoutMs: 1000 }).catch(() => {});
  if (!seen) throw new Error('could not learn the default base URL from the core');
  return seen;
}

const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const apiOrigin = new URL(await defaultBaseUrl()).origin;
// Chrome wants 1-4 dot-separated integers; a pre-release suffix goes to version_name.
const version = /^\d+(\.\d+){0,3}/.exec(pkg.version)?.[0] ?? '0.0.0';

const manifest = {
  manifest_version: 3,
  name: test ? 'Autopilot export (test build)' : 'Autopilot export',
  description: 'Export customer segments to Autopilot: the admin tool, and scheduled refreshes that send only what changed.',
  version,
  version_name: pkg.version,
  minimum_chrome_version: '120', // alarms every 30 s (the keep-alive watchdog, lib/keepalive.js) from Chrome 120 on
  icons: { 16: 'icons/icon16.png', 32: 'icons/icon32.png', 48: 'icons/icon48.png', 128: 'icons/icon128.png' },
  action: { default_title: 'Autopilot export', default_icon: { 16: 'icons/icon16.png', 32: 'icons/icon32.png' } },
  background: { service_worker: 'sw.js', type: 'module' },
  permissions: ['storage', 'alarms', 'notifications'],
  host_permissions: [`${apiOrigin}/*`, ...(test ? ['http://127.0.0.1/*', 'http://localhost/*'] : [])],
  // Segment source URLs on other hosts: asked for, origin by origin, when the user adds one.
  optional_host_permissions: ['https://*/*'],
  content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
};
process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
