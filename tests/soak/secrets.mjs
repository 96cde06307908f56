#!/usr/bin/env node
// Secret hygiene: runs connection checks, preview, export, cancel, resume, auth failures,
// unreachable servers, server-side rejections and a hostile server that echoes the key back,
// through the package API and (when present) the CLI, and scans every output for the API key:
// return values, reports, checkpoints, progress events, thrown errors (name, message, stack,
// every own property, via util.inspect), console output, CLI stdout/stderr and the report /
// checkpoint / sync state / rejected-rows files it writes, and the request URLs and bodies
// (the key belongs only in the `autopilotapikey` header). The bearer token of a CLI URL
// source is a secret too. A hit is the full key or any 12-character piece of it.
//
//   node tests/soak/secrets.mjs [--short | --long]     (same work in both modes)
//
// Ends with PASS/FAIL and exit code 0/1. Outputs of *misplaced-key* calls (the key passed as
// the value of another option or as an unknown field name, which validation messages then
// quote) are scanned too but reported as findings only: the library cannot know that a value
// in `consent` or `cap` is a key.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { PKG_DIR, loadPkg, makeJob, makeSegments, parseArgs, sleep, toCsv, withDeadline } from '../bench/common.mjs';
import { startEmulator } from '../emulator/index.mjs';
import { startFileServer } from '../emulator/files.mjs';

parseArgs();
// Two keys of different shapes: Autopilot's usual 32 hex digits, and a non-hex one (no
// hex-run redaction can hide it), plus a wrong key for the 401 flows (a secret too).
const KEYS = {
  hex: '5e3c7a91d04b6f28a1c9e7b3d5f60a42',
  text: 'Secret-API-Key-Zq8Wm3Xv7Ln2Kp9R',
  wrong: 'Wrong-Key-Yt5Gh8Jd2Fs6Qa1Mz4Nb',
  token: 'Source-Token-Vb3Nc8Xz1Lk6Jh4Gf9',
};
const NEEDLES = [];
for (const [name, key] of Object.entries(KEYS)) {
  for (let i = 0; i + 12 <= key.length; i += 1) NEEDLES.push({ name, piece: key.slice(i, i + 12) });
}

const outputs = []; // {flow, what, text}
const record = (flow, what, value) => {
  const text = typeof value === 'string' ? value : inspect(value, { depth: Infinity, showHidden: false, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: Infinity });
  outputs.push({ flow, what, text });
  if (value instanceof Error) outputs.push({ flow, what: `${what} (stack)`, text: `${value.stack}` });
  if (value && typeof value === 'object') {
    try { outputs.push({ flow, what: `${what} (JSON)`, text: JSON.stringify(value) ?? '' }); } catch { /* cyclic */ }
  }
};

// Console output of the library (it should print nothing; whatever it prints is scanned).
for (const m of ['log', 'info', 'warn', 'error', 'debug']) {
  const orig = console[m].bind(console);
  console[m] = (...a) => { record('console', `console.${m}`, a.map((x) => (typeof x === 'string' ? x : inspect(x, { depth: 5 }))).join(' ')); orig(...a); };
}
// Requests: URL and body must not carry the key.
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  record('requests', 'request URL', String(input));
  if (init?.body !== undefined) record('requests', 'request body', String(init.body));
  return realFetch(input, init);
};

const pkg = await loadPkg();
const emu = await startEmulator({ apiKeys: [KEYS.hex, KEYS.text], ratePerSecond: 0, latencyMs: 0, seed: 3 });
const segs = makeSegments({ unique: 1200, segments: 2, seed: 5 });
const problems = [];

const slow = [];
async function flow(name, fn) {
  const t0 = performance.now();
  try {
    await withDeadline(fn(), 60_000, name);
  } catch (e) {
    record(name, 'unexpected error', e);
    if (/did not finish within/.test(e.message)) problems.push(`${name}: ${e.message}`);
  }
  const ms = performance.now() - t0;
  if (ms > 3000) slow.push(`${name} ${(ms / 1000).toFixed(1)} s`);
}

const conn = (key, baseUrl = emu.url) => ({ displayName: 'Secrets', apiKey: key, consent: true, exportUser: 'ops@example.com', baseUrl });
const catching = async (flowName, what, p) => {
  try {
    const v = await p;
    record(flowName, what, v);
    return { value: v };
  } catch (e) {
    record(flowName, `${what} threw`, e);
    return { error: e };
  }
};

