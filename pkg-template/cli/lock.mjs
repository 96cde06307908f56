// One export at a time per sync state: `export` holds `<file>.lock` (the --state file, or the
// checkpoint file without --state) from before the first request until it has written its
// results. Two runs on one state (a cron run still going when the next starts) would each
// send from the same state, at twice the rate limit together, and the last to finish would
// overwrite the other's confirmations: members placed by the other could then never be
// removed in mirror mode. A lock left by a process that no longer runs on this machine is
// taken over.

import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { alive } from './files.mjs';
import { CliError, EXIT } from './output.mjs';

/** What the lock file says: {pid, host, startedAt}, or null when unreadable. */
function holder(file) {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8'));
    return Number.isInteger(h?.pid) && typeof h.host === 'string' ? h : null;
  } catch {
    return null;
  }
}

/**
 * Takes `<file>.lock` for this process. Throws a CliError (exit 2, nothing sent) when another
 * live process holds it. Where no file can be created, takes nothing (the caller's own check
 * of `file` then refuses the run).
 * @param {string} file  the --state file (or the checkpoint file)
 * @param {string} what  how the messages name it, e.g. "--state export.state"
 * @returns {() => void} releases the lock (idempotent; also done when the process exits)
 */
export function lockFor(file, what) {
  const lock = `${file}.lock`;
  const me = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try { writeSync(fd, `${JSON.stringify(me)}\n`); } finally { closeSync(fd); }
      break;
    } catch (e) {
      // No lock where the file itself cannot be written either (no such directory, no
      // permission): the check of the file that follows refuses the run with the reason.
      if (e.code !== 'EEXIST') return () => {};
      const h = holder(lock);
      const stale = h && h.host === me.host && !alive(h.pid);
      if (!stale || attempt > 0) {
        const who = h ? `process ${h.pid} on ${h.host}, since ${h.startedAt}` : 'another process';
        throw new CliError(`${what} is in use by another export (${who}): wait for it to end; if no such export runs any more, remove '${lock}'. Nothing was sent.`, EXIT.USAGE);
      }
      rmSync(lock, { force: true }); // left by a process that is gone: take it over
    }
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    if (holder(lock)?.pid === process.pid) rmSync(lock, { force: true });
  };
  process.once('exit', release);
  return release;
}
