// Progress displays of `export`: a bar redrawn in place on a terminal, plain lines every 2 s
// otherwise, or nothing. Rates carry their units (requests/s, contacts/s); durations and
// ETAs use the one format of `duration` (m:ss).

import { duration, group, plural, redact } from './output.mjs';

/**
 * Numbers shown by both displays.
 * @param {object} p the latest Progress
 * @param {{sent: number, elapsedMs: number}} base the first one's requests and time (a resumed
 *   run's counters start at the checkpoint's)
 */
function figures(p, base) {
  const elapsed = p.elapsedMs ?? 0;
  const cps = Number.isFinite(p.contactsPerSecond) ? p.contactsPerSecond : elapsed > 0 ? (p.contactsDone / elapsed) * 1000 : 0;
  const span = elapsed - (base?.elapsedMs ?? 0);
  const rps = span > 0 ? (((p.requests?.sent ?? 0) - (base?.sent ?? 0)) / span) * 1000 : 0;
  let eta = p.etaMs;
  if (!Number.isFinite(eta) && cps > 0) eta = ((p.contactsTotal - p.contactsDone) / cps) * 1000;
  const total = (p.contactsTotal ?? 0) + (p.removalsTotal ?? 0);
  const done = (p.contactsDone ?? 0) + (p.removalsDone ?? 0);
  const frac = total > 0 ? done / total : p.phase === 'done' ? 1 : 0;
  return { cps, rps, eta, frac: Math.max(0, Math.min(1, frac)) };
}

/** The parts of a progress line, most important first (the bar drops from the end). */
function parts(p, f) {
  const list = [
    `${group(p.batchesDone)}/${group(p.batchesTotal)} batches`,
    `${group(p.contactsDone)}/${group(p.contactsTotal)} contacts`,
  ];
  if (p.removalsTotal > 0) list.push(`${group(p.removalsDone)}/${group(p.removalsTotal)} removals`);
  if (p.failed > 0) list.push(`${group(p.failed)} failed`);
  list.push(`${f.rps.toFixed(1)} requests/s`, `${group(f.cps)} contacts/s`);
  list.push(p.phase === 'done' ? `took ${duration(p.elapsedMs)}` : `ETA ${duration(f.eta)}`);
  return list;
}

/** A progress bar redrawn in place on a terminal. */
export class BarProgress {
  constructor(stream) {
    this.stream = stream;
    this.p = null;
    this.lastDraw = 0;
    this.shown = false;
    this.timer = setInterval(() => this.draw(true), 250);
    this.timer.unref();
  }
  update(p) {
    this.base ??= { sent: p.requests?.sent ?? 0, elapsedMs: p.elapsedMs ?? 0 };
    this.p = p;
    this.draw(p.phase === 'done');
  }
  line() {
    const p = this.p;
    const width = Math.max(40, (this.stream.columns || 80) - 1);
    if (!p) return 'Reading the segments…';
    if (p.phase === 'lists') return `Preparing the Autopilot lists… (${plural(p.requests?.sent ?? 0, 'request')} sent)`;
    const f = figures(p, this.base);
    const pct = `${String(Math.floor(f.frac * 100)).padStart(3)}%`;
    const list = parts(p, f);
    // Drop the least important parts (before the ETA) until the bar has room.
    while (list.length > 1 && pct.length + list.join('  ').length + 14 > width) list.splice(list.length - 2, 1);
    const text = `${pct}  ${list.join('  ')}`;
    const barWidth = Math.max(10, Math.min(40, width - text.length - 4));
    const full = Math.floor(f.frac * barWidth);
    return `${'█'.repeat(full)}${'░'.repeat(barWidth - full)} ${text}`.slice(0, width);
  }
  /** @param {boolean} [force] draw even if the last draw was less than 80 ms ago */
  draw(force = false) {
    const now = Date.now();
    if (!force && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    this.stream.write(`\r${redact(this.line())}\x1b[K`);
    this.shown = true;
  }
  clear() {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
  stop() {
    clearInterval(this.timer);
    if (this.shown) {
      this.draw(true);
      this.stream.write('\n');
      this.shown = false;
    }
  }
}

/** Plain progress lines (stderr is not a terminal): every 2 s while something changes, and at the end. */
export class LineProgress {
  constructor(stream, intervalMs = 2000) {
    this.stream = stream;
    this.p = null;
    this.printed = '';
    this.timer = setInterval(() => this.print(), intervalMs);
    this.timer.unref();
  }
  update(p) {
    this.base ??= { sent: p.requests?.sent ?? 0, elapsedMs: p.elapsedMs ?? 0 };
    const first = this.p === null || (this.p.phase !== p.phase && p.phase === 'contacts');
    this.p = p;
    if (first) this.print();
  }
  print() {
    const p = this.p;
    if (!p) return;
    let line;
    if (p.phase === 'lists') {
      line = 'progress: preparing the Autopilot lists';
    } else {
      const f = figures(p, this.base);
      const [batches, contacts, ...rest] = parts(p, f);
      line = `progress: ${batches}, ${contacts} (${Math.floor(f.frac * 100)}%), ${rest.join(', ')}`;
    }
    if (line === this.printed) return;
    this.printed = line;
    this.stream.write(`${redact(line)}\n`);
  }
  draw() {}
  clear() {}
  stop() {
    clearInterval(this.timer);
    this.print();
  }
}

class NoProgress {
  update() {}
  draw() {}
  clear() {}
  stop() {}
}

/** auto (a bar on a terminal, else lines), bar, lines or none. */
export function makeProgress(mode) {
  const m = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'lines') : mode;
  if (m === 'bar') return new BarProgress(process.stderr);
  if (m === 'lines') return new LineProgress(process.stderr);
  return new NoProgress();
}

export const PROGRESS_MODES = ['auto', 'bar', 'lines', 'none'];
