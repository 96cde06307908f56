// The deployment files agree with the code (wrangler itself is not run here): wrangler.toml's
// main module exists and exports the Durable Object classes it binds, every bound class is a
// SQLite class by migration, the binding names are the ones the code reads, Cron Triggers are
// listed, and no secret value is in any committed file of www/worker/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, SECRETS } from './harness.mjs';

const dir = join(ROOT, 'www/worker');
const toml = readFileSync(join(dir, 'wrangler.toml'), 'utf8');
const code = readdirSync(join(dir, 'src')).map((f) => readFileSync(join(dir, 'src', f), 'utf8')).join('\n');

/** Values of `key = ...` lines (strings or arrays of strings), comments ignored. */
function values(key) {
  const out = [];
  for (const line of toml.split('\n')) {
    const m = new RegExp(`^\\s*${key}\\s*=\\s*(.+)$`).exec(line.replace(/#.*$/, ''));
    if (m) out.push(JSON.parse(m[1].trim()));
  }
  return out;
}

test('main module exists and exports every bound Durable Object class', () => {
  const [main] = values('main');
  assert.ok(existsSync(join(dir, main)), main);
  const entry = readFileSync(join(dir, main), 'utf8');
  const classes = values('class_name');
  assert.deepEqual(classes.sort(), ['Destination', 'Registry']);
  for (const c of classes) assert.match(entry, new RegExp(`export \\{ ${c} \\}`), `${main} exports ${c}`);
});

test('every bound class is created on SQLite storage, and the binding names are the code\'s', () => {
  const sqlite = values('new_sqlite_classes').flat();
  for (const c of values('class_name')) assert.ok(sqlite.includes(c), `${c} in new_sqlite_classes`);
  assert.equal(values('new_classes').length, 0, 'no key-value-backed classes');
  for (const name of values('name').filter((n) => n === n.toUpperCase())) assert.match(code, new RegExp(`env\\.${name}\\b`), `the code reads env.${name}`);
  assert.ok(values('compatibility_date')[0] >= '2024-04-03', 'RPC to Durable Objects needs 2024-04-03 or later');
});

test('Cron Triggers are configured', () => {
  const [crons] = values('crons');
  assert.ok(Array.isArray(crons) && crons.length >= 1 && crons.length <= 5, 'the Free plan allows 5 per account');
});

test('no secret value in any file of www/worker/', () => {
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.name === 'node_modules' ? [] : e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const f of walk(dir)) {
    const text = readFileSync(f, 'utf8');
    for (const s of Object.values(SECRETS)) assert.ok(!text.includes(s), `${f} holds a test secret`);
    assert.doesNotMatch(text, /^\s*(ADMIN_TOKEN|AUTOPILOT_API_KEY)\s*=/m, `${f} sets a secret`);
  }
});
