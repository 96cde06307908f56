// `check`: validates the connection and asks Autopilot for the account with the key
// (the package makes the request and explains 401/403/404/redirects); JSON result on stdout.

import { connectionOf, describeIssues, loadConfig } from './config.mjs';
import { packageError, isUsageCode } from './errors.mjs';
import { CliError, EXIT, out, say } from './output.mjs';

export async function commandCheck(ap, values) {
  const config = loadConfig(values.config);
  const conn = connectionOf(config, { withKey: true });
  const ctx = { configFile: values.config };
  const issues = [...config.issues, ...describeIssues(ap.validateConnection(conn).map((i) => ({ ...i, path: `connection.${i.path}` })), ctx)];
  if (issues.length) throw new CliError(`${values.config}: the configuration is invalid:`, EXIT.USAGE, issues);
  const base = ap.apiBaseUrl(conn.baseUrl);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  say(`Checking the API key against ${base} …`);
  try {
    const opts = { signal: controller.signal };
    if (config.run.requestTimeoutMs !== undefined) opts.timeoutMs = config.run.requestTimeoutMs;
    const account = await ap.checkConnection(conn, opts);
    say(`OK: ${base} accepted the API key${account?.instanceId ? ` (instance ${account.instanceId})` : ''}.`);
    out(`${JSON.stringify({ ok: true, baseUrl: base, displayName: conn.displayName, instanceId: account?.instanceId ?? null }, null, 2)}\n`);
    return EXIT.OK;
  } catch (e) {
    const ce = packageError(ap, e, ctx);
    if (ap.isAutopilotExportError(e) && !isUsageCode(e.code)) {
      out(`${JSON.stringify({ ok: false, baseUrl: base, error: { code: e.code, message: e.message } }, null, 2)}\n`);
    }
    throw ce;
  }
}
