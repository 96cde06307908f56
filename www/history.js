// Run history kept in localStorage: date, status, totals, display name, export user.
// Built only from the run report's non-personal fields: never an API key, never an email.

export const HISTORY_KEY = 'autopilot-export.history.v1';
export const HISTORY_LIMIT = 50;

/**
 * The history entry of a run report (or of an error that stopped a run before a report).
 * @param {object} report  ExportReport (or undefined)
 * @param {{displayName: string, exportUser: string, at?: string, errorCode?: string}} ctx
 */
export function entryFrom(report, ctx) {
  const t = report?.totals ?? {};
  const pick = (k) => (Number.isFinite(t[k]) ? t[k] : 0);
  return {
    at: report?.finishedAt ?? ctx.at ?? new Date().toISOString(),
    status: report?.status ?? 'failed',
    displayName: String(report?.displayName ?? ctx.displayName ?? ''),
    exportUser: String(report?.exportUser ?? ctx.exportUser ?? ''),
    segments: Array.isArray(report?.segments) ? report.segments.length : 0,
    resumed: report?.resumed === true,
    durationMs: Number.isFinite(report?.durationMs) ? report.durationMs : 0,
    totals: {
      profilesIn: pick('profilesIn'),
      uniqueProfiles: pick('uniqueProfiles'),
      exported: pick('exported'),
      failed: pick('failed'),
      invalid: pick('invalid'),
      duplicates: pick('duplicates'),
      overCap: pick('overCap'),
    },
    error: report?.error?.code ?? ctx.errorCode ?? undefined,
  };
}

/** @param {Storage} storage */
export function readHistory(storage) {
  try {
    const v = JSON.parse(storage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** Adds an entry (newest first, at most HISTORY_LIMIT kept). @param {Storage} storage */
export function addHistory(storage, entry) {
  const list = [entry, ...readHistory(storage)].slice(0, HISTORY_LIMIT);
  try {
    storage.setItem(HISTORY_KEY, JSON.stringify(list));
  } catch {
    // Storage full or disabled: the history is a convenience, the run itself is done.
  }
  return list;
}

/** @param {Storage} storage */
export function clearHistory(storage) {
  try { storage.removeItem(HISTORY_KEY); } catch { /* ignore */ }
}
