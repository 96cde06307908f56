// Small HTTP plumbing shared by the emulator, the recorder and the file server:
// listen on 127.0.0.1 only, read a request body with a size cap, close a server
// with all its connections. Node standard library only.

/** The only address any server in this folder binds to. */
export const LOOPBACK = '127.0.0.1';

/**
 * Listens on 127.0.0.1.
 * @param {import('node:http').Server} server
 * @param {number} port 0 = ephemeral
 * @returns {Promise<number>} the bound port
 */
export function listenLoopback(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: LOOPBACK }, () => {
      server.off('error', reject);
      resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port);
    });
  });
}

/**
 * Closes the server and destroys every open connection.
 * @param {import('node:http').Server} server
 */
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve(undefined));
    server.closeAllConnections();
  });
}

/**
 * Reads a request body, keeping at most `maxBytes`; the rest is drained and discarded.
 * @param {import('node:http').IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<{text: string, tooLarge: boolean}>} text is '' when tooLarge
 */
export function readBody(req, maxBytes) {
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge }));
    req.on('error', () => resolve({ text: '', tooLarge: false }));
  });
}
