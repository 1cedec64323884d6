// The cart: what the guests picked, kept on the iPad across reloads, and
// trimmed when the menu takes a dish away.
import { byId as $ } from '/lib/dom.js';
import { newIdempotencyKey } from '/lib/api.js';
import { updateCardCount } from './menu.js';
import { setView, renderSide } from './side.js';
import { CART_KEY, OUTBOX_KEY, MAX_QTY, NOTE_MAX, S, store, toast, t, tr, unitPrice } from './state.js';

export function newCart() {
  const cart = { table_id: S.tableId, key: newIdempotencyKey(), lines: [], notes: '' };
  cart.sig = cartSig(cart);
  return cart;
}

/** cartSig is what of a cart reaches the box: the body its key stands for. */
export function cartSig(cart) {
  const lines = cart.lines.map((l) => [l.menu_item_id, l.quantity, (l.notes || '').trim(), Array.isArray(l.modifiers) ? [...l.modifiers].sort((a, b) => a - b) : null]);
  return JSON.stringify([lines, (cart.notes || '').trim()]);
}

/**
 * saveCart keeps the cart and the outbox on the iPad. A cart whose content
 * changed gets a fresh Idempotency-Key: one key stands for one body, so a
 * cart restored from storage after a browser restart never sends a key the
 * box has seen with other lines. A cart saved before it had a signature
 * keeps its key (sent as it is, the box replays the order it made).
 */
export function saveCart() {
  if (S.cart) {
    const sig = cartSig(S.cart);
    if (S.cart.sig !== undefined && S.cart.sig !== sig) S.cart.key = newIdempotencyKey();
    S.cart.sig = sig;
  }
  store(CART_KEY, S.cart);
  store(OUTBOX_KEY, S.outbox);
}

export function cartCount() {
  return S.cart.lines.reduce((n, l) => n + l.quantity, 0);
}

export function cartSubtotal(lines) {
  let sum = 0;
  for (const l of lines) {
    const it = S.items.get(l.menu_item_id);
    if (it) sum += unitPrice(it, l.modifiers) * l.quantity;
  }
  return sum;
}

/** sameChoices tells whether two lines' options are the same set. */
export function sameChoices(a, b) {
  const x = [...(a || [])].sort((p, q) => p - q).join(',');
  const y = [...(b || [])].sort((p, q) => p - q).join(',');
  return x === y;
}

/** addToCart adds quantity × item with its note and chosen option ids. */
export function addToCart(id, quantity, notes, modifiers) {
  const it = S.items.get(id);
  if (!it || !it.available) return;
  notes = (notes || '').trim().slice(0, NOTE_MAX);
  const mods = [...(modifiers || [])];
  const same = S.cart.lines.find((l) => l.menu_item_id === id && (l.notes || '') === notes && sameChoices(l.modifiers, mods));
  if (same) same.quantity = Math.min(MAX_QTY, same.quantity + quantity);
  else S.cart.lines.push({ menu_item_id: id, quantity: Math.min(MAX_QTY, quantity), notes, modifiers: mods });
  saveCart();
  updateCardCount(id);
  if (S.view !== 'cart') setView('cart');
  else renderSide();
  bump();
}

// A short pulse on the cart tab confirms an add without hiding the menu.
export function bump() {
  const tab = $('tab-cart');
  tab.classList.remove('bump');
  void tab.offsetWidth;
  tab.classList.add('bump');
}

export function setQty(index, quantity) {
  const line = S.cart.lines[index];
  if (!line) return;
  if (quantity <= 0) S.cart.lines.splice(index, 1);
  else line.quantity = Math.min(MAX_QTY, quantity);
  saveCart();
  updateCardCount(line.menu_item_id);
  renderSide();
}

/**
 * Removes lines of items the guest can no longer order, saying which; why
 * is the message key ('dropped_sold_out', 'dropped_gone', 'dropped_unavailable').
 */
export function dropFromCart(ids, why) {
  const gone = new Set(ids);
  const names = [];
  for (const l of S.cart.lines) {
    if (gone.has(l.menu_item_id)) {
      const it = S.items.get(l.menu_item_id);
      const name = it ? tr(it) : t('an_item');
      if (names.indexOf(name) < 0) names.push(name);
    }
  }
  const before = S.cart.lines.length;
  S.cart.lines = S.cart.lines.filter((l) => !gone.has(l.menu_item_id));
  if (S.cart.lines.length !== before) {
    saveCart();
    toast(t(why, { names: names.join(', '), n: names.length }), 'warn', 8000);
  }
  for (const id of ids) updateCardCount(id);
  renderSide();
}

/** After a menu load: lines whose item vanished or sold out leave the cart. */
export function pruneCart() {
  const bad = [];
  for (const l of S.cart.lines) {
    const it = S.items.get(l.menu_item_id);
    if (!it) bad.push(l.menu_item_id);
    else if (!it.available) bad.push(l.menu_item_id);
  }
  if (bad.length) dropFromCart(bad, 'dropped_unavailable');
  dropSoldOutChoices();
}

/**
 * dropSoldOutChoices takes off the lines whose chosen option has sold out
 * (no more ribeye): the guests choose again rather than get a 409.
 */
export function dropSoldOutChoices() {
  const names = [];
  const keep = S.cart.lines.filter((l) => {
    const it = S.items.get(l.menu_item_id);
    if (!it || !(l.modifiers || []).length) return true;
    const chosen = new Set(l.modifiers);
    for (const g of it.modifier_groups || []) {
      for (const o of g.options) {
        if (chosen.has(o.id) && !o.available) {
          names.push(tr(it) + ' (' + tr(o) + ')');
          return false;
        }
      }
    }
    return true;
  });
  if (keep.length === S.cart.lines.length) return;
  const ids = S.cart.lines.map((l) => l.menu_item_id);
  S.cart.lines = keep;
  saveCart();
  toast(t('sold_out_now', { names: names.join(', ') }), 'warn', 8000);
  for (const id of ids) updateCardCount(id);
  renderSide();
}
