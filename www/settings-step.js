// Settings controls (limit, rate, lists, prefix, membership, removal guard): read into and
// written from page state; defaults, bounds and labels from the package's metadata.

import * as fmt from './format.js';
import { $, $$, show } from './dom.js';
import { targets } from './mapping.js';
import { state } from './page-state.js';
import { writeSettingsState } from './preview-step.js';

export function radio(name) {
  return /** @type {HTMLInputElement | null} */ ($(`input[name="${name}"]:checked`))?.value ?? '';
}

export function setRadio(name, value) {
  for (const r of /** @type {HTMLInputElement[]} */ ($$(`input[name="${name}"]`))) r.checked = r.value === value;
}

/**
 * Reads the settings controls into state.settings, values moved as typed. An empty field or
 * a choice left at the package's default is not set (the package applies its default).
 */
export function readSettings() {
  const s = state.settings;
  s.cap = /** @type {HTMLInputElement} */ ($('#cap')).value;
  const rate = /** @type {HTMLInputElement} */ ($('#rate')).value;
  s.run = { ...s.run, ratePerSecond: rate };
  s.listPrefix = /** @type {HTMLInputElement} */ ($('#listPrefix')).value;
  for (const k of ['lists', 'overCap', 'membership']) s[k] = state.explicit.has(k) ? radio(k) : '';
  const pct = /** @type {HTMLInputElement} */ ($('#maxRemovalPct')).value.trim();
  s.maxRemovalRatio = radio('membership') !== 'mirror' || pct === '' ? '' : Number.isFinite(Number(pct)) ? Number(pct) / 100 : pct;
}

export function writeSettings() {
  const s = state.settings;
  const d = state.meta?.defaults ?? {};
  /** @type {HTMLInputElement} */ ($('#cap')).value = s.cap === '' || s.cap === undefined ? '' : String(s.cap);
  /** @type {HTMLInputElement} */ ($('#rate')).value = s.run?.ratePerSecond === undefined ? '' : String(s.run.ratePerSecond);
  /** @type {HTMLInputElement} */ ($('#listPrefix')).value = s.listPrefix ?? '';
  setRadio('lists', s.lists || d.lists);
  setRadio('overCap', s.overCap || d.overCap);
  setRadio('membership', s.membership || d.membership);
  const ratio = Number(s.maxRemovalRatio);
  /** @type {HTMLInputElement} */ ($('#maxRemovalPct')).value = s.maxRemovalRatio !== '' && Number.isFinite(ratio) ? String(Math.round(ratio * 1e6) / 1e4) : '';
  writeSettingsState();
}

/** Reads defaults, bounds and lists of the package's metadata into the controls. */
export function applyMetadata(meta) {
  fmt.useReasonLabels(meta.rejectReasonLabels);
  const d = meta.defaults ?? {};
  const opt = (name) => (meta.numbers ?? meta.options ?? []).find((o) => o.name === name);
  const rate = opt('ratePerSecond');
  const rateInput = /** @type {HTMLInputElement} */ ($('#rate'));
  if (rate) {
    if (Number.isFinite(rate.min)) rateInput.min = String(rate.min);
    if (Number.isFinite(rate.max)) rateInput.max = String(rate.max);
  }
  rateInput.placeholder = String(d.ratePerSecond ?? '');
  $('#rate-hint').textContent = `Empty: ${fmt.rate(d.ratePerSecond, 'requests')}, Autopilot's limit per API key unless it has raised yours.`;
  const capInput = /** @type {HTMLInputElement} */ ($('#cap'));
  const capSpec = opt('cap');
  const max = capSpec?.max ?? meta.maxProfiles ?? d.cap;
  if (Number.isFinite(capSpec?.min)) capInput.min = String(capSpec.min);
  if (Number.isFinite(max)) capInput.max = String(max);
  capInput.placeholder = String(d.cap ?? '');
  $('#cap-hint').textContent = `At most ${fmt.num(max)} unique profiles per export (empty: ${fmt.num(d.cap)}); lower it if your Autopilot contract allows fewer.`;
  const pct = /** @type {HTMLInputElement} */ ($('#maxRemovalPct'));
  if (Number.isFinite(d.maxRemovalRatio)) pct.placeholder = String(Math.round(d.maxRemovalRatio * 1e6) / 1e4);
  const ratio = opt('maxRemovalRatio');
  if (Number.isFinite(ratio?.min)) pct.min = String(ratio.min * 100);
  if (Number.isFinite(ratio?.max)) pct.max = String(ratio.max * 100);
  // The file picker offers the extensions the package reads (xlsx and others are still
  // accepted by drop, and refused with the package's "save as CSV" message).
  /** @type {HTMLInputElement} */ ($('#files')).accept = (meta.formats ?? []).flatMap((f) => f.extensions).join(',');
  $('#default-base').textContent = d.baseUrl ? ` (${d.baseUrl})` : '';
  /** @type {HTMLInputElement} */ ($('#baseUrl')).placeholder = d.baseUrl ?? '';
  state.targets = targets(meta);
  state.settings = { cap: '', overCap: '', lists: '', listPrefix: '', idField: '', membership: '', maxRemovalRatio: '', run: {} };
  state.explicit.clear();
  show($('#membership-box'), Boolean(d.membership));
  writeSettings();
}
