// Chromium runner: the page's import map maps the bare name 'autopilot-export' to the
// package's "browser" entry (read from pkg/package.json "exports" by the driver).
// Parameters come from the page URL: ?origin=...&key=...&tag=...&redirect=...
// The outcome is left in window.__conformance = {done, result?, error?}.
const state = (window.__conformance = { done: false });
try {
  const ap = await import('autopilot-export');
  const { runSuite } = await import('/suite.mjs');
  const q = new URLSearchParams(location.search);
  const result = await runSuite(ap, {
    emulatorOrigin: q.get('origin'),
    apiKey: q.get('key'),
    tag: q.get('tag'),
    redirectTarget: q.get('redirect') ?? undefined,
    log: (line) => console.log(`[chromium] ${line}`),
  });
  result.runtime = 'chromium';
  result.resolved = import.meta.resolve('autopilot-export');
  state.result = result;
} catch (e) {
  state.error = `${e && e.name}: ${e && e.message}\n${e && e.stack}`;
} finally {
  state.done = true;
}
