// The extension's additions to the admin page (build.sh adds this module to index.html):
// where the API key is kept, segments from URLs, and scheduled refreshes. The page itself
// is the www/ admin page unchanged; its exporter.js is the extension's (network calls run
// in the service worker).

import * as client from './client.js';
import { mountDestinations } from './panel-destinations.js';
import { mountKeyChoice } from './panel-key.js';
import { mountUrlSources } from './panel-sources.js';

async function mount() {
  document.documentElement.dataset.extension = 'true';
  let metadata = null;
  try { metadata = await client.call('metadata'); } catch { /* the worker is not answering: the panel says so when used */ }
  mountKeyChoice();
  mountUrlSources(metadata);
  await mountDestinations(metadata);
  document.documentElement.dataset.extensionReady = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount, { once: true });
else mount();
