// The npm tarball of the built package (pkg/), installed like a user would:
//   node --test tests/pack/
// `npm pack` pkg/ into a temp dir, check the tarball holds exactly the `files` of
// package.json (plus what npm always adds), `npm install <tgz>` (offline: the package has no
// dependencies) into an empty temp project, then import it BY NAME there and run a preview,
// and check the `autopilot-export` bin. Needs pkg/ (pkg-template/build.sh).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkgDir = join(root, 'pkg');
const TIMEOUT = 120_000;

/** npm always puts these in a tarball, whatever `files` says. */
const ALWAYS = /^(package\.json|README(\..*)?|LICEN[CS]E(\..*)?|CHANGELOG(\..*)?)$/i;

let tmp;
let tgz;
let packed; // paths inside the tarball, without the "package/" prefix
let project;
let pkgJson;

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT, ...opts, env: { ...process.env, npm_config_update_notifier: 'false', ...opts.env } });
  if (r.error) throw r.error;
  return r;
}

function ok(r, what) {
  assert.equal(r.status, 0, `${what} exited ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${r.stdout}\n${r.stderr}`);
  return r;
}

before(() => {
  assert.ok(existsSync(join(pkgDir, 'package.json')), 'no pkg/: run pkg-template/build.sh first');
  pkgJson = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  tmp = mkdtempSync(join(tmpdir(), 'apx-pack-'));
  const out = join(tmp, 'out');
  ok(sh('mkdir', ['-p', out]), 'mkdir');
  const r = ok(sh('npm', ['pack', '--pack-destination', out, '--json', '--loglevel=error'], { cwd: pkgDir }), 'npm pack');
  const info = JSON.parse(r.stdout)[0];
  tgz = join(out, info.filename);
  assert.ok(existsSync(tgz), `tarball ${tgz} missing`);
  // The tarball itself is the truth, not npm's report of it.
  const list = ok(sh('tar', ['-tzf', tgz]), 'tar -t').stdout.split('\n').filter(Boolean);
  packed = list.map((p) => p.replace(/^package\//, '')).filter((p) => !p.endsWith('/'));
  project = join(tmp, 'project');
  ok(sh('mkdir', ['-p', project]), 'mkdir');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'apx-pack-consumer', private: true, type: 'module' }, null, 2));
  ok(sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tgz], { cwd: project }), 'npm install <tgz>');
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds only the files listed in package.json "files"', () => {
  // An entry ending in "/" lists a folder: everything below it.
  const listedBy = (p) => pkgJson.files.some((f) => (f.endsWith('/') ? p.startsWith(f) : p === f));
  const extra = packed.filter((p) => !listedBy(p) && !ALWAYS.test(p));
  assert.deepEqual(extra, [], 'files in the tarball that "files" does not list');
  const leaked = packed.filter((p) => /(^|\/)(src|tests?|target|node_modules|pkg-template)\//.test(p) || /\.(rs|toml|lock|tgz|map)$/.test(p) || p === 'build.sh');
  assert.deepEqual(leaked, [], 'sources, tests or build files in the tarball');
  const size = statSync(tgz).size;
  console.log(`# tarball ${tgz.split('/').pop()}: ${size} bytes, ${packed.length} files: ${packed.join(', ')}`);
});

test('every file listed in "files" is in the tarball', () => {
  const missing = pkgJson.files.filter((f) => (f.endsWith('/') ? !packed.some((p) => p.startsWith(f)) : !packed.includes(f)));
  assert.deepEqual(missing, [], 'listed in "files" but not in the tarball (missing from pkg/)');
});

