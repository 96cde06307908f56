// Where the extension keeps secrets: a connection's Autopilot API key and the bearer tokens
// of its URL segment sources. By default in chrome.storage.session (memory only, gone when
// the browser closes); with "remember on this device", in chrome.storage.local instead (on
// disk, unencrypted, in this browser profile). Never in storage.sync, IndexedDB, history,
// reports or logs. A secret lives in exactly one area at a time.

/** @typedef {'session'|'local'} KeyArea */

const areas = () => ({ session: chrome.storage.session, local: chrome.storage.local });

const keyName = (connectionId) => `apiKey:${connectionId}`;
const tokenName = (destinationId, source) => `sourceToken:${destinationId}:${source}`;

async function write(area, name, value) {
  const a = areas();
  const other = area === 'local' ? a.session : a.local;
  await a[area].set({ [name]: value });
  await other.remove(name);
}

async function read(name) {
  const a = areas();
  const s = await a.session.get(name);
  if (typeof s[name] === 'string') return { value: s[name], area: 'session' };
  const l = await a.local.get(name);
  if (typeof l[name] === 'string') return { value: l[name], area: 'local' };
  return null;
}

async function move(name, area) {
  const found = await read(name);
  if (found && found.area !== area) await write(area, name, found.value);
}

/**
 * Stores the API key of a connection in `area` (and removes it from the other area).
 * @param {string} connectionId
 * @param {string} apiKey
 * @param {KeyArea} area
 */
export function setApiKey(connectionId, apiKey, area) {
  return write(area, keyName(connectionId), apiKey);
}

/**
 * The stored API key of a connection, or null.
 * @param {string} connectionId
 * @returns {Promise<string|null>}
 */
export async function getApiKey(connectionId) {
  return (await read(keyName(connectionId)))?.value ?? null;
}

/** Which area holds the key of a connection ('session', 'local'), or null. */
export async function apiKeyArea(connectionId) {
  return (await read(keyName(connectionId)))?.area ?? null;
}

/**
 * Moves a connection's key and the tokens of the given destinations to `area`.
 * @param {string} connectionId
 * @param {KeyArea} area
 * @param {{id: string, sources: {tokenRef?: string}[]}[]} destinations
 */
export async function moveSecrets(connectionId, area, destinations = []) {
  await move(keyName(connectionId), area);
  for (const d of destinations) for (const s of d.sources) if (s.tokenRef) await move(tokenName(d.id, s.tokenRef), area);
}

/** Removes a connection's key from both areas. */
export async function forgetApiKey(connectionId) {
  const a = areas();
  await a.session.remove(keyName(connectionId));
  await a.local.remove(keyName(connectionId));
}

/**
 * Stores the bearer token of one URL source of a destination.
 * @param {string} destinationId
 * @param {string} ref  the source's tokenRef
 * @param {string} token
 * @param {KeyArea} area
 */
export function setSourceToken(destinationId, ref, token, area) {
  return write(area, tokenName(destinationId, ref), token);
}

/** The bearer token of a source, or null. */
export async function getSourceToken(destinationId, ref) {
  return (await read(tokenName(destinationId, ref)))?.value ?? null;
}

/** Removes every token of a destination from both areas. */
export async function forgetSourceTokens(destinationId) {
  const a = areas();
  for (const area of [a.session, a.local]) {
    const all = await area.get(null);
    const names = Object.keys(all).filter((k) => k.startsWith(`sourceToken:${destinationId}:`));
    if (names.length) await area.remove(names);
  }
}
