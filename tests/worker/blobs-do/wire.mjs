// The JSON encoding of calls to the blobs test Durable Object and of its answers, shared by
// the object (worker.mjs, inside workerd) and its Node client (client.mjs): Uint8Array values
// travel as {"$u8": [bytes]} and come back as Uint8Array; every other value is plain JSON, and
// an answer is wrapped ({result}) so that `undefined` stays distinguishable from `null`.

/** @param {unknown} value @returns {string} */
export const encode = (value) => JSON.stringify(value, (_, v) => (v instanceof Uint8Array ? { $u8: Array.from(v) } : v));

/** @param {string} text @returns {any} */
export const decode = (text) =>
  JSON.parse(text, (_, v) => (v !== null && typeof v === 'object' && Array.isArray(v.$u8) && Object.keys(v).length === 1 ? Uint8Array.from(v.$u8) : v));
