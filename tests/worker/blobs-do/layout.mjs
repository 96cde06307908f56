// Lays out workerd for the blobs tests: a temp dir with the test-only Worker (worker.mjs,
// wire.mjs), the Worker's real www/worker/src/blobs.mjs, and a capnp config with the
// BlobsObject class on SQLite (`enableSql`) and `localDisk` storage in `<dir>/do`, which
// survives a kill of workerd. Listens on 127.0.0.1 only; no outbound network.
// Start and stop it with harness.mjs `start(box, {readyStatus: 200})`.

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, freePort } from '../harness.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** @returns {Promise<{dir: string, port: number, remove: () => void}>} */
export async function layoutBlobs() {
  const dir = mkdtempSync(join(tmpdir(), 'apx-blobs-'));
  const storage = join(dir, 'do');
  mkdirSync(storage);
  copyFileSync(join(HERE, 'worker.mjs'), join(dir, 'worker.mjs'));
  copyFileSync(join(HERE, 'wire.mjs'), join(dir, 'wire.mjs'));
  copyFileSync(join(ROOT, 'www/worker/src/blobs.mjs'), join(dir, 'blobs.mjs'));
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),
    (name = "storage", disk = (path = ${JSON.stringify(storage)}, writable = true)),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);

const main :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "blobs.mjs", esModule = embed "blobs.mjs"),
    (name = "wire.mjs", esModule = embed "wire.mjs"),
  ],
  compatibilityDate = "2025-06-01",
  bindings = [ (name = "BLOBS", durableObjectNamespace = "BlobsObject") ],
  durableObjectNamespaces = [
    (className = "BlobsObject", uniqueKey = "autopilot-export-blobs-test", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "storage"),
);
`);
  return { dir, port, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
