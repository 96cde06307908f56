// The export's progress box: one percentage for the bar, its label and the sentence under
// it; rates with their units (contacts/s); one format for the time left. Screen readers get
// a short announcement every 10 % through a separate live region.

import { $ } from './dom.js';
import * as fmt from './format.js';

let announced = -1;
let unit = 'contacts';

/** Resets the box for a new run. @param {'contacts'|'list memberships'} what */
export function startProgress(what, text) {
  announced = -1;
  unit = what;
  $('#progress').removeAttribute('value');
  $('#progress-pct').textContent = '';
  $('#progress-text').textContent = text;
  $('#progress-announce').textContent = text;
  $('#p-contacts-label').textContent = what === 'contacts' ? 'Contacts' : 'List memberships';
  for (const id of ['#p-contacts', '#p-batches', '#p-rate', '#p-eta']) $(id).textContent = '–';
  $('#progress-box').dataset.batchesDone = '0';
}

/** Shows a Progress snapshot of the package. */
export function showProgress(p) {
  const bar = /** @type {HTMLProgressElement} */ ($('#progress'));
  $('#progress-box').dataset.batchesDone = String(p.batchesDone);
  $('#p-contacts').textContent = `${fmt.num(p.contactsDone)} / ${fmt.num(p.contactsTotal)}`;
  $('#p-batches').textContent = `${fmt.num(p.batchesDone)} / ${fmt.num(p.batchesTotal)}`;
  $('#p-rate').textContent = p.contactsPerSecond > 0 ? fmt.rate(p.contactsPerSecond, unit === 'contacts' ? 'contacts' : 'memberships') : '–';
  $('#p-eta').textContent = p.phase === 'done' ? 'done' : Number.isFinite(p.etaMs) ? fmt.eta(p.etaMs) : '–';
  if (p.phase === 'lists' || !(p.contactsTotal > 0)) {
    bar.removeAttribute('value'); // indeterminate while the lists are prepared
    $('#progress-pct').textContent = '';
    if (p.phase === 'lists') say('Preparing the Autopilot lists…', -0.5);
    return;
  }
  const pct = fmt.percent(p.contactsDone, p.contactsTotal);
  bar.max = 100;
  bar.value = pct;
  $('#progress-pct').textContent = `${pct}%`;
  const text = `Exported ${fmt.num(p.contactsDone)} of ${fmt.num(p.contactsTotal)} ${unit} (${pct}%).`;
  $('#progress-text').textContent = text;
  say(text, Math.floor(pct / 10));
}

/** Announces `text` when `step` is past the last announced one. */
function say(text, step) {
  if (step <= announced) return;
  announced = step;
  $('#progress-announce').textContent = text;
}

/** Ends the run's progress with a sentence (the bar is full only when everything was sent). */
export function endProgress(text, { full = false } = {}) {
  const bar = /** @type {HTMLProgressElement} */ ($('#progress'));
  if (full) {
    bar.max = 100;
    bar.value = 100;
    $('#progress-pct').textContent = '100%';
  }
  $('#p-rate').textContent = '–';
  if (!full) $('#p-eta').textContent = '–';
  $('#progress-text').textContent = text;
  $('#progress-announce').textContent = text;
}
