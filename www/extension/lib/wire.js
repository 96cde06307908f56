// What travels over the extension's runtime port. Chrome serialises port messages as JSON,
// so bytes (the sync state inside a report, for one) cross as {$bytes: base64} and come back
// as Uint8Array; errors cross as plain objects with the package's error shape.

const TAG = '$bytes';

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * A JSON-safe copy of `value`: every Uint8Array becomes `{$bytes: base64}`.
 * @param {unknown} value
 * @returns {unknown}
 */
export function pack(value) {
  if (value instanceof Uint8Array) return { [TAG]: toBase64(value) };
  if (Array.isArray(value)) return value.map(pack);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = pack(v);
    return out;
  }
  return value;
}

/**
 * The inverse of `pack`.
 * @param {unknown} value
 * @returns {unknown}
 */
export function unpack(value) {
  if (Array.isArray(value)) return value.map(unpack);
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === TAG && typeof value[TAG] === 'string') return fromBase64(value[TAG]);
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = unpack(v);
    return out;
  }
  return value;
}

/**
 * A thrown value as a plain object. The package's `AutopilotExportError` keeps its name,
 * code, message, issues and report; anything else becomes `INTERNAL` (or the `code` it has).
 * @param {unknown} e
 * @returns {{name: string, code: string, message: string, issues: object[], report?: object}}
 */
export function errorToWire(e) {
  if (e && typeof e === 'object') {
    const o = /** @type {any} */ (e);
    const out = {
      name: typeof o.name === 'string' ? o.name : 'Error',
      code: typeof o.code === 'string' ? o.code : 'INTERNAL',
      message: typeof o.message === 'string' ? o.message : String(e),
      issues: Array.isArray(o.issues) ? o.issues : [],
    };
    if (Number.isInteger(o.status)) out.status = o.status;
    if (o.report) out.report = pack(o.report);
    return out;
  }
  return { name: 'Error', code: 'INTERNAL', message: String(e), issues: [] };
}

/**
 * An error object from its wire form: an `Error` carrying name, code, issues and report, so
 * `www/exporter.js`'s `toPageError` treats it as the package's own error.
 * @param {{name: string, code: string, message: string, issues?: object[], report?: object}} w
 * @returns {Error & {code: string, issues: object[], report?: object}}
 */
export function errorFromWire(w) {
  const e = /** @type {any} */ (new Error(w?.message ?? 'unknown error'));
  e.name = w?.name ?? 'Error';
  e.code = w?.code ?? 'INTERNAL';
  e.issues = Array.isArray(w?.issues) ? w.issues : [];
  if (Number.isInteger(w?.status)) e.status = w.status;
  if (w?.report) e.report = unpack(w.report);
  return e;
}

/**
 * An error of the extension itself (not of the package), with a stable code.
 * @param {string} code
 * @param {string} message
 */
export function extensionError(code, message) {
  const e = /** @type {any} */ (new Error(message));
  e.name = 'ExtensionError';
  e.code = code;
  e.issues = [];
  return e;
}
