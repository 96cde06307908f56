// Cloudflare platform facts the worker sizes itself by (developers.cloudflare.com/workers/
// platform/limits and the Durable Objects limits page; values change over time, see README.md).
// These are facts about the host, not export rules: every export default and bound comes from
// the package's own validation and metadata.

/** Subrequests one invocation may make on the Workers Free plan. */
export const FREE_PLAN_SUBREQUESTS = 50;

/**
 * Requests one slice (one alarm invocation) makes by default: the Free plan's 50 minus
 * headroom, so a slice never meets the limit even if the platform counts something extra.
 */
export const DEFAULT_SLICE_REQUESTS = 45;

/** Simultaneous open outgoing connections per invocation; more are queued by the runtime. */
export const MAX_CONNECTIONS = 6;

/**
 * Bytes per stored chunk. SQLite-backed Durable Objects accept at most 2 MB for a key plus
 * its value, so every large value (segment files, sync state, reports) is stored in chunks.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** Destinations the registry starts per invocation (each start is one subrequest). */
export const SCHEDULE_FANOUT = 40;

/** Finished runs kept in a destination's history. */
export const HISTORY_LENGTH = 10;

/** Slice records kept per run (the oldest are dropped; totals stay exact). */
export const SLICE_LOG_LENGTH = 200;

/** Attempts at a slice whose handler failed outside the export itself (storage faults). */
export const MAX_STEP_FAULTS = 5;

/** Backoff unit after such a failure: the n-th waits 2^n units (2, 4, 8, 16 s). */
export const FAULT_BACKOFF_MS = 1000;

/** Largest configuration body accepted by PUT /destinations/{id}. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * The whole number a text variable of `env` gives when it is from 1 to `max`; else `fallback`
 * (unset, not a number, out of range).
 * @param {Record<string, unknown>} env
 * @param {string} name
 * @param {number} max
 * @param {number} fallback
 * @returns {number}
 */
function countVar(env, name, max, fallback) {
  const n = Number(env?.[name]);
  return Number.isInteger(n) && n > 0 && n <= max ? n : fallback;
}

/**
 * The plan's subrequest limit: the SUBREQUEST_LIMIT variable (set it on a Paid plan), else the
 * Free plan's.
 * @param {Record<string, unknown>} env
 * @returns {number}
 */
export function subrequestLimit(env) {
  return countVar(env, 'SUBREQUEST_LIMIT', Infinity, FREE_PLAN_SUBREQUESTS);
}

/**
 * Chunk size: CHUNK_BYTES, or the smaller STORAGE_CHUNK_BYTES variable (tests use it to store
 * small files in several chunks).
 * @param {Record<string, unknown>} env
 * @returns {number}
 */
export function chunkBytes(env) {
  return countVar(env, 'STORAGE_CHUNK_BYTES', CHUNK_BYTES - 1, CHUNK_BYTES);
}

/** Largest backoff unit the FAULT_BACKOFF_MS variable may set: the last wait is 16 minutes. */
export const MAX_FAULT_BACKOFF_MS = 60_000;

/**
 * Backoff unit: FAULT_BACKOFF_MS, or the FAULT_BACKOFF_MS variable, for tests (a longer one to
 * look at a run while it waits), up to MAX_FAULT_BACKOFF_MS; another value gives the default.
 * @param {Record<string, unknown>} env
 * @returns {number} milliseconds
 */
export function faultBackoffMs(env) {
  return countVar(env, 'FAULT_BACKOFF_MS', MAX_FAULT_BACKOFF_MS, FAULT_BACKOFF_MS);
}