// A hostile (or buggy) server: echoes the key it received in every error body and in a header.
const hostile = http.createServer((req, res) => {
  const key = req.headers.autopilotapikey ?? '';
  res.setHeader('content-type', 'application/json');
  res.setHeader('x-echo', key);
  if (req.url.endsWith('/lists')) {
    res.end(JSON.stringify({ lists: [{ list_id: 'contactlist_1', title: 'Secrets: Segment A' }, { list_id: 'contactlist_2', title: 'Secrets: Segment B' }] }));
    return;
  }
  res.statusCode = req.url.endsWith('/account') ? 403 : req.url.endsWith('/contacts') ? 400 : 500;
  res.end(JSON.stringify({ error: 'Bad', message: `key ${key} is not allowed here (${key})` }));
});
await new Promise((r) => hostile.listen(0, '127.0.0.1', r));
const hostileUrl = `http://127.0.0.1:${hostile.address().port}/v1`;

for (const keyName of ['hex', 'text']) {
  const key = KEYS[keyName];
  const tag = `api/${keyName}`;
  const job = (over = {}) => ({ ...makeJob(segs, { baseUrl: emu.url, apiKey: key }), listPrefix: 'Secrets: ', ...over });

  await flow(`${tag} validate`, async () => {
    record(tag, 'validateConnection', pkg.validateConnection(conn(key)));
    record(tag, 'validateConnection (key with spaces)', pkg.validateConnection(conn(`${key} ${key}`)));
    record(tag, 'validateConnection (no consent)', pkg.validateConnection({ ...conn(key), consent: false }));
    record(tag, 'validateExportConfig', pkg.validateExportConfig(job({ cap: -1 })));
    record(tag, 'validateConnection (key as number-ish type)', pkg.validateConnection({ ...conn(key), consent: key }));
    record(tag, 'validateConnection (unknown field holding the key)', pkg.validateConnection({ ...conn(key), [key]: key }));
  });
  await flow(`${tag} check`, async () => {
    await catching(tag, 'checkConnection ok', pkg.checkConnection(conn(key)));
    await catching(tag, 'checkConnection wrong key', pkg.checkConnection(conn(KEYS.wrong)));
    await catching(tag, 'checkConnection unreachable', pkg.checkConnection(conn(key, 'http://127.0.0.1:1/v1'), { timeoutMs: 2000 }));
    await catching(tag, 'checkConnection hostile', pkg.checkConnection(conn(key, hostileUrl)));
    await catching(tag, 'checkConnection bad options', pkg.checkConnection(conn(key), { signal: key }));
  });
  await flow(`${tag} config errors`, async () => {
    await catching(tag, 'export without consent', pkg.exportSegments(job({ connection: { ...conn(key), consent: false } })));
    await catching(tag, 'export with a bad mapping', pkg.exportSegments(job({ mapping: { email: '' } })));
    await catching(tag, 'export with a wrong type', pkg.exportSegments(job({ cap: key })));
    await catching(tag, 'export with the key in an unknown field', pkg.exportSegments(job({ [key]: 1 })));
    await catching(tag, 'export with a bad checkpoint', pkg.exportSegments(job(), { checkpoint: { version: 1, fingerprint: key } }));
    await catching(tag, 'export with bad options', pkg.exportSegments(job(), { ratePerSecond: key }));
    await catching(tag, 'preview', Promise.resolve().then(() => pkg.preview(job())));
    await catching(tag, 'previewAsync', pkg.previewAsync(job()));
  });
  await flow(`${tag} export`, async () => {
    emu.reset();
    const progress = [];
    await catching(tag, 'export report', pkg.exportSegments(job(), { ratePerSecond: 1000, onProgress: (p) => progress.push(p) }));
    record(tag, 'progress events', progress);
  });
  await flow(`${tag} cancel + resume`, async () => {
    emu.reset();
    emu.configure({ latencyMs: 30 });
    const controller = new AbortController();
    const progress = [];
    const run = pkg.exportSegments(job(), { ratePerSecond: 50, signal: controller.signal, onProgress: (p) => { progress.push(p); if (p.batchesDone === 5) controller.abort(); } });
    const { value: cancelled } = await catching(tag, 'cancelled report', run);
    emu.configure({ latencyMs: 0 });
    if (cancelled?.checkpoint) {
      record(tag, 'checkpoint', cancelled.checkpoint);
      await catching(tag, 'resumed report', pkg.exportSegments(job(), { ratePerSecond: 1000, checkpoint: cancelled.checkpoint, onProgress: (p) => progress.push(p) }));
      await catching(tag, 'checkpoint of another job', pkg.exportSegments(job({ listPrefix: 'Other: ' }), { checkpoint: cancelled.checkpoint }));
    } else problems.push(`${tag}: the cancelled run gave no checkpoint`);
    record(tag, 'progress events', progress);
    const ac = new AbortController();
    ac.abort();
    await catching(tag, 'export with an aborted signal', pkg.exportSegments(job(), { signal: ac.signal }));
  });
  await flow(`${tag} auth failure`, async () => {
    emu.reset();
    await catching(tag, 'export with a wrong key', pkg.exportSegments(job({ connection: conn(KEYS.wrong) })));
    // 401 in the middle of the run: the key is removed from the emulator after a few batches.
    const controller = new AbortController();
    let swapped = false;
    const r = await catching(tag, 'export losing its key mid-run', pkg.exportSegments(job(), {
      ratePerSecond: 200, signal: controller.signal,
      onProgress: (p) => { if (!swapped && p.batchesDone >= 3) { swapped = true; emu.configure({ apiKeys: [KEYS.wrong] }); } },
    }));
    emu.configure({ apiKeys: [KEYS.hex, KEYS.text] });
    if (!r.error || r.error.code !== 'AUTH_FAILED') problems.push(`${tag}: expected AUTH_FAILED mid-run, got ${r.error?.code ?? r.value?.status}`);
  });
  await flow(`${tag} server errors`, async () => {
    emu.reset();
    emu.configure({ rejectWhen: 'Company 7' });
    await catching(tag, 'export with server rejections (400, bisect)', pkg.exportSegments(job(), { ratePerSecond: 1000 }));
    emu.configure({ rejectWhen: null, faults: { p500: 0.3, pDrop: 0.2, routes: ['*'] } });
    await catching(tag, 'export with 5xx and drops', pkg.exportSegments(job(), { ratePerSecond: 1000, maxAttempts: 2, requestTimeoutMs: 500 }));
    emu.configure({ faults: {} });
    await catching(tag, 'export to an unreachable server', pkg.exportSegments(job({ connection: conn(key, 'http://127.0.0.1:1/v1') }), { maxAttempts: 2 }));
  });
  await flow(`${tag} hostile server`, async () => {
    // A few profiles: every batch is bisected down to single contacts.
    const small = (over) => ({ ...job(over), segments: segs.map((sg) => ({ name: sg.name, profiles: sg.rows.slice(0, 12) })) });
    await catching(tag, 'export to a server echoing the key', pkg.exportSegments(small({ connection: conn(key, hostileUrl) }), { ratePerSecond: 1000, maxAttempts: 2 }));
    await catching(tag, 'export to a server echoing the key (lists: none)', pkg.exportSegments(small({ connection: conn(key, hostileUrl), lists: 'none' }), { ratePerSecond: 1000, maxAttempts: 2 }));
  });
}

