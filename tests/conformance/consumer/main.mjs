// Node, Deno and Bun runner: imports the package BY NAME (resolved through
// node_modules/autopilot-export -> pkg/package.json "exports") and runs the suite.
// Usage: <runtime> main.mjs '{"emulatorOrigin": "...", "apiKey": "...", "tag": "node"}'
// Prints one line `CONFORMANCE_RESULT <json>` on stdout; exit code 0 when every check passed.
import * as ap from 'autopilot-export';
import { runSuite } from '../suite.mjs';

const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node';
const args = globalThis.Deno ? Deno.args : process.argv.slice(2);
const opts = JSON.parse(args[0] ?? '{}');
let resolved;
try {
  resolved = import.meta.resolve('autopilot-export');
} catch (e) {
  resolved = `unresolvable: ${e.message}`;
}
const result = await runSuite(ap, { ...opts, log: (line) => console.error(`[${runtime}] ${line}`) });
result.runtime = runtime;
result.resolved = resolved;
console.log(`CONFORMANCE_RESULT ${JSON.stringify(result)}`);
const code = result.ok ? 0 : 1;
if (globalThis.Deno) Deno.exit(code);
else process.exit(code);
