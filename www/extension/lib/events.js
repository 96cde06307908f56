// "Something the page shows changed" inside the service worker: runs started, progressed or
// ended, destinations saved, deleted or given a new status. service.js tells each open
// page (op 'changed'), which then asks for the status again.

const listeners = new Set();

/** Calls `fn()` on every change. @returns {() => void} unsubscribe */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Tells every listener that something changed. */
export function emitChange() {
  for (const fn of listeners) {
    try { fn(); } catch { /* a closed port */ }
  }
}
