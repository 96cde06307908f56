// Downloads one segment file, whole or not at all, with the package's `downloadSource`.
//
// A refresh reads each segment source once, before anything is sent: every slice then feeds
// the package the same stored bytes (so the checkpoint's job fingerprint matches), and a
// failed or partial download ends the refresh before any request to Autopilot. The download
// rules (https or loopback, no redirect followed, non-2xx refused, a body that breaks off or
// disagrees with Content-Length refused, the timeout) are the package's (src/download.rs);
// this file only names the segment in the message and keeps secrets out of it.
//
// Memory: `downloadSource` resolves with the whole file, so the download step holds it about
// twice at its peak (the received chunks and the joined copy): measured in Node, 32 MB of RSS
// for a 100,000-row CSV of 15 MB, against an isolate's 128 MB. The step runs in its own alarm
// invocation, never next to a slice's plan.

/** A download that cannot be used; `message` names the segment, never a header value or query. */
export class SourceError extends Error {
  /**
   * @param {string} message
   * @param {string} [packageCode] the package's error code (INPUT_INVALID, ABORTED, ...)
   */
  constructor(message, packageCode) {
    super(message);
    this.name = 'SourceError';
    this.code = 'SOURCE_DOWNLOAD_FAILED';
    this.packageCode = packageCode;
  }
}

/**
 * Downloads segment `segment` from `source` (the package's URL source, headers resolved).
 * Resolves with the bytes; rejects with a SourceError when the package refuses the download
 * (any AutopilotExportError, an abort by `signal` included). Other errors are rethrown.
 * @param {{downloadSource: Function, isAutopilotExportError: Function}} core the package
 * @param {{source: {url: string, format: string, headers?: Record<string, string>}, segment: string, signal?: AbortSignal}} args
 * @returns {Promise<Uint8Array>}
 */
export async function download(core, { source, segment, signal }) {
  try {
    return await core.downloadSource(source, { signal });
  } catch (e) {
    if (!core.isAutopilotExportError(e)) throw e;
    const reason = String(e.message ?? '').replace(/^segments\[\d+\]\.profiles: /, '');
    // The package's message carries no URL token, credential or header value.
    const message = `segment "${segment}" (${describe(source.url)}): ${reason}`;
    throw new SourceError(message, e.code);
  }
}

/** Origin and path of a URL: no query string or credentials (they may carry a token). */
function describe(url) {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'invalid URL';
  }
}

