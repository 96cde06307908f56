// Command line, configuration file and input problems: exit 2, a message naming the field or
// file, and not one request sent. Help, version, unknown flags.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { KEY, ROOT, SAMPLE, SAMPLE_CONFIG, assertNoKey, assertPackageBuilt, emulator, envFor, recordingCli, writes } from './helpers.mjs';

let emu;
let dir;
const outputs = [];
const cli = recordingCli(outputs);
/** Writes a variant of the sample configuration; returns its path. */
function config(name, change) {
  const c = JSON.parse(readFileSync(SAMPLE_CONFIG, 'utf8'));
  change(c);
  for (const s of c.segments ?? []) if (typeof s.file === 'string') s.file = join(SAMPLE, s.file);
  const file = join(dir, name);
  writeFileSync(file, typeof c === 'string' ? c : JSON.stringify(c, null, 2));
  return file;
}

before(async () => {
  assertPackageBuilt();
  emu = await emulator();
  dir = mkdtempSync(join(tmpdir(), 'cli-usage-'));
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  assertNoKey(...outputs);
});

describe('command line', () => {
  it('--help documents commands, options, the config file, environment and exit codes', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    for (const s of ['export', 'preview', 'check', '--config', '--segment', '--rate', '--report', '--checkpoint-file', '--resume',
      'AUTOPILOT_API_KEY', 'AUTOPILOT_BASE_URL', '"connection"', '"mapping"', '"run"', 'ratePerSecond', 'Exit codes', '130']) {
      assert.ok(r.stdout.includes(s), `help mentions ${s}`);
    }
    assert.equal(r.stderr, '');
    assert.equal((await cli(['help'])).stdout, r.stdout);
    assert.equal((await cli(['export', '-h'])).code, 0);
  });

  it('--help lists what the package knows, from its metadata(): fields, types, reasons, codes, bounds', async () => {
    const { metadata } = await import(pathToFileURL(`${ROOT}pkg/node.js`).href);
    const m = metadata();
    const r = await cli(['--help']);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const f of m.standardFields) assert.ok(help.includes(`${f.name} (${f.label})`), `standard field ${f.name}`);
    for (const t of m.customTypes) assert.ok(help.includes(`${t.name} (${t.label})`), `custom type ${t.name}`);
    for (const x of m.rejectReasons) assert.ok(help.includes(x), `reject reason ${x}`);
    const exitCodes = help.slice(help.indexOf('Exit codes:'));
    for (const c of m.errorCodes) assert.ok(exitCodes.includes(c), `error code ${c} under its exit code`);
    for (const n of m.numbers) {
      assert.ok(help.includes(`${n.label} (`), `${n.name}'s label`);
      assert.ok(help.includes(` to ${n.max.toLocaleString('en-US')}`), `${n.name}'s maximum`);
    }
    assert.ok(help.includes(`"baseUrl": "${m.defaults.baseUrl}"`), 'the default base URL');
    assert.ok(help.includes(`"ratePerSecond": ${m.defaults.ratePerSecond}`), 'the default rate');
    for (const v of [...m.overCap, ...m.lists, ...m.membership]) assert.ok(help.includes(v.name), v.name);
    for (const f of ['--state', '--mirror', '--full-resync', '--max-removal-ratio', '--max-requests', '--sample', '--rejects', '--format', '--segment-token-env']) {
      assert.ok(help.includes(f), `help mentions ${f}`);
    }
    assert.match(help, / 3 paused after --max-requests/);
  });

  it('--version prints the package version', async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    const { version } = JSON.parse(readFileSync(`${ROOT}pkg/package.json`, 'utf8'));
    assert.equal(r.stdout.trim(), `autopilot-export ${version}`);
  });

  it('no command, an unknown command, an unknown flag, a flag of another command: exit 2 with usage', async () => {
    for (const [args, message] of [
      [[], /no command given/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['export', '--config', SAMPLE_CONFIG, '--api-key', KEY], /Unknown option '--api-key'/],
      [['export', '--config', SAMPLE_CONFIG, '--bogus'], /Unknown option '--bogus'/],
      [['check', '--config', SAMPLE_CONFIG, '--resume', 'x.json'], /--resume is not an option of 'check'/],
      [['preview', '--config', SAMPLE_CONFIG, '--progress', 'bar'], /--progress is not an option of 'preview'/],
      [['export', '--segment', 'a=b.csv'], /'export' needs --config FILE/],
      [['export', '--config', SAMPLE_CONFIG, '--rate', 'fast'], /--rate must be a number/],
      [['export', '--config', SAMPLE_CONFIG, '--progress', 'sometimes'], /--progress must be/],
      [['export', 'extra', '--config', SAMPLE_CONFIG], /unexpected argument 'extra'/],
    ]) {
      const r = await cli(args, { env: envFor(emu) });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /Usage:/);
      assert.equal(r.stdout, '');
    }
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });
});

