// A shared terminal: the device is enrolled once with a code from the
// manager, then staff sign in with their PIN. It locks itself after the
// settings' idle time, or when someone taps Lock; a lock ends the session
// on the box too (POST /api/auth/lock), so a token left behind is useless.
import { api, ApiError } from '/lib/api.js';
import { byId as $ } from '/lib/dom.js';
import { h, fill, busy, errorText, formError } from './ui.js';

const KEY = 'rms.terminal';

/** enrolled returns the terminal's {token, name}, or null on an ordinary device. */
export function enrolled() {
  try {
    const t = JSON.parse(localStorage.getItem(KEY) || 'null');
    return t && t.token ? t : null;
  } catch {
    return null;
  }
}

function save(t) {
  try {
    if (t) localStorage.setItem(KEY, JSON.stringify(t));
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode: the terminal lasts until the page closes.
  }
}

let hooks = { onSignedIn: () => {} };
let digits = '';

/** bindTerminal wires the PIN pad and the enrollment form once. */
export function bindTerminal(h2) {
  hooks = h2;
  const pad = $('pin-pad');
  const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', '0', 'ok'];
  fill(pad, keys.map((k) => h(`button.pin-key${k === 'ok' ? '.primary' : ''}`, {
    type: 'button',
    dataset: { key: k },
    // The OK key's name starts with what it shows (WCAG 2.5.3).
    'aria-label': { clear: 'Delete', ok: 'OK, sign in' }[k] || k,
    onclick: (e) => press(k, e.currentTarget),
  }, { clear: '⌫', ok: 'OK' }[k] || k)));
  window.addEventListener('keydown', (e) => {
    if ($('pin').hidden) return;
    if (/^[0-9]$/.test(e.key)) press(e.key);
    else if (e.key === 'Backspace') press('clear');
    else if (e.key === 'Enter') press('ok');
  });
  $('enroll-open').addEventListener('click', () => {
    $('enroll-form').hidden = false;
    $('enroll-form').elements.code.focus();
  });
  $('enroll-form').addEventListener('submit', enroll);
  $('pin-forget').addEventListener('click', () => {
    save(null);
    location.reload();
  });
}

function dots() {
  fill($('pin-dots'), Array.from({ length: 6 }, (_, i) => h(`span.pin-dot${i < digits.length ? '.on' : ''}`)));
}

async function press(k, button) {
  const msg = $('pin-msg');
  if (k !== 'ok') msg.textContent = '';
  if (k === 'clear') digits = digits.slice(0, -1);
  else if (k !== 'ok' && digits.length < 6) digits += k;
  dots();
  if (k !== 'ok') return;
  if (digits.length < 4) {
    msg.textContent = 'A PIN has 4 to 6 digits.';
    return;
  }
  const pin = digits;
  digits = '';
  dots();
  const t = enrolled();
  const go = async () => {
    try {
      const res = await api('POST', '/api/auth/pin', { body: { pin }, headers: { 'X-Terminal': t.token } });
      msg.textContent = '';
      hooks.onSignedIn(res);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && /terminal/.test(err.message)) {
        save(null);
        msg.textContent = 'This device is no longer a terminal. Sign in with a password.';
        return;
      }
      msg.textContent = err instanceof ApiError && err.status === 401 ? 'Wrong PIN. Try again.' : errorText(err);
    }
  };
  if (button) await busy(button, go);
  else await go();
}

/** showPin shows the PIN pad instead of the password form. */
export function showPin(message) {
  const t = enrolled();
  $('boot').hidden = true;
  $('shell').hidden = true;
  $('login').hidden = true;
  $('pin').hidden = false;
  $('pin-name').textContent = t?.name || 'Terminal';
  $('pin-msg').textContent = message || '';
  document.title = 'Locked · rms';
  digits = '';
  dots();
}

async function enroll(e) {
  e.preventDefault();
  const form = e.currentTarget;
  const code = form.elements.code.value.trim();
  await busy(form.querySelector('button[type=submit]'), async () => {
    try {
      const res = await api('POST', '/api/terminals/enroll', { body: { code } });
      save({ token: res.token, name: res.terminal?.name || 'Terminal' });
      form.elements.code.value = '';
      form.hidden = true;
      showPin('This device is now a shared terminal. Staff sign in with their PIN.');
    } catch (err) {
      formError(form, errorText(err));
    }
  });
}

/** lockOnBox ends the session on the box; a failure still locks the screen. */
export async function lockOnBox() {
  const t = enrolled();
  if (!t) return;
  try {
    await api('POST', '/api/auth/lock', { headers: { 'X-Terminal': t.token } });
  } catch {
    // Offline: the token still dies at the next sign-in here.
  }
}

let idleTimer = 0;
let idleMs = 0;
let onIdle = () => {};
const poke = () => {
  clearTimeout(idleTimer);
  if (idleMs) idleTimer = setTimeout(() => onIdle(), idleMs);
};

/** startIdle calls fn after seconds without a touch or a key. */
export function startIdle(seconds, fn) {
  idleMs = Math.max(10, seconds || 60) * 1000;
  onIdle = fn;
  for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart']) window.addEventListener(ev, poke, { passive: true });
  poke();
}

export function stopIdle() {
  idleMs = 0;
  clearTimeout(idleTimer);
}
