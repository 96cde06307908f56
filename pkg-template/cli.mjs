#!/usr/bin/env node
// autopilot-export: the package's command-line tool (DESIGN.md §7, §10). Node standard
// library and the package itself only; cron runs it for scheduled refreshes. Run
// `autopilot-export --help` for usage, the configuration file, environment and exit codes.
//
// This file dispatches the commands; the parts live in ./cli/ (each file says what it owns).
// Every default, bound, list and rule comes from the package (metadata() and its validation);
// the tool keeps no copy. The API key is read from AUTOPILOT_API_KEY only and never printed:
// every line and file this tool writes passes through `redact` (cli/output.mjs), which also
// says so loudly if it ever had to remove a secret.

import { readFileSync } from 'node:fs';
import { parseCommandLine } from './cli/args.mjs';
import { commandCheck } from './cli/check.mjs';
import { commandExport } from './cli/export.mjs';
import { helpText } from './cli/help.mjs';
import { CliError, EXIT, PROG, currentProgress, err, exit, out, setProgress } from './cli/output.mjs';
import { commandPreview } from './cli/preview.mjs';
import { setMetadata } from './cli/meta.mjs';

function version() {
  try {
    return JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

async function loadPackage() {
  try {
    return await import('./node.js');
  } catch (e) {
    throw new CliError(`cannot load the autopilot-export package next to this tool (${e.message}); is the package built?`, EXIT.FAILED);
  }
}

async function main() {
  let code;
  try {
    const { command, values, numbers } = parseCommandLine(process.argv.slice(2));
    if (command === 'version') {
      out(`${PROG} ${version()}\n`);
      code = EXIT.OK;
    } else {
      const ap = await loadPackage();
      setMetadata(ap.metadata());
      if (command === 'help') {
        out(helpText(ap));
        code = EXIT.OK;
      } else if (command === 'check') code = await commandCheck(ap, values);
      else if (command === 'preview') code = await commandPreview(ap, values, numbers);
      else code = await commandExport(ap, values, numbers);
    }
  } catch (e) {
    currentProgress()?.stop();
    setProgress(null);
    if (e instanceof CliError) {
      err(`${PROG}: ${e.message}\n`);
      for (const d of e.details) err(`  ${d}\n`);
      code = e.exitCode;
    } else {
      err(`${PROG}: unexpected error: ${e?.stack ?? e}\n`);
      code = EXIT.FAILED;
    }
  }
  await exit(code);
}

await main();
