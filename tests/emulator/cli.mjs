// Command-line mode of the emulator: flag parsing (parseCliArgs), usage text,
// and the process lifecycle (print the URL line, stop on SIGINT/SIGTERM, exit 2
// on a bad flag). index.mjs calls runCli() when run as a script.

import { parseArgs } from 'node:util';
import { DEFAULT_API_KEY, DEFAULT_FAULT_ROUTES } from './config.mjs';

/** @typedef {import('./config.mjs').EmulatorOptions} EmulatorOptions */

export const USAGE = `Usage: node tests/emulator/index.mjs [options]

Starts the local Autopilot emulator on 127.0.0.1 and prints
AUTOPILOT_EMULATOR_URL=http://127.0.0.1:PORT/v1 on stdout. Stops on SIGINT/SIGTERM.

  --port N                 TCP port (default 0 = ephemeral)
  --api-key KEY            accepted API key; repeat for several (default ${DEFAULT_API_KEY})
  --account [ID=]KEY1,KEY2 one account (own data and instanceId ID, generated if absent) with
                           these keys; repeat for several accounts; not with --api-key
  --rate R                 requests per second per key (default 5; 0 = unlimited)
  --burst B                token-bucket capacity (default = rate)
  --latency MS             response latency (default 0)
  --jitter MS              latency ± uniform jitter (default 0)
  --seed N                 PRNG seed for faults, jitter and ids (default 1)
  --p429 P --p500 P --p503 P --p-drop P --p-drop-after-write P --p-slow P
                           fault probabilities (sum <= 1)
  --slow-ms MS             extra delay of a slow response (default 1000)
  --fault-routes LIST      comma-separated route keys, or * (default "${DEFAULT_FAULT_ROUTES.join(',')}")
  --reject-when MARKER     contacts carrying MARKER make their request 400
  --reject-custom-key KEY  contacts carrying custom key KEY (e.g. float--Lifetime--Value) make
                           their request 400 with one fixed message
  --retry-after            send Retry-After: 1 with 429s
  --no-cors                no CORS headers / preflight answers
  --redirect-status N --redirect-to URL
                           answer every /v1 request with redirect N (301|302|303|307|308)
                           to URL + original path and query (both flags together)
  --quiet                  no per-request log lines on stderr
  --help`;

/**
 * Parses CLI arguments into startEmulator options.
 * @param {string[]} argv
 * @returns {EmulatorOptions & {help?: boolean}}
 */
export function parseCliArgs(argv) {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      account: { type: 'string', multiple: true },
      rate: { type: 'string' },
      burst: { type: 'string' },
      latency: { type: 'string' },
      jitter: { type: 'string' },
      seed: { type: 'string' },
      p429: { type: 'string' },
      p500: { type: 'string' },
      p503: { type: 'string' },
      'p-drop': { type: 'string' },
      'p-drop-after-write': { type: 'string' },
      'p-slow': { type: 'string' },
      'slow-ms': { type: 'string' },
      'fault-routes': { type: 'string' },
      'reject-when': { type: 'string' },
      'reject-custom-key': { type: 'string' },
      'retry-after': { type: 'boolean' },
      'no-cors': { type: 'boolean' },
      'redirect-status': { type: 'string' },
      'redirect-to': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  const num = (flag) => {
    const s = v[flag];
    if (s === undefined) return undefined;
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new TypeError(`--${flag}: not a number: ${s}`);
    return n;
  };
  /** @type {EmulatorOptions & {help?: boolean}} */
  const opts = { quiet: v.quiet === true };
  const set = (key, value) => { if (value !== undefined) opts[key] = value; };
  set('help', v.help);
  set('port', num('port'));
  if (v['api-key'] !== undefined) opts.apiKeys = v['api-key'];
  if (v.account !== undefined) {
    if (v['api-key'] !== undefined) throw new TypeError('--account and --api-key go separately');
    opts.accounts = v.account.map(parseAccountFlag);
  }
  set('ratePerSecond', num('rate'));
  set('burst', num('burst'));
  set('latencyMs', num('latency'));
  set('jitterMs', num('jitter'));
  set('seed', num('seed'));
  set('rejectWhen', v['reject-when']);
  set('rejectCustomKey', v['reject-custom-key']);
  if (v['retry-after']) opts.retryAfter = true;
  if (v['no-cors']) opts.cors = false;
  if ((v['redirect-status'] === undefined) !== (v['redirect-to'] === undefined)) {
    throw new TypeError('--redirect-status and --redirect-to go together');
  }
  if (v['redirect-to'] !== undefined) opts.redirect = { status: num('redirect-status'), to: v['redirect-to'] };
  const faults = {};
  const fset = (key, value) => { if (value !== undefined) faults[key] = value; };
  fset('p429', num('p429'));
  fset('p500', num('p500'));
  fset('p503', num('p503'));
  fset('pDrop', num('p-drop'));
  fset('pDropAfterWrite', num('p-drop-after-write'));
  fset('pSlow', num('p-slow'));
  fset('slowMs', num('slow-ms'));
  if (v['fault-routes'] !== undefined) faults.routes = v['fault-routes'].split(',').map((s) => s.trim()).filter(Boolean);
  if (Object.keys(faults).length > 0) opts.faults = faults;
  return opts;
}

/**
 * `--account [INSTANCE_ID=]KEY1,KEY2` → `{instanceId?, apiKeys}`.
 * @param {string} value
 */
function parseAccountFlag(value) {
  const eq = value.indexOf('=');
  const keys = (eq < 0 ? value : value.slice(eq + 1)).split(',').map((k) => k.trim());
  if (keys.some((k) => k === '')) throw new TypeError(`--account: empty key in ${value}`);
  return eq < 0 ? { apiKeys: keys } : { instanceId: value.slice(0, eq), apiKeys: keys };
}

/**
 * Runs the CLI: parses process.argv, starts the emulator, prints its URL, and
 * stops on SIGINT/SIGTERM.
 * @param {(opts: object) => Promise<{url: string, stop: () => Promise<void>}>} startEmulator
 */
export async function runCli(startEmulator) {
  let opts;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  delete opts.help;
  let emu;
  try {
    emu = await startEmulator(opts);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exit(2);
  }
  process.stdout.write(`AUTOPILOT_EMULATOR_URL=${emu.url}\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    emu.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
