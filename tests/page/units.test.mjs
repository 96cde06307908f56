// Unit tests of the admin page's Node-testable parts: the static server (www/serve.mjs) and
// the page's pure modules (mapping, formatting, history). No browser, no package needed.
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
import {
  csvHeader, csvRowCount, detectFormat, inspectFile, normalizeHeader, segmentNameFromFile, suggestMapping, TARGETS,
} from '../../www/mapping.js';
import { duration, maskKey, num, rejectsCsv } from '../../www/format.js';
import { addHistory, entryFrom, HISTORY_KEY, HISTORY_LIMIT, readHistory } from '../../www/history.js';

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

// ------------------------------------------------------------------ mapping.js

test('suggestions from headers', () => {
  const cases = [
    [['email', 'first_name', 'last_name'], { email: 'email', firstName: 'first_name', lastName: 'last_name' }],
    [['e-mail', 'GivenName', 'Surname'], { email: 'e-mail', firstName: 'GivenName', lastName: 'Surname' }],
    [['EmailAddress', 'firstname', 'FamilyName'], { email: 'EmailAddress', firstName: 'firstname', lastName: 'FamilyName' }],
    [['customer_email', 'company', 'Phone', 'City', 'Country'], { email: 'customer_email', 'fields.Company': 'company', 'fields.Phone': 'Phone', 'fields.MailingCity': 'City', 'fields.MailingCountry': 'Country' }],
    [['Organisation', 'Mobile', 'Zip', 'Job Title', 'LinkedIn URL'], { 'fields.Company': 'Organisation', 'fields.MobilePhone': 'Mobile', 'fields.MailingPostalCode': 'Zip', 'fields.Title': 'Job Title', 'fields.LinkedIn': 'LinkedIn URL' }],
  ];
  for (const [headers, want] of cases) {
    const got = suggestMapping(headers);
    for (const [k, v] of Object.entries(want)) assert.equal(got[k], v, `${headers}: ${k}`);
  }
  // Each header is suggested once; a loose match never steals an exact one.
  const s = suggestMapping(['email_status', 'Email', 'Status']);
  assert.equal(s.email, 'Email');
  assert.equal(s['fields.Status'], 'Status');
  // Row identifier: never the email column.
  assert.equal(suggestMapping(['CustomerId', 'EmailAddress']).idField, 'CustomerId');
  assert.equal(suggestMapping(['email_id', 'profile_id']).idField, 'profile_id');
  assert.equal(suggestMapping(['valid', 'email']).idField, undefined);
  assert.equal(normalizeHeader('E-Mail Address'), 'emailaddress');
  assert.equal(TARGETS.filter((t) => t.key.startsWith('fields.')).length, 19);
});

test('reading segment files: format, header, rows', () => {
  assert.equal(detectFormat('a.csv', enc('[')), 'csv');
  assert.equal(detectFormat('a.ndjson', enc('{}')), 'ndjson');
  assert.equal(detectFormat('a.jsonl', enc('{}')), 'ndjson');
  assert.equal(detectFormat('a.json', enc(' [{}]')), 'json');
  assert.equal(detectFormat('a.json', enc('{"a":1}\n{"a":2}')), 'ndjson');
  assert.equal(detectFormat('export', enc('\uFEFFemail\n')), 'csv');

  assert.deepEqual(csvHeader('\uFEFF"E-mail","First, name","x""y"\r\n1,2,3'), ['E-mail', 'First, name', 'x"y']);
  assert.equal(csvRowCount(enc('a,b\n1,2\n3,4\n')), 2);
  assert.equal(csvRowCount(enc('a,b\r\n1,2\r\n3,4')), 2, 'CRLF, no final newline');
  assert.equal(csvRowCount(enc('a,b\n"line\nbreak",2\n\n3,4\n\n')), 2, 'quoted newline and blank lines');
  assert.equal(csvRowCount(enc('a,b\n')), 0);

  const csv = inspectFile('vip.csv', enc('id,email\n1,a@x.com\n'));
  assert.deepEqual(csv, { format: 'csv', headers: ['id', 'email'], rows: 1 });
  const nd = inspectFile('s.ndjson', enc('{"email":"a@x.com"}\n\n{"email":"b@x.com","FirstName":"B"}\nnot json\n'));
  assert.deepEqual(nd, { format: 'ndjson', headers: ['email', 'FirstName'], rows: 3 });
  const js = inspectFile('s.json', enc('[{"email":"a"},{"Company":"c"}]'));
  assert.deepEqual(js, { format: 'json', headers: ['email', 'Company'], rows: 2 });
  assert.match(inspectFile('s.json', enc('[{"a":')).error, /could not read/);
  assert.match(inspectFile('s.json', enc('[1]').subarray(0, 0)).error ?? '', /could not read|empty/);
  assert.equal(segmentNameFromFile('C:\\x\\vip-customers.csv'), 'vip-customers');
  assert.equal(segmentNameFromFile('.csv'), '.csv');
});

// ------------------------------------------------------------------ format.js, history.js

test('formatting', () => {
  assert.equal(maskKey('0123456789abcdef0123456789abcdef'), '••••cdef');
  assert.equal(maskKey('abc'), '••••');
  assert.equal(num(1234567), '1,234,567');
  assert.equal(duration(850), '850 ms');
  assert.equal(duration(12_400), '12 s');
  assert.equal(duration(185_000), '3 min 5 s');
  assert.equal(duration(2 * 3600_000 + 4 * 60_000), '2 h 4 min');
  assert.equal(rejectsCsv([{ segment: 0, row: 3, id: 'a,"b"', reason: 'EMAIL_INVALID' }], ['VIP']),
    'segment,row,id,reason,detail\r\nVIP,3,"a,""b""",EMAIL_INVALID,\r\n');
});

test('run history: non-personal fields only, newest first, bounded', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v), removeItem: (k) => store.delete(k) };
  const report = {
    status: 'succeeded', displayName: 'Marketing', exportUser: 'ops@example.com', finishedAt: '2026-01-01T00:00:00Z',
    durationMs: 1200, resumed: false, segments: [{ name: 'VIP' }],
    totals: { profilesIn: 10, invalid: 1, duplicates: 1, overCap: 0, uniqueProfiles: 8, memberships: 8, exported: 8, failed: 0 },
    rejects: [{ segment: 0, row: 2, reason: 'EMAIL_INVALID' }], checkpoint: { fingerprint: 'f' },
  };
  const e = entryFrom(report, { displayName: 'x', exportUser: 'y' });
  assert.deepEqual(Object.keys(e).sort(), ['at', 'displayName', 'durationMs', 'error', 'exportUser', 'resumed', 'segments', 'status', 'totals']);
  assert.equal(e.totals.exported, 8);
  for (let i = 0; i < HISTORY_LIMIT + 5; i += 1) addHistory(storage, { ...e, durationMs: i });
  const list = readHistory(storage);
  assert.equal(list.length, HISTORY_LIMIT);
  assert.equal(list[0].durationMs, HISTORY_LIMIT + 4, 'newest first');
  store.set(HISTORY_KEY, '{not json');
  assert.deepEqual(readHistory(storage), []);
  const failed = entryFrom(null, { displayName: 'M', exportUser: 'u', errorCode: 'AUTH_FAILED' });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.error, 'AUTH_FAILED');
});
