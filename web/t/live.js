// The table app's realtime side: menu, order, table and payment events
// applied as they come, and the connection that brings them.
import { connect } from '/lib/realtime.js';
import { clearAvoid } from './allergy.js';
import { newCart, saveCart, dropFromCart, dropSoldOutChoices } from './cart.js';
import { call, loadMenu, loadTable, loadOrders, refreshBillSoon } from './data.js';
import { renderConn, renderTable, setLang } from './header.js';
import { renderMenu, updateCard, updateAllCardCounts } from './menu.js';
import { renderOrders } from './orders.js';
import { flushOutbox } from './outbox.js';
import { revoked } from './pair.js';
import { closeSheet, renderSheet } from './sheet.js';
import { setView, renderSide, renderSendButton } from './side.js';
import { S, money, toast, byPosition, t } from './state.js';

export function onMenuUpdated(item) {
  if (!item || typeof item.id !== 'number') return;
  if (item.deleted) {
    const had = S.items.get(item.id);
    S.items.delete(item.id);
    for (const c of S.categories) c.items = c.items.filter((i) => i.id !== item.id);
    if (had) renderMenu();
    dropFromCart([item.id], 'dropped_gone');
    return;
  }
  const cat = S.categories.find((c) => c.id === item.category_id);
  if (!cat) {
    // A category this page has never seen: categories push no events, so
    // the whole menu is the only source of its name and place.
    loadMenu().catch(() => {});
    return;
  }
  const old = S.items.get(item.id);
  S.items.set(item.id, item);
  if (old && old.category_id === item.category_id && (old.position || 0) === (item.position || 0)) {
    cat.items = cat.items.map((i) => (i.id === item.id ? item : i));
    updateCard(item);
  } else {
    for (const c of S.categories) c.items = c.items.filter((i) => i.id !== item.id);
    cat.items.push(item);
    cat.items.sort(byPosition);
    renderMenu();
  }
  if (!item.available) dropFromCart([item.id], 'dropped_sold_out');
  else {
    dropSoldOutChoices();
    renderSide();
  }
  if (S.sheet && S.sheet.kind === 'item' && S.sheet.id === item.id) renderSheet();
}

export function onOrder(order, meta) {
  if (!order || order.table_id !== S.tableId) return;
  const old = S.orders.get(order.id);
  // A REST answer (no meta) applies at once; an event older than what the
  // page holds (a replay after a reload) changes nothing.
  if (!S.orders.put(order, meta && meta.seq)) return;
  renderOrders();
  renderTable(); // "ready for the next course" follows the held courses
  if (old && old.status !== order.status) {
    if (order.status === 'ready') toast(t('order_ready', { id: order.id }), 'good');
    if (order.status === 'cancelled' && !S.cancelling.has(order.id)) {
      toast(order.cancel_reason ? t('order_cancelled_by', { id: order.id, reason: order.cancel_reason }) : t('order_cancelled', { id: order.id }), 'warn', 8000);
    }
  }
  refreshBillSoon();
}

export function onTable(table) {
  if (!table || table.id !== S.tableId) return;
  if (table.deleted) {
    revoked(t('table_gone'));
    return;
  }
  const was = S.table && S.table.status;
  S.table = { ...S.table, ...table };
  if (was && was !== 'available' && was !== 'reserved' && (table.status === 'available' || table.status === 'reserved')) {
    // Staff set the table free: the next party starts with a clean slate,
    // not with what the last one left in the cart.
    S.cart = newCart();
    saveCart();
    closeSheet();
    updateAllCardCounts();
    setView('cart');
  }
  if (was && was !== table.status && table.status !== 'occupied') firstLanguage();
  renderTable();
  renderOrders();
}

// Every payment is pushed, split bills too: the bill says whether this one
// settled it or how much is still due.
export async function onPayment(p) {
  if (!p || p.table_id !== S.tableId) return;
  try {
    const bill = await call('GET', '/api/tables/' + S.tableId + '/bill');
    if (S.sheet && S.sheet.kind === 'bill') {
      S.bill = bill;
      renderSheet();
    }
    if (!bill.due_cents) {
      toast(t('settled'), 'good', 8000);
      firstLanguage();
    } else toast(t('payment_left', { due: money(bill.due_cents) }), 'good', 8000);
  } catch {
    // Without the bill there is nothing reliable to say; the orders still update.
  }
}

export function startRealtime() {
  const rt = connect({ token: () => S.token });
  S.rt = rt;
  rt.on('menu:updated', onMenuUpdated);
  rt.on('order:created', onOrder);
  rt.on('order:updated', onOrder);
  rt.on('order:cancelled', onOrder);
  rt.on('table:updated', onTable);
  rt.on('payment:completed', onPayment);
  rt.onResync('menu', () => loadMenu().catch(() => {}));
  rt.onResync('table:' + S.tableId, (room, { epochChanged }) => {
    // Seqs of a vanished event log guard nothing: the reload replaces them.
    if (epochChanged) S.orders.forgetSeqs();
    loadOrders().catch(() => {});
    loadTable().catch(() => {});
    refreshBillSoon();
  });
  rt.onAuthError(() => {
    if (S.rt === rt) revoked();
  });
  rt.onState((state, info) => {
    S.conn = state;
    S.connSince = info.since;
    if (state === 'connected') {
      S.restDown = false;
      flushOutbox();
    }
    renderConn();
    renderSendButton();
  });
}

/**
 * firstLanguage puts the iPad back in the restaurant's first language once
 * the bill is settled (or the table is set free): the next party should not
 * find it in the last one's language, nor with the last one's allergen filter.
 */
export function firstLanguage() {
  // The allergen filter was this party's too.
  if (S.avoid.size) clearAvoid();
  const first = (S.settings.languages || [])[0];
  if (first && S.lang !== first) setLang(first, false);
}
