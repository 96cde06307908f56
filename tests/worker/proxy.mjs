// A recording pass-through in front of the emulator (127.0.0.1 only), the request log of the
// restart tests: every /v1 request is forwarded to the emulator as it came and recorded in
// arrival order with the `epoch` the test set (0 before a kill, 1 after the restart), whether
// its answer reached the client, and, for a bulk upsert, a digest of its batch (the sorted
// `Email|_autopilot_list` pairs) and its contact keys. Two requests with the same digest sent
// the same batch. Node standard library only.

import { createHash } from 'node:crypto';
import http from 'node:http';
import { closeServer, listenLoopback, readBody } from '../emulator/loopback.mjs';

/**
 * @typedef {object} LoggedRequest
 * @property {number} seq       arrival order, from 0
 * @property {number} epoch     the proxy's epoch when it arrived
 * @property {string} route     `METHOD /path` without query
 * @property {boolean} answered the emulator's answer was written to the client completely
 * @property {string} [batch]   digest of a POST /v1/contacts batch
 * @property {string[]} [contacts] its `email|list` keys
 */

/**
 * Starts the proxy.
 * @param {string} origin the emulator's origin, `http://127.0.0.1:<port>`
 * @returns {Promise<{url: string, requests: () => LoggedRequest[], setEpoch: (n: number) => void, stop: () => Promise<void>}>}
 */
export async function startProxy(origin) {
  const target = new URL(origin);
  /** @type {LoggedRequest[]} */
  const log = [];
  let epoch = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer(async (req, res) => {
    const { text } = await readBody(req, 8 * 1024 * 1024);
    const path = req.url ?? '/';
    const entry = { seq: log.length, epoch, route: `${req.method} ${path.split('?')[0]}`, answered: false };
    if (entry.route === 'POST /v1/contacts') {
      try {
        const keys = JSON.parse(text).contacts.map((c) => `${String(c.Email).toLowerCase()}|${c._autopilot_list ?? ''}`).sort();
        entry.contacts = keys;
        entry.batch = createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 24);
      } catch {
        entry.batch = 'unreadable';
      }
    }
    log.push(entry);
    const headers = { ...req.headers, host: target.host };
    delete headers.connection;
    delete headers['transfer-encoding'];
    headers['content-length'] = String(Buffer.byteLength(text));
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path, headers, agent }, (answer) => {
      const chunks = [];
      answer.on('data', (c) => chunks.push(c));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const out = { ...answer.headers, 'content-length': String(body.length) };
        delete out.connection;
        delete out['transfer-encoding'];
        delete out['keep-alive'];
        res.writeHead(answer.statusCode ?? 502, out);
        res.end(body, () => {
          entry.answered = true;
        });
      });
      answer.on('error', () => res.destroy());
    });
    // The emulator dropped the connection (fault injection): drop the client's too.
    up.on('error', () => res.destroy());
    up.end(text);
  });
  const port = await listenLoopback(server, 0);
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => log.map((x) => ({ ...x })),
    setEpoch: (n) => {
      epoch = n;
    },
    stop: async () => {
      await closeServer(server);
      agent.destroy();
    },
  };
}
