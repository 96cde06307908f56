// The extension's build: the manifest of the production and the test build (permissions,
// CSP, the API origin read from the built core), and the production build loading in
// Debian's Chromium (service worker up, page ready, wasm compiled under the CSP).
//
//   node --test tests/extension/        (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { ROOT } from './helpers.mjs';

const PKG = process.env.AUTOPILOT_PKG_DIR ?? path.join(ROOT, 'pkg');

function build(dir, ...flags) {
  execFileSync(path.join(ROOT, 'www/extension/build.sh'), [...flags, '--out', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
}

test('manifest: permissions, CSP, API origin from the core; the test build adds loopback only', async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-ext-build-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const prod = build(path.join(tmp, 'prod'));
  const testBuild = build(path.join(tmp, 'test'), '--test');
  const core = await import(pathToFileURL(path.join(PKG, 'node.js')).href);
  const origin = new URL(core.metadata().defaults.baseUrl).origin;

  assert.equal(prod.manifest_version, 3);
  assert.deepEqual(prod.background, { service_worker: 'sw.js', type: 'module' });
  assert.deepEqual(prod.permissions, ['storage', 'alarms', 'notifications']);
  assert.deepEqual(prod.host_permissions, [`${origin}/*`]);
  assert.deepEqual(prod.optional_host_permissions, ['https://*/*']);
  assert.equal(prod.content_security_policy.extension_pages, "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'");
  assert.deepEqual(testBuild.host_permissions, [`${origin}/*`, 'http://127.0.0.1/*', 'http://localhost/*']);
  assert.equal(prod.version, core.metadata().version.match(/^\d+(\.\d+){0,3}/)[0]);

  // The package's browser files are in, the Node/workerd entries and the CLI are not; the
  // page's exporter is the extension's, the page's own is kept beside it.
  const dist = path.join(tmp, 'prod');
  for (const f of ['pkg/autopilot_export.js', 'pkg/autopilot_export_bg.wasm', 'pkg/browser.js', 'sw.js', 'exporter.js', 'lib/page-exporter.sw.js', 'index.html', 'icons/icon128.png']) {
    assert.ok(existsSync(path.join(dist, f)), f);
  }
  for (const f of ['pkg/node.js', 'pkg/workerd.js', 'pkg/cli.mjs']) assert.ok(!existsSync(path.join(dist, f)), f);
  assert.match(readFileSync(path.join(dist, 'index.html'), 'utf8'), /<script type="module" src="lib\/panel\.js"><\/script>/);
  // The worker runs the page's own exporter: the same text but for its package import.
  const importLine = /^import \* as pkg from '[^']*';$/m;
  const pageOwn = readFileSync(path.join(ROOT, 'www/exporter.js'), 'utf8');
  const inWorker = readFileSync(path.join(dist, 'lib/page-exporter.sw.js'), 'utf8');
  assert.match(inWorker, /^import \* as pkg from '\.\/package\.js';$/m);
  assert.equal(inWorker.replace(importLine, ''), pageOwn.replace(importLine, ''));
  assert.equal(readFileSync(path.join(dist, 'exporter.js'), 'utf8'), readFileSync(path.join(ROOT, 'www/extension/exporter.js'), 'utf8'));
  // No default copied into the extension's own code.
  const own = [path.join(ROOT, 'www/extension/sw.js'), path.join(ROOT, 'www/extension/exporter.js'),
    ...readdirSync(path.join(ROOT, 'www/extension/lib')).map((f) => path.join(ROOT, 'www/extension/lib', f))];
  for (const f of own) assert.ok(!readFileSync(f, 'utf8').includes(new URL(origin).host), `${path.relative(ROOT, f)} names the API host`);
});

test('production build loads in Chromium: service worker, page, wasm under the CSP', { timeout: 60_000 }, async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-ext-prod-'));
  const dir = path.join(tmp, 'extension');
  build(dir);
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
  });
  t.after(async () => { await context.close().catch(() => {}); rmSync(tmp, { recursive: true, force: true }); });
  const sw = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker');
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
  await page.goto(`chrome-extension://${new URL(sw.url()).host}/index.html`);
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForSelector('html[data-extension-ready="true"]');
  // The worker answers with the core's metadata: its wasm compiled under the CSP.
  const meta = await page.evaluate(async () => (await import('/lib/client.js')).call('metadata'));
  assert.equal(typeof meta.defaults.baseUrl, 'string');
  assert.equal(await page.locator('#dest-empty').isVisible(), true);
  assert.deepEqual(errors, []);
});
