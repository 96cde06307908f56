// Interim checkpoints of a running export: the package's `onCheckpoint` (after every finished
// batch) written to the checkpoint file at most once per INTERIM_INTERVAL_MS, so that a run
// killed without warning (SIGKILL, out of memory, a reboot, a second Ctrl-C) can still be
// resumed with --resume. An interim checkpoint resumes together with the sync state the run
// started from (the package's rule, README "onCheckpoint"): the --state file as it was, or,
// without --state, the starting state written next to the checkpoint (an empty file for a
// run that started without one, so that --resume still finds the file it insists on).
// Batches finished after the last write are sent again on resume; upserts are keyed by email,
// so that changes nothing.

import { rmSync } from 'node:fs';
import { sidecarState, writeCheckpoint, writeState } from './files.mjs';

/** Least time between two writes of an interim checkpoint, in milliseconds. */
export const INTERIM_INTERVAL_MS = 1000;

/**
 * @param {string} file  the checkpoint file
 * @param {{sidecar: boolean, startState: Uint8Array | null | undefined, say: (line: string) => void}} opts
 *   sidecar: no --state, so the starting state goes next to the checkpoint
 * @returns {{onCheckpoint: (cp: object) => void, written: () => boolean, remove: () => void}}
 */
export function interimCheckpoints(file, { sidecar, startState, say }) {
  let last = -Infinity;
  let written = false;
  let warned = false;
  return {
    onCheckpoint(cp) {
      const now = performance.now(); // monotonic: a clock set back does not stop the writes
      if (now - last < INTERIM_INTERVAL_MS) return;
      last = now;
      try {
        if (!written) {
          // Without --state: the state this run started from. With --state: none, so that a
          // --resume without --state is refused rather than paired with a stale one.
          if (sidecar) writeState(sidecarState(file), startState ?? new Uint8Array(0));
          else rmSync(sidecarState(file), { force: true });
        }
        writeCheckpoint(file, cp);
        written = true;
      } catch (e) {
        if (!warned) {
          warned = true;
          say(`Note: cannot write the checkpoint to '${file}' (${e.message}); the export goes on, but if it is killed it cannot be resumed.`);
        }
      }
    },
    written: () => written,
    /**
     * Removes what this run wrote (the run ended, or its final checkpoint replaces it). Never
     * throws: a checkpoint left behind is refused with any other state, and what comes next
     * (writing the sync state) matters more.
     */
    remove() {
      if (!written) return;
      written = false;
      try {
        rmSync(file, { force: true });
        if (sidecar) rmSync(sidecarState(file), { force: true });
      } catch (e) {
        say(`Note: cannot remove the interim checkpoint '${file}' (${e.message}); it resumes nothing now.`);
      }
    },
  };
}
