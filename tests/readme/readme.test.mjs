// Runs the README's code examples, as written, against the local Autopilot emulator:
// the Node example in Node, the browser example in headless Chromium, the worker example in
// the real workerd binary. Each example is the fenced ```js block after a
// `<!-- readme-test: KIND -->` marker; the tests check what reached the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, symlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer as netServer } from 'node:net';
import { startEmulator, DEFAULT_API_KEY } from '../emulator/index.mjs';
import { copyPackageModules } from '../conformance/workerd-modules.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = join(root, 'pkg');
const bin = join(root, 'tests/node_modules/.bin');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function example(kind) {
  const m = readme.match(new RegExp(`<!-- readme-test: ${kind} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``));
  assert.ok(m, `README has no ${kind} example`);
  return m[1];
}

let emu;
const dirs = [];
before(async () => {
  assert.ok(existsSync(join(pkg, 'package.json')), 'run pkg-template/build.sh first');
  emu = await startEmulator({ ratePerSecond: 50 });
});
after(async () => {
  await emu?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A folder where `import 'autopilot-export'` resolves to the built package. */
function consumerDir() {
  const dir = mkdtempSync(join(tmpdir(), 'apx-readme-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'autopilot-export'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', dependencies: { 'autopilot-export': '*' } }));
  return dir;
}

function run(cmd, args, opts) {
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, out });
    });
  });
}

function contactsWith(prefixes) {
  return emu.state().contacts.filter((c) => prefixes.some((p) => c.Email.toLowerCase().startsWith(p)));
}

test('the Node example exports to the emulator', async () => {
  const dir = consumerDir();
  writeFileSync(join(dir, 'example.mjs'), example('node'));
  writeFileSync(join(dir, 'newsletter.csv'), 'email,first_name,last_name,company,tier,orders\nlinus@example.org,Linus,T,Kernel,silver,3\nbad row,,,,,\n');
  const r = await run(process.execPath, ['example.mjs'], {
    cwd: dir,
    env: { ...process.env, AUTOPILOT_API_KEY: DEFAULT_API_KEY, AUTOPILOT_BASE_URL: emu.url },
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /succeeded 2 exported, 2 invalid/);
  assert.ok(!r.out.includes(DEFAULT_API_KEY), 'the key is never printed');
  const ada = contactsWith(['ada@example.com'])[0];
  assert.equal(ada.Email, 'Ada@example.com');
  assert.equal(ada.FirstName, 'Ada');
  assert.equal(ada.Company, 'Engines');
  assert.deepEqual(ada.custom, { 'string--Loyalty--Tier': 'gold', 'integer--Lifetime--Orders': 12 });
  const linus = contactsWith(['linus@example.org'])[0];
  assert.equal(linus.custom['integer--Lifetime--Orders'], 3);
  const titles = emu.state().lists.map((l) => l.title);
  assert.ok(titles.includes('VIP') && titles.includes('Newsletter'), titles.join());
});

test('the browser example runs in Chromium', async () => {
  const { chromium } = await import('playwright-core');
  const types = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const page = `<!doctype html><meta charset="utf-8"><title>readme</title>
<button id="cancel">Cancel</button><input id="file" type="file"><progress id="bar"></progress>
<script type="importmap">{"imports": {"autopilot-export": "/pkg/browser.js"}}</script>
<script type="module">
  window.cancelButton = document.getElementById('cancel');
  window.progressBar = document.getElementById('bar');
  window.connection = { displayName: 'Browser', apiKey: '${DEFAULT_API_KEY}', consent: true, exportUser: 'ops', baseUrl: '${emu.url}' };
  window.mapping = { email: 'email', firstName: 'first' };
  const file = new File(['email,first\\ngrace@example.net,Grace\\nalan@example.net,Alan\\n'], 'vip.csv');
  window.fileInput = { files: [file] };
  import('/example.mjs').then(() => { window.__done = true; }, (e) => { window.__error = String(e && e.stack || e); });
</script>`;
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (path === '/example.mjs') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(example('browser'));
    if (path.startsWith('/pkg/') && !path.includes('..')) {
      const file = join(pkg, path.slice(5));
      if (existsSync(file)) return res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // playwright-core gives each launch a fresh temporary profile.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const p = await browser.newPage();
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await p.waitForFunction(() => window.__done || window.__error, null, { timeout: 60_000 });
    assert.equal(await p.evaluate(() => window.__error ?? null), null);
    assert.equal(await p.evaluate(() => document.getElementById('bar').value), 1);
  } finally {
    await browser.close();
    server.close();
  }
  const got = contactsWith(['grace@example.net', 'alan@example.net']).map((c) => c.FirstName).sort();
  assert.deepEqual(got, ['Alan', 'Grace']);
});

function freePort() {
  return new Promise((r) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });
}

test('the worker example runs in workerd', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apx-readme-workerd-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'worker.mjs'), example('worker'));
  const modules = ['(name = "worker.mjs", esModule = embed "worker.mjs")', ...copyPackageModules(pkg, 'workerd.js', dir)];
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker), (name = "loopback", network = (allow = ["local"])) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ ${modules.join(', ')} ],
  bindings = [ (name = "AUTOPILOT_API_KEY", text = "${DEFAULT_API_KEY}"), (name = "AUTOPILOT_BASE_URL", text = "${emu.url}") ],
  compatibilityDate = "2025-06-01",
  globalOutbound = "loopback",
);
`);
  const child = spawn(join(bin, 'workerd'), ['serve', join(dir, 'config.capnp')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  try {
    const url = `http://127.0.0.1:${port}/`;
    const segments = [{ name: 'Edge', profiles: [{ email: 'edsger@example.com', first_name: 'Edsger' }, { email: 'nope' }] }];
    let res;
    for (let i = 0; i < 100 && !res; i++) {
      res = await fetch(url, { method: 'POST', body: JSON.stringify({ segments }) }).catch(() => null);
      if (!res) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(res, `workerd did not start: ${log}`);
    const report = await res.json();
    assert.equal(report.status, 'succeeded', JSON.stringify(report));
    assert.equal(report.totals.exported, 1);
    assert.equal(report.totals.invalid, 1);
    assert.equal(contactsWith(['edsger@example.com'])[0]?.FirstName, 'Edsger');
  } finally {
    child.kill('SIGKILL');
  }
});
