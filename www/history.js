// Run history entries: date, status, totals, display name, export user. Built only from a
// run report's non-personal fields: never an API key, never an email. Kept by storage.js.

/**
 * The history entry of a run report (or of an error that stopped a run before a report).
 * @param {object} report  ExportReport (or null)
 * @param {{displayName: string, exportUser: string, at?: string, errorCode?: string}} ctx
 */
export function entryFrom(report, ctx) {
  const t = report?.totals ?? {};
  const pick = (k) => (Number.isFinite(t[k]) ? t[k] : 0);
  const entry = {
    at: report?.finishedAt ?? ctx.at ?? new Date().toISOString(),
    status: report?.status ?? 'failed',
    displayName: String(report?.displayName ?? ctx.displayName ?? ''),
    exportUser: String(report?.exportUser ?? ctx.exportUser ?? ''),
    segments: Array.isArray(report?.segments) ? report.segments.length : 0,
    resumed: report?.resumed === true,
    durationMs: Number.isFinite(report?.durationMs) ? report.durationMs : 0,
    totals: Object.fromEntries(['profilesIn', 'uniqueProfiles', 'exported', 'failed', 'invalid', 'duplicates', 'overCap', 'unchanged', 'removed'].map((k) => [k, pick(k)])),
  };
  const error = report?.error?.code ?? ctx.errorCode;
  if (error) entry.error = error;
  return entry;
}