// ------------------------------------------------------------------ CLI
const cliPath = join(PKG_DIR, 'cli.mjs');
let cliRuns = 0;
function runCli(args, env, { cwd, killAfterMs } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const hard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let soft;
    if (killAfterMs) soft = setTimeout(() => child.kill('SIGINT'), killAfterMs);
    const t0 = performance.now();
    child.on('exit', (code, signal) => {
      clearTimeout(hard); clearTimeout(soft); cliRuns += 1;
      const ms = performance.now() - t0;
      if (ms > 3000) slow.push(`cli ${args[0]} ${(ms / 1000).toFixed(1)} s`);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
const probe = await runCli(['--version'], {});
const cliPresent = probe.code === 0;
if (cliPresent) {
  const dir = mkdtempSync(join(tmpdir(), 'ape-secrets-'));
  try {
    writeFileSync(join(dir, 'a.csv'), toCsv(segs[0].rows));
    writeFileSync(join(dir, 'b.csv'), toCsv(segs[1].rows));
    const { connection, segments, ...rest } = makeJob(segs);
    const cfg = {
      ...rest,
      listPrefix: 'CLI: ',
      connection: { displayName: 'CLI secrets', exportUser: 'ops@example.com', consent: true },
      segments: [{ name: 'A', file: 'a.csv' }, { name: 'B', file: 'b.csv' }],
      run: { ratePerSecond: 1000 },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    writeFileSync(join(dir, 'slow.json'), JSON.stringify({ ...cfg, run: { ratePerSecond: 20 } }));
    // Failing servers: few attempts, so the runs end quickly.
    writeFileSync(join(dir, 'failfast.json'), JSON.stringify({ ...cfg, run: { ratePerSecond: 1000, maxAttempts: 2, requestTimeoutMs: 2000 } }));
    // A segment at a URL that needs a bearer token (the CLI reads it from SRC_TOKEN).
    const files = await startFileServer({ port: 0 });
    const srcUrl = files.put('/a.csv', toCsv(segs[0].rows), { token: KEYS.token });
    for (const keyName of ['hex', 'text']) {
      const env = { AUTOPILOT_API_KEY: KEYS[keyName], AUTOPILOT_BASE_URL: emu.url };
      const t = `cli/${keyName}`;
      const runs = [];
      emu.reset();
      runs.push(['check', await runCli(['check', '--config', 'config.json'], env, { cwd: dir })]);
      runs.push(['check wrong key', await runCli(['check', '--config', 'config.json'], { ...env, AUTOPILOT_API_KEY: KEYS.wrong }, { cwd: dir })]);
      runs.push(['check hostile', await runCli(['check', '--config', 'config.json'], { ...env, AUTOPILOT_BASE_URL: hostileUrl }, { cwd: dir })]);
      runs.push(['preview', await runCli(['preview', '--config', 'config.json'], env, { cwd: dir })]);
      runs.push(['export', await runCli(['export', '--config', 'config.json', '--report', 'report.json', '--progress', 'lines'], env, { cwd: dir })]);
      emu.reset();
      emu.configure({ latencyMs: 40 });
      runs.push(['export interrupted', await runCli(['export', '--config', 'slow.json', '--checkpoint-file', 'cp.json', '--progress', 'lines'], env, { cwd: dir, killAfterMs: 1500 })]);
      emu.configure({ latencyMs: 0 });
      runs.push(['export resumed', await runCli(['export', '--config', 'slow.json', '--checkpoint-file', 'cp.json', '--resume', 'cp.json', '--report', 'resumed.json'], env, { cwd: dir })]);
      runs.push(['export wrong key', await runCli(['export', '--config', 'config.json'], { ...env, AUTOPILOT_API_KEY: KEYS.wrong }, { cwd: dir })]);
      runs.push(['export hostile', await runCli(['export', '--config', 'failfast.json'], { ...env, AUTOPILOT_BASE_URL: hostileUrl }, { cwd: dir })]);
      runs.push(['export unreachable', await runCli(['export', '--config', 'failfast.json'], { ...env, AUTOPILOT_BASE_URL: 'http://127.0.0.1:1/v1' }, { cwd: dir })]);
      writeFileSync(join(dir, 'keyed.json'), JSON.stringify({ ...cfg, connection: { ...cfg.connection, apiKey: KEYS[keyName] } }));
      runs.push(['config holding the key', await runCli(['export', '--config', 'keyed.json'], env, { cwd: dir })]);
      // Refreshes: the sync state file, the rejected rows, preview samples, URL sources with a token.
      emu.reset();
      runs.push(['export with state', await runCli(['export', '--config', 'config.json', '--state', 'state.bin', '--rejects', 'rejects.out.csv', '--report', 'state-report.json'], env, { cwd: dir })]);
      runs.push(['refresh mirror', await runCli(['export', '--config', 'config.json', '--state', 'state.bin', '--mirror', '--segment', 'A=a.csv'], env, { cwd: dir })]);
      runs.push(['preview state sample', await runCli(['preview', '--config', 'config.json', '--state', 'state.bin', '--mirror', '--sample', '3', '--rejects', 'preview-rejects.out.csv'], env, { cwd: dir })]);
      emu.configure({ latencyMs: 40 });
      runs.push(['export with state interrupted', await runCli(['export', '--config', 'slow.json', '--state', 'state2.bin', '--checkpoint-file', 'cp2.json'], env, { cwd: dir, killAfterMs: 1500 })]);
      emu.configure({ latencyMs: 0 });
      runs.push(['export with state resumed', await runCli(['export', '--config', 'slow.json', '--state', 'state2.bin', '--checkpoint-file', 'cp2.json', '--resume', 'cp2.json'], env, { cwd: dir })]);
      runs.push(['export paused', await runCli(['export', '--config', 'config.json', '--state', 'state3.bin', '--checkpoint-file', 'cp3.json', '--max-requests', '3'], env, { cwd: dir })]);
      runs.push(['url source with token', await runCli(['export', '--config', 'config.json', '--segment', `A=${srcUrl}`, '--segment-token-env', 'A=SRC_TOKEN', '--state', 'state4.bin'], { ...env, SRC_TOKEN: KEYS.token }, { cwd: dir })]);
      runs.push(['preview url source with token', await runCli(['preview', '--config', 'config.json', '--segment', `A=${srcUrl}`, '--segment-token-env', 'A=SRC_TOKEN', '--sample', '2'], { ...env, SRC_TOKEN: KEYS.token }, { cwd: dir })]);
      runs.push(['url source without token', await runCli(['export', '--config', 'config.json', '--segment', `A=${srcUrl}`], env, { cwd: dir })]);
      for (const [what, r] of runs) {
        record(t, `${what} stdout`, r.stdout);
        record(t, `${what} stderr`, r.stderr);
        if (/API key appeared in output/.test(r.stderr)) problems.push(`${t} ${what}: the CLI had to redact the key from its output (a leak upstream of its redaction)`);
      }
      for (const f of readdirSync(dir)) if (!['a.csv', 'b.csv'].includes(f)) record(t, `file ${f}`, readFileSync(join(dir, f), 'utf8').replace(KEYS[keyName], f === 'keyed.json' ? '<config input>' : KEYS[keyName]));
      if (!files.requests().some((q) => q.headers.authorization === `Bearer ${KEYS.token}`)) problems.push(`${t}: the URL source was never fetched with its token`);
      for (const f of ['state.bin', 'state2.bin', 'state3.bin', 'state4.bin', 'rejects.out.csv']) {
        if (!readdirSync(dir).includes(f)) problems.push(`${t}: the CLI did not write ${f}`);
      }
    }
    await files.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await emu.stop();
await new Promise((r) => hostile.close(r));
hostile.closeAllConnections?.();
await sleep(10);

// ------------------------------------------------------------------ scan
const MISUSE = /number-ish|unknown field holding|wrong type|key in an unknown field|bad checkpoint|bad options/;
const hits = [];
const findings = [];
for (const o of outputs) {
  if (o.flow === 'requests') continue;
  for (const n of NEEDLES) {
    if (o.text.includes(n.piece)) {
      (MISUSE.test(o.what) ? findings : hits).push(`${o.flow}: ${o.what.replace(/ \((stack|JSON)\)$/, '')}: contains ${n.name === 'wrong' ? 'the wrong' : `the ${n.name}`} key`);
      break;
    }
  }
}
const reqHits = outputs.filter((o) => o.flow === 'requests' && NEEDLES.some((n) => o.text.includes(n.piece) && !o.text.includes('contactlist_')));
const scanned = outputs.reduce((a, o) => a + o.text.length, 0);
console.log(`secrets: ${outputs.length} outputs scanned (${(scanned / 1e6).toFixed(1)} MB) for 4 secrets (hex key, non-hex key, wrong key, CLI source token) and every 12-character piece of them; CLI ${cliPresent ? `present (${cliRuns} runs)` : 'not present (skipped)'}`);
const uniq = [...new Set(hits)];
for (const h of uniq.slice(0, 40)) console.log(`  hit: ${h}`);
if (uniq.length > 40) console.log(`  ... ${uniq.length - 40} more`);
for (const f of [...new Set(findings)]) console.log(`  finding (misplaced key, not failing): ${f}`);
for (const r of reqHits.slice(0, 5)) console.log(`  hit in a request ${r.what}: ${r.text.slice(0, 120)}`);
for (const p of problems) console.log(`  problem: ${p}`);
if (slow.length) console.log(`  slow steps: ${slow.join('; ')}`);
const fail = uniq.length + reqHits.length + problems.length > 0;
console.log(`${fail ? 'FAIL' : 'PASS'} secrets (${uniq.length + reqHits.length} hits)`);
process.exit(fail ? 1 : 0);
