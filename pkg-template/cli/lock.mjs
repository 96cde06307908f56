// One export at a time per file it writes as it runs: `export` holds `<file>.lock` for its
// --state file and for its checkpoint file, from before anything is read or sent until it has
// written its results. Two runs on one state (a cron run still going when the next starts)
// would each send from the same state, at twice the rate limit together, and the last to
// finish would overwrite the other's confirmations: members placed by the other could then
// never be removed in mirror mode. Two runs on one checkpoint file would overwrite (and, when
// one ends, remove) each other's checkpoints. A lock left by a process that no longer runs
// (on this machine, since its last boot) is taken over, by one process at a time.

import { closeSync, existsSync, fstatSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { alive } from './files.mjs';
import { CliError, EXIT } from './output.mjs';

/** This machine's boot (Linux), so that a pid from before a reboot is not taken as alive. */
function bootId() {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** What a lock file says: {pid, host, boot, startedAt}, or null when unreadable. */
function holder(file) {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8'));
    return Number.isInteger(h?.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/**
 * Whether the holder `h` is gone: same machine, and a pid that runs nothing, or (when both
 * sides know it; a lock of an earlier version does not) another boot.
 */
function gone(h, me) {
  if (!h || h.host !== me.host) return false;
  if (h.boot && me.boot && h.boot !== me.boot) return true;
  return !alive(h.pid);
}

/**
 * Creates `file` ('wx': fails with EEXIST when it is there) holding `me`, readable by the owner
 * only. @returns {number} its open descriptor
 */
function createHolding(file, me) {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(me)}\n`);
  } catch (e) {
    closeSync(fd);
    rmSync(file, { force: true }); // just created by this process: not left empty
    throw e;
  }
  return fd;
}

/**
 * Removes the stale lock `stale` found at `lock`, one process at a time: under `<lock>.break`
 * (taken with 'wx', removed only by the process that took it), and only if the lock still is
 * that stale one (never a lock some process took meanwhile). The break file names its taker,
 * for a person who finds it left behind.
 */
function takeOver(lock, stale, me) {
  const brk = `${lock}.break`;
  let fd;
  try {
    fd = createHolding(brk, me);
  } catch {
    return; // another process is taking it over (or died doing so: see lockFor's message)
  }
  const ours = () => {
    try { return fstatSync(fd).ino === statSync(brk).ino; } catch { return false; }
  };
  try {
    const h = holder(lock);
    if (h && h.pid === stale.pid && h.startedAt === stale.startedAt && ours()) rmSync(lock, { force: true });
  } finally {
    try {
      if (ours()) rmSync(brk, { force: true });
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * Takes `<file>.lock` for this process. Throws a CliError (exit 2, nothing sent) when another
 * live process holds it. Where no file can be created, takes nothing (the caller's own check
 * of `file` then refuses the run).
 * @param {string} file  the --state file or the checkpoint file
 * @param {string} what  how the messages name it, e.g. "--state export.state"
 * @returns {() => void} releases the lock (idempotent; also done when the process exits)
 */
export function lockFor(file, what) {
  const lock = `${file}.lock`;
  const me = { pid: process.pid, host: hostname(), boot: bootId(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(createHolding(lock, me));
      break;
    } catch (e) {
      // No lock where the file itself cannot be written either (no such directory, no
      // permission): the check of the file that follows refuses the run with the reason.
      if (e.code !== 'EEXIST') return () => {};
      const h = holder(lock);
      if (attempt < 3 && gone(h, me)) {
        takeOver(lock, h, me); // then try again: whoever creates the lock first holds it
        continue;
      }
      const who = h ? `process ${h.pid} on ${h.host}, since ${h.startedAt}` : 'another process';
      const breaking = existsSync(`${lock}.break`)
        ? ` ('${lock}.break' is there too: a stale lock is being taken over, or a process died doing so; if no export runs, remove both)`
        : '';
      throw new CliError(`${what} is in use by another export (${who})${breaking}: wait for it to end; if no such export runs any more, remove '${lock}'. Nothing was sent.`, EXIT.USAGE);
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    const h = holder(lock);
    if (h?.pid === me.pid && h.startedAt === me.startedAt) rmSync(lock, { force: true });
  };
  process.once('exit', release);
  return release;
}

/** A file's real path (links followed) when it exists, else its absolute path. */
function realPath(file) {
  try {
    return realpathSync(file);
  } catch {
    return path.resolve(file);
  }
}

/** Whether `a` and `b` name the same file (also through a symbolic link). */
export function samePath(a, b) {
  return realPath(a) === realPath(b);
}

/**
 * Takes the locks of every file in `files` (in this order; a file named twice once), or none.
 * @param {Array<[string, string]>} files  [file, what] pairs
 * @returns {() => void} releases them all
 */
export function lockAll(files) {
  const taken = [];
  const seen = new Set();
  try {
    for (const [file, what] of files) {
      const real = realPath(file);
      if (seen.has(real)) continue;
      seen.add(real);
      taken.push(lockFor(file, what));
    }
  } catch (e) {
    for (const release of taken.reverse()) release();
    throw e;
  }
  return () => { for (const release of taken.reverse()) release(); };
}
