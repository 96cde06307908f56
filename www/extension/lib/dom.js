// A few DOM helpers for the extension's panel (the page's own helpers live inside app.js).

/** document.querySelector with a root. */
export const $ = (sel, root = document) => /** @type {HTMLElement|null} */ (root.querySelector(sel));

/**
 * Creates an element: h('p', {class: 'x', onclick: fn}, 'text', child). `false`, null and
 * undefined attributes and children are skipped.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

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
