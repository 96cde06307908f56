// Downloads one segment file into the destination's storage, whole or not at all.
//
// A refresh reads each segment source once, before anything is sent: every slice then feeds
// the package the same stored bytes (so the checkpoint's job fingerprint matches), and a
// failed or partial download ends the refresh before any request to Autopilot. Redirects are
// not followed (a header from a secret must not travel to another origin); a non-2xx answer,
// a body that breaks off, or fewer or more bytes than Content-Length announced is a failure.
//
// These are the package's download rules (src/download.rs), which its JS API does not expose
// to a host that stores the bytes itself; replace this file by the package's call once it
// does (see README.md, Open points).

import { DOWNLOAD_TIMEOUT_MS } from './limits.mjs';

/** A download that cannot be used; `message` names the segment, never a header value or query. */
export class SourceError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'SourceError';
    this.code = 'SOURCE_DOWNLOAD_FAILED';
  }
}

/**
 * Streams `url` into `writer` (see Blobs.writer) and returns the byte count. On any failure the
 * writer is aborted (nothing stays stored) and a SourceError is thrown.
 * @param {{url: string, headers: Record<string, string>, segment: string, writer: ReturnType<import('./blobs.mjs').Blobs['writer']>, signal?: AbortSignal}} args
 * @returns {Promise<number>}
 */
export async function download({ url, headers, segment, writer, signal }) {
  const where = `segment "${segment}" (${describe(url)})`;
  const timeout = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    let res;
    try {
      res = await fetch(url, { headers, redirect: 'manual', signal: both });
    } catch (e) {
      throw new SourceError(`${where}: no answer (${e?.name === 'TimeoutError' ? 'timed out' : 'network error'})`);
    }
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => {});
      const hint = res.status >= 300 && res.status < 400 ? ' (redirects are not followed: use the final URL)' : '';
      throw new SourceError(`${where}: HTTP ${res.status}${hint}`);
    }
    const announced = res.headers.get('content-length');
    if (res.body) {
      const reader = res.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          writer.append(value);
        }
      } catch (e) {
        throw new SourceError(`${where}: the download broke off after ${writer.bytes} bytes`);
      }
    }
    if (announced !== null && Number(announced) !== writer.bytes) {
      throw new SourceError(`${where}: received ${writer.bytes} of ${announced} bytes`);
    }
    return writer.finish();
  } catch (e) {
    writer.abort();
    if (e instanceof SourceError) throw e;
    throw new SourceError(`${where}: ${e?.name ?? 'error'} while storing the download`);
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
