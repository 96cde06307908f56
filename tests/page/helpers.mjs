// Shared set-up of the admin page's browser tests: the local Autopilot emulator, the page
// server (www/serve.mjs) over a snapshot of the built package, a fresh Chromium profile
// (Debian's /usr/bin/chromium through playwright-core), screenshots, and small steps used by
// several tests (connect, add the sample files, read what the page keeps in IndexedDB).

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startEmulator, DEFAULT_API_KEY } from '../emulator/index.mjs';
import { startServer } from '../../www/serve.mjs';
import { optimisePng } from './png.mjs';

export { DEFAULT_API_KEY };
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE = path.join(ROOT, 'www/sample');
export const OUT = path.join(ROOT, 'tests/out/page');
export const SHOTS = path.join(ROOT, 'www/screenshots');
/** Requests per second, emulator and page alike: 33 requests take about 7 s. */
export const RATE = 5;
export const SAMPLE_FILES = ['vip.csv', 'churn-risk.ndjson', 'newsletter.csv'];

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The package, copied so a concurrent rebuild of pkg/ cannot break a running test. */
function snapshotPackage(tmp) {
  const src = process.env.AUTOPILOT_PKG_DIR ?? path.join(ROOT, 'pkg');
  if (!existsSync(path.join(src, 'browser.js')) || !existsSync(path.join(src, 'autopilot_export_bg.wasm'))) {
    throw new Error(`${src} has no built package: run pkg-template/build.sh first`);
  }
  const dst = path.join(tmp, 'pkg');
  cpSync(src, dst, { recursive: true });
  return dst;
}

/** A loopback port with nothing listening on it. */
export async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** The first number of a text: "1,234 of 2,000" -> 1234 (NaN when there is none). */
export const num = (s) => {
  const m = /-?\d[\d,]*(\.\d+)?/.exec(String(s));
  return m ? Number(m[0].replace(/,/g, '')) : NaN;
};

/**
 * Emulator + page server + a fresh Chromium profile (kept across `reload`), cleaned up
 * after the test. Screenshots go to tests/out/page/<prefix>NN-<name>.png.
 * @param {import('node:test').TestContext} t
 * @param {{prefix?: string, emulator?: object, viewport?: {width: number, height: number}}} [opts]
 */
export async function openPage(t, { prefix = '', emulator = {}, viewport = { width: 1100, height: 900 } } = {}) {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-page-'));
  mkdirSync(OUT, { recursive: true });
  const emu = await startEmulator({ ratePerSecond: RATE, latencyMs: 120, ...emulator });
  const server = await startServer({ port: 0, emulatorUrl: emu.url, pkgDir: snapshotPackage(tmp) });
  const context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, viewport, acceptDownloads: true,
  });
  t.after(async () => {
    await context.close().catch(() => {});
    await server.stop();
    await emu.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Network failures the tests provoke (401, refused connection, CORS) are logged by
  // Chromium as "Failed to load resource" or "Access to fetch…"; anything else is a page error.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource|^Access to fetch at .* has been blocked by CORS policy/.test(m.text())) errors.push(m.text());
  });
  let shot = 0;
  const next = (name) => { shot += 1; return path.join(OUT, `${prefix}${String(shot).padStart(2, '0')}-${name}`); };
  /** One section, without the sticky step bar over it. */
  const sectionShot = async (sel, file) => {
    await page.evaluate(() => document.querySelector('.steps').classList.add('static-for-screenshot'));
    await page.locator(sel).screenshot({ path: file });
    await page.evaluate(() => document.querySelector('.steps').classList.remove('static-for-screenshot'));
  };
  /** A full-page screenshot of a step (and one of `section` alone, easier to read). */
  const snap = async (name, section) => {
    const base = next(name);
    await page.screenshot({ path: `${base}.png`, fullPage: true });
    if (section) await sectionShot(section, `${base}-${section.replace('#', '')}.png`);
  };
  /**
   * A README screenshot, at most 256 colours, under 150 KB: written to tests/out/page/readme-<name>;
   * copied to www/screenshots/ only when missing there or with UPDATE_SCREENSHOTS=1 (they
   * show dates and ids, so a test run leaves the tree clean).
   */
  const readmeShot = async (sel, name, { width = 1000, maxColors = 256 } = {}) => {
    const before = page.viewportSize();
    await page.setViewportSize({ width, height: 900 });
    const file = path.join(tmp, name);
    if (sel) await sectionShot(sel, file);
    else await page.screenshot({ path: file, fullPage: true });
    const png = optimisePng(readFileSync(file), { maxColors });
    assert.ok(png.length < 150_000, `${name}: ${png.length} bytes`);
    writeFileSync(path.join(OUT, `readme-${name}`), png);
    mkdirSync(SHOTS, { recursive: true });
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(path.join(SHOTS, name))) writeFileSync(path.join(SHOTS, name), png);
    await page.setViewportSize(before);
  };
  const load = async () => {
    await page.goto(server.url);
    await page.waitForSelector('html[data-ready="true"]');
  };
  await load();
  return { page, context, emu, server, tmp, errors, snap, sectionShot, readmeShot, next, reload: load };
}

/** Fills the connection form (as far as it is not filled) and connects with the emulator's key. */
export async function connect(page, emu, { displayName = 'Marketing ops', exportUser = 'ops@example.com' } = {}) {
  if (!(await page.inputValue('#displayName'))) await page.fill('#displayName', displayName);
  if (!(await page.inputValue('#exportUser'))) await page.fill('#exportUser', exportUser);
  await page.fill('#apiKey', DEFAULT_API_KEY);
  assert.equal(await page.inputValue('#baseUrl'), emu.url);
  await page.check('#consent');
  await page.click('#connect-btn');
  await page.waitForSelector('#connected:not([hidden])');
}

/** Adds the sample segment files through the file picker. */
export async function addSampleFiles(page, files = SAMPLE_FILES) {
  const before = await page.locator('#segment-list li:not(.pending)').count();
  await page.setInputFiles('#files', files.map((f) => path.join(SAMPLE, f)));
  await page.waitForFunction((n) => document.querySelectorAll('#segment-list li:not(.pending)').length >= n, before + files.length);
}

/** Every record of the page's IndexedDB database, as JSON text (bytes as arrays). */
export async function storageDump(page) {
  return page.evaluate(async () => {
    const dbs = await indexedDB.databases();
    const out = {};
    for (const { name } of dbs) {
      const db = await new Promise((res, rej) => { const r = indexedDB.open(name); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
      for (const store of db.objectStoreNames) {
        out[`${name}/${store}`] = await new Promise((res, rej) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => res(r.result);
          r.onerror = () => rej(r.error);
        });
      }
      db.close();
    }
    const web = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage });
    return JSON.stringify(out, (k, v) => (v instanceof Uint8Array ? [...v] : v)) + web;
  });
}

/** Clicks `selector` and returns the downloaded file's name and text. */
export async function downloadText(page, selector, tmp) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const file = path.join(tmp, `dl-${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(file);
  return { name: dl.suggestedFilename(), text: readFileSync(file, 'utf8') };
}

/** Sets files of a config-file or segment input from memory. */
export async function setFile(page, selector, name, body, mimeType = 'application/octet-stream') {
  await page.setInputFiles(selector, { name, mimeType, buffer: Buffer.isBuffer(body) ? body : Buffer.from(body) });
}
