// From the package's errors to exit codes and messages. The exit-code policy is the tool's:
// codes that mean "fix the command, the configuration, the input or the state; nothing was
// written" exit 2, a cancel 130, everything else 1. Messages are the package's own (403/404
// and 401 explanations included); the tool only adds what only it knows (flags, files).

import { CliError, EXIT } from './output.mjs';
import { describeIssues } from './config.mjs';

/** Error codes that exit 2. */
const USAGE_CODES = new Set([
  'CONFIG_INVALID', 'CONSENT_REQUIRED', 'CAP_EXCEEDED', 'INPUT_INVALID', 'CHECKPOINT_MISMATCH',
  'STATE_MISMATCH', 'REMOVALS_EXCEEDED', 'NOTHING_TO_EXPORT',
]);

/** The exit code of a package error code. */
export function exitCodeOf(code) {
  if (USAGE_CODES.has(code)) return EXIT.USAGE;
  if (code === 'ABORTED') return EXIT.CANCELLED;
  return EXIT.FAILED;
}

export const isUsageCode = (code) => USAGE_CODES.has(code);

/** Turns an AutopilotExportError into a CliError with the right exit code and details. */
export function packageError(ap, e, ctx) {
  if (!ap.isAutopilotExportError(e)) {
    return new CliError(`unexpected error: ${e?.stack ?? e}`, EXIT.FAILED);
  }
  const details = describeIssues(e.issues ?? [], ctx);
  let message = `${e.message} (${e.code})`;
  if (e.code === 'CONFIG_INVALID' || e.code === 'CONSENT_REQUIRED') message = `${ctx.configFile}: the configuration is invalid (${e.code}):`;
  if (e.code === 'CHECKPOINT_MISMATCH') message += '\nThe checkpoint does not belong to this export (the configuration, a segment or the state changed since it was written). Run without --resume to start the export again.';
  if (e.code === 'STATE_MISMATCH' && ctx.stateFile !== undefined) message += `\n(The state comes from --state ${ctx.stateFile}.)`;
  if (e.code === 'AUTH_FAILED') message += '\n(The key comes from AUTOPILOT_API_KEY.)';
  return new CliError(message, exitCodeOf(e.code), details);
}
