// What leaves the command-line tool: stdout/stderr writers, the redaction of every secret
// (the API key, bearer tokens of URL sources) from every line and file, the active progress
// display that other lines must not tear, exiting, and number/time formatting for people.

export const PROG = 'autopilot-export';

/** Exit codes (documented in --help). */
export const EXIT = Object.freeze({ OK: 0, FAILED: 1, USAGE: 2, PAUSED: 3, CANCELLED: 130, TERMINATED: 143 });

/** An error that ends the program with a message, details (one per line) and an exit code. */
export class CliError extends Error {
  /** @param {string} message @param {number} [exitCode] @param {string[]} [details] */
  constructor(message, exitCode = EXIT.USAGE, details = []) {
    super(message);
    this.exitCode = exitCode;
    this.details = details;
  }
}

const secrets = new Set();
let leaked = false;

/** Adds a secret (at least 8 characters) that no output may contain. */
export function addSecret(value) {
  const s = String(value ?? '').trim();
  if (s.length >= 8) secrets.add(s);
}

/** Removes every secret from text leaving this process (none should ever be there). */
export function redact(text) {
  let t = String(text);
  for (const s of secrets) {
    if (t.includes(s)) {
      leaked = true;
      t = t.split(s).join('[redacted]');
    }
  }
  return t;
}

/** Whether bytes (a file about to be written) contain a secret. */
export function bytesHoldSecret(bytes) {
  const b = Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength ?? bytes.length);
  for (const s of secrets) if (b.includes(Buffer.from(s, 'utf8'))) return true;
  return false;
}

export const err = (text) => process.stderr.write(redact(text));
export const out = (text) => process.stdout.write(redact(text));

let progress = null;
/** Sets (or clears, with null) the progress display that `say` works around. */
export function setProgress(p) {
  progress = p;
}
export const currentProgress = () => progress;

/** One line of information on stderr. */
export function say(line) {
  if (progress) progress.clear();
  err(`${line}\n`);
  if (progress) progress.draw(true);
}

/** Flushes both streams and exits. */
export async function exit(code) {
  if (progress) progress.stop();
  progress = null;
  if (leaked) process.stderr.write(`${PROG}: internal error: the API key appeared in output (or a source token did) and was redacted; please report this\n`);
  await new Promise((resolve) => process.stdout.write('', resolve));
  await new Promise((resolve) => process.stderr.write('', resolve));
  process.exit(code);
}

process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(EXIT.FAILED);
});

// ------------------------------------------------------------------ formatting

/** 12345 -> "12,345". */
export const group = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** 1 -> "1 batch", 3 -> "3 batches". */
export const plural = (n, one, many = `${one}s`) => `${group(n)} ${n === 1 ? one : many}`;

/**
 * The one format of durations and ETAs: m:ss, or h:mm:ss from an hour on ("0:07", "4:05",
 * "1:02:03"); "?" when unknown.
 */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A number as people read it: 5, 0.1, 2.5. */
export const num = (v) => (Number.isInteger(v) ? group(v) : String(v));

/** "requests/s" etc. after a number, when there is a unit. */
export const withUnit = (v, unit) => (unit ? `${num(v)} ${unit}` : num(v));

/** A shell word, for commands the user can copy. */
export const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${String(s).replace(/'/g, "'\\''")}'`);

/**
 * Masks an email for the screen: "ada.lovelace@example.com" -> "a***@example.com". Every
 * string holding an "@" is treated as one (the sample shows contacts exactly as sent, only
 * the addresses' local parts are hidden).
 */
export function maskEmail(s) {
  const at = s.lastIndexOf('@');
  if (at < 0) return s;
  return `${s.slice(0, Math.min(1, at))}***${s.slice(at)}`;
}

/** A deep copy of `value` with every string containing "@" masked. */
export function maskEmails(value) {
  if (typeof value === 'string') return value.includes('@') ? maskEmail(value) : value;
  if (Array.isArray(value)) return value.map(maskEmails);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEmails(v)]));
  return value;
}
