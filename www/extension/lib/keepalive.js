// Keeps the service worker alive while an export runs, and wakes it up if Chrome stops it
// anyway. Chrome stops an idle extension service worker after about 30 s; every extension
// API call resets that timer (Chrome 110+), and so does a message on an open runtime port
// (Chrome 114+; the page's port carries progress). While at least one run holds it:
//   - an extension API call every 20 s (chrome.runtime.getPlatformInfo), and
//   - a repeating chrome.alarms alarm (WATCH_ALARM, every 30 s, the shortest period Chrome
//     allows) that starts the worker again after a forced stop; the worker then resumes the
//     unfinished runs from their last stored checkpoint (runner.js).

/** Name of the watchdog alarm. */
export const WATCH_ALARM = 'watch';
const PING_MS = 20_000;

let holders = 0;
let timer = null;

/**
 * Holds the worker alive until the returned function is called (once).
 * @returns {() => void}
 */
export function hold() {
  holders += 1;
  if (holders === 1) {
    timer = setInterval(() => { chrome.runtime.getPlatformInfo().catch(() => {}); }, PING_MS);
    chrome.alarms.create(WATCH_ALARM, { periodInMinutes: 0.5 });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders -= 1;
    if (holders === 0) {
      clearInterval(timer);
      timer = null;
      chrome.alarms.clear(WATCH_ALARM);
    }
  };
}

/** Whether anything holds the worker right now. */
export function held() {
  return holders > 0;
}
