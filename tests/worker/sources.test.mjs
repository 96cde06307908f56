// Unit tests of www/worker/src/sources.mjs: the download is the package's `downloadSource`
// (its rules, its reasons, its messages without header values, query strings or
// credentials); the worker names the segment and the URL's origin and path.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, test } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceError, download } from '../../www/worker/src/sources.mjs';
import { PKG, packageBuilt } from './harness.mjs';
import { startFileServer } from '../emulator/files.mjs';

let core;
before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  core = await import(pathToFileURL(join(PKG, 'node.js')).href);
});

test('the bytes come from the package; its refusals become SOURCE_DOWNLOAD_FAILED naming the segment', async () => {
  const files = await startFileServer();
  try {
    const url = files.put('/a.csv', 'email\na@example.com\n', { token: 't0ken-value' });
    const bytes = await download(core, { source: { url, format: 'csv', headers: { Authorization: 'Bearer t0ken-value' } }, segment: 'VIP' });
    assert.equal(new TextDecoder().decode(bytes), 'email\na@example.com\n');
    const e = await download(core, { source: { url: `${url}?key=abc`, format: 'csv', headers: { Authorization: 'Bearer wrong' } }, segment: 'VIP' }).catch((x) => x);
    assert.ok(e instanceof SourceError, String(e));
    assert.equal(e.code, 'SOURCE_DOWNLOAD_FAILED');
    assert.equal(e.packageCode, 'INPUT_INVALID');
    assert.match(e.message, /^segment "VIP" \(http:\/\/127\.0\.0\.1:\d+\/a\.csv\): .*HTTP 401/);
    assert.ok(!e.message.includes('key=abc') && !e.message.includes('wrong'), e.message);
    // A source the package refuses before any request (not https, not loopback).
    const refused = await download(core, { source: { url: 'http://files.example.com/a.csv', format: 'csv' }, segment: 'VIP' }).catch((x) => x);
    assert.ok(refused instanceof SourceError, String(refused));
    assert.equal(files.requests().length, 2, 'no request for the refused source');
  } finally {
    await files.stop();
  }
});

test('a cancel (the worker\'s signal) during a download is the package\'s ABORTED, as a SourceError', async () => {
  // A server that announces 100 bytes, sends 6 and stalls: only the abort ends the download.
  const stall = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('email\n');
  });
  await new Promise((r) => stall.listen(0, '127.0.0.1', r));
  try {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const url = `http://127.0.0.1:${stall.address().port}/a.csv`;
    const e = await download(core, { source: { url, format: 'csv' }, segment: 'VIP', signal: controller.signal }).catch((x) => x);
    assert.ok(e instanceof SourceError, String(e));
    assert.equal(e.packageCode, 'ABORTED');
  } finally {
    stall.closeAllConnections();
    await new Promise((r) => stall.close(r));
  }
});

test('header values, query strings and credentials never reach the message', async () => {
  // The package leaves them out of its messages; the worker adds the URL's origin and path.
  const secret = 'Bearer s3cr3t-header-value';
  const moved = http.createServer((req, res) => {
    res.writeHead(302, { location: 'https://user:pw@cdn.example/x.csv?sig=abc#frag' });
    res.end();
  });
  await new Promise((r) => moved.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${moved.address().port}/a.csv?token=q`;
    const e = await download(core, { source: { url, format: 'csv', headers: { Authorization: secret } }, segment: 'B' }).catch((x) => x);
    assert.ok(e instanceof SourceError, String(e));
    assert.match(e.message, /^segment "B" \(http:\/\/127\.0\.0\.1:\d+\/a\.csv\): .*redirect to https:\/\/cdn\.example\/x\.csv,/);
    // A header value fetch would refuse (a line break): refused before any request, unquoted.
    const bad = await download(core, { source: { url, format: 'csv', headers: { Authorization: `${secret}\nX-Injected: 1` } }, segment: 'B' }).catch((x) => x);
    assert.ok(bad instanceof SourceError, String(bad));
    for (const m of [e.message, bad.message]) {
      for (const s of ['s3cr3t', 'token=q', 'sig=abc', 'user:pw', 'u:p@', 'frag', 'Injected']) assert.ok(!m.includes(s), `${s} in ${m}`);
    }
  } finally {
    moved.closeAllConnections();
    await new Promise((r) => moved.close(r));
  }
  // Anything else (a bug, a storage fault) is not a download failure: it is rethrown. (A
  // package stand-in: the real package cannot be made to throw a bug on demand.)
  const bug = new TypeError('boom');
  const buggy = { isAutopilotExportError: core.isAutopilotExportError, downloadSource: async () => { throw bug; } };
  await assert.rejects(download(buggy, { source: { url: 'https://a.example/x', format: 'csv' }, segment: 'B' }), (x) => x === bug);
});
