// Unit tests of the admin page's Node-testable parts: the static server (www/serve.mjs) and
// the page's pure modules (mapping, formatting, history, job/config file, segments, messages,
// storage guards, reach). No browser, no package needed.
//
//   node --test tests/page/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, resolveInside } from '../../www/serve.mjs';
import { readdirSync, readFileSync } from 'node:fs';
import { mergeSuggestions, targets, unionHeaders } from '../../www/mapping.js';
import * as fmt from '../../www/format.js';
import { entryFrom } from '../../www/history.js';
import {
  configKey, ConfigFileError, FILE_KEYS, fromConfigFile, importNotes, notCarried, numberOrText, segmentFromFile, toConfigFile, toConnection, toJob,
} from '../../www/job.js';
import { dedupe, describeError, statusOf } from '../../www/messages.js';
import { defaultSegmentName, formatFromName, needsFormat, uniqueName } from '../../www/segments.js';
import { assertNoSecret, connectionId } from '../../www/storage.js';
import { whyNoResponse } from '../../www/reach.js';
import { apiBaseUrl, metadata, validateExportConfig } from '../../pkg/node.js';

const FORMATS = metadata().formats;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const enc = (s) => new TextEncoder().encode(s);

/** GET/HEAD/POST with the raw path (fetch would normalise `..` away). */
function request(url, rawPath, method = 'GET') {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: rawPath, method }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

// ------------------------------------------------------------------ serve.mjs

test('serve.mjs: types, demo config, /pkg/, no traversal, loopback only', async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-serve-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const pkg = path.join(tmp, 'pkg');
  mkdirSync(pkg);
  writeFileSync(path.join(pkg, 'browser.js'), 'export {};\n');
  writeFileSync(path.join(pkg, 'autopilot_export_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(path.join(tmp, 'secret.txt'), 'outside');
  const www = path.join(tmp, 'www');
  mkdirSync(path.join(www, 'sub'), { recursive: true });
  for (const f of ['index.html', 'app.js', 'style.css', 'a.json', 'a.csv', 'a.png', 'x.mjs']) writeFileSync(path.join(www, f), 'x');
  writeFileSync(path.join(www, '.hidden'), 'x');
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(www, 'link.txt'));

  const emulatorUrl = 'http://127.0.0.1:4010/v1';
  const srv = await startServer({ port: 0, emulatorUrl, wwwDir: www, pkgDir: pkg });
  t.after(() => srv.stop());
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const types = {
    '/': 'text/html', '/index.html': 'text/html', '/app.js': 'text/javascript', '/x.mjs': 'text/javascript',
    '/style.css': 'text/css', '/a.json': 'application/json', '/a.csv': 'text/csv', '/a.png': 'image/png',
    '/pkg/browser.js': 'text/javascript', '/pkg/autopilot_export_bg.wasm': 'application/wasm',
  };
  for (const [p, type] of Object.entries(types)) {
    const r = await request(srv.url, p);
    assert.equal(r.status, 200, p);
    assert.ok(r.headers['content-type'].startsWith(type), `${p}: ${r.headers['content-type']}`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const html = await request(srv.url, '/');
  assert.match(html.headers['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval'/);

  const demo = await request(srv.url, '/demo-config.json');
  assert.deepEqual(JSON.parse(demo.body), { baseUrl: emulatorUrl });
  assert.equal((await request(srv.url, '/sub')).status, 301);
  assert.equal((await request(srv.url, '/sub/')).status, 404, 'no directory listing');
  assert.equal((await request(srv.url, '/app.js', 'HEAD')).status, 200);
  assert.equal((await request(srv.url, '/app.js', 'POST')).status, 405);

  for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/pkg/../../secret.txt', '/pkg/..%2f..%2fsecret.txt',
    '/..%5csecret.txt', '/%00', '/.hidden', '/link.txt', '/sub/../../secret.txt', '/%E0%A4%A']) {
    const r = await request(srv.url, p);
    assert.ok(r.status === 404 || r.status === 400, `${p} -> ${r.status}`);
    assert.ok(!r.body.includes('outside'), `${p} leaked a file outside www/`);
  }

  await assert.rejects(startServer({ port: 0, host: '0.0.0.0', wwwDir: www, pkgDir: pkg }), /loopback only/);
});

test('serve.mjs: /pkg/ not built yet, no emulator', async (t) => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'apx-serve-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const srv = await startServer({ port: 0, pkgDir: path.join(tmp, 'missing') });
  t.after(() => srv.stop());
  const r = await request(srv.url, '/pkg/browser.js');
  assert.equal(r.status, 404);
  assert.match(r.body, /build\.sh/);
  assert.deepEqual(JSON.parse((await request(srv.url, '/demo-config.json')).body), { baseUrl: null });
  assert.equal((await request(srv.url, '/')).status, 200, 'the real www/ is served by default');
});

