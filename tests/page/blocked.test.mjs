// The admin page as a plain web page against an Autopilot that sends no CORS headers (the
// emulator with `cors: false`, as Autopilot's own API does for web pages): the call fails
// without any response the page may read, and the page says that the browser blocked the
// request and points to the browser extension and the edge worker, instead of a generic
// network error. A server that does not answer at all is still "no answer".
//
//   node --test tests/page/          (needs pkg/ built: pkg-template/build.sh)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_API_KEY, openPage } from './helpers.mjs';

test('admin page: a CORS-less API is "blocked by the browser", with where to run instead', { timeout: 60_000 }, async (t) => {
  const { page, emu, errors, snap } = await openPage(t, { prefix: 'blocked-', emulator: { cors: false } });
  const text = (sel) => page.locator(sel).innerText();
  await page.fill('#displayName', 'Marketing ops');
  await page.fill('#exportUser', 'ops@example.com');
  await page.fill('#apiKey', DEFAULT_API_KEY);
  await page.check('#consent');
  await page.click('#connect-btn');
  await page.waitForSelector('#connect-error:not([hidden])');
  await page.waitForFunction(() => !document.querySelector('#connect-btn').hasAttribute('aria-busy'));
  const said = await text('#connect-error');
  assert.match(said, /browser blocked the request/i);
  assert.match(said, /CORS/);
  assert.match(said, /extension/i);
  assert.match(said, /worker/i);
  assert.doesNotMatch(said, /No answer from the server/);
  assert.equal(await page.getAttribute('#baseUrl', 'aria-invalid'), 'true');
  assert.equal(await page.isVisible('#connected'), false);
  assert.ok(!(await page.content()).includes(DEFAULT_API_KEY), 'the key is not shown');
  assert.ok(emu.state({ contacts: false }).counters.requests >= 1, 'the request reached the server (the browser hid its answer)');
  await snap('blocked', '#connection');
  assert.deepEqual(errors, [], 'no errors in the page console');
});
