// One Autopilot without CORS headers (the emulator with `cors: false`), two hosts of the same
// admin page: as a plain web page (www/serve.mjs) the browser blocks the call and the page
// says so, pointing to the extension; as the extension's page the service worker connects.
//
//   node --test tests/extension/        (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULT_API_KEY } from '../emulator/index.mjs';
import { startServer } from '../../www/serve.mjs';
import { launch } from './helpers.mjs';

/** Fills the connection form of `page` for the emulator and presses Connect. */
async function connect(page, emu) {
  await page.fill('#displayName', 'Marketing ops');
  await page.fill('#exportUser', 'ops@example.com');
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.fill('#baseUrl', emu.url);
  await page.check('#consent');
  await page.click('#connect-btn');
}

test('CORS-less Autopilot: the plain page says the browser blocked the request, the extension connects', { timeout: 90_000 }, async (t) => {
  const x = await launch(t, { prefix: 'plain-' });
  const server = await startServer({ port: 0, emulatorUrl: x.emu.url, pkgDir: path.join(x.tmp, 'pkg') });
  t.after(() => server.stop());

  const plain = await x.context.newPage();
  plain.setDefaultTimeout(20_000);
  await plain.goto(server.url);
  await plain.waitForSelector('html[data-ready="true"]');
  await connect(plain, x.emu);
  await plain.waitForSelector('#connect-error:not([hidden])');
  await plain.waitForFunction(() => !document.querySelector('#connect-btn').hasAttribute('aria-busy'));
  const said = await plain.locator('#connect-error').innerText();
  assert.match(said, /browser blocked the request/i);
  assert.match(said, /extension/i);
  assert.equal(await plain.isVisible('#connected'), false);

  await connect(x.page, x.emu);
  await x.page.waitForSelector('#connected:not([hidden])');
  assert.deepEqual(x.errors, []);
});
