// Reply shapes shared by the emulator's route handlers: Autopilot's error body
// `{"error": "<reason phrase>", "message": "…"}` [APIARY-2015]. No I/O.

/**
 * @typedef {object} Reply
 * @property {number} status
 * @property {unknown} body  JSON value, or null for an empty body
 * @property {Record<string, string>} [headers]
 * @property {boolean} [drop]          destroy the socket instead of answering
 * @property {number} [extraDelayMs]   added to the latency
 */

/** @param {unknown} v */
export function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @param {number} status @param {string} error @param {string} message @returns {Reply} */
export function errorReply(status, error, message) {
  return { status, body: { error, message } };
}

/** @param {string} message */
export const badRequest = (message) => errorReply(400, 'Bad Request', message);

/** @param {string} message */
export const notFound = (message) => errorReply(404, 'Not Found', message);
