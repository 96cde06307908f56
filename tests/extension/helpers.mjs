// Shared by the extension tests: builds the test build of the extension into a temp folder,
// starts the emulator WITHOUT CORS headers and a segment-file server (both on 127.0.0.1),
// launches Debian's Chromium with the extension loaded, and gives the test the extension
// page, its service worker (also after Chrome restarted it) and a dump of every storage
// area the extension has.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { optimisePng } from '../page/png.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'tests/out/extension');
const SHOTS = path.join(ROOT, 'www/extension/screenshots');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Polls `fn` until it returns a truthy value (at most `tries` × `ms`); returns that value. */
export async function until(fn, { tries = 150, ms = 200, what = 'condition' } = {}) {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, ms));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Builds the test build of the extension (package copied in) into `dir`. */
function buildExtension(dir) {
  const pkg = process.env.AUTOPILOT_PKG_DIR ?? path.join(ROOT, 'pkg');
  if (!existsSync(path.join(pkg, 'autopilot_export_bg.wasm'))) throw new Error(`${pkg} has no built package: run pkg-template/build.sh first`);
  // A copy of the package, so a concurrent rebuild of pkg/ cannot break a running test.
  const snapshot = path.join(path.dirname(dir), 'pkg');
  cpSync(pkg, snapshot, { recursive: true });
  execFileSync(path.join(ROOT, 'www/extension/build.sh'), ['--test', '--out', dir], {
    env: { ...process.env, AUTOPILOT_PKG_DIR: snapshot }, stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Everything a test needs, cleaned up after it.
 * @param {import('node:test').TestContext} t
 * @param {{emulator?: object, prefix?: string}} [opts]
 */
export async function launch(t, { emulator = {}, prefix = '' } = {}) {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-ext-'));
  const dir = path.join(tmp, 'extension');
  buildExtension(dir);
  const emu = await startEmulator({ cors: false, ratePerSecond: 5, latencyMs: 60, ...emulator });
  const files = await startFileServer();
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${dir}`, `--load-extension=${dir}`],
    viewport: { width: 1100, height: 900 },
  });
  t.after(async () => {
    await context.close().catch(() => {});
    await files.stop();
    await emu.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  // Playwright keeps one handle for the extension's worker across restarts by Chrome.
  const sw = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'))
    ?? await context.waitForEvent('serviceworker', { timeout: 20_000 });
  const id = new URL(sw.url()).host;
  if (process.env.DEBUG_EXTENSION) sw.on('console', (m) => console.error('[worker]', m.text()));
  /** The extension's service worker (started again by Chrome when something needs it). */
  const worker = async () => sw;

  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Chromium logs a refused request (a wrong key's 401, the page's optional demo-config.json)
  // as "Failed to load resource"; anything else on the console is an error of the page.
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text()); });
  if (process.env.DEBUG_EXTENSION) page.on('console', (m) => console.error('[page]', m.text()));
  const pageUrl = `chrome-extension://${id}/index.html`;
  await page.goto(pageUrl);
  await page.waitForSelector('html[data-ready="true"]');
  await page.waitForSelector('html[data-extension-ready="true"]');

  /**
   * Stops the service worker as Chrome does when it considers it idle (DevTools protocol,
   * ServiceWorker.stopAllWorkers), and waits until it is stopped.
   */
  const stopWorker = async () => {
    const cdp = await context.newCDPSession(page);
    let stopped = false;
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      if (e.versions.some((v) => v.scriptURL?.startsWith(`chrome-extension://${id}/`) && v.runningStatus === 'stopped')) stopped = true;
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await until(() => stopped, { what: 'the service worker to stop' });
    await cdp.detach();
  };

  mkdirSync(OUT, { recursive: true });
  let shot = 0;
  /** A screenshot of the page or one element into tests/out/extension/. */
  const snap = async (name, selector) => {
    shot += 1;
    const file = path.join(OUT, `${prefix}${String(shot).padStart(2, '0')}-${name}.png`);
    if (selector) await page.locator(selector).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  /**
   * A README screenshot of one element (1000 px wide window, 256 colours, < 150 KB); copied
   * to www/extension/screenshots/ when missing there or with UPDATE_SCREENSHOTS=1.
   */
  const readmeShot = async (selector, name) => {
    await page.setViewportSize({ width: 1000, height: 900 });
    await page.evaluate(() => document.querySelector('.steps')?.classList.add('static-for-screenshot'));
    const file = path.join(tmp, name);
    await page.locator(selector).screenshot({ path: file });
    await page.evaluate(() => document.querySelector('.steps')?.classList.remove('static-for-screenshot'));
    const png = optimisePng(readFileSync(file), { maxColors: 256 });
    assert.ok(png.length < 150_000, `${name}: ${png.length} bytes`);
    writeFileSync(path.join(OUT, `readme-${name}`), png);
    mkdirSync(SHOTS, { recursive: true });
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(path.join(SHOTS, name))) writeFileSync(path.join(SHOTS, name), png);
    await page.setViewportSize({ width: 1100, height: 900 });
  };

  return { context, page, pageUrl, id, emu, files, tmp, errors, worker, stopWorker, snap, readmeShot, dumpStorage: () => dumpStorage(page, worker) };
}

/**
 * Every place the extension can keep data, as text (bytes as Latin-1 characters, so a key
 * hidden in a Uint8Array is found too): chrome.storage local/session/sync, every IndexedDB
 * database of the extension's origin, and the page's localStorage and sessionStorage.
 */
async function dumpStorage(page, worker) {
  const sw = await worker();
  const areas = await sw.evaluate(async () => {
    const latin1 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 4096) s += String.fromCharCode(...u8.subarray(i, i + 4096)); return s; };
    const ser = (v) => JSON.stringify(v, (k, x) => (x instanceof Uint8Array ? latin1(x) : x instanceof ArrayBuffer ? latin1(new Uint8Array(x)) : x));
    const idb = {};
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise((res, rej) => { const r = indexedDB.open(name); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      idb[name] = {};
      for (const store of db.objectStoreNames) {
        idb[name][store] = await new Promise((res, rej) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
        });
      }
      db.close();
    }
    return {
      'storage.local': ser(await chrome.storage.local.get(null)),
      'storage.session': ser(await chrome.storage.session.get(null)),
      'storage.sync': ser(await chrome.storage.sync.get(null)),
      indexedDB: ser(idb),
    };
  });
  const web = await page.evaluate(() => ({ localStorage: JSON.stringify({ ...localStorage }), sessionStorage: JSON.stringify({ ...sessionStorage }) }));
  return { ...areas, ...web };
}

/** Names of the storage areas of a dump that contain `secret`. */
export function areasWith(dump, secret) {
  return Object.entries(dump).filter(([, text]) => text.includes(secret)).map(([name]) => name);
}

/** The extension's status as its page sees it (connections, destinations, runs, metadata). */
export function status(page) {
  return page.evaluate(async () => (await import('./lib/client.js')).call('status'));
}
