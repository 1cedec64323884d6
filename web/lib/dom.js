// The DOM builder the three apps share. Everything user-visible is built
// with text nodes, never innerHTML, so a dish called "<b>Soup</b>" shows as
// typed.

/** byId is document.getElementById, short for the many lookups of a page. */
export const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

// Properties that must be set as properties: the attribute only sets the
// initial state, which is wrong after a re-render.
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'textContent', 'indeterminate', 'open']);

/**
 * h builds an element: h('button.primary', {onclick, type: 'button'}, 'Save').
 * Props: class (added to the tag's), dataset and style objects, on* handlers,
 * the live properties above; anything else is an attribute. A null, undefined
 * or false prop is left out; children may be nodes, text or nested arrays.
 * @param {string} tag
 * @param {Object<string, any>|null} [props]
 * @param {...any} kids
 * @returns {HTMLElement}
 */
export function h(tag, props, ...kids) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        el.className = el.className ? `${el.className} ${v}` : v;
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (k === 'style' && typeof v === 'object') {
        Object.assign(el.style, v);
      } else if (PROPS.has(k)) {
        el[k] = v;
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, kids);
  return el;
}

/** append adds kids (nodes, text, nested arrays; null and booleans skipped) to el. */
export function append(el, kids) {
  for (const k of kids) {
    if (k == null || k === false || k === true) continue;
    if (Array.isArray(k)) append(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}

/** fill empties an element and fills it with kids. */
export function fill(el, ...kids) {
  el.replaceChildren();
  return append(el, kids);
}

// ---- redraws that never eat a tap ----

// A live update that replaces a button between pointerdown and pointerup
// swallows the click. Redraws wait until the finger or mouse is up (or
// 1.5 s, should a release get lost).
const HOLD_MS = 1500;
let pressedAt = 0;
let safety = 0;
const queued = new Set();

const pressed = () => pressedAt !== 0 && Date.now() - pressedAt < HOLD_MS;

function flush() {
  if (pressed()) return;
  pressedAt = 0;
  const fns = [...queued];
  queued.clear();
  fns.forEach((fn) => fn());
}

if (typeof window !== 'undefined') {
  window.addEventListener('pointerdown', () => { pressedAt = Date.now(); }, { capture: true, passive: true });
  const release = () => {
    pressedAt = 0;
    // After the click event that follows pointerup has run.
    setTimeout(flush, 0);
  };
  window.addEventListener('pointerup', release, { capture: true, passive: true });
  window.addEventListener('pointercancel', release, { capture: true, passive: true });
}

/**
 * calm wraps a redraw so it waits while a pointer is pressed; a redraw
 * queued meanwhile runs once, without arguments, after the release.
 * @template {Function} F
 * @param {F} fn
 * @returns {F}
 */
export function calm(fn) {
  return /** @type {any} */ ((...args) => {
    if (!pressed()) {
      fn(...args);
      return;
    }
    queued.add(fn);
    clearTimeout(safety);
    safety = setTimeout(flush, HOLD_MS - (Date.now() - pressedAt) + 10);
  });
}
