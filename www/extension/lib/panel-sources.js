// "Add a segment from a URL" in the page's Segments section. The service worker downloads
// the file with the core's downloadSource (host permission instead of CORS: loopback in the
// test build, other origins asked for when added; the core's rules: no redirect, complete or
// nothing) and the page gets it like a picked file, so the page's own segment, matching and
// preview code reads it. The URL and token are remembered with the file's bytes, so a
// destination saved later knows which segment comes from which URL.

import * as client from './client.js';
import { $, h, sentence, setAlert } from './dom.js';

/** Formats of a URL source, from the core's metadata: {name, label, extensions}. */
let formats = [];

/**
 * Segments added from URLs: {url, token, fileName, bytes}.
 * @type {{url: string, token: string, fileName: string, bytes: Uint8Array}[]}
 */
export const urlSources = [];

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The URL source whose downloaded bytes are exactly `bytes`, or undefined.
 * @param {Uint8Array} bytes
 */
export function sourceOfBytes(bytes) {
  return urlSources.findLast((s) => sameBytes(s.bytes, bytes));
}

/** Asks for host permission for the URL's origin when the extension does not have it. */
async function ensureAccess(url) {
  const origins = [`${url.origin}/*`];
  if (await chrome.permissions.contains({ origins })) return true;
  try {
    return await chrome.permissions.request({ origins });
  } catch {
    return false;
  }
}

const extensionOf = (name) => { const m = /\.[^./]+$/.exec(name); return m ? m[0].toLowerCase() : ''; };

/** The URL's file name, with an extension of `format` so the page reads it in that format. */
function fileNameFor(url, format) {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '') || 'segment';
  const exts = formats.find((f) => f.name === format)?.extensions ?? [];
  if (exts.includes(extensionOf(last)) || !exts.length) return last;
  return `${last.replace(/\.[^.]*$/, '')}${exts[0]}`;
}

/** The format the URL's file extension belongs to (the core's list), if any. */
function formatOfUrl(text) {
  try {
    const ext = extensionOf(new URL(text).pathname);
    return formats.find((f) => f.extensions.includes(ext))?.name;
  } catch {
    return undefined;
  }
}

/**
 * Adds the "from a URL" controls to the Segments section.
 * @param {object|null} metadata  the core's metadata (formats)
 */
export function mountUrlSources(metadata) {
  formats = metadata?.formats ?? [];
  const anchor = $('#dropzone');
  const section = $('#segments') ?? $('main') ?? document.body;
  const url = h('input', { id: 'ext-src-url', type: 'url', placeholder: 'https://…/segment.csv', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'ext-src-url-hint' });
  const format = h('select', { id: 'ext-src-format' }, formats.map((f) => h('option', { value: f.name }, f.label)));
  url.addEventListener('change', () => { const f = formatOfUrl(url.value); if (f) format.value = f; });
  const token = h('input', { id: 'ext-src-token', type: 'password', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'ext-src-token-hint' });
  const status = h('span', { id: 'ext-src-status', class: 'status-text', role: 'status' });
  const error = h('div', { id: 'ext-src-error', class: 'alert alert-error', role: 'alert', hidden: true });
  const add = h('button', { type: 'button', id: 'ext-src-add', class: 'btn' }, 'Add from URL');
  const box = h('details', { id: 'ext-src', class: 'sub ext-src', open: true },
    h('summary', {}, 'Add a segment from a URL'),
    h('p', { class: 'hint' }, 'Scheduled refreshes read their segments from URLs: a CSV, NDJSON or JSON file your customer-data platform publishes. '
      + 'The file is downloaded now for matching and preview, and again on every refresh.'),
    h('div', { class: 'grid-2' },
      h('div', { class: 'field' }, h('label', { for: 'ext-src-url' }, 'Segment file URL'), url,
        h('p', { class: 'hint', id: 'ext-src-url-hint' }, 'The extension asks for permission to read from that site the first time.')),
      h('div', { class: 'field' }, h('label', { for: 'ext-src-format' }, 'Format'), format),
      h('div', { class: 'field' }, h('label', { for: 'ext-src-token' }, 'Access token (optional)'), token,
        h('p', { class: 'hint', id: 'ext-src-token-hint' }, 'Sent as “Authorization: Bearer …”. Kept like the API key, never in saved destinations.'))),
    h('div', { class: 'actions' }, add, status), error);
  if (anchor) anchor.after(box);
  else section.append(box);

  add.addEventListener('click', async () => {
    setAlert(error, '');
    let u;
    try { u = new URL(url.value.trim()); } catch { u = null; }
    if (!u || !/^https?:$/.test(u.protocol)) {
      setAlert(error, 'Enter the file’s full address,', 'starting with https://.');
      url.focus();
      return;
    }
    if (!(await ensureAccess(u))) {
      setAlert(error, 'No permission to read from this site.', `Allow the extension to access ${u.origin} to use it as a segment source.`);
      return;
    }
    add.disabled = true;
    status.textContent = 'Downloading…';
    try {
      const source = { url: u.href, format: format.value };
      if (token.value) source.headers = { Authorization: `Bearer ${token.value}` };
      const bytes = await client.call('downloadSource', { source });
      const fileName = fileNameFor(u, format.value);
      urlSources.push({ url: u.href, token: token.value, fileName, bytes });
      const input = /** @type {HTMLInputElement|null} */ ($('#files'));
      if (!input) throw new Error('this version of the page has no file input to add the segment to');
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], fileName, { type: 'application/octet-stream', lastModified: Date.now() }));
      input.files = dt.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      status.textContent = `Downloaded ${fileName} (${new Intl.NumberFormat('en-US').format(bytes.length)} bytes).`;
      url.value = '';
      token.value = '';
    } catch (e) {
      status.textContent = '';
      setAlert(error, 'The segment could not be downloaded.', sentence(e instanceof Error ? e.message : String(e)));
    } finally {
      add.disabled = false;
    }
  });
}
