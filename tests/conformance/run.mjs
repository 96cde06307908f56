#!/usr/bin/env node
// Runs the conformance suite (suite.mjs) against the BUILT package (pkg/), imported by name,
// in Node, Deno, Bun, workerd and Chromium; prints a table and exits non-zero when any
// runtime fails.
//
//   node tests/conformance/run.mjs [--only node,deno,bun,workerd,chromium] [--parallel]
//        [--timeout-ms 120000] [--json out.json] [--verbose]
//
// Needs pkg/ (pkg-template/build.sh) and tests/node_modules (deno, bun, workerd,
// playwright-core). The consumer project tests/conformance/consumer/ gets
// node_modules/autopilot-export -> pkg/ through `npm install` (offline; done here when missing).
// Each runtime gets its own emulator (rate 50/s) so the suite's counter checks are exact.
// Every child process runs in its own process group with a timeout and is killed on exit.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator, DEFAULT_API_KEY } from '../emulator/index.mjs';
import { startRecorder } from '../emulator/recorder.mjs';
import { copyPackageModules } from './workerd-modules.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const bin = join(root, 'tests/node_modules/.bin');
const consumer = join(here, 'consumer');
const RUNTIMES = ['node', 'deno', 'bun', 'workerd', 'chromium'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const { values: argv } = parseArgs({
  options: {
    only: { type: 'string' },
    parallel: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: process.env.CONFORMANCE_TIMEOUT_MS ?? '120000' },
    json: { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
  },
});
const timeoutMs = Number(argv['timeout-ms']);
const selected = argv.only ? argv.only.split(',').map((s) => s.trim()).filter(Boolean) : RUNTIMES;
for (const r of selected) if (!RUNTIMES.includes(r)) die(`unknown runtime '${r}' (known: ${RUNTIMES.join(', ')})`);

function die(msg) {
  console.error(`conformance: ${msg}`);
  process.exit(2);
}
const log = (msg) => console.error(`[conformance] ${msg}`);

// ------------------------------------------------------------ child processes

const children = new Set();
function killGroup(child, signal = 'SIGKILL') {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}
function cleanup() {
  for (const c of children) killGroup(c);
  children.clear();
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

/**
 * Runs a command in its own process group; kills the group after `timeout` ms.
 * @returns {Promise<{code: number|null, signal: string|null, stdout: string, stderr: string, timedOut: boolean}>}
 */
function run(cmd, args, { cwd, env, timeout = timeoutMs, prefix } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (argv.verbose && prefix) process.stderr.write(String(d).replace(/^(?=.)/gm, `${prefix} `));
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeout);
    child.on('error', (e) => {
      stderr += `spawn error: ${e.message}\n`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      killGroup(child); // grandchildren, if any
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Starts a long-running process in its own group (killed by cleanup()). */
function start(cmd, args, { cwd, env, prefix } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.output = '';
  const keep = (d) => {
    child.output = (child.output + d).slice(-20000);
    if (argv.verbose && prefix) process.stderr.write(String(d).replace(/^(?=.)/gm, `${prefix} `));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('close', () => children.delete(child));
  child.stop = () => {
    killGroup(child);
    children.delete(child);
  };
  return child;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise.finally(() => clearTimeout(t)),
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

// ------------------------------------------------------------------ the package

const pkgDir = join(root, 'pkg');
if (!existsSync(join(pkgDir, 'package.json'))) die(`no built package at ${pkgDir}: run pkg-template/build.sh first`);
const installed = join(consumer, 'node_modules/autopilot-export');

async function ensureConsumer() {
  if (existsSync(join(installed, 'package.json')) && realpathSync(installed) === realpathSync(pkgDir)) return;
  log('npm install in tests/conformance/consumer (links node_modules/autopilot-export -> pkg/)');
  const r = await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--offline', '--loglevel=error'], { cwd: consumer, timeout: 120000 });
  if (r.code !== 0) die(`npm install failed (${r.code}):\n${r.stdout}${r.stderr}`);
}

/** The file an exports condition selects, e.g. entryFor('workerd') -> 'workerd.js'. */
function entryFor(pkg, condition) {
  const dot = pkg.exports?.['.'];
  if (typeof dot === 'string') return dot.replace(/^\.\//, '');
  const v = dot?.[condition] ?? dot?.default;
  if (typeof v !== 'string') die(`pkg/package.json exports["."] has no '${condition}' or 'default' entry`);
  return v.replace(/^\.\//, '');
}

// -------------------------------------------------------------------- runtimes

function parseResult(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('CONFORMANCE_RESULT '));
  return line ? JSON.parse(line.slice('CONFORMANCE_RESULT '.length)) : undefined;
}

async function runCli(runtime, cmd, args, opts) {
  const r = await run(cmd, [...args, JSON.stringify(opts)], {
    cwd: consumer,
    prefix: `[${runtime}]`,
    env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' },
  });
  const result = parseResult(r.stdout);
  if (!result) {
    throw new Error(`${r.timedOut ? `timed out after ${timeoutMs} ms` : `exited ${r.code ?? r.signal}`} without a result\n${tail(r.stderr || r.stdout)}`);
  }
  if (r.timedOut) result.error = `timed out after ${timeoutMs} ms`;
  result.stderr = tail(r.stderr);
  return result;
}

function tail(s, n = 40) {
  return String(s).trimEnd().split('\n').slice(-n).join('\n');
}

async function runWorkerd(pkg, opts) {
  const dir = mkdtempSync(join(tmpdir(), 'apx-workerd-'));
  try {
    const entry = entryFor(pkg, 'workerd');
    // The package's modules keep their file names; the workerd entry is named after the
    // package, so `import 'autopilot-export'` resolves to it and its relative imports
    // ('./autopilot_export.js', './autopilot_export_bg.wasm') resolve next to it.
    const modules = [
      `(name = "worker.mjs", esModule = embed "worker.mjs")`,
      `(name = "suite.mjs", esModule = embed "suite.mjs")`,
      ...copyPackageModules(installed, entry, dir, 'pkg'),
    ];
    copyFileSync(join(consumer, 'worker.mjs'), join(dir, 'worker.mjs'));
    copyFileSync(join(here, 'suite.mjs'), join(dir, 'suite.mjs'));
    const port = await freePort();
    writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # Outbound fetch is limited to "public" addresses by default; the emulator is on 127.0.0.1.
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')},
  ],
  compatibilityDate = "2025-06-01",
  globalOutbound = "loopback",
);
`);
    const child = start(join(bin, 'workerd'), ['serve', join(dir, 'config.capnp'), '--verbose'], { cwd: dir, env: { PWD: dir }, prefix: '[workerd]' });
    try {
      const url = `http://127.0.0.1:${port}/`;
      const deadline = Date.now() + 20000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode}\n${tail(child.output)}`);
        try {
          const r = await fetch(url);
          if (r.ok) break;
        } catch {
          /* not listening yet */
        }
        if (Date.now() > deadline) throw new Error(`workerd did not start\n${tail(child.output)}`);
        await sleep(100);
      }
      const res = await withTimeout(fetch(url, { method: 'POST', body: JSON.stringify(opts) }), timeoutMs, 'workerd suite');
      const text = await res.text();
      let result;
      try {
        result = JSON.parse(text);
      } catch {
        throw new Error(`worker answered ${res.status}: ${text.slice(0, 500)}\n${tail(child.output)}`);
      }
      result.stderr = tail(child.output);
      return result;
    } finally {
      child.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html', '.ts': 'text/plain' };

/** Static server: the consumer page, the suite, and the installed package under /pkg/. */
async function staticServer(browserEntry) {
  const pkgReal = realpathSync(installed);
  const page = `<!doctype html>
<meta charset="utf-8">
<title>autopilot-export conformance</title>
<script type="importmap">${JSON.stringify({ imports: { 'autopilot-export': `/pkg/${browserEntry}` } })}</script>
<script type="module" src="/consumer/browser.mjs"></script>
`;
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file;
    if (path === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(page);
    }
    if (path === '/suite.mjs') file = join(here, 'suite.mjs');
    else {
      const mount = [['/consumer/', consumer], ['/pkg/', pkgReal]].find(([prefix]) => path.startsWith(prefix));
      if (mount) {
        const f = resolve(mount[1], path.slice(mount[0].length));
        if (f.startsWith(mount[1] + sep) && !f.slice(mount[1].length).includes(`${sep}node_modules${sep}`)) file = f;
      }
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

async function runChromium(pkg, opts) {
  const { chromium } = await import('playwright-core');
  const { server, origin } = await staticServer(entryFor(pkg, 'browser'));
  let browser;
  const consoleLines = [];
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30000 });
    const page = await browser.newPage();
    page.on('console', (m) => {
      consoleLines.push(`${m.type()}: ${m.text()}`);
      if (argv.verbose) console.error(`[chromium] ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => consoleLines.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
    const q = new URLSearchParams({ origin: opts.emulatorOrigin, key: opts.apiKey, tag: opts.tag, redirect: opts.redirectTarget });
    await page.goto(`${origin}/?${q}`, { timeout: 30000 });
    await page.waitForFunction(() => window.__conformance?.done === true, null, { timeout: timeoutMs, polling: 200 });
    const state = await page.evaluate(() => window.__conformance);
    if (state.error || !state.result) throw new Error(`page failed: ${state.error ?? 'no result'}\n${consoleLines.slice(-20).join('\n')}`);
    state.result.stderr = consoleLines.slice(-40).join('\n');
    return state.result;
  } catch (e) {
    if (!String(e.message).includes('page failed')) e.message += `\n${consoleLines.slice(-20).join('\n')}`;
    throw e;
  } finally {
    await withTimeout(browser?.close() ?? Promise.resolve(), 15000, 'browser.close').catch(() => {});
    server.closeAllConnections?.();
    server.close();
  }
}

// ----------------------------------------------------------------------- main

await ensureConsumer();
const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
const expectedEntry = {
  node: entryFor(pkg, 'node'),
  deno: entryFor(pkg, 'deno'),
  bun: entryFor(pkg, 'bun'),
  workerd: entryFor(pkg, 'workerd'),
  chromium: entryFor(pkg, 'browser'),
};
const runners = {
  node: (o) => runCli('node', process.execPath, ['main.mjs'], o),
  deno: (o) => runCli('deno', join(bin, 'deno'), ['run', '-A', '--no-lock', 'main.mjs'], o),
  bun: (o) => runCli('bun', join(bin, 'bun'), ['main.mjs'], o),
  workerd: (o) => runWorkerd(pkg, o),
  chromium: (o) => runChromium(pkg, o),
};

async function runOne(runtime) {
  const t0 = Date.now();
  const emu = await startEmulator({ ratePerSecond: 50, burst: 50, seed: 7 });
  // Where the emulator's redirect check points: nothing may ever reach it.
  const recorder = await startRecorder();
  const opts = { emulatorOrigin: emu.origin, apiKey: DEFAULT_API_KEY, tag: `${runtime}-${process.pid % 10000}`, redirectTarget: recorder.url };
  log(`${runtime}: running (emulator ${emu.origin})`);
  try {
    const result = await withTimeout(runners[runtime](opts), timeoutMs + 30000, runtime);
    result.ms = Date.now() - t0;
    // The entry file actually loaded must be the one pkg/package.json selects for this runtime.
    const want = expectedEntry[runtime];
    const res = String(result.resolved ?? '');
    result.entryOk = runtime === 'workerd' ? true : res.endsWith(`/${want}`);
    result.entry = runtime === 'workerd' ? want : res.split('/').pop();
    if (!result.entryOk) result.error = `resolved ${res}, expected .../${want}`;
    const reached = recorder.requests();
    if (reached.length) result.error = `${reached.length} request(s) reached the redirect target: ${reached.map((r) => `${r.method} ${r.path}`).join(', ')}`;
    return result;
  } catch (e) {
    return { runtime, ok: false, passed: 0, failed: 0, total: 0, checks: [], ms: Date.now() - t0, error: e.message };
  } finally {
    await emu.stop();
    await recorder.stop();
  }
}

const started = Date.now();
const results = [];
if (argv.parallel) results.push(...(await Promise.all(selected.map(runOne))));
else for (const r of selected) results.push(await runOne(r));

// Table.
const rows = [['runtime', 'entry', 'checks', 'time', 'result']];
for (const [i, r] of results.entries()) {
  const good = r.ok && !r.error && r.entryOk !== false;
  rows.push([selected[i], r.entry ?? '-', r.total ? `${r.passed}/${r.total}` : '-', `${(r.ms / 1000).toFixed(1)} s`, good ? 'ok' : 'FAIL']);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
console.log('');
for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);

let failed = 0;
for (const [i, r] of results.entries()) {
  const good = r.ok && !r.error && r.entryOk !== false;
  if (good) continue;
  failed++;
  console.log(`\n--- ${selected[i]} failed`);
  if (r.error) console.log(r.error);
  for (const c of r.checks ?? []) {
    if (c.ok) continue;
    console.log(`  x ${c.name} (${c.errorCount} problem${c.errorCount === 1 ? '' : 's'})`);
    for (const e of c.errors) console.log(`      ${e}`);
    if (c.stack) console.log(c.stack.replace(/^/gm, '      '));
  }
  if (argv.verbose && r.stderr) console.log(r.stderr);
}
if (argv.json) writeFileSync(argv.json, JSON.stringify(results, null, 2));
process.exitCode = failed || results.length !== selected.length ? 1 : 0;
