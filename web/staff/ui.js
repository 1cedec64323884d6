// Small DOM and formatting helpers shared by every view of the staff app.
// Everything user-visible is built with textContent, never innerHTML, so a
// dish called "<b>Soup</b>" shows as typed.
import { ApiError, formatMoney } from '/lib/api.js';
import { h, fill, calm } from '/lib/dom.js';
import { toaster } from '/lib/toast.js';

export { h, fill, calm };

/** label wraps an input with its visible label and room for a field error. */
export function field(text, input, hint) {
  return h('label.field', null, h('span.field-label', null, text), input, hint ? h('small.hint', null, hint) : null);
}

// ---- errors in plain words ----

/** errorText turns anything thrown by api() into a sentence a waiter understands. */
export function errorText(err) {
  if (!(err instanceof ApiError)) {
    return `Something went wrong in this page: ${err?.message || err}. Reload the page if it keeps happening.`;
  }
  const msg = sentence(err.message);
  switch (err.status) {
    case 0: return "Can't reach the restaurant box. Check the Wi-Fi or network cable, then try again.";
    case 401: return 'Your session has ended. Please sign in again.';
    case 403: return msg || 'Your account is not allowed to do that.';
    case 404: return msg || 'That no longer exists; someone may have just deleted it.';
    case 409: return msg || 'That is not possible right now; the screen may be out of date.';
    case 413: return 'That is too large to send.';
    case 422: return msg || 'Some fields need fixing.';
    case 429: return msg || 'Too many attempts. Please wait a few minutes and try again.';
    default:
      if (err.status >= 500) return `The restaurant box had a problem (error ${err.status}). Try again; if it keeps happening, restart the box.`;
      return msg || `The request failed (error ${err.status}).`;
  }
}

function sentence(s) {
  if (!s) return '';
  s = String(s).trim();
  s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** toast shows a short message at the bottom right; errors stay longer. */
export const toast = toaster({
  box: () => document.getElementById('toasts'),
  // Keep the stack short: the newest three say what matters.
  max: 3,
  className: (kind) => `toast ${kind}`,
  ttl: (kind) => (kind === 'error' ? 9000 : 4000),
});

/** showError reports err next to the form's fields when it names them, else as a toast. */
export function showError(err, form) {
  if (form && err instanceof ApiError && err.fields && Object.keys(err.fields).length) {
    const rest = fieldErrors(form, err.fields);
    if (rest.length) formError(form, rest.join(' '));
    else formError(form, 'Please fix the highlighted fields.');
    return;
  }
  if (form) formError(form, errorText(err));
  else toast(errorText(err));
}

/**
 * fieldErrors writes each message under the input whose name (or
 * data-field) matches the API's field name, and returns the messages it
 * found no input for.
 */
export function fieldErrors(form, fields) {
  clearErrors(form);
  const rest = [];
  let first;
  for (const [name, msg] of Object.entries(fields)) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"], [data-field="${CSS.escape(name)}"]`);
    const text = sentence(msg);
    if (!input) {
      rest.push(`${name}: ${text}`);
      continue;
    }
    input.setAttribute('aria-invalid', 'true');
    const holder = input.closest('.field') || input.parentElement;
    const small = h('small.field-error', { role: 'alert' }, text);
    holder.append(small);
    first ??= input;
  }
  first?.focus();
  return rest;
}

/** formError puts a message in the form's general error line. */
export function formError(form, message) {
  let line = form.querySelector(':scope > .form-error');
  if (!line) {
    line = h('p.form-error', { role: 'alert' });
    form.prepend(line);
  }
  line.textContent = message;
  line.hidden = !message;
}

/** clearErrors removes every error message the form shows. */
export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const line = form.querySelector(':scope > .form-error');
  if (line) line.hidden = true;
}

/**
 * busy disables a button while an async action runs, so a double tap on
 * a slow network does not send twice.
 */
export async function busy(button, fn) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

// ---- dialogs ----

/**
 * dialog opens a modal <dialog> with a title, a body and buttons. It is
 * removed from the page when closed (Escape included).
 */
export function dialog({ title, body, wide = false, onclose }) {
  const d = h(`dialog.modal${wide ? '.wide' : ''}`, { 'aria-label': title });
  const close = () => d.close();
  d.append(
    h('header.modal-head', null, h('h2', null, title), h('button.icon-btn', { type: 'button', 'aria-label': 'Close', onclick: close }, '✕')),
    h('div.modal-body', null, body),
  );
  d.addEventListener('close', () => {
    d.remove();
    onclose?.();
  });
  document.body.append(d);
  d.showModal();
  return { el: d, close };
}

/** confirmDialog asks a yes/no question and resolves true on yes. */
export function confirmDialog(message, { confirmText = 'Yes', danger = false, title = 'Please confirm' } = {}) {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h(`button.${danger ? 'danger' : 'primary'}`, { type: 'button' }, confirmText);
    const no = h('button', { type: 'button' }, 'Back');
    const { close } = dialog({
      title,
      body: [h('p', null, message), h('div.actions', null, no, yes)],
      onclose: () => resolve(answer),
    });
    yes.addEventListener('click', () => { answer = true; close(); });
    no.addEventListener('click', close);
    yes.focus();
  });
}

// ---- money and time ----

/** fractionDigits is how many minor-unit digits the currency has (JPY 0, EUR 2). */
export function fractionDigits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** money formats minor units in the restaurant's currency. */
export function money(cents, currency) {
  return formatMoney(cents ?? 0, currency || 'EUR');
}

/**
 * parseMoney reads what a person typed ("12.5", "12,50", "7") as minor
 * units; NaN when it is not a number.
 */
export function parseMoney(text, currency) {
  let s = String(text ?? '').trim().replace(/\s/g, '');
  if (s === '') return NaN;
  if (s.includes(',') && !s.includes('.')) s = s.replace(',', '.');
  if (!/^\d*(\.\d*)?$/.test(s) || s === '.') return NaN;
  const d = fractionDigits(currency);
  return Math.round(Number(s) * 10 ** d);
}

/** moneyInput is the inverse of parseMoney, for prefilling inputs. */
export function moneyInput(cents, currency) {
  const d = fractionDigits(currency);
  return (cents / 10 ** d).toFixed(d);
}

/** since is a short "how long ago": "now", "7 min", "1 h 05". */
export function since(iso, now = Date.now()) {
  if (!iso) return '';
  const min = Math.max(0, Math.floor((now - Date.parse(iso)) / 60000));
  if (min < 1) return 'now';
  if (min < 60) return `${min} min`;
  const hrs = Math.floor(min / 60);
  if (hrs < 24) return `${hrs} h ${String(min % 60).padStart(2, '0')}`;
  return `${Math.floor(hrs / 24)} d`;
}

/** clock shows a time of day in the browser's locale. */
export function clock(iso) {
  if (!iso) return '';
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** titleCase capitalises a status or role for display. */
export function titleCase(s) {
  return s ? s.charAt(0).toUpperCase() + s.slice(1) : '';
}
