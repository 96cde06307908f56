// Runs www/worker/ in the real workerd binary for the worker tests and the slice bench.
//
// `layout()` copies the worker's modules and the built package (pkg/, laid out by
// tests/conformance/workerd-modules.mjs) into a temp dir and writes a capnp config:
// - service "main": the Worker, both Durable Object classes on SQLite (`enableSql`) with
//   `localDisk` storage in `<dir>/do` (kept across restarts of workerd), secrets as text
//   bindings, outbound network limited to loopback addresses;
// - service "cron": a test-only Worker with a service binding to "main" and the
//   `service_binding_extra_handlers` flag, so `POST /` with {cron, scheduledTime} invokes the
//   real `scheduled` handler (workerd fires no cron by itself). That flag is experimental,
//   hence `--experimental`.
// `start()` runs workerd on that dir (127.0.0.1 only) and waits until it answers; `kill()`
// ends it with SIGKILL. Every child runs in its own process group and dies with the tests.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyPackageModules } from '../conformance/workerd-modules.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PKG = join(ROOT, 'pkg');
const WORKER_SRC = join(ROOT, 'www/worker/src');
const WORKERD = join(ROOT, 'tests/node_modules/.bin/workerd');

/** Secrets of the test Worker. The API key is the emulator's default key. */
export const SEGMENTS_TOKEN = 'segments-Token-51c0e9a7b3d2';
export const SECRETS = Object.freeze({
  ADMIN_TOKEN: 'admin-Token-3f9a7c21d4e8b6a0',
  AUTOPILOT_API_KEY: '0123456789abcdef0123456789abcdef',
  /** The whole Authorization header value of the segment downloads. */
  SEGMENTS_AUTH: 'Bearer segments-Token-51c0e9a7b3d2',
});

const children = new Set();
const killAll = () => {
  for (const c of children) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
};
process.on('exit', killAll);

/** Whether the package is built (tests skip with a hint otherwise). */
export const packageBuilt = () => existsSync(join(PKG, 'workerd.js'));

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

// Shared by the test entries below: the real module's exports and a storage fault injected
// once, the first time slice 2 stores its checkpoint (inside the Destination's constructor).
const HEAD = `export { default, Registry } from './index.mjs';
import { Destination as Real } from './destination.mjs';
let thrown = false;`;
const THROW_ONCE = `    const putJson = this.blobs.putJson.bind(this.blobs);
    this.blobs.putJson = (name, value) => {
      if (!thrown && name.startsWith('cp/') && this.kv.get('run')?.slice === 2) {
        thrown = true;
        throw new Error('injected storage fault');
      }
      return putJson(name, value);
    };`;

/**
 * Test-only main modules wrapping the Worker (never shipped): the Destination class with
 * every alarm delivered twice, or with one injected storage fault at the commit of slice 2
 * (and, for 'refuse-interim', the interim checkpoints of slice 2 altered so the package
 * refuses them).
 */
const TEST_ENTRIES = {
  twice: `export { default, Registry } from './index.mjs';
import { Destination as Real } from './destination.mjs';
export class Destination extends Real {
  async alarm(info) {
    // Delivered twice at once (the second finds the step running), then once more afterwards.
    await Promise.all([super.alarm(info), super.alarm(info)]);
    await super.alarm(info);
  }
}
`,
  'throw-once': `${HEAD}
export class Destination extends Real {
  constructor(ctx, env) {
    super(ctx, env);
${THROW_ONCE}
  }
}
`,
  // throw-once, and every interim checkpoint stored during slice 2 is made one the package
  // refuses (another base state): the retried slice falls back to the committed checkpoint.
  'refuse-interim': `${HEAD}
export class Destination extends Real {
  constructor(ctx, env) {
    super(ctx, env);
${THROW_ONCE}
    const kv = this.kv;
    this.kv = {
      get: (k) => kv.get(k),
      delete: (k) => kv.delete(k),
      list: (o) => kv.list(o),
      put: (k, v) => {
        if (k === 'interim' && v?.slice === 2 && typeof v.checkpoint === 'string') {
          const cp = JSON.parse(v.checkpoint);
          cp.base = cp.base ? (cp.base[0] === '0' ? '1' : '0') + cp.base.slice(1) : 'tampered';
          v = { ...v, checkpoint: JSON.stringify(cp) };
        }
        return kv.put(k, v);
      },
    };
  }
}
`,
};

/**
 * Lays out a workerd directory for the Worker.
 * @param {{vars?: Record<string, string>, secrets?: Record<string, string>, entry?: keyof TEST_ENTRIES}} [opts]
 *   extra text bindings (e.g. STORAGE_CHUNK_BYTES), secrets replacing SECRETS, a test entry
 * @returns {Promise<{dir: string, storage: string, port: number, cronPort: number, remove: () => void}>}
 */
