// The emulator's observability and test-control routes under /__emulator/:
// no auth, no rate limit, no latency, never counted as API requests.

import { badRequest, errorReply, notFound } from './replies.mjs';

/**
 * @typedef {object} AdminTarget what the admin routes act on (the Emulator)
 * @property {any} config
 * @property {(opts: {contacts?: boolean}) => object} state
 * @property {() => void} reset
 * @property {(patch: object) => object} configure
 */

/**
 * Answers one `/__emulator/*` request.
 * @param {AdminTarget} emu
 * @param {string} method @param {string} pathname @param {URLSearchParams} query
 * @param {{text: string, tooLarge: boolean}} raw
 * @returns {import('./replies.mjs').Reply}
 */
export function adminRoute(emu, method, pathname, query, raw) {
  const parseJson = () => {
    if (raw.text.trim() === '') return {};
    return JSON.parse(raw.text);
  };
  const allow = (methods) => ({
    ...errorReply(405, 'Method Not Allowed', `Use ${methods.join(' or ')}.`),
    headers: { Allow: methods.join(', ') },
  });
  switch (pathname) {
    case '/__emulator/state': {
      if (method !== 'GET') return allow(['GET']);
      const c = query.get('contacts');
      return { status: 200, body: emu.state({ contacts: !(c === '0' || c === 'false') }) };
    }
    case '/__emulator/reset':
      if (method !== 'POST') return allow(['POST']);
      emu.reset();
      return { status: 200, body: { ok: true } };
    case '/__emulator/config':
      if (method === 'GET') return { status: 200, body: structuredClone(emu.config) };
      if (method !== 'POST') return allow(['GET', 'POST']);
      try {
        return { status: 200, body: emu.configure(parseJson()) };
      } catch (err) {
        return badRequest(err instanceof Error ? err.message : String(err));
      }
    default:
      return notFound('Unknown emulator route. Try /__emulator/state, /__emulator/reset, /__emulator/config.');
  }
}