describe('configuration and input problems (exit 2, nothing sent)', () => {
  it('names every invalid field of the configuration', async () => {
    const file = config('bad.json', (c) => {
      c.mapping.email = '';
      c.mapping.custom[1].type = 'int';
      c.mapping.fields.Email = 'EmailAddress';
      c.connection.consent = false;
      c.run = { maxAttempts: 1, turbo: true };
      c.colour = 'blue';
    });
    const r = await cli(['export', '--config', file], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    // Unknown keys are the package's to find (UNKNOWN_FIELD), next to every other problem.
    for (const path of ['mapping.email', 'mapping.custom[1].type', 'mapping.fields.Email', 'connection.consent', 'run.turbo', 'colour']) {
      assert.match(r.stderr, new RegExp(`^  ${path.replace(/[.[\]]/g, '\\$&')}: `, 'm'), `names ${path}`);
    }
    assert.match(r.stderr, /EMAIL_MAPPING_MISSING/);
    assert.match(r.stderr, /^ {2}run\.turbo: .*\[UNKNOWN_FIELD\]$/m);
    assert.match(r.stderr, /^ {2}colour: .*\[UNKNOWN_FIELD\]$/m);
    assert.equal(r.stdout, '');
    const p = await cli(['preview', '--config', file]);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /mapping\.email: /);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });

  it('run options out of range are the package\'s to judge: named as run.X, or as the flag that set them', async () => {
    const file = config('rate.json', (c) => { c.run = { ratePerSecond: 0, maxInFlight: 1.5 }; });
    const r = await cli(['export', '--config', file], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ {2}run\.ratePerSecond: ratePerSecond must be .*requests\/s \[OPTION_OUT_OF_RANGE\]$/m);
    assert.match(r.stderr, /^ {2}run\.maxInFlight: .*\[OPTION_OUT_OF_RANGE\]$/m);
    for (const [flag, value, path] of [['--rate', '0', '--rate'], ['--max-requests', '0.5', '--max-requests'], ['--max-removal-ratio', '2', '--max-removal-ratio']]) {
      const f = await cli(['export', '--config', SAMPLE_CONFIG, flag, value], { env: envFor(emu) });
      assert.equal(f.code, 2, f.stderr);
      assert.match(f.stderr, new RegExp(`^  ${path}: .*\\[OPTION_OUT_OF_RANGE\\]$`, 'm'), `${flag} ${value}`);
    }
    const p = await cli(['preview', '--config', SAMPLE_CONFIG, '--rate', '5000', '--sample', '1000']);
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /^ {2}--rate: .*\[OPTION_OUT_OF_RANGE\]$/m);
    assert.match(p.stderr, /^ {2}--sample: .*\[OPTION_OUT_OF_RANGE\]$/m);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });

  it('a run option out of range is named next to the job\'s problems', async () => {
    const file = config('both.json', (c) => { c.mapping.email = ''; c.run = { ratePerSecond: 0 }; });
    const r = await cli(['export', '--config', file], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ {2}mapping\.email: /m);
    assert.match(r.stderr, /^ {2}run\.ratePerSecond: /m);
  });

  it('preview checks every run option of the file, not only those it uses', async () => {
    const file = config('preview-run.json', (c) => { c.run = { maxInFlight: 0 }; });
    const r = await cli(['preview', '--config', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^ {2}run\.maxInFlight: /m);
  });

  it('refuses an API key in the configuration file without printing it', async () => {
    const file = config('with-key.json', (c) => { c.connection.apiKey = KEY; });
    for (const cmd of ['export', 'preview', 'check']) {
      const r = await cli([cmd, '--config', file], { env: envFor(emu) });
      assert.equal(r.code, 2, cmd);
      assert.match(r.stderr, /connection\.apiKey: the API key must not be stored in the configuration file.*AUTOPILOT_API_KEY/);
    }
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });

  it('needs AUTOPILOT_API_KEY for export and check (never a flag), not for preview', async () => {
    for (const cmd of ['export', 'check']) {
      const r = await cli([cmd, '--config', SAMPLE_CONFIG], { env: { AUTOPILOT_BASE_URL: emu.url } });
      assert.equal(r.code, 2, cmd);
      assert.match(r.stderr, /AUTOPILOT_API_KEY is not set/);
    }
    const p = await cli(['preview', '--config', SAMPLE_CONFIG], { env: { AUTOPILOT_BASE_URL: emu.url } });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });

  it('rejects an http:// base URL that is not loopback, naming AUTOPILOT_BASE_URL', async () => {
    const r = await cli(['check', '--config', SAMPLE_CONFIG], { env: { AUTOPILOT_API_KEY: KEY, AUTOPILOT_BASE_URL: 'http://api.example.com/v1' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /connection\.baseUrl: .*BASE_URL_NOT_HTTPS.*AUTOPILOT_BASE_URL/);
  });

  it('names a missing or unreadable segment file, an unknown extension, bad JSON', async () => {
    const cases = [
      [['--segment', 'VIP=/nonexistent/vip.csv'], /segment "VIP" \(--segment "VIP=\/nonexistent\/vip.csv"\): cannot read '\/nonexistent\/vip.csv': no such file/],
      [['--segment', `Notes=${ROOT}README.md`], /--segment #1 .*cannot tell the format .*\.csv, .*\.ndjson, \.jsonl, \.json.*--format NAME=/],
      [['--segment', `VIP=${dir}/folder.csv`], /segment "VIP" .*folder\.csv' is not a file/],
    ];
    mkdirSync(join(dir, 'folder.csv'));
    for (const [extra, message] of cases) {
      const r = await cli(['export', '--config', SAMPLE_CONFIG, ...extra], { env: envFor(emu) });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    }
    const missing = await cli(['export', '--config', join(dir, 'nope.json')], { env: envFor(emu) });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the configuration file '.*nope\.json': no such file/);
    writeFileSync(join(dir, 'broken.json'), '{"connection": {');
    const broken = await cli(['export', '--config', join(dir, 'broken.json')], { env: envFor(emu) });
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /broken\.json: not valid JSON/);
    const seg = config('bad-segments.json', (c) => { c.segments = [{ name: 'VIP' }, { name: 'X', file: 'x.pdf' }]; });
    const s = await cli(['export', '--config', seg], { env: envFor(emu) });
    assert.equal(s.code, 2);
    assert.match(s.stderr, /segments\[0\]\.file: expected the path/);
    assert.match(s.stderr, /segments\[1\]\.file: cannot tell the format/);
    assert.equal(emu.state({ contacts: false }).counters.requests, 0);
  });

  it('a CSV without the email column is INPUT_INVALID (exit 2), nothing written', async () => {
    emu.reset();
    const csv = join(dir, 'no-email.csv');
    writeFileSync(csv, 'GivenName,Surname\nAda,Lovelace\n');
    const r = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `Odd=${csv}`], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /EmailAddress.*(INPUT_INVALID)/s);
    // The account read may overlap the reading of the input (issue 10's driver); nothing is written.
    assert.deepEqual(writes(emu), {});
  });

  it('over the cap with overCap "refuse": exit 2, CAP_EXCEEDED, nothing written; preview says so too', async () => {
    emu.reset();
    const file = config('cap.json', (c) => { c.cap = 500; });
    const r = await cli(['export', '--config', file], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /CAP_EXCEEDED/);
    // Since issue 11 a run reads the account (while reading the input); nothing is written.
    assert.deepEqual(writes(emu), {});
    const p = await cli(['preview', '--config', file]);
    assert.equal(p.code, 2);
    const s = JSON.parse(p.stdout);
    assert.equal(s.capExceeded, true);
    assert.equal(s.blocked.code, 'CAP_EXCEEDED');
    // The reason is the package's own sentence, not one of the tool's.
    assert.ok(p.stderr.includes(`The export would be refused (CAP_EXCEEDED): ${s.blocked.message}`), p.stderr);
  });

  it('nothing valid to export: NOTHING_TO_EXPORT, exit 2, no request; preview says so', async () => {
    emu.reset();
    const csv = join(dir, 'all-bad.csv');
    writeFileSync(csv, 'EmailAddress,GivenName\nnot-an-email,Ada\n,Grace\n');
    const r = await cli(['export', '--config', SAMPLE_CONFIG, '--segment', `Bad=${csv}`], { env: envFor(emu) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /NOTHING_TO_EXPORT/);
    assert.deepEqual(writes(emu), {}, 'nothing written, no list created');
    const p = await cli(['preview', '--config', SAMPLE_CONFIG, '--segment', `Bad=${csv}`]);
    assert.equal(p.code, 2, p.stderr);
    assert.match(p.stderr, /The export would be refused \(NOTHING_TO_EXPORT\)/);
  });
});
