// Bearer-token check of every endpoint. The token is the Worker secret ADMIN_TOKEN; both sides
// are hashed (SHA-256) and the digests compared in constant time, so neither the token's
// content nor its length shows in the time a refusal takes. No secret set = every request refused.

const encoder = new TextEncoder();

/**
 * Whether `request` carries `Authorization: Bearer <ADMIN_TOKEN>`.
 * @param {Request} request
 * @param {{ADMIN_TOKEN?: unknown}} env
 * @returns {Promise<boolean>}
 */
export async function authorized(request, env) {
  const expected = typeof env.ADMIN_TOKEN === 'string' ? env.ADMIN_TOKEN : '';
  const header = request.headers.get('authorization') ?? '';
  const m = /^Bearer[ ]+(\S.*)$/i.exec(header);
  const given = m ? m[1].trim() : '';
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  const same = equal(a, b);
  return same && expected !== '' && given !== '';
}

async function digest(text) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Constant-time equality of two 32-byte digests (workerd's timingSafeEqual where present). */
function equal(a, b) {
  if (typeof crypto.subtle.timingSafeEqual === 'function') return crypto.subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a[i] ^ b[i];
  return diff === 0;
}
