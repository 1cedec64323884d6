// Short messages that come and go, for all three apps. Each app keeps its
// own look (classes, how many stay, how long): the behaviour is one.

/**
 * @typedef {Object} ToastOptions
 * @property {() => HTMLElement} box where toasts go (looked up on first use)
 * @property {number} [max] how many stay on screen at once (the oldest go first)
 * @property {(kind: string) => string} [className] classes of one toast
 * @property {(kind: string) => number} [ttl] how long a toast of this kind stays, ms
 * @property {boolean} [fade] add class "in" after insertion and wait 400 ms before removal
 * @property {boolean} [single] the box itself is the one message (text replaced, hidden after ttl)
 * @property {string} [kind] the kind of a toast called without one
 */

/**
 * toaster returns toast(message, kind?, ttl?) for one page.
 * @param {ToastOptions} opts
 * @returns {(message: string, kind?: string, ttl?: number) => void}
 */
export function toaster({ box, max = 3, className = (k) => 'toast ' + k, ttl = () => 4500, fade = false, single = false, kind: byDefault = 'error' }) {
  let el = null;
  let timer = 0;
  return (message, kind = byDefault, ms = ttl(kind)) => {
    el ??= box();
    if (single) {
      el.textContent = message;
      el.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => (el.hidden = true), ms);
      return;
    }
    // A burst of news must not bury the page: only the latest few stay.
    while (el.children.length >= max) el.firstElementChild.remove();
    const t = document.createElement('div');
    t.className = className(kind);
    t.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    t.textContent = message;
    el.append(t);
    if (!fade) {
      setTimeout(() => t.remove(), ms);
      return;
    }
    requestAnimationFrame(() => t.classList.add('in'));
    setTimeout(() => {
      t.classList.remove('in');
      setTimeout(() => t.remove(), 400);
    }, ms);
  };
}
