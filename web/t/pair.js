// Pairing: the iPad trades a staff member's six-digit code for the table's
// token, and goes back here when the token stops working.
import { fill, byId as $ } from '/lib/dom.js';
import { api, ApiError, session, jwtClaims, tokenAlive } from '/lib/api.js';
import { kindOf } from './errors.js';
import { start } from './app.js';
import { closeSheet } from './sheet.js';
import { APP, S, t } from './state.js';

/** isCustomerToken tells whether token is a live table token. */
export function isCustomerToken(token) {
  return tokenAlive(token, ['customer']) && Boolean(jwtClaims(token).table_id);
}

export function showPair(message, kind) {
  S.gen++;
  if (S.rt) {
    S.rt.close();
    S.rt = null;
  }
  S.loaded = false;
  closeSheet();
  fill($('toasts'));
  $('boot').hidden = true;
  $('app').hidden = true;
  $('pair').hidden = false;
  const msg = $('pair-msg');
  msg.textContent = message || '';
  msg.className = 'pair-msg' + (kind ? ' pair-msg-' + kind : '');
  const input = $('pair-code');
  input.disabled = false;
  $('pair-submit').disabled = false;
  // Focusing opens the iPad keyboard at once, which is what staff want.
  setTimeout(() => input.focus(), 50);
}

export async function trade(code) {
  const input = $('pair-code');
  const btn = $('pair-submit');
  input.disabled = true;
  btn.disabled = true;
  btn.textContent = t('pair_connecting');
  try {
    const res = await api('POST', '/api/pair', { body: { code } });
    session.set(APP, res.token);
    input.value = '';
    start();
  } catch (e) {
    const kind = kindOf(e);
    let text = t('pair_bad_code');
    if (kind === 'network' || kind === 'server') {
      text = t(kind === 'network' ? 'pair_offline' : 'err_server');
      input.value = code;
    } else if (kind === 'busy') {
      text = t('pair_too_many');
    } else if (e instanceof ApiError && e.status === 422) {
      text = t('pair_digits');
    }
    showPair(text, 'error');
  } finally {
    btn.textContent = t('pair_connect');
  }
}

export function bindPairForm() {
  const input = $('pair-code');
  input.addEventListener('input', () => {
    const digits = input.value.replace(/\D/g, '').slice(0, 6);
    if (digits !== input.value) input.value = digits;
    $('pair-msg').textContent = '';
  });
  $('pair-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = input.value.replace(/\D/g, '');
    if (code.length !== 6) {
      showPair(t('pair_digits'), 'error');
      return;
    }
    trade(code);
  });
}

/** Called when the table's token stops working (re-paired, table removed). */
export function revoked(text) {
  session.clear(APP);
  S.token = null;
  showPair(text || t('revoked_text'), 'warn');
}