export async function layout({ vars = {}, secrets = SECRETS, entry } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'apx-worker-'));
  const storage = join(dir, 'do');
  mkdirSync(storage);
  cpSync(WORKER_SRC, join(dir, 'src'), { recursive: true });
  if (entry) writeFileSync(join(dir, 'src/test-entry.mjs'), TEST_ENTRIES[entry]);
  const main = entry ? 'test-entry.mjs' : 'index.mjs';
  const own = readdirSync(join(dir, 'src')).filter((f) => f.endsWith('.mjs')).sort((a, b) => (a === main ? -1 : b === main ? 1 : a.localeCompare(b)));
  const modules = [
    // Flat module names, as wrangler bundles them: a bare `import 'autopilot-export'` from any
    // of them resolves to the package module of that name.
    ...own.map((f) => `(name = "${f}", esModule = embed "src/${f}")`),
    ...copyPackageModules(PKG, 'workerd.js', dir, 'pkg'),
  ];
  writeFileSync(join(dir, 'cron.mjs'), `// Test-only: turns POST {cron, scheduledTime} into the main Worker's scheduled event.
export default {
  async fetch(request, env) {
    const { cron, scheduledTime } = await request.json();
    const result = await env.MAIN.scheduled({ cron, scheduledTime: new Date(scheduledTime) });
    return Response.json(result);
  },
};
`);
  const [port, cronPort] = [await freePort(), await freePort()];
  const text = (name, value) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(String(value))})`;
  const bindings = [
    ...Object.entries(secrets).map(([k, v]) => text(k, v)),
    ...Object.entries(vars).map(([k, v]) => text(k, v)),
    '(name = "DESTINATION", durableObjectNamespace = "Destination")',
    '(name = "REGISTRY", durableObjectNamespace = "Registry")',
  ];
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),
    (name = "cron", worker = .cron),
    # Outbound fetch may reach loopback addresses only (the emulator and the file server).
    (name = "loopback", network = (allow = ["local"])),
    (name = "storage", disk = (path = ${JSON.stringify(storage)}, writable = true)),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:${port}", http = (), service = "main"),
    (name = "cron", address = "127.0.0.1:${cronPort}", http = (), service = "cron"),
  ],
);

const main :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')},
  ],
  compatibilityDate = "2025-06-01",
  globalOutbound = "loopback",
  bindings = [
    ${bindings.join(',\n    ')},
  ],
  durableObjectNamespaces = [
    (className = "Destination", uniqueKey = "autopilot-export-destination", enableSql = true),
    (className = "Registry", uniqueKey = "autopilot-export-registry", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "storage"),
);

const cron :Workerd.Worker = (
  modules = [ (name = "cron.mjs", esModule = embed "cron.mjs") ],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["service_binding_extra_handlers"],
  bindings = [ (name = "MAIN", service = "main") ],
);
`);
  return { dir, storage, port, cronPort, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts workerd on a laid-out directory and waits until the Worker answers `GET /` with
 * `readyStatus` (401 for the Worker without a token).
 * @param {{dir: string, port: number, cronPort?: number}} box from layout() (or another layout
 *   with a config.capnp listening on 127.0.0.1:port)
 * @param {{readyStatus?: number}} [opts]
 * @returns {Promise<{base: string, output: () => string, kill: () => Promise<void>, stop: () => Promise<void>, api: Function, cron: Function}>}
 */
export async function start(box, { readyStatus = 401 } = {}) {
  const child = spawn(WORKERD, ['serve', join(box.dir, 'config.capnp'), '--experimental'], {
    cwd: box.dir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const keep = (d) => {
    output += d;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
    if (process.env.WORKER_TEST_VERBOSE) process.stderr.write(String(d).replace(/^(?=.)/gm, '[workerd] '));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => child.once('exit', r));
  const base = `http://127.0.0.1:${box.port}`;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await exited;
    }
    children.delete(child);
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode}:\n${output.slice(-4000)}`);
    try {
      const r = await fetch(`${base}/`);
      await r.arrayBuffer();
      if (r.status === readyStatus) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(`workerd did not start:\n${output.slice(-4000)}`);
    }
    await sleep(100);
  }
  /**
   * Calls the Worker: `api('GET', '/destinations/x')`, with the admin token unless `token` is
   * given (null = no Authorization header).
   */
  const api = async (method, path, body, { token = SECRETS.ADMIN_TOKEN } = {}) => {
    const headers = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  /** Fires a Cron Trigger: the real `scheduled` handler runs with this cron and time. */
  const cron = async (expression, scheduledTime = Date.now()) => {
    const res = await fetch(`http://127.0.0.1:${box.cronPort}/`, { method: 'POST', body: JSON.stringify({ cron: expression, scheduledTime }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`cron harness answered ${res.status}: ${text}\n${output.slice(-4000)}`);
    return JSON.parse(text);
  };
  return { base, output: () => output, kill, stop: kill, api, cron };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `GET /destinations/{id}` until `done(status)` is true; bounded by `timeoutMs`. Every
 * idle status it reads must show no alarm (`nextStepAt: null`): a run's end deletes it, and
 * one left behind would fire into an idle destination.
 * @returns {Promise<any>} the last status
 */
export async function waitFor(worker, id, done, { timeoutMs = 120_000, everyMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await worker.api('GET', `/destinations/${id}`);
    if (r.status !== 200) throw new Error(`GET /destinations/${id} answered ${r.status}: ${r.text}`);
    if (r.json.state === 'idle' && r.json.nextStepAt !== null) {
      throw new Error(`${id} is idle with an alarm left at ${r.json.nextStepAt} (now ${new Date().toISOString()})`);
    }
    if (done(r.json)) return r.json;
    if (Date.now() > deadline) throw new Error(`timed out waiting on ${id}: ${JSON.stringify(r.json).slice(0, 2000)}\n${worker.output().slice(-4000)}`);
    await sleep(everyMs);
  }
}
