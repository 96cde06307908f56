// The command line: flags, which command takes which, parsing into {command, values} with
// numbers read as numbers. Bounds are not checked here: the package validates every number
// (ranges come from its metadata) and the issues name the flag that set it.

import { parseArgs } from 'node:util';
import { CliError, PROG } from './output.mjs';
import { PROGRESS_MODES } from './progress.mjs';

export const OPTIONS = {
  config: { type: 'string', short: 'c' },
  segment: { type: 'string', short: 's', multiple: true },
  format: { type: 'string', multiple: true },
  'segment-token-env': { type: 'string', multiple: true },
  state: { type: 'string' },
  mirror: { type: 'boolean' },
  'full-resync': { type: 'boolean' },
  'max-removal-ratio': { type: 'string' },
  rate: { type: 'string' },
  'max-requests': { type: 'string' },
  report: { type: 'string' },
  rejects: { type: 'string' },
  sample: { type: 'string' },
  'checkpoint-file': { type: 'string' },
  resume: { type: 'string' },
  progress: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

const SOURCES = ['config', 'segment', 'format', 'segment-token-env'];
const REFRESH = ['state', 'mirror', 'full-resync', 'max-removal-ratio'];
/** Options each command accepts (besides --help/--version). */
export const ALLOWED = {
  export: [...SOURCES, ...REFRESH, 'rate', 'max-requests', 'report', 'rejects', 'progress', 'checkpoint-file', 'resume'],
  preview: [...SOURCES, ...REFRESH, 'rate', 'report', 'rejects', 'sample'],
  check: ['config'],
};

/** Flags that take a number: flag -> where the package reports it (issue path). */
export const NUMBER_FLAGS = {
  rate: 'options.ratePerSecond',
  'max-requests': 'options.maxRequests',
  sample: 'options.sample',
  'max-removal-ratio': 'maxRemovalRatio',
};

export const SYNOPSIS = `Usage:
  ${PROG} export  --config FILE [--segment NAME=FILE|URL]... [--state FILE] [options]
  ${PROG} preview --config FILE [--segment NAME=FILE|URL]... [--state FILE] [--sample N] [options]
  ${PROG} check   --config FILE
  ${PROG} --help | --version`;

export function usageError(message) {
  return new CliError(`${message}\n\n${SYNOPSIS}\n\nRun \`${PROG} --help\` for the options, the configuration file format and the exit codes.`);
}

/**
 * @returns {{command: 'help'|'version'|'export'|'preview'|'check', values: object, numbers: object}}
 *   `numbers`: the number flags given, as numbers (by flag name)
 */
export function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw usageError(String(e.message).replace(/\. To specify a positional argument.*$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') return { command: 'help', values, numbers: {} };
  if (values.version) return { command: 'version', values, numbers: {} };
  if (positionals.length === 0) throw usageError('no command given');
  const [command, ...rest] = positionals;
  if (!(command in ALLOWED)) throw usageError(`unknown command '${command}'`);
  if (rest.length > 0) throw usageError(`unexpected argument '${rest[0]}'`);
  for (const key of Object.keys(values)) {
    if (!ALLOWED[command].includes(key)) throw usageError(`--${key} is not an option of '${command}'`);
  }
  if (values.config === undefined) throw usageError(`'${command}' needs --config FILE`);
  if (values.progress !== undefined && !PROGRESS_MODES.includes(values.progress)) {
    throw usageError(`--progress must be ${PROGRESS_MODES.slice(0, -1).join(', ')} or ${PROGRESS_MODES.at(-1)} (got '${values.progress}')`);
  }
  const numbers = {};
  for (const flag of Object.keys(NUMBER_FLAGS)) {
    if (values[flag] === undefined) continue;
    const n = Number(values[flag]);
    if (values[flag].trim() === '' || Number.isNaN(n)) throw usageError(`--${flag} must be a number (got '${values[flag]}')`);
    numbers[flag] = n;
  }
  return { command, values, numbers };
}
