// Unit tests of www/worker/src/config.mjs with the built package (Node entry): the host keys
// are checked by the worker, everything about the export (URL sources and run options
// included) by the package; secrets are named, never stored, never echoed; the platform's
// ceilings apply to the run options.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkConfig, coreConfig, sliceJob, sliceOptions } from '../../www/worker/src/config.mjs';
import { PKG, SECRETS, packageBuilt } from './harness.mjs';
import { destinationConfig } from './data.mjs';

let core;
before(async () => {
  assert.ok(packageBuilt(), 'run pkg-template/build.sh first');
  core = await import(pathToFileURL(join(PKG, 'node.js')).href);
});

const good = () => destinationConfig({ emulatorUrl: 'http://127.0.0.1:9/v1', urls: ['https://files.example.com/a.csv', 'https://files.example.com/b.csv'], tokenSecret: 'SEGMENTS_AUTH', schedule: { cron: '0 * * * *' } });
const secretValues = Object.values(SECRETS);
const noSecrets = (value) => {
  const text = JSON.stringify(value);
  for (const s of secretValues) assert.ok(!text.includes(s), 'no secret value in the output');
};

test('a valid configuration is stored as given: secret names, no secret values', () => {
  const { issues, config } = checkConfig(good(), SECRETS, core);
  assert.deepEqual(issues, []);
  assert.deepEqual(config, good());
  noSecrets(config);
});

test('the package validates the export part; its issues keep their paths', () => {
  const cfg = good();
  delete cfg.mapping.email;
  cfg.overCap = 'sometimes';
  const { issues, config } = checkConfig(cfg, SECRETS, core);
  assert.equal(config, undefined);
  const expected = core.validateExportConfig(coreConfig(cfg, SECRETS, { resolveHeaders: true }));
  assert.ok(expected.length >= 1);
  assert.deepEqual(issues, expected.map(({ path, code, message }) => ({ path, code, message })));
  noSecrets(issues);
});

test('host keys: secrets must be named, set, and not the admin token; the key never sits in the configuration', () => {
  const cfg = good();
  cfg.apiKeySecret = 'NOPE';
  cfg.connection.apiKey = SECRETS.AUTOPILOT_API_KEY;
  cfg.segments[1].profiles.headerSecrets = { Authorization: 'ADMIN_TOKEN' };
  cfg.segments[0].profiles.mirror = true;
  cfg.schedule = { every: '1h' };
  cfg.segments[1].profiles.url = 'http://files.example.com/b.csv';
  cfg.segments[0].profiles.headers = { 'X-Token': SECRETS.SEGMENTS_AUTH };
  const { issues } = checkConfig(cfg, SECRETS, core);
  const got = issues.map((i) => `${i.path} ${i.code}`);
  // The worker's own: secrets, literal header values, schedule. The package's: the URL source
  // (an unknown key, the scheme rule), with its codes.
  for (const want of ['apiKeySecret SECRET_NOT_SET', 'connection.apiKey SECRET_IN_CONFIG', 'segments[1].profiles.headerSecrets.Authorization SECRET_NOT_ALLOWED',
    'segments[0].profiles.headers SECRET_IN_CONFIG', 'segments[0].profiles.mirror UNKNOWN_FIELD', 'schedule TYPE_MISMATCH', 'segments[1].profiles.url SOURCE_URL_INVALID']) {
    assert.ok(got.includes(want), `${want} in ${got.join('; ')}`);
  }
  noSecrets(issues);
  assert.ok(!got.some((g) => g.startsWith('connection.apiKey ') && !g.endsWith('SECRET_IN_CONFIG')), 'the missing secret is reported once, as a secret');
});

test('run options: at most 6 in flight and the plan\'s subrequests per slice', () => {
  const cfg = good();
  cfg.run = { maxInFlight: 7, maxRequests: 60 };
  const got = checkConfig(cfg, SECRETS, core).issues.map((i) => `${i.path} ${i.code}`);
  assert.ok(got.includes('run.maxInFlight ABOVE_PLATFORM_LIMIT'), got.join('; '));
  assert.ok(got.includes('run.maxRequests ABOVE_PLATFORM_LIMIT'), got.join('; '));
  cfg.run = { maxRequests: 900 };
  assert.deepEqual(checkConfig(cfg, { ...SECRETS, SUBREQUEST_LIMIT: '1000' }, core).issues, []);
});

