// Every endpoint of the Worker, in workerd, refuses a request without the admin token or with
// a wrong one (401, `WWW-Authenticate: Bearer`), before looking at the route, and nothing
// changes: the stored configuration stays, no refresh starts, no file is downloaded, nothing
// reaches Autopilot. A Worker without the ADMIN_TOKEN secret refuses everything.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';
import { SECRETS, layout, packageBuilt, sleep, start } from './harness.mjs';
import { destinationConfig, makeSegments, serveSegments } from './data.mjs';

let emu;
let files;
let box;
let worker;
let config;

before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  emu = await startEmulator({ ratePerSecond: 100 });
  files = await startFileServer();
  const urls = serveSegments(files, makeSegments({ unique: 50 }));
  config = destinationConfig({ emulatorUrl: emu.url, urls, schedule: { cron: '0 * * * *' } });
  box = await layout();
  worker = await start(box);
  const r = await worker.api('PUT', '/destinations/shop', config);
  assert.equal(r.status, 200, r.text);
});

after(async () => {
  await worker?.kill();
  box?.remove();
  await emu?.stop();
  await files?.stop();
});

const BAD = [
  ['no Authorization header', null],
  ['an empty bearer token', ''],
  ['a wrong token', 'admin-Token-3f9a7c21d4e8b6a1'],
  ['the token with a suffix', `${SECRETS.ADMIN_TOKEN}x`],
  ['a prefix of the token', SECRETS.ADMIN_TOKEN.slice(0, -1)],
  ['the API key instead of the token', SECRETS.AUTOPILOT_API_KEY],
];
const ROUTES = [
  ['GET', '/destinations/shop'],
  ['PUT', '/destinations/shop'],
  ['POST', '/destinations/shop/run'],
  ['POST', '/destinations/shop/cancel'],
  ['GET', '/destinations/unknown'],
  ['DELETE', '/destinations/shop'],
  ['GET', '/'],
  ['GET', '/nothing/here'],
];

test('every route refuses a missing or wrong token with 401 and changes nothing', async () => {
  const before = await worker.api('GET', '/destinations/shop');
  assert.equal(before.status, 200);
  for (const [what, token] of BAD) {
    for (const [method, path] of ROUTES) {
      const body = method === 'PUT' ? { ...structuredClone(config), listPrefix: 'Changed: ' } : undefined;
      const r = await worker.api(method, path, body, { token });
      assert.equal(r.status, 401, `${method} ${path} with ${what}: ${r.text}`);
      assert.deepEqual(Object.keys(r.json), ['error', 'message']);
      assert.equal(r.json.error, 'UNAUTHORIZED');
    }
  }
  // Other schemes and header shapes.
  for (const header of [`Basic ${SECRETS.ADMIN_TOKEN}`, SECRETS.ADMIN_TOKEN, `Bearer`, `Token ${SECRETS.ADMIN_TOKEN}`]) {
    const res = await fetch(`${worker.base}/destinations/shop/run`, { method: 'POST', headers: { authorization: header } });
    assert.equal(res.status, 401, header.split(' ')[0]);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    await res.arrayBuffer();
  }
  await sleep(300); // a refresh started by mistake would have begun downloading by now
  const afterwards = await worker.api('GET', '/destinations/shop');
  assert.deepEqual(afterwards.json, before.json, 'status and configuration unchanged');
  assert.equal(afterwards.json.config.listPrefix, config.listPrefix);
  assert.equal(afterwards.json.run, null, 'no refresh started');
  assert.deepEqual(afterwards.json.history, []);
  assert.equal(files.requests().length, 0, 'no download');
  assert.equal(emu.state().counters.requests, 0, 'nothing reached Autopilot');
});

test('the right token is accepted (the scheme in any case) and nothing answered contains a secret', async () => {
  const res = await fetch(`${worker.base}/destinations/shop`, { headers: { authorization: `bearer ${SECRETS.ADMIN_TOKEN}` } });
  assert.equal(res.status, 200);
  const text = await res.text();
  for (const s of Object.values(SECRETS)) assert.ok(!text.includes(s), 'no secret value in the status');
  assert.equal(JSON.parse(text).config.apiKeySecret, 'AUTOPILOT_API_KEY');
  const unknown = await worker.api('GET', '/destinations/unknown');
  assert.equal(unknown.status, 404);
});

test('a Worker without the ADMIN_TOKEN secret refuses every request', async () => {
  const { ADMIN_TOKEN, ...rest } = SECRETS;
  const bare = await layout({ secrets: rest });
  const w = await start(bare);
  try {
    for (const token of [null, '', ADMIN_TOKEN, 'undefined']) {
      const r = await w.api('PUT', '/destinations/x', config, { token });
      assert.equal(r.status, 401);
    }
    const r = await w.api('GET', '/destinations/x', undefined, { token: '' });
    assert.equal(r.status, 401);
  } finally {
    await w.kill();
    bare.remove();
  }
});
