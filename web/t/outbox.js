// Sending: the order waits in an outbox with its idempotency key until the
// box has it, through lost answers and dead Wi-Fi; and the service
// requests (waiter, bill).
import { ApiError, newIdempotencyKey } from '/lib/api.js';
import { newCart, saveCart, sameChoices } from './cart.js';
import { call, loadMenu } from './data.js';
import { keyMismatch, kindOf, refusedWords, requestWords } from './errors.js';
import { renderTable } from './header.js';
import { orderable, updateAllCardCounts } from './menu.js';
import { renderOrders } from './orders.js';
import { renderSheet } from './sheet.js';
import { openSide, setView, renderSide } from './side.js';
import { MAX_QTY, S, toast, t, tr } from './state.js';

export function sendOrder() {
  if (S.outbox) {
    flushOutbox();
    return;
  }
  if (!S.cart.lines.length) return;
  const lines = S.cart.lines.map((l) => ({ ...l }));
  // The cart's key travels with its lines: a retry after a lost answer
  // replays the same request and the box creates nothing twice.
  S.outbox = {
    table_id: S.tableId,
    key: S.cart.key,
    body: {
      table_id: S.tableId,
      // Lines saved before options existed leave modifiers out: the box
      // then chooses each group's defaults.
      items: lines.map((l) => ({
        menu_item_id: l.menu_item_id,
        quantity: l.quantity,
        notes: l.notes || '',
        ...(Array.isArray(l.modifiers) ? { modifiers: l.modifiers.map((id) => ({ option_id: id })) } : {}),
      })),
      notes: (S.cart.notes || '').trim(),
    },
    lines: lines.map((l) => ({ ...l, name: tr(S.items.get(l.menu_item_id)), price_cents: (S.items.get(l.menu_item_id) || {}).price_cents || 0 })),
    state: 'sending',
  };
  S.cart = newCart();
  saveCart();
  updateAllCardCounts();
  renderSide();
  flushOutbox();
}

let flushing = false;

let retryTimer = 0;

let retryDelay = 2000;

export async function flushOutbox() {
  if (!S.outbox || flushing || !S.token || !S.loaded) return;
  flushing = true;
  clearTimeout(retryTimer);
  const box = S.outbox;
  box.state = 'sending';
  renderSide();
  let again = false;
  try {
    const order = await call('POST', '/api/orders', { body: box.body, headers: { 'Idempotency-Key': box.key } });
    if (S.outbox === box) S.outbox = null;
    saveCart();
    retryDelay = 2000;
    if (order && order.id) {
      S.orders.put(order);
      renderOrders();
    }
    // Say what is true: a guest's order waits for a waiter unless the
    // restaurant confirms orders by itself.
    toast(t(order && order.status === 'pending' ? 'order_sent_waiter' : 'order_sent_kitchen'), 'good');
    setView('orders');
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    const kind = kindOf(e);
    if (keyMismatch(e) && !box.rekeyed) {
      // A stale saved cart: its key went with other lines before (the box
      // replays an identical body, so this body differs). Once, silently,
      // under a fresh key.
      box.key = newIdempotencyKey();
      box.rekeyed = true;
      saveCart();
      again = true;
    } else if (kind === 'network' || kind === 'server' || kind === 'busy' || kind === 'auth') {
      // The answer may have been lost on the way back: keep the same key,
      // so the retry returns the order the box may already have made.
      box.state = 'waiting';
      box.why = kind;
      saveCart();
      if (S.token) {
        retryTimer = setTimeout(flushOutbox, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 15000);
      }
    } else {
      retryDelay = 2000;
      await refuseOutbox(box, e);
    }
  } finally {
    flushing = false;
    renderSide();
  }
  if (again) flushOutbox();
}

/** The box said no for good: the lines go back to the cart, minus what cannot be had. */
export async function refuseOutbox(box, e) {
  // The answer names the item (by name in a 409, by line in a 422); the
  // fresh menu says exactly which lines can no longer be had, so those
  // leave and the rest goes back to the cart to be sent again.
  const named = itemsNamedIn(e, box);
  if (e.status === 409 || named.length) {
    try {
      await loadMenu();
    } catch {
      // Without a menu, fall back to what the error named.
    }
  }
  if (S.outbox === box) S.outbox = null;
  const bad = new Set(named);
  if (e.status === 409 || named.length) {
    for (const l of box.lines) {
      const it = S.items.get(l.menu_item_id);
      if (!it || !orderable(it).ok) bad.add(l.menu_item_id);
    }
  }
  for (const l of box.lines) {
    if (bad.has(l.menu_item_id)) continue;
    const notes = l.notes || '';
    const same = S.cart.lines.find((c) => c.menu_item_id === l.menu_item_id && (c.notes || '') === notes && sameChoices(c.modifiers, l.modifiers));
    if (same) same.quantity = Math.min(MAX_QTY, same.quantity + l.quantity);
    else S.cart.lines.push({ menu_item_id: l.menu_item_id, quantity: l.quantity, notes, modifiers: l.modifiers });
  }
  if (!S.cart.notes && box.body.notes) S.cart.notes = box.body.notes;
  saveCart();
  updateAllCardCounts();
  setView('cart');
  openSide();
  const names = box.lines.filter((l) => bad.has(l.menu_item_id)).map((l) => l.name);
  const uniq = names.filter((n, i) => n && names.indexOf(n) === i);
  if (uniq.length) toast(t('taken_off', { names: uniq.join(', '), n: uniq.length }), 'error', 10000);
  else toast(refusedWords(e), 'error', 10000);
}

/** Item ids an error names, by line index in `fields` or by name in the message. */
export function itemsNamedIn(e, box) {
  const ids = new Set();
  const fields = e.fields || {};
  for (const k of Object.keys(fields)) {
    const m = /items\D*(\d+)/.exec(k);
    if (m && box.body.items[+m[1]]) ids.add(box.body.items[+m[1]].menu_item_id);
  }
  const msg = (e.message || '').toLowerCase();
  for (const l of box.lines) if (l.name && msg.indexOf(l.name.toLowerCase()) >= 0) ids.add(l.menu_item_id);
  return [...ids];
}

export async function askFor(kind) {
  if (S.busy.has(kind)) return;
  S.busy.add(kind);
  renderTable();
  try {
    const res = await call('POST', '/api/tables/' + S.tableId + '/requests', { body: { kind } });
    if (res && res.id === S.tableId) S.table = { ...S.table, ...res };
    else S.table = { ...S.table, open_request: { kind, created_at: new Date().toISOString() } };
    toast(t(kind === 'bill' ? 'bill_coming' : kind === 'next_course' ? 'next_course_sent' : 'waiter_coming'), 'good');
  } catch (e) {
    if (!(e instanceof ApiError) || kindOf(e) !== 'auth') toast(requestWords(e, 'request_failed'), 'error', 8000);
  } finally {
    S.busy.delete(kind);
    renderTable();
    if (S.sheet && S.sheet.kind === 'bill') renderSheet();
  }
}
