// The extension panel's DOM helpers: the page's `$` and `h`, plus an alert box with a list
// and sentence-casing of messages as the panel shows them.

// `$` and `h` are the page's (`www/dom.js`, next to `lib/` in the built extension).
import { h } from '../dom.js';

export { $, h } from '../dom.js';

/**
 * Fills an alert box with a title, a detail and optional list items; no title hides it.
 * @param {HTMLElement} el
 * @param {string} [title]
 * @param {string} [detail]
 * @param {string[]} [items]
 */
export function setAlert(el, title, detail, items = []) {
  el.replaceChildren();
  el.hidden = !title;
  if (!title) return;
  el.append(h('strong', {}, title));
  if (detail) el.append(' ', detail);
  if (items.length) el.append(h('ul', {}, items.map((i) => h('li', {}, i))));
}

/** "the key was rejected" -> "The key was rejected." */
export function sentence(text) {
  const s = String(text ?? '').trim();
  if (!s) return '';
  return `${s[0].toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;
}
