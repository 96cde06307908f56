// Identifiers shared by the extension's page and its service worker.

/** Name of the runtime port between the page and the service worker. */
export const PORT_NAME = 'autopilot-export';

/**
 * The id of a connection: its display name and its API base as the core writes it (the
 * package's `apiBaseUrl(conn.baseUrl)`: one form of each address, the default when blank).
 * Secrets and sync states are filed under it.
 * @param {{displayName: string}} conn
 * @param {string} apiBase  apiBaseUrl(conn.baseUrl)
 */
export function connectionId(conn, apiBase) {
  return `${String(conn.displayName ?? '').trim()} @ ${apiBase}`;
}

/**
 * A copy of a job (or connection) without the API key.
 * @template T
 * @param {T} value  a Connection or an object with `connection`
 * @returns {T}
 */
export function withoutKey(value) {
  if (value && typeof value === 'object' && 'connection' in value) {
    const { apiKey, ...connection } = /** @type {any} */ (value).connection ?? {};
    return { ...value, connection };
  }
  const { apiKey, ...rest } = /** @type {any} */ (value);
  return rest;
}

/** A new random id with a prefix, e.g. "dest-lx2k9-3f1a". */
export function newId(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
}
