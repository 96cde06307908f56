// Files the command-line tool writes and reads back: every write is atomic (a temporary file
// in the same directory, written, fsync'ed, renamed over the target; the directory fsync'ed
// after), so a crash or a full disk never leaves a half-written report, checkpoint or sync
// state. Temporary files of dead processes are removed on this process's first write of the
// same file (a directory scan, not repeated on every interim checkpoint). Nothing written
// may hold a secret (checked on the bytes).

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CliError, EXIT, bytesHoldSecret, redact } from './output.mjs';

const tempPrefix = (file) => `.${path.basename(file)}.`;
const TEMP_RE = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;
/** Files (resolved paths) whose stale temporary files this process has removed already. */
const swept = new Set();

/** Whether process `pid` runs on this machine. */
export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Removes temporary files of `file` left by processes that no longer run (a crash mid-write). */
export function removeStaleTemps(file) {
  const dir = path.dirname(path.resolve(file));
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = TEMP_RE.exec(n);
    if (m && n.startsWith(tempPrefix(file)) && m[1] === path.basename(file) && Number(m[2]) !== process.pid && !alive(Number(m[2]))) {
      rmSync(path.join(dir, n), { force: true });
    }
  }
}

/**
 * Writes `data` (a string, redacted, or bytes, refused if they hold a secret) to `file`
 * atomically.
 * @param {string} file
 * @param {string | Uint8Array} data
 * @param {{mode?: number, chunkSize?: number, afterChunk?: (written: number) => void}} [opts]
 *   `afterChunk` runs after each chunk reaches the temporary file (tests crash there).
 */
export function writeFileAtomic(file, data, { mode = 0o644, chunkSize = 1 << 20, afterChunk } = {}) {
  let bytes;
  if (typeof data === 'string') {
    bytes = Buffer.from(redact(data), 'utf8');
  } else {
    if (bytesHoldSecret(data)) throw new Error('refusing to write a secret to a file (internal error; please report this)');
    bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  const target = path.resolve(file);
  const dir = path.dirname(target);
  if (!swept.has(target)) {
    removeStaleTemps(file);
    swept.add(target);
  }
  const tmp = path.join(dir, `${tempPrefix(file)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd;
  try {
    fd = openSync(tmp, 'wx', mode);
    for (let off = 0; off < bytes.length;) {
      const n = writeSync(fd, bytes, off, Math.min(chunkSize, bytes.length - off));
      off += n;
      afterChunk?.(off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try { closeSync(fd); } catch { /* already failing */ }
    }
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch {
    // Some file systems refuse to fsync a directory; the rename is still atomic.
  }
}

/**
 * Checks, before anything is sent, that `file` can be written later: its directory exists
 * and takes a new file, and `file` is not a directory. Throws a CliError (exit 2).
 */
export function assertWritable(file, what) {
  try {
    if (statSync(file).isDirectory()) throw new CliError(`${what} '${file}' is a directory`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (e.code !== 'ENOENT') throw new CliError(`${what} '${file}' cannot be read: ${e.message}`);
  }
  const dir = path.dirname(path.resolve(file));
  const probe = path.join(dir, `${tempPrefix(file)}${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    closeSync(openSync(probe, 'wx', 0o600));
    rmSync(probe, { force: true });
  } catch (e) {
    throw new CliError(`${what} '${file}' cannot be written (${e.code === 'ENOENT' ? `no such directory '${dir}'` : e.message}); nothing was sent`);
  }
  removeStaleTemps(file);
}

// ------------------------------------------------------------------ sync state

/**
 * Reads a sync state file: its bytes, or null when it does not exist yet (the first run).
 * The bytes are opaque here; the package checks version, checksum and account.
 */
export function readState(file) {
  try {
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw new CliError(`--state: cannot read '${file}': ${e.code === 'EISDIR' ? 'it is a directory' : e.message}`);
  }
}

/** Writes a sync state (report.syncState) atomically, readable by the owner only. */
export function writeState(file, bytes) {
  writeFileAtomic(file, bytes, { mode: 0o600 });
}

// ------------------------------------------------------------------ checkpoint

/** The checkpoint file when --checkpoint-file is not given. */
export const DEFAULT_CHECKPOINT = 'autopilot-export.checkpoint.json';

/** Where the sync state of an interrupted run goes when no --state file was given. */
export const sidecarState = (checkpointFile) => `${checkpointFile}.state`;

export function readCheckpoint(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`--resume: cannot read the checkpoint '${file}': ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}

export function writeCheckpoint(file, checkpoint) {
  writeFileAtomic(file, `${JSON.stringify(checkpoint, null, 2)}\n`, { mode: 0o600 });
}

// ------------------------------------------------------------------ rejected rows

/**
 * Writes the rejected rows as CSV through the package's `toCsv`, which neutralises every cell
 * a spreadsheet would run as a formula. Columns: segment, row, id, reason, detail.
 */
export function writeRejectsCsv(ap, file, rejects, segments) {
  const rows = [['segment', 'row', 'id', 'reason', 'detail']];
  for (const r of rejects ?? []) rows.push([segments?.[r.segment]?.name ?? String(r.segment), r.row, r.id ?? null, r.reason, r.detail ?? null]);
  writeFileAtomic(file, ap.toCsv(rows));
  return rows.length - 1;
}

export { EXIT };
