// Refresh schedules of saved destinations: what a schedule is, when it fires next (local
// time, so "daily at 07:30" stays 07:30 across daylight-saving changes), how it reads.
// Pure functions, no chrome.* calls; the service worker turns `nextRun` into a one-shot
// chrome.alarms alarm and sets the next one after each run.

/**
 * @typedef {{every: 'never'}
 *   | {every: 'hour', minute: number}
 *   | {every: 'day', time: string}
 *   | {every: 'week', day: number, time: string}} Schedule
 *   `time` is "HH:MM" (24 h, local time); `day` 0 = Sunday … 6 = Saturday.
 */

/** The kinds of schedule, in the order the page offers them. */
export const KINDS = Object.freeze(['never', 'hour', 'day', 'week']);

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Problems of a schedule (empty when valid), each `{path, message}`.
 * @param {unknown} s
 * @returns {{path: string, message: string}[]}
 */
export function scheduleIssues(s) {
  const o = /** @type {any} */ (s);
  if (!o || typeof o !== 'object' || !KINDS.includes(o.every)) return [{ path: 'schedule.every', message: `choose one of ${KINDS.join(', ')}` }];
  const issues = [];
  if (o.every === 'hour' && !(Number.isInteger(o.minute) && o.minute >= 0 && o.minute <= 59)) {
    issues.push({ path: 'schedule.minute', message: 'minute past the hour: a whole number from 0 to 59' });
  }
  if ((o.every === 'day' || o.every === 'week') && !(typeof o.time === 'string' && TIME.test(o.time))) {
    issues.push({ path: 'schedule.time', message: 'time of day as HH:MM (24-hour clock)' });
  }
  if (o.every === 'week' && !(Number.isInteger(o.day) && o.day >= 0 && o.day <= 6)) {
    issues.push({ path: 'schedule.day', message: 'day of the week: 0 (Sunday) to 6 (Saturday)' });
  }
  return issues;
}

/**
 * When the schedule fires next, strictly after `now` (epoch ms), or null for 'never'.
 * @param {Schedule} s
 * @param {number} now
 * @returns {number|null}
 */
export function nextRun(s, now) {
  if (scheduleIssues(s).length || s.every === 'never') return null;
  const d = new Date(now);
  d.setSeconds(0, 0);
  if (s.every === 'hour') {
    d.setMinutes(s.minute);
    while (d.getTime() <= now) d.setHours(d.getHours() + 1);
    return d.getTime();
  }
  const [hh, mm] = s.time.split(':').map(Number);
  d.setHours(hh, mm, 0, 0);
  const step = s.every === 'week' ? 7 : 1;
  if (s.every === 'week') d.setDate(d.getDate() + ((s.day - d.getDay() + 7) % 7));
  // setDate keeps the wall-clock time across daylight-saving changes.
  while (d.getTime() <= now) {
    d.setDate(d.getDate() + step);
    d.setHours(hh, mm, 0, 0);
  }
  return d.getTime();
}

const weekday = (day) => new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2023, 0, 1 + day));

/**
 * The schedule in words: "Manual only", "Every hour at :05", "Daily at 07:30",
 * "Weekly on Monday at 07:30".
 * @param {Schedule} s
 */
export function describe(s) {
  if (scheduleIssues(s).length) return 'Invalid schedule';
  switch (s.every) {
    case 'hour': return `Every hour at :${String(s.minute).padStart(2, '0')}`;
    case 'day': return `Daily at ${s.time}`;
    case 'week': return `Weekly on ${weekday(s.day)} at ${s.time}`;
    default: return 'Manual only';
  }
}

/** Names of the week days, index 0 = Sunday (for the page's select). */
export const WEEKDAYS = Object.freeze([0, 1, 2, 3, 4, 5, 6].map(weekday));