test('serve.mjs CLI: prints ADMIN_PAGE_URL and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'www/serve.mjs'), '--port', '0', '--emulator', 'http://127.0.0.1:4010/v1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 10_000);
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^ADMIN_PAGE_URL=(\S+)$/m.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(JSON.parse((await request(url, '/demo-config.json')).body).baseUrl, 'http://127.0.0.1:4010/v1');
  const code = await new Promise((resolve) => { child.removeAllListeners('exit'); child.on('exit', resolve); child.kill('SIGTERM'); });
  assert.equal(code, 0);
});

test('resolveInside keeps paths below the root', () => {
  assert.equal(resolveInside('/srv/www', '/a/b.js'), '/srv/www/a/b.js');
  assert.equal(resolveInside('/srv/www', '/'), '/srv/www');
  for (const bad of ['/../x', '/a/../../x', '/a\\..\\x', '/a\0', '/.git/config', '/./a']) assert.equal(resolveInside('/srv/www', bad), null, bad);
});

// ------------------------------------------------------------------ rules live in the core

test('www/ holds no default, bound or field list of the core', () => {
  const dir = path.join(ROOT, 'www');
  const files = readdirSync(dir).filter((f) => /\.(js|mjs|html|css)$/.test(f));
  assert.ok(files.includes('app.js') && files.includes('exporter.js'));
  const forbidden = [
    [/api2\.autopilothq\.com/, 'the default base URL'],
    [/\b100[_,]?000\b/, 'the profile cap'],
    [/ratePerSecond\s*[:=]\s*\d/, 'a default rate'],
    [/DEFAULT_RATE|MAX_PROFILES/, 'a default constant'],
    [/NumberOfEmployees|MailingPostalCode|LeadSource/, 'the standard field list'],
    [/['"]integer['"]\s*,\s*['"]float['"]/, 'the custom types'],
  ];
  for (const f of files) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    for (const [re, what] of forbidden) assert.doesNotMatch(text, re, `www/${f} holds ${what}`);
  }
  // Only exporter.js imports the package.
  for (const f of files.filter((x) => x !== 'exporter.js' && x !== 'serve.mjs')) {
    assert.doesNotMatch(readFileSync(path.join(dir, f), 'utf8'), /pkg\/browser\.js|autopilot_export/, `www/${f} imports the package`);
  }
});

// ------------------------------------------------------------------ mapping.js

const META = {
  defaults: { baseUrl: 'https://api.test/v1', ratePerSecond: 3, cap: 10 },
  standardFields: [{ name: 'FirstName', label: 'First name' }, { name: 'Company', label: 'Company' }, { name: 'MailingCity', label: 'Mailing city' }],
  customTypes: [{ name: 'string', label: 'Text' }],
};

test('targets come from the metadata; suggestions merge first-file-wins', () => {
  const t = targets(META);
  assert.deepEqual(t.core.map((x) => x.key), ['email', 'firstName', 'lastName']);
  assert.deepEqual(t.more.map((x) => x.key), ['fields.Company', 'fields.MailingCity'], 'FirstName is the core target');
  assert.equal(t.more[1].path, 'mapping.fields.MailingCity');
  assert.deepEqual(unionHeaders([['a', 'b'], ['b', 'c'], undefined]), ['a', 'b', 'c']);
  const m = mergeSuggestions([
    { email: 'Email', fields: { Company: 'org' }, custom: [{ source: 'tier', name: 'Tier', type: 'string' }, { source: 'org', name: 'org', type: 'string' }] },
    { email: 'mail', firstName: 'fn', fields: {}, custom: [{ source: 'tier', name: 'Other', type: 'integer' }, { source: 'ltv', name: 'LTV', type: 'float' }], idField: 'id' },
  ]);
  assert.deepEqual(m.targets, { email: 'Email', 'fields.Company': 'org', firstName: 'fn' });
  assert.deepEqual(m.custom.map((c) => [c.source, c.type]), [['tier', 'string'], ['ltv', 'float']], 'once per source, never a mapped one');
  assert.equal(m.idField, 'id');
});

// ------------------------------------------------------------------ segments.js

test('segment files: format by name, default names, unique names', () => {
  assert.equal(formatFromName('a.CSV', FORMATS), 'csv');
  assert.equal(formatFromName('a.tsv', FORMATS), 'csv');
  assert.equal(formatFromName('a.jsonl', FORMATS), 'ndjson');
  assert.equal(formatFromName('a.json', FORMATS), 'json');
  assert.equal(formatFromName('book.xlsx', FORMATS), 'csv', 'unknown: tried as CSV, inspect decides');
  assert.equal(needsFormat('a.xlsx', 'csv', FORMATS), true);
  assert.equal(needsFormat('a.ndjson', 'ndjson', FORMATS), false);
  assert.equal(defaultSegmentName('churn-risk.ndjson'), 'Churn risk');
  assert.equal(defaultSegmentName('C:\\x\\vip_customers.csv'), 'Vip customers');
  assert.equal(defaultSegmentName('vip.csv'), 'Vip');
  assert.equal(defaultSegmentName('.csv'), 'Csv');
  assert.equal(defaultSegmentName('---.csv'), 'Segment');
  assert.equal(uniqueName('Vip', ['vip', 'Vip 2']), 'Vip 3');
  assert.equal(uniqueName('New', ['Vip']), 'New');
});

// ------------------------------------------------------------------ job.js

const SAMPLE_CONFIG = JSON.parse(readFileSync(path.join(ROOT, 'www/sample/export.json'), 'utf8'));

test('configuration file: the sample reads and writes back as the CLI takes it, never a key', () => {
  const read = fromConfigFile(JSON.stringify(SAMPLE_CONFIG));
  assert.deepEqual(read.ignored, []);
  assert.equal(read.consent, true);
  assert.equal(read.segments[0].file, 'vip.csv');
  const segments = read.segments.map((s) => ({ name: s.name, fileName: s.file, format: formatFromName(s.file, FORMATS) }));
  const written = toConfigFile({ form: read.form, consent: read.consent, mapping: read.mapping, segments, settings: read.settings, formats: FORMATS, comment: read.comment });
  assert.deepEqual(written, SAMPLE_CONFIG, 'same JSON as the sample, comment included');
  assert.ok(!JSON.stringify(written).toLowerCase().includes('apikey'));

  for (const bad of ['{"connection": {"apiKey": "k"}}', '{"apiKey": "k"}', '{"connection": {"API_KEY": "k"}}']) {
    assert.throws(() => fromConfigFile(bad), (e) => e instanceof ConfigFileError && /never imported/.test(e.message), bad);
  }
  assert.throws(() => fromConfigFile('[1]'), ConfigFileError);
  assert.throws(() => fromConfigFile('{"a":'), /not valid JSON/);
  const odd = fromConfigFile('{"frobnicate": 1, "segments": [{"name": "x"}], "mapping": 3}');
  assert.deepEqual(odd.ignored, [{ path: 'frobnicate' }, { path: 'segments[0]', note: 'expected {"name", "file"}' }, { path: 'mapping', note: 'not an object' }]);
  const segs = (fileName, format) => toConfigFile({ form: {}, consent: false, mapping: {}, segments: [{ name: 'T', fileName, format }], settings: { cap: '', run: {} }, formats: FORMATS }).segments;
  assert.deepEqual(segs('t.tsv', 'csv'), [{ name: 'T', file: 't.tsv' }], 'the CLI reads .tsv as CSV by itself');
  assert.deepEqual(segs('t.dat', 'csv'), [{ name: 'T', file: 't.dat', format: 'csv' }]);
  assert.deepEqual(segs('t.json', 'ndjson'), [{ name: 'T', file: 't.json', format: 'ndjson' }]);
});

test('job: the package shapes from the page state, values moved as typed', () => {
  const conn = toConnection({ displayName: ' Ops ', exportUser: 'u', baseUrl: '' }, { apiKey: ' k ', consent: true });
  assert.deepEqual(conn, { displayName: 'Ops', apiKey: 'k', consent: true, exportUser: 'u' });
  const bytes = new Uint8Array([1]);
  const job = toJob({
    connection: conn,
    mapping: { email: 'e', firstName: '', lastName: 'l', fields: { Company: 'c', Phone: '' }, custom: [{ source: 's', name: 'S', type: 'string' }] },
    segments: [{ name: 'A', fileName: 'a.tsv', format: 'csv', bytes, options: { delimiter: '\t', encoding: 'utf-8' } }, { name: 'B', fileName: 'b.json', format: 'json', bytes }],
    settings: { cap: '12', overCap: 'truncate', lists: 'none', listPrefix: '', idField: '', membership: 'mirror', maxRemovalRatio: 0.2, run: { ratePerSecond: '2' } },
  });
  assert.deepEqual(job.mapping, { email: 'e', lastName: 'l', fields: { Company: 'c' }, custom: [{ source: 's', name: 'S', type: 'string' }] });
  assert.deepEqual(job.segments[0].profiles, { csv: bytes, delimiter: '\t', encoding: 'utf-8' });
  assert.deepEqual(job.segments[1].profiles, { json: bytes });
  assert.equal(job.cap, 12);
  assert.equal(job.membership, 'mirror');
  assert.equal(job.maxRemovalRatio, 0.2);
  assert.ok(!('listPrefix' in job) && !('idField' in job));
  assert.equal(numberOrText('abc'), 'abc', 'not a number: passed on for the package to judge');
  assert.equal(numberOrText(' '), '');
  const k1 = configKey({ a: 1, run: { ratePerSecond: 1 } }, [{ fileName: 'a', bytes }]);
  assert.equal(k1, configKey({ a: 1, run: { ratePerSecond: 9 } }, [{ fileName: 'a', size: 1 }]), 'the rate does not change the job');
  assert.notEqual(k1, configKey({ a: 2 }, [{ fileName: 'a', bytes }]));
});

/** The page's state from a read configuration file, as config-step.js applyConfig puts it (files loaded). */
const pageOf = (read) => ({
  form: read.form, consent: read.consent, mapping: read.mapping, settings: read.settings, comment: read.comment, formats: FORMATS,
  segments: read.segments.map((s) => ({ ...segmentFromFile(s, FORMATS), bytes: enc('Email\na@example.com\n') })),
});

const FULL_CONFIG = {
  $comment: 'every reading option of the job and of its segment files',
  connection: { displayName: 'Ops', exportUser: 'ops@example.com', consent: true, baseUrl: 'http://127.0.0.1:4010/v1' },
  mapping: {
    email: 'Email',
    custom: [
      { source: 'Since', name: 'Customer Since', type: 'date', format: metadata().dateFormats[1] },
      { source: 'Born', name: 'Birthday', type: 'date', format: metadata().dateFormats.at(-1) },
      { source: 'Spent', name: 'Spent', type: 'float', decimal: ',' },
      { source: 'Orders', name: 'Orders', type: 'integer', decimal: '.' },
      { source: 'Tier', name: 'Tier', type: 'string' },
    ],
  },
  segments: [
    { name: 'VIP', file: 'vip.csv', delimiter: ';', encoding: 'windows-1252' },
    { name: 'Tabbed', file: 'tabbed.txt', format: 'csv', delimiter: '\t' },
    { name: 'Churn', file: 'churn.data', format: 'ndjson', encoding: 'utf-16le' },
  ],
  cap: 500,
  membership: 'mirror',
  maxRemovalRatio: 0.25,
  run: { ratePerSecond: 2, maxInFlight: 3 },
};

test('configuration file: custom formats and decimal marks, segment delimiters and encodings survive import, export and the job', () => {
  const read = fromConfigFile(JSON.stringify(FULL_CONFIG));
  assert.deepEqual(read.ignored, [], 'nothing left out');
  assert.deepEqual(read.mapping.custom, FULL_CONFIG.mapping.custom);
  const page = pageOf(read);
  assert.deepEqual(page.segments.map((s) => [s.format, s.options]), [['csv', { delimiter: ';', encoding: 'windows-1252' }], ['csv', { delimiter: '\t' }], ['ndjson', { encoding: 'utf-16le' }]]);
  // Export: the same file.
  const written = toConfigFile(page);
  assert.deepEqual(written, FULL_CONFIG);
  assert.deepEqual(notCarried(FULL_CONFIG, written), []);
  // Export, import, export: unchanged.
  assert.deepEqual(toConfigFile(pageOf(fromConfigFile(JSON.stringify(written)))), FULL_CONFIG);
  // The job the page sends to the package: the same options, and the package takes it as it is.
  const job = toJob({ connection: toConnection(read.form, { apiKey: '0123456789abcdef0123456789abcdef', consent: true }), ...page });
  assert.deepEqual(job.mapping.custom, FULL_CONFIG.mapping.custom);
  assert.deepEqual(job.segments.map((s) => Object.keys(s.profiles)), [['csv', 'delimiter', 'encoding'], ['csv', 'delimiter'], ['ndjson', 'encoding']]);
  assert.equal(job.segments[0].profiles.delimiter, ';');
  assert.equal(job.segments[2].profiles.encoding, 'utf-16le');
  assert.deepEqual(validateExportConfig(job), []);
  // The file's job (what the package validates on import) is the file less its own keys.
  assert.deepEqual(Object.keys(read.job).sort(), Object.keys(FULL_CONFIG).filter((k) => !FILE_KEYS.includes(k)).sort());
  assert.deepEqual(validateExportConfig(read.job).map((i) => i.code), ['API_KEY_MISSING', 'SEGMENTS_EMPTY'], 'only what a file never holds');
  // The comment is the file's, not the job's: it does not change what a checkpoint resumes.
  assert.equal(configKey(written, page.segments), configKey({ ...written, $comment: 'other' }, page.segments));
});

test('configuration file: every member the page does not take is listed, with the package\'s reason', () => {
  const cfg = structuredClone(FULL_CONFIG);
  cfg.frobnicate = true;
  cfg.connection.timezone = 'UTC';
  cfg.mapping.custom[0].trim = true;
  cfg.mapping.custom.splice(1, 0, 'Loyalty');
  cfg.mapping.fields = { Company: 'company', Fax: { column: 'fax' } };
  cfg.segments[0].tokenEnv = 'TOKEN';
  cfg.segments.unshift({ name: 'Remote', url: 'https://cdp.example.com/x.csv' });
  cfg.overCap = 'bogus';
  const read = fromConfigFile(JSON.stringify(cfg));
  // Still taken: everything else, in the file's order.
  assert.deepEqual(read.segments.map((s) => s.name), ['VIP', 'Tabbed', 'Churn']);
  assert.deepEqual(read.mapping.custom.map((c) => c.source), ['Since', 'Born', 'Spent', 'Orders', 'Tier']);
  assert.equal(read.mapping.custom[0].format, FULL_CONFIG.mapping.custom[0].format);
  assert.ok(!('trim' in read.mapping.custom[0]));
  const notes = importNotes(read.ignored, validateExportConfig(read.job));
  const by = Object.fromEntries(notes.map((n) => [n.path, n.message]));
  assert.deepEqual(Object.keys(by).sort(), [
    'connection.timezone', 'frobnicate', 'mapping.custom[0].trim', 'mapping.custom[1]', 'mapping.fields.Fax', 'segments[0]', 'segments[1].tokenEnv',
  ]);
  for (const p of ['frobnicate', 'connection.timezone', 'mapping.custom[0].trim']) assert.match(by[p], /not a setting this library knows/, `${p}: the package's UNKNOWN_FIELD`);
  assert.match(by['mapping.custom[1]'], /invalid type/, 'the package says why');
  assert.match(by['segments[0]'], /URL/, 'the page says why');
  assert.equal(by['segments[1].tokenEnv'], 'not used by this page');
  // overCap is taken as it is: the page's form holds it and the package judges it there.
  assert.equal(read.settings.overCap, 'bogus');
  // Every member of the file is either written back or listed.
  const written = toConfigFile(pageOf(read));
  const listed = new Set(notes.map((n) => n.path));
  for (const [k, v] of Object.entries(cfg)) {
    if (!['mapping', 'segments', 'connection'].includes(k)) assert.ok(listed.has(k) || JSON.stringify(written[k]) === JSON.stringify(v), k);
  }
});

test('configuration file: what the page does not carry, compared member by member', () => {
  assert.deepEqual(notCarried({ a: { b: 1, c: 2 }, d: [1, { e: 'x' }] }, { a: { b: 1 }, d: [1, {}] }), ['a.c', 'd[1].e']);
  assert.deepEqual(notCarried({ cap: '5', name: ' Ops ', empty: '', none: null, o: {}, l: [] }, { cap: 5, name: 'Ops' }), [], 'same values, nothing to lose');
  assert.deepEqual(notCarried({ consent: 'yes' }, { consent: false }), ['consent']);
  assert.deepEqual(notCarried({ m: 'x' }, { m: {} }), ['m']);
  assert.deepEqual(notCarried({ m: { a: 1 } }, { m: 'x' }), ['m']);
  assert.deepEqual(notCarried({ l: [1] }, { l: { 0: 1 } }), ['l']);
  assert.deepEqual(importNotes([{ path: 'x', note: 'page' }, { path: 'y' }], [{ path: 'x', message: 'package' }]), [{ path: 'x', message: 'package' }, { path: 'y', message: 'not used by this page' }]);
});

// ------------------------------------------------------------------ messages.js

test('error messages: said once, with a hint; 403/404 name the base URL or permission', () => {
  const auth = describeError({ code: 'AUTH_FAILED', message: 'Autopilot rejected the API key (401 Unauthorized)' });
  const text = [auth.title, auth.detail, auth.hint].join(' ');
  assert.equal(text.match(/rejected/g).length, 1, text);
  assert.equal(auth.field, 'apiKey');
  const f403 = describeError({ code: 'API_ERROR', message: 'http://x/v1/account answered HTTP 403' });
  assert.match(f403.hint, /permission/);
  assert.match(f403.hint, /base URL/);
  assert.match(f403.detail, /^http:\/\/x/, 'a URL is not capitalised');
  assert.equal(f403.field, 'baseUrl');
  assert.match(describeError({ code: 'API_ERROR', status: 404, message: 'not found' }).hint, /base URL is probably wrong/);
  assert.equal(statusOf({ message: 'answered HTTP 302 (redirect)' }), 302);
  const blocked = describeError({ code: 'BLOCKED', message: 'the browser gave no response' });
  assert.match(blocked.title, /browser blocked/);
  assert.match(blocked.hint, /extension/);
  assert.match(blocked.hint, /worker/);
  assert.deepEqual(dedupe('Stopped.', 'stopped'), { title: '', detail: 'stopped' });
  const same = describeError({ code: 'CONSENT_REQUIRED', message: 'consent is required' });
  assert.equal(same.detail, '', 'the title already says it');
  for (const code of ['NETWORK', 'CAP_EXCEEDED', 'INPUT_INVALID', 'CHECKPOINT_MISMATCH', 'STATE_MISMATCH', 'REMOVALS_EXCEEDED', 'NOTHING_TO_EXPORT', 'WHATEVER']) {
    const d = describeError({ code, message: 'm' });
    assert.ok(d.title.length > 0, code);
  }
});

// ------------------------------------------------------------------ format.js, history.js, storage.js, reach.js

test('formatting: units, one ETA format, percent shared by bar and text, masking', () => {
  assert.equal(fmt.maskKey('0123456789abcdef0123456789abcdef'), '••••cdef');
  assert.equal(fmt.maskKey('abc'), '••••');
  assert.equal(fmt.num(1234567), '1,234,567');
  assert.equal(fmt.duration(850), '850 ms');
  assert.equal(fmt.duration(12_400), '12 s');
  assert.equal(fmt.duration(185_000), '3 min 5 s');
  assert.equal(fmt.duration(2 * 3600_000 + 4 * 60_000), '2 h 4 min');
  assert.equal(fmt.eta(6_900), 'about 7 s');
  assert.equal(fmt.eta(23_000), 'about 23 s');
  assert.equal(fmt.eta(300), 'about 1 s');
  assert.equal(fmt.eta(65_000), 'about 1 min 5 s');
  assert.equal(fmt.rate(482.4, 'contacts'), '482 contacts/s');
  assert.equal(fmt.rate(4.84, 'requests'), '4.8 requests/s');
  assert.equal(fmt.percent(41, 100), 41);
  assert.equal(fmt.percent(409, 1000), 40, 'floored: never ahead of the work');
  assert.equal(fmt.percent(5, 0), 0);
  assert.equal(fmt.maskEmail('jane.doe@example.com'), 'j•••@example.com');
  assert.deepEqual(fmt.maskContact({ Email: 'a.b@x.com', FirstName: 'A', custom: { 'string--Note': 'x@y' }, n: 3 }),
    { Email: 'a•••@x.com', FirstName: 'A', custom: { 'string--Note': 'x•••@y' }, n: 3 });
  assert.equal(fmt.capitalise('http://x answered'), 'http://x answered');
  assert.equal(fmt.sentence('the key.'), 'The key.');
  assert.deepEqual(fmt.rejectRows([{ segment: 0, row: 3, id: '=HYPERLINK("x")', reason: 'EMAIL_INVALID' }], ['VIP']),
    [['segment', 'row', 'id', 'reason', 'detail'], ['VIP', 3, '=HYPERLINK("x")', 'EMAIL_INVALID', '']], 'cells are moved as they are: toCsv neutralises');
});

test('run history entries: non-personal fields only', () => {
  const report = {
    status: 'succeeded', displayName: 'Marketing', exportUser: 'ops@example.com', finishedAt: '2026-01-01T00:00:00Z',
    durationMs: 1200, resumed: false, segments: [{ name: 'VIP' }], syncState: new Uint8Array(4),
    totals: { profilesIn: 10, invalid: 1, duplicates: 1, overCap: 0, uniqueProfiles: 8, memberships: 8, exported: 8, failed: 0, unchanged: 2, removed: 1 },
    rejects: [{ segment: 0, row: 2, reason: 'EMAIL_INVALID' }], checkpoint: { fingerprint: 'f' },
  };
  const e = entryFrom(report, { displayName: 'x', exportUser: 'y' });
  assert.deepEqual(Object.keys(e).sort(), ['at', 'displayName', 'durationMs', 'exportUser', 'resumed', 'segments', 'status', 'totals']);
  assert.equal(e.totals.exported, 8);
  assert.equal(e.totals.removed, 1);
  const failed = entryFrom(null, { displayName: 'M', exportUser: 'u', errorCode: 'AUTH_FAILED' });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'AUTH_FAILED');
});

