// Shared state of the admin page's steps: the page state, the loaded package and storage
// (set at boot), and the small helpers every step uses (errors said once, storage calls
// that never stop the page, disabled buttons that say why).

import { $, h, setAlert } from './dom.js';

import { describeError } from './messages.js';

import { whyNoResponse } from './reach.js';

/**
 * The loaded package (./exporter.js) and the page's storage (./storage.js); null until boot
 * has them (or when they could not be loaded).
 * @type {{api: typeof import('./exporter.js') | null, store: Awaited<ReturnType<typeof import('./storage.js').openStorage>> | null}}
 */
export const app = { api: null, store: null };

export const state = {
  /** The package's metadata: defaults, bounds, standard fields, custom types. */
  meta: null,
  /** @type {{core: object[], more: object[]}} */
  targets: { core: [], more: [] },
  /** Verified connection (package shape, with the key: memory only); null until Connect succeeds. */
  connection: null,
  account: null,
  /** Storage id of the connection and its record ({config, syncState, resume}). */
  connId: null,
  record: null,
  /** @type {{id: number, name: string, fileName: string, size: number, format: string, formatSet?: boolean, options?: {delimiter?: unknown, encoding?: unknown}, bytes?: Uint8Array, inspection?: object, suggestion?: object, dialect?: object, pending?: boolean}[]} */
  segments: [],
  nextSegmentId: 1,
  mapping: { email: '', firstName: '', lastName: '', fields: {}, custom: [] },
  /** Target keys the user chose by hand or imported (suggestions never overwrite them). */
  touched: new Set(),
  /** Target keys holding a suggestion the user has not changed. */
  suggested: new Set(),
  /** Custom-field suggestions the user declined. */
  declined: new Set(),
  settings: { cap: '', overCap: '', lists: '', listPrefix: '', idField: '', membership: '', maxRemovalRatio: '', run: {} },
  /** The imported configuration file's "$comment", written back as it was. */
  comment: undefined,
  /** Choices set by the user or a configuration (radios show the package's default otherwise, which is not written). */
  explicit: new Set(),
  /** Last preview: {summary, key}. */
  preview: null,
  previewAttempted: false,
  previewing: false,
  previewAgain: false,
  connecting: false,
  run: null, // {controller}
  /** Whether a run ended after the last preview (its sync state makes that preview stale). */
  ranSincePreview: false,
  moreOpened: false,
};

export const validateSeq = { n: 0 };

// ------------------------------------------------------------------ small helpers

/** Shows an error of the package (or the page's BLOCKED) in an alert box, said once. */
export function showError(box, e, ...extra) {
  const said = describeError(e);
  setAlert(box, said.title, said.detail, said.hint ? h('p', { class: 'hint-line' }, said.hint) : null, ...extra);
  return said;
}

/** The API base URL as used: the form's, else the package's default. */
export function effectiveBaseUrl(conn) {
  return conn?.baseUrl || state.meta?.defaults?.baseUrl || '';
}

/**
 * A NETWORK error of a call to `baseUrl`: the browser blocked it (CORS) or nobody answered.
 * @returns {Promise<object>} the error, recoded BLOCKED when blocked
 */
export async function explainNetwork(e, baseUrl) {
  if (e?.code !== 'NETWORK' || !baseUrl || !app.api) return e;
  let loopback = false;
  try { loopback = await app.api.isLoopbackUrl(baseUrl); } catch { /* treat as not loopback */ }
  const why = await whyNoResponse(baseUrl, loopback);
  if (why !== 'blocked') return e;
  return {
    ...e,
    code: 'BLOCKED',
    message: loopback
      ? `${baseUrl} answers, but it does not allow this page to read its answers (no CORS headers)`
      : `This page may not call ${baseUrl}: the browser allows a web page to call only an API that permits the page's origin (CORS), and it gave no response`,
  };
}

/** Runs a storage call; a failure is shown once and never stops the page. */
export async function keep(fn) {
  if (!app.store) return undefined;
  try {
    return await fn(app.store);
  } catch (e) {
    $('#config-status').textContent = `Could not keep this in the browser: ${e instanceof Error ? e.message : e}`;
    return undefined;
  }
}

/** Disables a button with its reason shown next to it (and as its tooltip), or enables it. */
export function setDisabled(btn, whyEl, why) {
  btn.disabled = Boolean(why);
  if (why) btn.title = why; else btn.removeAttribute('title');
  if (whyEl) whyEl.textContent = why;
}
