// The toolbar badge and the notifications of unattended runs. The badge sums up the saved
// destinations: "!" when a refresh failed, "KEY" when a refresh waits for an API key that
// is no longer stored (the browser was closed and the key was kept for the session only);
// its tooltip says which destination and why.

import * as idb from './idb.js';

const FAILED = new Set(['failed', 'partial']);

/** Recomputes the badge text, colour and tooltip from the destinations' statuses. */
export async function updateBadge() {
  const dests = await idb.all('destinations');
  const failed = dests.filter((d) => FAILED.has(d.status?.state));
  const waiting = dests.filter((d) => d.status?.state === 'waiting-key');
  let text = '';
  let color = '#5b6472';
  let title = 'Autopilot export';
  if (failed.length) {
    text = '!';
    color = '#b42318';
    title = `Autopilot export: ${failed.map((d) => `“${d.name}” ${d.status.state === 'partial' ? 'partly failed' : 'failed'}${d.status.message ? ` (${d.status.message})` : ''}`).join('; ')}`;
  } else if (waiting.length) {
    text = 'KEY';
    color = '#b54708';
    title = `Autopilot export: ${waiting.map((d) => `“${d.name}”`).join(', ')} ${waiting.length === 1 ? 'waits' : 'wait'} for the API key (kept for the browser session only): open the extension and connect again`;
  }
  await chrome.action.setBadgeText({ text });
  await chrome.action.setBadgeBackgroundColor({ color });
  await chrome.action.setTitle({ title });
  return { text, title };
}

/**
 * Shows a system notification about a destination (clicking it opens the extension page).
 * @param {string} destinationId
 * @param {string} title
 * @param {string} message
 */
export async function notify(destinationId, title, message) {
  try {
    await chrome.notifications.create(`dest:${destinationId}:${Date.now()}`, {
      type: 'basic', iconUrl: chrome.runtime.getURL('icons/icon128.png'), title, message, priority: 1,
    });
  } catch {
    // Notifications turned off for the browser: the badge still says it.
  }
}