test('download descriptions are the package\'s URL sources: its codes, paths in the configuration\'s terms', () => {
  const cfg = good();
  cfg.segments[0].profiles.format = 'xlsx';
  cfg.segments.push({ name: 'C', profiles: { url: 'https://files.example.com/c.csv', format: 'csv', delimiter: 'x' } });
  cfg.segments[1].profiles.url = 'ftp://files.example.com/b.csv';
  cfg.segments[1].profiles.headerSecrets = { 'Bad Header': 'SEGMENTS_AUTH' };
  const got = checkConfig(cfg, SECRETS, core).issues.map((i) => `${i.path} ${i.code}`);
  assert.deepEqual(got.sort(), [
    'segments[0].profiles.format SOURCE_FORMAT_UNKNOWN',
    'segments[1].profiles.headerSecrets.Bad Header SOURCE_URL_INVALID',
    'segments[1].profiles.url SOURCE_URL_INVALID',
    'segments[2].profiles.delimiter DELIMITER_INVALID',
  ]);
  // Plain http is the package's to allow on loopback hosts.
  const local = good();
  local.segments[0].profiles.url = 'http://127.0.0.1:8080/a.csv';
  assert.deepEqual(checkConfig(local, SECRETS, core).issues, []);
  // A segment that is not a download (the package would take bytes or rows) is the worker's.
  const rows = good();
  rows.segments[0].profiles = { format: 'csv' };
  assert.deepEqual(checkConfig(rows, SECRETS, core).issues.map((i) => `${i.path} ${i.code}`), ['segments[0].profiles SOURCE_REQUIRED']);
});

test('run options are checked by the package: its issues under run.<name>', () => {
  const cfg = good();
  cfg.run = { ratePerSecond: 0, maxAttempts: 'x', retries: 3, requestTimeoutMs: 2.5 };
  const got = checkConfig(cfg, SECRETS, core).issues;
  const expected = core.validateRunOptions(cfg.run).map(({ path, code, message }) => ({ path: path.replace(/^options\./, 'run.'), code, message }));
  assert.deepEqual(new Set(expected.map((i) => i.code)), new Set(['OPTION_OUT_OF_RANGE', 'TYPE_MISMATCH', 'UNKNOWN_FIELD']));
  assert.deepEqual(got, expected);
  assert.deepEqual(checkConfig({ ...good(), run: 5 }, SECRETS, core).issues.map((i) => `${i.path} ${i.code}`), ['run TYPE_MISMATCH']);
  // What the worker sets per slice cannot be configured.
  assert.deepEqual(checkConfig({ ...good(), run: { fullResync: true, checkpoint: {} } }, SECRETS, core).issues.map((i) => `${i.path} ${i.code}`),
    ['run.checkpoint SET_BY_WORKER', 'run.fullResync SET_BY_WORKER']);
});

test('slice options default to 45 requests and 6 connections and never exceed 6', () => {
  assert.deepEqual(sliceOptions({}), { maxRequests: 45, maxInFlight: 6 });
  assert.deepEqual(sliceOptions({ run: { maxRequests: 20, maxInFlight: 2, ratePerSecond: 10 } }), { maxRequests: 20, maxInFlight: 2, ratePerSecond: 10 });
});

test('a slice job takes the key from its secret and the stored bytes as sources', () => {
  const cfg = good();
  const job = sliceJob(cfg, SECRETS, (i) => [new TextEncoder().encode(`email\nx${i}@example.com\n`)]);
  assert.equal(job.connection.apiKey, SECRETS.AUTOPILOT_API_KEY);
  assert.deepEqual(Object.keys(job).sort(), ['connection', 'idField', 'listPrefix', 'mapping', 'segments']);
  assert.deepEqual(job.segments.map((s) => [s.name, Object.keys(s.profiles)]), [['A', ['csv']], ['B', ['csv']]]);
  assert.deepEqual(cfg.connection.apiKey, undefined, 'the stored configuration is not changed');
});

test('run option bounds are the package\'s, whatever they are', () => {
  // A stand-in package with other bounds than any real one: the worker reports what it says
  // (paths mapped) and keeps no bound of its own besides the platform's.
  const seen = [];
  const stub = {
    validateExportConfig: () => [],
    validateRunOptions: (options) => {
      seen.push(options);
      return 'maxRequests' in options && options.maxRequests > 40
        ? [{ path: 'options.maxRequests', code: 'OPTION_OUT_OF_RANGE', message: 'at most 40' }]
        : [];
    },
  };
  const check = (run) => checkConfig({ ...good(), run }, SECRETS, stub).issues.map((i) => `${i.path} ${i.code}`);
  assert.deepEqual(check({ ratePerSecond: 0, maxRequests: 3 }), []);
  assert.deepEqual(check({ maxRequests: 41 }), ['run.maxRequests OPTION_OUT_OF_RANGE']);
  assert.deepEqual(check({ retries: 3 }), []);
  assert.deepEqual(seen, [{ ratePerSecond: 0, maxRequests: 3 }, { maxRequests: 41 }, { retries: 3 }], 'the options go to the package as given');
});
