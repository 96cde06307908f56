// Why a call failed without any response. A browser hides the reason (refused connection,
// unknown host, or a response the page may not read because the server does not allow this
// page's origin: CORS). One opaque probe tells them apart: a `no-cors` GET of the base URL,
// with no API key, no header, no cookie and no body, resolves when the server answers at
// all. (Browsers require `redirect: 'follow'` for `no-cors`; the probe carries nothing that
// a redirect could leak, unlike the package's own requests, which never follow one.)

/**
 * 'blocked' when the server answers but the browser would not let the page read it (or, for
 * a non-loopback host, when the browser gives no answer either: a page cannot call an API
 * that does not allow it), 'unreachable' when a loopback server does not answer.
 * @param {string} baseUrl  the API base URL that was called
 * @param {boolean} loopback  the package's isLoopbackUrl(baseUrl)
 * @param {{fetch?: typeof fetch, timeoutMs?: number}} [opts]
 * @returns {Promise<'blocked'|'unreachable'>}
 */
export async function whyNoResponse(baseUrl, loopback, { fetch: f = globalThis.fetch, timeoutMs = 5000 } = {}) {
  try {
    await f(baseUrl, {
      mode: 'no-cors', credentials: 'omit', cache: 'no-store', redirect: 'follow', referrerPolicy: 'no-referrer',
      signal: AbortSignal.timeout(timeoutMs),
    });
    return 'blocked';
  } catch {
    return loopback ? 'unreachable' : 'blocked';
  }
}
