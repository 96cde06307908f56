// Command-line mode: prints its URL, honours flags, stops on SIGTERM/SIGINT.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseCliArgs } from './index.mjs';
import { call } from './helpers.mjs';

const SCRIPT = fileURLToPath(new URL('./index.mjs', import.meta.url));

/**
 * Starts the CLI and waits for its URL line.
 * @param {string[]} args
 * @returns {Promise<{child: import('node:child_process').ChildProcess, url: string, origin: string, stderr: () => string}>}
 */
async function startCli(args) {
  const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const lines = createInterface({ input: child.stdout });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  try {
    const [line] = await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(([code]) => { throw new Error(`CLI exited ${code}: ${err}`); }),
    ]);
    const m = /^AUTOPILOT_EMULATOR_URL=(http:\/\/127\.0\.0\.1:(\d+))\/v1$/.exec(line);
    assert.ok(m, `unexpected first line: ${line}`);
    return { child, url: `${m[1]}/v1`, origin: m[1], stderr: () => err };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a signal and resolves to the exit code. */
async function stopCli(child, signal) {
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

describe('CLI', () => {
  it('prints its URL, applies flags, and exits 0 on SIGTERM', async () => {
    const { child, url } = await startCli([
      '--port', '0', '--api-key', 'key-one', '--api-key', 'key-two', '--rate', '100', '--latency', '20',
      '--jitter', '5', '--seed', '3', '--p500', '1', '--quiet',
    ]);
    try {
      const emu = { url };
      assert.equal((await call(emu, 'GET', '/account', { key: 'key-one' })).status, 200);
      assert.equal((await call(emu, 'GET', '/account', { key: 'key-two' })).status, 200);
      assert.equal((await call(emu, 'GET', '/account')).status, 401, 'default key replaced');
      const w = await call(emu, 'POST', '/contacts', { key: 'key-one', body: { contacts: [{ Email: 'a@example.com' }] } });
      assert.equal(w.status, 500, '--p500 1 applies to bulk upserts');
    } finally {
      assert.equal(await stopCli(child, 'SIGTERM'), 0);
    }
  });

  it('logs requests on stderr unless --quiet, serves /__emulator, exits 0 on SIGINT', async () => {
    const cli = await startCli(['--rate', '0']);
    try {
      await call({ url: cli.url }, 'GET', '/lists');
      const st = await (await fetch(`${cli.origin}/__emulator/state`)).json();
      assert.equal(st.counters.requests, 1);
      assert.equal(st.config.ratePerSecond, 0);
      assert.match(cli.stderr(), /GET \/v1\/lists -> 200/);
    } finally {
      assert.equal(await stopCli(cli.child, 'SIGINT'), 0);
    }
  });

  it('--help prints usage; a bad flag exits 2', () => {
    const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--api-key KEY/);
    const bad = spawnSync(process.execPath, [SCRIPT, '--rate', 'fast'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--rate: not a number/);
    const unknown = spawnSync(process.execPath, [SCRIPT, '--frobnicate'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(unknown.status, 2);
  });

  it('parseCliArgs maps every flag to startEmulator options', () => {
    const opts = parseCliArgs([
      '--port', '8123', '--api-key', 'k', '--rate', '50', '--burst', '60', '--latency', '250', '--jitter', '100',
      '--seed', '9', '--p429', '0.01', '--p500', '0.05', '--p503', '0.02', '--p-drop', '0.03',
      '--p-drop-after-write', '0.04', '--p-slow', '0.06', '--slow-ms', '1500',
      '--fault-routes', 'POST /v1/contacts, GET /v1/lists', '--reject-when', 'POISON', '--retry-after', '--no-cors', '--quiet',
    ]);
    assert.deepEqual(opts, {
      quiet: true,
      port: 8123,
      apiKeys: ['k'],
      ratePerSecond: 50,
      burst: 60,
      latencyMs: 250,
      jitterMs: 100,
      seed: 9,
      rejectWhen: 'POISON',
      retryAfter: true,
      cors: false,
      faults: {
        p429: 0.01, p500: 0.05, p503: 0.02, pDrop: 0.03, pDropAfterWrite: 0.04, pSlow: 0.06, slowMs: 1500,
        routes: ['POST /v1/contacts', 'GET /v1/lists'],
      },
    });
    assert.deepEqual(parseCliArgs([]), { quiet: false });
  });
});

describe('CLI: redirect, accounts, rejections', () => {
  it('--redirect-status/--redirect-to answer every /v1 request with that redirect', async () => {
    const { child, url } = await startCli(['--quiet', '--redirect-status', '307', '--redirect-to', 'http://127.0.0.1:9/x']);
    try {
      const res = await fetch(`${url}/account`, { redirect: 'manual' });
      assert.equal(res.status, 307);
      assert.equal(res.headers.get('location'), 'http://127.0.0.1:9/x/v1/account');
    } finally {
      assert.equal(await stopCli(child, 'SIGTERM'), 0);
    }
  });

  it('redirect flags must come together and be valid (exit 2)', () => {
    for (const args of [['--redirect-status', '307'], ['--redirect-to', 'http://127.0.0.1:9'],
      ['--redirect-status', '300', '--redirect-to', 'http://127.0.0.1:9'], ['--redirect-status', '307', '--redirect-to', 'nope']]) {
      const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 5000 });
      assert.equal(r.status, 2, args.join(' '));
    }
    assert.deepEqual(parseCliArgs(['--redirect-status', '308', '--redirect-to', 'http://127.0.0.1:9']).redirect,
      { status: 308, to: 'http://127.0.0.1:9' });
  });

  it('--account (repeatable) starts several accounts; --account with --api-key exits 2', async () => {
    const { child, url } = await startCli(['--quiet', '--rate', '0', '--account', 'instance_X=k1,k2', '--account', 'k3']);
    try {
      const emu = { url };
      const a1 = await call(emu, 'GET', '/account', { key: 'k1' });
      assert.equal(a1.body.instanceId, 'instance_X');
      assert.equal((await call(emu, 'GET', '/account', { key: 'k2' })).body.instanceId, 'instance_X');
      const a3 = await call(emu, 'GET', '/account', { key: 'k3' });
      assert.match(a3.body.instanceId, /^instance_[0-9A-F-]{36}$/);
      assert.equal((await call(emu, 'GET', '/account')).status, 401, 'default key not accepted');
    } finally {
      assert.equal(await stopCli(child, 'SIGTERM'), 0);
    }
    assert.deepEqual(parseCliArgs(['--account', 'a,b', '--account', 'ID=c']).accounts,
      [{ apiKeys: ['a', 'b'] }, { instanceId: 'ID', apiKeys: ['c'] }]);
    for (const args of [['--account', 'a', '--api-key', 'b'], ['--account', 'a,,b'], ['--account', 'a', '--account', 'a']]) {
      const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', timeout: 5000 });
      assert.equal(r.status, 2, args.join(' '));
    }
  });

  it('--help lists the new flags', () => {
    const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(help.status, 0);
    for (const flag of ['--redirect-status N', '--redirect-to URL', '--account [ID=]KEY1,KEY2']) assert.ok(help.stdout.includes(flag), flag);
  });
});

describe('CLI: --reject-custom-key', () => {
  it('makes contacts carrying the key fail; maps to rejectCustomKey; an invalid key exits 2', async () => {
    const { child, url } = await startCli(['--quiet', '--rate', '0', '--reject-custom-key', 'float--Lifetime--Value']);
    try {
      const r = await call({ url }, 'POST', '/contacts', { body: { contacts: [{ Email: 'a@example.com', custom: { 'float--Lifetime--Value': 1 } }] } });
      assert.equal(r.status, 400);
      assert.match(r.body.message, /^Invalid contact at index 0: Invalid custom field "float--Lifetime--Value"/);
    } finally {
      assert.equal(await stopCli(child, 'SIGTERM'), 0);
    }
    assert.equal(parseCliArgs(['--reject-custom-key', 'integer--Age']).rejectCustomKey, 'integer--Age');
    const bad = spawnSync(process.execPath, [SCRIPT, '--reject-custom-key', 'Age'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(bad.status, 2);
    const help = spawnSync(process.execPath, [SCRIPT, '--help'], { encoding: 'utf8', timeout: 5000 });
    assert.ok(help.stdout.includes('--reject-custom-key KEY'));
  });
});
