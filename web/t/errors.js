// Guests never read what the box says to developers: every error a guest
// can meet becomes words of the app's own message files, in the guests'
// language. The server's message is only ever used to tell cases apart.
import { ApiError } from '/lib/api.js';
import { t } from './state.js';

/**
 * kindOf sorts an error into what a guest needs to know: 'network' (the
 * box is out of reach), 'busy' (429), 'server' (5xx or an answer that is
 * not the box's), 'auth' (401/403: the iPad lost its table), 'gone' (409:
 * something is not available), 'too_big' (413), 'invalid' (another 4xx).
 */
export function kindOf(e) {
  if (!(e instanceof ApiError)) return 'server';
  const s = e.status;
  if (s === 0) return 'network';
  if (s === 429) return 'busy';
  if (s >= 500 || e.code === 'bad_response') return 'server';
  if (s === 401 || s === 403) return 'auth';
  if (s === 409) return 'gone';
  if (s === 413) return 'too_big';
  return 'invalid';
}

/**
 * keyMismatch tells whether the box refused an order because its
 * Idempotency-Key was already used for a different order (409), or is not
 * a key it takes (422 on the header): a stale saved cart, recovered by
 * sending once more under a fresh key. The box answers this only when the
 * bodies differ; the same body under the same key is replayed, never refused.
 */
export function keyMismatch(e) {
  if (!(e instanceof ApiError)) return false;
  const fields = e.fields || {};
  if (e.status === 422 && Object.keys(fields).some((k) => /idempotency/i.test(k))) return true;
  return e.status === 409 && /idempotency/i.test(e.message || '');
}

/** The waiting outbox says why it waits: its title and text keys by kind. */
export function outboxWords(kind) {
  if (kind === 'busy') return { title: t('busy_title'), text: t('busy_text') };
  if (kind === 'server') return { title: t('server_title'), text: t('server_text') };
  return { title: t('not_sent_title'), text: t('not_sent_text') };
}

/**
 * refusedWords says why an order came back for good, when the error named
 * no dish that left the cart: a note too long, too many lines, too big,
 * or something only a waiter can sort out (the table's open orders at their
 * limit).
 */
export function refusedWords(e) {
  const k = kindOf(e);
  if (k === 'too_big') return t('order_too_big');
  if (k === 'gone') return t('order_needs_waiter');
  const fields = Object.keys((e && e.fields) || {});
  if (fields.some((f) => /notes$/.test(f))) return t('note_too_long');
  if (fields.includes('items')) return t('order_too_big');
  return t('order_invalid');
}

/** requestWords is what a guest reads when a service request or a cancel failed. */
export function requestWords(e, fallback) {
  const k = kindOf(e);
  if (k === 'network') return t('err_network');
  if (k === 'busy') return t('err_busy');
  if (k === 'server') return t('err_server');
  return t(fallback);
}
