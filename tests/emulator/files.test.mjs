// The segment source file server (files.mjs): bytes with Content-Length, bearer
// token, a download cut short, forced error status, redirect, CORS, request log.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFileServer } from './files.mjs';
import { corsHeaderNames } from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startFileServer>>} */
let files;
before(async () => { files = await startFileServer(); });
after(async () => { await files.stop(); });
beforeEach(() => files.clear());

const CSV = 'Email,FirstName\na@example.com,Ada\nb@example.com,Bob\n';

describe('file server: serving', () => {
  it('serves a string with Content-Length and a type from the extension; put returns the URL', async () => {
    const url = files.put('/segments/seg a.csv', CSV);
    assert.equal(url, `${files.origin}/segments/seg%20a.csv`);
    assert.match(files.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}?v=2`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(CSV)));
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(await res.text(), CSV);
  });

  it('serves bytes exactly; contentType overrides; HEAD has headers only; 404 / 405', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) & 0xff);
    const url = files.put('/blob.bin', bytes, { contentType: 'application/x-ndjson' });
    const res = await fetch(url);
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
    assert.equal(res.headers.get('content-length'), '70000');
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), bytes);
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '70000');
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    assert.equal(files.put('/x.json', '{}').endsWith('/x.json'), true);
    assert.equal((await fetch(`${files.origin}/x.json`)).headers.get('content-type'), 'application/json');
    files.put('/x.dat', new Uint8Array([1]).buffer);
    assert.equal((await fetch(`${files.origin}/x.dat`)).headers.get('content-type'), 'application/octet-stream');
    assert.equal((await fetch(`${files.origin}/missing.csv`)).status, 404);
    const post = await fetch(url, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD, OPTIONS');
  });

  it('put replaces a file; invalid puts throw TypeError', () => {
    for (const [path, data, opts] of [
      ['no-slash.csv', CSV, {}], ['/q.csv?x=1', CSV, {}], ['/a.csv', 42, {}], ['/a.csv', CSV, { nope: 1 }],
      ['/a.csv', CSV, { status: 200 }], ['/a.csv', CSV, { status: 600 }], ['/a.csv', CSV, { token: '' }],
      ['/a.csv', 'abc', { failAfterBytes: 3 }], ['/a.csv', 'abc', { failAfterBytes: -1 }], ['/a.csv', CSV, { redirectTo: 'elsewhere' }],
      ['/a.csv', CSV, { status: 500, failAfterBytes: 1 }],
    ]) {
      assert.throws(() => files.put(path, data, opts), TypeError, `${path} ${JSON.stringify(opts)}`);
    }
  });
});

describe('file server: token, partial download, status, redirect', () => {
  it('token: 401 with WWW-Authenticate without or with a wrong bearer; 200 with it', async () => {
    const url = files.put('/secret.csv', CSV, { token: 's3cret' });
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal(none.headers.get('access-control-allow-origin'), '*', 'a page can read the 401');
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: 's3cret' } })).status, 401, 'scheme required');
    const ok = await fetch(url, { headers: { Authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), CSV);
    const log = files.requests();
    assert.deepEqual(log.map((r) => r.status), [401, 401, 401, 200]);
    assert.equal(log[3].headers.authorization, 'Bearer s3cret');
  });

  it('failAfterBytes: full Content-Length, then the socket dies; arrayBuffer() rejects', async () => {
    for (const n of [0, 10]) {
      const url = files.put(`/partial-${n}.csv`, CSV, { failAfterBytes: n });
      const res = await fetch(url);
      assert.equal(res.status, 200, 'looks fine at first');
      assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(CSV)));
      await assert.rejects(res.arrayBuffer());
    }
    // exactly n bytes arrive before the error
    const url = files.put('/partial-stream.csv', CSV, { failAfterBytes: 10 });
    const reader = (await fetch(url)).body.getReader();
    let got = 0;
    let failed = false;
    for (let i = 0; i < 100; i += 1) {
      try {
        const { done, value } = await reader.read();
        if (done) break;
        got += value.length;
      } catch {
        failed = true;
        break;
      }
    }
    assert.equal(failed, true);
    assert.equal(got, 10);
  });

  it('status forces an error status (after the token check)', async () => {
    const url = files.put('/down.csv', CSV, { status: 503, token: 't' });
    assert.equal((await fetch(url)).status, 401);
    const res = await fetch(url, { headers: { authorization: 'Bearer t' } });
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: 'Service Unavailable' });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  });

  it('redirectTo answers 302; fetch follows it by default', async () => {
    const target = files.put('/real.csv', CSV);
    const url = files.put('/moved.csv', '', { redirectTo: '/real.csv' });
    const manual = await fetch(url, { redirect: 'manual' });
    assert.equal(manual.status, 302);
    assert.equal(manual.headers.get('location'), '/real.csv');
    const followed = await fetch(url);
    assert.equal(followed.url, target);
    assert.equal(await followed.text(), CSV);
  });
});

describe('file server: CORS and log', () => {
  it('preflights allow GET and the authorization header; responses expose their headers', async () => {
    const url = files.put('/c.csv', CSV, { token: 't' });
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-extra' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods'), /\bGET\b/);
    assert.match(pre.headers.get('access-control-allow-headers'), /^authorization\b/);
    assert.match(pre.headers.get('access-control-allow-headers'), /x-extra/);
    const res = await fetch(url, { headers: { authorization: 'Bearer t' } });
    assert.ok(corsHeaderNames(res).includes('access-control-expose-headers'));
    assert.match(res.headers.get('access-control-expose-headers'), /Content-Length/);
  });

  it('requests() is a deep copy in arrival order; clear() empties it', async () => {
    files.put('/l.csv', CSV);
    await (await fetch(`${files.origin}/l.csv?x=1`, { headers: { 'X-Trace': 'abc' } })).text();
    await (await fetch(`${files.origin}/nope`)).text();
    const log = files.requests();
    assert.deepEqual(log.map((r) => [r.method, r.path, r.status]), [['GET', '/l.csv?x=1', 200], ['GET', '/nope', 404]]);
    assert.equal(log[0].headers['x-trace'], 'abc');
    log[0].method = 'mutated';
    assert.equal(files.requests()[0].method, 'GET');
    files.clear();
    assert.deepEqual(files.requests(), []);
  });
});
