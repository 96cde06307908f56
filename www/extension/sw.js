// The extension's service worker: runs every export (the page's and the scheduled ones)
// with the wasm core, answers the page over a runtime port, fires the schedules.
// Listeners are registered synchronously at the top level (Manifest V3 requires it to wake
// the worker for them); each waits for the start-up work (resume unfinished runs, badge).

import { updateBadge } from './lib/badge.js';
import { loadCore } from './lib/core.js';
import * as destinations from './lib/destinations.js';
import { WATCH_ALARM } from './lib/keepalive.js';
import './lib/page-runs.js';
import { resumeUnfinished } from './lib/runner.js';
import { serve } from './lib/service.js';

const PAGE = 'index.html';

/** Start-up of every worker instance: the core, unfinished runs, the badge. */
async function boot() {
  await loadCore();
  await resumeUnfinished();
  await updateBadge();
}
const booted = boot().catch((e) => { console.error('autopilot-export: start-up failed:', e instanceof Error ? e.message : e); });

/** Opens the extension page (or focuses the tab that shows it). */
async function openPage() {
  const url = chrome.runtime.getURL(PAGE);
  // runtime.getContexts finds the extension's own tabs without the "tabs" permission.
  const [ctx] = await chrome.runtime.getContexts({ contextTypes: ['TAB'], documentUrls: [url] });
  if (ctx && ctx.tabId >= 0) {
    await chrome.tabs.update(ctx.tabId, { active: true });
    if (ctx.windowId >= 0) await chrome.windows.update(ctx.windowId, { focused: true });
  } else {
    await chrome.tabs.create({ url });
  }
}

chrome.runtime.onConnect.addListener((port) => serve(port, booted));

chrome.alarms.onAlarm.addListener((alarm) => {
  booted.then(async () => {
    if (alarm.name === WATCH_ALARM) await resumeUnfinished();
    else await destinations.onAlarm(alarm);
  }).catch((e) => console.error('autopilot-export: alarm', alarm.name, 'failed:', e instanceof Error ? e.message : e));
});

chrome.runtime.onInstalled.addListener(() => { booted.then(() => destinations.armAll()); });
chrome.runtime.onStartup.addListener(() => { booted.then(() => destinations.armAll()); });
chrome.action.onClicked.addListener(() => { openPage(); });
chrome.notifications.onClicked.addListener(() => { openPage(); });

/** For tests and the curious: the worker's modules, reachable from DevTools. */
globalThis.autopilotExport = { destinations, resumeUnfinished, updateBadge, booted, started: `${Date.now()}-${Math.random()}` };