test('every exports target, "types" and the bin are in the tarball', () => {
  const targets = new Set();
  const walk = (v) => {
    if (typeof v === 'string') targets.add(v.replace(/^\.\//, ''));
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(pkgJson.exports);
  walk(pkgJson.types);
  walk(pkgJson.bin);
  const missing = [...targets].filter((t) => !packed.includes(t));
  assert.deepEqual(missing, [], 'targets not in the tarball');
  assert.deepEqual(Object.keys(pkgJson.exports['.']), ['types', 'workerd', 'deno', 'bun', 'node', 'browser', 'default'], 'condition order of exports["."]');
  assert.equal(pkgJson.dependencies, undefined, 'the package should have no dependencies');
});

test('the module names no path of the machine that built it', () => {
  // Panic locations name source files: build.sh maps the toolchain's and the registry's
  // copies, which sit under the builder's home, to fixed names. Each name must be one of
  // those, std's own prebuilt ones, or this crate's relative `src/...` (the module's strings
  // run together, so a name may follow other text).
  const text = readFileSync(join(pkgDir, 'autopilot_export_bg.wasm')).toString('latin1');
  const paths = text.match(/[\x21-\x7e]*\.rs(?![\w/])/g) ?? [];
  assert.ok(paths.length > 0, 'the module names its source files (panic locations)');
  const fixed = /^[^/]*?(?:\/rustc\/[0-9a-f]{40}\/library\/|\/rust\/deps\/|\/cargo\/registry\/src\/|src\/)[\w./-]+\.rs$/;
  const local = paths.filter((p) => !fixed.test(p) || p.includes(root));
  assert.deepEqual(local, [], `source paths of this machine in the module: ${local.slice(0, 3).join(', ')}`);
});

test('installed from the tarball: import by name and run a preview', () => {
  const installed = join(project, 'node_modules/autopilot-export');
  assert.ok(!lstatSync(installed).isSymbolicLink(), 'node_modules/autopilot-export is a link, not an installed copy');
  writeFileSync(join(project, 'main.mjs'), `
import { exportSegments, preview, previewAsync, checkConnection, validateConnection, validateExportConfig } from 'autopilot-export';
import * as init from 'autopilot-export/init';
import meta from 'autopilot-export/package.json' with { type: 'json' };
const job = {
  connection: { displayName: 'Pack', apiKey: '0123456789abcdef0123456789abcdef', consent: true, exportUser: 'ops', baseUrl: 'http://127.0.0.1:9/v1' },
  mapping: { email: 'email', firstName: 'first', custom: [{ source: 'n', name: 'Orders', type: 'integer' }] },
  segments: [
    { name: 'A', profiles: [{ email: 'a@example.com', first: 'A', n: '3' }, { email: 'A@EXAMPLE.COM' }, { email: 'nope' }] },
    { name: 'B', profiles: { csv: 'email,first\\r\\nb@example.com,B\\r\\na@example.com,A2\\r\\n' } },
  ],
};
const s = preview(job, { ratePerSecond: 5 });
console.log(JSON.stringify({
  resolved: import.meta.resolve('autopilot-export'),
  types: [exportSegments, preview, previewAsync, checkConnection, validateConnection, validateExportConfig].map((f) => typeof f),
  initExports: typeof init.default === 'function' && typeof init.initSync === 'function',
  version: meta.version,
  totals: s.totals,
  batches: s.batches,
}));
`);
  const r = ok(sh(process.execPath, ['main.mjs'], { cwd: project }), 'node main.mjs');
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.equal(realpathSync(fileURLToPath(out.resolved)), realpathSync(join(installed, 'node.js')), 'the "node" condition selects node.js');
  assert.deepEqual(out.types, Array(6).fill('function'));
  assert.equal(out.initExports, true, "'autopilot-export/init' exports default init() and initSync()");
  assert.equal(out.version, pkgJson.version);
  assert.deepEqual(
    out.totals,
    { profilesIn: 5, invalid: 1, duplicates: 1, overCap: 0, uniqueProfiles: 2, memberships: 3, exported: 0, failed: 0, unchanged: 0, notSent: 0, removed: 0 },
  );
  // 3 memberships fit one request, but a@example.com is in both segments and one request
  // never carries the same email twice: 2 is the minimum.
  assert.equal(out.batches, 2);
});

test('the autopilot-export bin is installed in node_modules/.bin and runs', () => {
  const binPath = join(project, 'node_modules/.bin/autopilot-export');
  assert.ok(existsSync(binPath), 'node_modules/.bin/autopilot-export missing');
  const target = realpathSync(binPath);
  assert.equal(target, realpathSync(join(project, 'node_modules/autopilot-export', pkgJson.bin['autopilot-export'])));
  assert.ok(statSync(target).mode & 0o111, 'bin target is not executable');
  assert.match(readFileSync(target, 'utf8'), /^#!\/usr\/bin\/env node\r?\n/, 'bin has no node shebang');
  const r = sh(binPath, ['--version'], { cwd: project, env: { AUTOPILOT_API_KEY: '' } });
  assert.equal(r.status, 0, `autopilot-export --version exited ${r.status}: ${r.stderr}`);
  assert.match(r.stdout + r.stderr, new RegExp(pkgJson.version.replace(/\./g, '\\.')));
});
