// DOM helpers shared by the page's view modules: element creation, show/hide, alert boxes,
// narrow-screen tables. No page state.

export { capitalise, sentence } from './format.js';

/** @returns {HTMLElement} */
export const $ = (sel, root = document) => /** @type {HTMLElement} */ (root.querySelector(sel));
/** @returns {HTMLElement[]} */
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/**
 * Creates an element: h('p', {class: 'x', onclick: fn}, 'text', child). Attributes that are
 * undefined, null or false are left out; `true` sets an empty attribute.
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
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

/** Shows or hides an element. */
export function show(el, on = true) { el.hidden = !on; }

/** Text with line-break opportunities after "@" (long email-like names in narrow columns). */
export function breakable(text) {
  const parts = String(text).split('@');
  return parts.flatMap((p, i) => (i < parts.length - 1 ? [p, '@', document.createElement('wbr')] : [p]));
}

/**
 * Fills an alert box; an empty title hides it.
 * @param {HTMLElement} el
 * @param {string} title  bold first words
 * @param {string} [detail]
 * @param {...(Node|string|null)} extra
 */
export function setAlert(el, title, detail, ...extra) {
  el.replaceChildren();
  if (!title) { el.hidden = true; return; }
  el.append(h('strong', {}, title));
  if (detail) el.append(' ', h('span', {}, detail));
  for (const x of extra) if (x) el.append(x);
  el.hidden = false;
}

/**
 * Marks each body cell of a table with its column's header (`data-label`), so the narrow
 * layout of style.css can stack a row as label/value lines instead of scrolling sideways.
 * @param {HTMLTableElement} table
 */
export function stackable(table) {
  const heads = $$('thead th', table).map((th) => th.textContent.trim());
  table.classList.add('stack');
  for (const tr of $$('tbody tr, tfoot tr', table)) {
    [...tr.children].forEach((cell, i) => { if (heads[i]) cell.setAttribute('data-label', heads[i]); });
  }
  return table;
}

/** Lets the browser paint (a status message) before a long call. */
export const nextPaint = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** Offers `text` as a file download named `name`. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
