// Validation issues next to the controls they concern. An issue path from the package
// (`mapping.custom[2].type`, `segments[1].name`) finds the control whose `data-path` is the
// path or its nearest ancestor; the message goes under it, linked with aria-describedby.

import { $$, h, sentence } from './dom.js';

let errorIds = 0;

/** `mapping.custom[2].type` -> `mapping.custom[2]` -> `mapping.custom` -> `mapping` -> ''. */
export function parentPath(p) {
  const m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(p);
  return m ? m[1] : '';
}

/** The control an issue path concerns (or its nearest ancestor's control), or null. */
export function controlFor(path) {
  for (let p = path; p; p = parentPath(p)) {
    const el = document.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (el) return /** @type {HTMLElement} */ (el);
  }
  return null;
}

function fieldBox(el) {
  return el.closest('.field') ?? el.parentElement;
}

/** Removes the messages of every control whose path starts with one of `prefixes`. */
export function clearFieldErrors(prefixes) {
  for (const el of $$('[data-path]')) {
    const p = el.dataset.path;
    if (!prefixes.some((pre) => p === pre || p.startsWith(pre))) continue;
    el.removeAttribute('aria-invalid');
    const err = fieldBox(el).querySelector(':scope > .field-error');
    if (err) {
      const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((x) => x && x !== err.id);
      if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
      err.remove();
    }
  }
}

/** Shows a message under the control (and links it with aria-describedby). */
export function fieldError(el, message) {
  const box = fieldBox(el);
  let err = box.querySelector(':scope > .field-error');
  if (!err) {
    err = h('p', { class: 'field-error', id: `err-${++errorIds}` });
    box.append(err);
    const ids = (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
    el.setAttribute('aria-describedby', [...ids, err.id].join(' '));
  }
  const text = sentence(message);
  if (!err.textContent.includes(text)) err.textContent = err.textContent ? `${err.textContent} ${text}` : text;
  el.setAttribute('aria-invalid', 'true');
}

/** The visible name of a control, for summaries. */
export function labelOf(el) {
  if (el.dataset.label) return el.dataset.label;
  if (el.id) {
    const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    if (l) return l.textContent.replace(/\s+/g, ' ').replace(/\(required\)/, '').trim();
  }
  const legend = el.querySelector?.('legend');
  if (legend) return legend.textContent.trim();
  return el.getAttribute('aria-label') ?? el.dataset.path;
}

/** Focuses a control (opening the <details> around it). */
export function focusControl(el) {
  const details = el.closest('details');
  if (details) details.open = true;
  const target = el.matches('input, select, textarea, button') ? el : el.querySelector('input, select, textarea, button') ?? el;
  target.focus();
  target.scrollIntoView?.({ block: 'center' });
}

/** List items linking to the controls of `issues` (for a summary alert). */
export function issueLinks(issues) {
  return issues.map((issue) => {
    const el = controlFor(issue.path);
    const label = el ? labelOf(el) : issue.path || 'Job';
    return el
      ? h('li', {}, h('a', { href: `#${el.id || ''}`, onclick: (e) => { e.preventDefault(); focusControl(el); } }, label), `: ${issue.message}`)
      : h('li', {}, `${label}: ${issue.message}`);
  });
}

/** Shows each issue next to its control; returns summary list items linking to them. */
export function placeIssues(issues) {
  for (const issue of issues) {
    const el = controlFor(issue.path);
    if (el) fieldError(el, issue.message);
  }
  return issueLinks(issues);
}
