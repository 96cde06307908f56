// What the page says about an error: a short title, the package's own message (said once),
// and what to do next. Pure functions (no DOM), tested in Node.

import { sentence } from './format.js';

/**
 * @typedef {object} Said
 * @property {string} title   bold first words
 * @property {string} detail  the package's message as a sentence ('' when it adds nothing)
 * @property {string} hint    what to do next ('' when nothing to add)
 * @property {'apiKey'|'baseUrl'|null} field  the connection field the error concerns
 */

/** Where exports can run when a browser page may not call the API (CORS). */
export const ELSEWHERE = 'Use the autopilot-export browser extension (it calls Autopilot from its service worker, which the browser does not restrict this way) or the edge worker, which runs exports on a server.';

/** The HTTP status an API_ERROR is about: the error's `status`, else the first 3xx/4xx/5xx its message names. */
export function statusOf(e) {
  if (Number.isInteger(e?.status)) return e.status;
  const m = /\b([345]\d\d)\b/.exec(String(e?.message ?? ''));
  return m ? Number(m[1]) : null;
}

const norm = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();

/** Drops `detail` when it says what `title` says (or the other way round). */
export function dedupe(title, detail) {
  const t = norm(title);
  const d = norm(detail);
  if (!d) return { title, detail: '' };
  if (t && (d.startsWith(t) || t.startsWith(d))) return { title: '', detail };
  return { title, detail };
}

/**
 * The words for an error of the package (a PageError) or the page's own `BLOCKED`.
 * @param {{code: string, message?: string, status?: number, url?: string}} e
 * @returns {Said}
 */
export function describeError(e) {
  const msg = sentence(e.message ?? '');
  const said = (title, hint = '', field = null, detail = msg) => {
    const d = dedupe(title, detail);
    return { title: d.title || sentence(detail), detail: d.title ? d.detail : '', hint, field };
  };
  switch (e.code) {
    case 'AUTH_FAILED':
      return said('Wrong API key:', 'Copy the key again from Autopilot (Settings → Autopilot API) and connect again.', 'apiKey');
    case 'BLOCKED':
      return said('The browser blocked the request:', ELSEWHERE, 'baseUrl');
    case 'NETWORK':
      return said('No answer from the server:', 'Check the API base URL and your network connection.', 'baseUrl');
    case 'API_ERROR': {
      const status = statusOf(e);
      let hint = '';
      if (status === 403) hint = 'The API key may lack the permission for this, or the API base URL points at another server: check both.';
      else if (status === 404) hint = 'The API base URL is probably wrong: Autopilot answers at its API address ending in /v1, nothing else.';
      else if (status !== null && status >= 300 && status < 400) hint = 'The server redirects elsewhere; redirects are never followed (they would carry the key): enter the final API address.';
      return said('Autopilot refused the request:', hint, status === 403 || status === 404 || (status !== null && status < 400) ? 'baseUrl' : null);
    }
    case 'CONFIG_INVALID': return said('Some settings need attention:', '', null, '');
    case 'CONSENT_REQUIRED': return said('Agree to the data-privacy notice first.', '', null, '');
    case 'CAP_EXCEEDED': return said('Too many profiles for one export:', 'Make the segments smaller, or choose “Truncate” in the preview.');
    case 'INPUT_INVALID': return said('A segment file could not be read:', 'Check the file (a spreadsheet must be saved as CSV first).');
    case 'CHECKPOINT_MISMATCH':
      return said('The saved progress belongs to a different export:', 'The settings or files changed since the export was cancelled. Add the same files with the same settings, or discard the saved progress.');
    case 'STATE_MISMATCH':
      return said('The saved sync state does not fit this connection:', 'It was written for another Autopilot account or base URL, or it is damaged. Forget it (Lists and sync) to send every contact again.');
    case 'REMOVALS_EXCEEDED':
      return said('Too many removals for one run:', 'Nothing was sent. If these people really left the segments, raise “Most removals per list” and preview again.');
    case 'NOTHING_TO_EXPORT': return said('Nothing to export:', 'No segment has a valid profile: check the email field in Data matching.');
    case 'ABORTED': return said('Stopped.', '', null, '');
    default: return said('Something went wrong:');
  }
}