test('storage guards: connection ids, no key ever stored', () => {
  // One id per address however it was typed: the core writes the API base one way.
  for (const typed of ['http://127.0.0.1:1/v1/', ' HTTP://127.0.0.1:1/v1 ']) {
    assert.equal(connectionId(apiBaseUrl(typed), { instanceId: 'i1' }), 'http://127.0.0.1:1/v1#i1');
  }
  assert.equal(connectionId(apiBaseUrl(''), {}), `${metadata().defaults.baseUrl}#`);
  assert.equal(connectionId(apiBaseUrl('https://a/v1'), {}), 'https://a/v1#');
  assert.throws(() => assertNoSecret({ config: { connection: { apiKey: 'k' } } }), /looks like an API key/);
  assert.throws(() => assertNoSecret({ a: [{ autopilotapikey: 'k' }] }), /looks like an API key/);
  assert.doesNotThrow(() => assertNoSecret({ syncState: new Uint8Array(3), config: { connection: { displayName: 'x' } } }));
});

test('reach: a loopback server that answers is "blocked", one that does not is "unreachable"', async () => {
  const ok = async () => ({ type: 'opaque' });
  const fail = async () => { throw new TypeError('Failed to fetch'); };
  assert.equal(await whyNoResponse('http://127.0.0.1:1/v1', true, { fetch: ok }), 'blocked');
  assert.equal(await whyNoResponse('http://127.0.0.1:1/v1', true, { fetch: fail }), 'unreachable');
  assert.equal(await whyNoResponse('https://api.example/v1', false, { fetch: fail }), 'blocked');
  let seen;
  await whyNoResponse('https://api.example/v1', false, { fetch: async (u, o) => { seen = o; return {}; } });
  assert.equal(seen.mode, 'no-cors');
  assert.equal(seen.credentials, 'omit');
  assert.ok(!('headers' in seen), 'the probe carries no header (no key)');
});
