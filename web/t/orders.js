// The orders panel: each order's progress, and cancelling one that staff
// have not confirmed yet.
import { h, fill, byId as $ } from '/lib/dom.js';
import { ApiError } from '/lib/api.js';
import { call } from './data.js';
import { kindOf, requestWords } from './errors.js';
import { onOrder } from './live.js';
import { renderCounts } from './side.js';
import { RECENT_MS, STEPS, ACTIVE, S, money, clock, ms, toast, t, statusLabel, optionName } from './state.js';

/** Orders the guests should see: everything active, recent finished ones of this visit. */
export function visibleOrders() {
  const tb = S.table;
  const list = [...S.orders.values()].filter((o) => {
    if (ACTIVE.has(o.status)) return true;
    if (Date.now() - ms(o.updated_at) > RECENT_MS) return false;
    if (!tb || !tb.status) return true;
    // A table set free or reserved belongs to the next party: finished
    // orders of the last one are theirs to forget.
    if (tb.status === 'available' || tb.status === 'reserved') return false;
    if (tb.status_changed_at) {
      const slack = tb.status === 'cleaning' ? 120000 : 0;
      return ms(o.updated_at) >= ms(tb.status_changed_at) - slack;
    }
    return true;
  });
  // What is still coming matters most: active orders first, newest on top.
  list.sort((a, b) => Number(ACTIVE.has(b.status)) - Number(ACTIVE.has(a.status)) || ms(b.created_at) - ms(a.created_at) || b.id - a.id);
  return list;
}

export function renderOrders() {
  renderCounts();
  const panel = $('panel-orders');
  fill(panel);
  const list = visibleOrders();
  if (!list.length) {
    panel.appendChild(h('div', { class: 'cart-empty' }, h('p', { class: 'cart-empty-title' }, t('no_orders_title')), h('p', null, t('no_orders_text'))));
    return;
  }
  const wrap = h('div', { class: 'orders' });
  for (const o of list) wrap.appendChild(orderCard(o));
  panel.appendChild(wrap);
}

export function orderCard(o) {
  const cancelled = o.status === 'cancelled';
  const idx = STEPS.indexOf(o.status);
  return h(
    'article',
    { class: 'order status-' + o.status, 'data-order': o.id },
    h(
      'header',
      { class: 'order-head' },
      h('span', { class: 'order-title' }, t('order_n', { id: o.id })),
      h('span', { class: 'order-time' }, clock(o.created_at)),
      h('span', { class: 'pill pill-' + o.status, 'data-status': o.status }, statusLabel(o.status)),
      // Paid before it was served: still on its way from the kitchen.
      o.paid_at && o.status !== 'paid' && !cancelled ? h('span', { class: 'pill pill-paid order-paid-early' }, t('st_paid')) : null,
    ),
    cancelled
      ? h('p', { class: 'order-cancel' }, o.cancel_reason ? t('cancelled_reason', { reason: o.cancel_reason }) : t('cancelled_plain'))
      : o.status === 'paid'
        ? h('p', { class: 'order-paid' }, t('paid_thanks'))
        : h(
            'ol',
            { class: 'steps', 'aria-label': t('progress', { status: statusLabel(o.status) }) },
            STEPS.map((s, i) => h('li', { class: 'step-dot' + (i < idx ? ' done' : '') + (i === idx ? ' now' : ''), 'aria-current': i === idx ? 'step' : null }, h('span', { class: 'dot' }), h('span', { class: 'step-label' }, statusLabel(s)))),
          ),
    // Who the order waits for now, in words: the waiter, then the kitchen.
    idx >= 0 ? h('p', { class: 'order-wait', 'data-wait': o.status }, t('wait_' + o.status)) : null,
    h(
      'ul',
      { class: 'order-lines' },
      (o.items || []).map((it) =>
        h(
          'li',
          { class: it.done ? 'is-done' : null },
          h('span', { class: 'ol-qty' }, it.quantity + '×'),
          h('span', { class: 'ol-name' }, it.name, choiceList(it), it.notes ? h('span', { class: 'ol-note' }, it.notes) : null),
          h('span', { class: 'ol-price' }, money(it.unit_price_cents * it.quantity)),
        ),
      ),
    ),
    o.notes ? h('p', { class: 'order-note-text' }, t('note_prefix', { note: o.notes })) : null,
    o.status === 'pending' ? cancelButton(o) : null,
  );
}

// Guests may take back an order until staff confirm it; the first tap only
// arms the button, so a stray touch never cancels anything.
let armTimer = 0;

export function cancelButton(o) {
  const armed = S.armed === o.id;
  return h(
    'button',
    {
      class: 'btn btn-quiet btn-cancel' + (armed ? ' is-armed' : ''),
      type: 'button',
      'data-cancel': o.id,
      disabled: S.busy.has('cancel:' + o.id),
      onclick: () => {
        if (!armed) {
          S.armed = o.id;
          clearTimeout(armTimer);
          armTimer = setTimeout(() => {
            S.armed = 0;
            renderOrders();
          }, 4000);
          renderOrders();
          return;
        }
        S.armed = 0;
        cancelOrder(o.id);
      },
    },
    armed ? t('cancel_again') : t('cancel_order'),
  );
}

export async function cancelOrder(id) {
  const kind = 'cancel:' + id;
  if (S.busy.has(kind)) return;
  S.busy.add(kind);
  S.cancelling.add(id);
  renderOrders();
  try {
    const o = await call('POST', '/api/orders/' + id + '/cancel', { body: { reason: 'Cancelled at the table' } });
    if (o && o.id) onOrder(o);
    toast(t('cancelled_toast', { id }), 'info');
  } catch (e) {
    S.cancelling.delete(id);
    // Confirmed meanwhile: the box says 403 (guests may not cancel it now) or 409.
    if (e instanceof ApiError && (e.status === 409 || e.status === 403)) toast(t('cancel_too_late'), 'warn', 8000);
    else if (e instanceof ApiError && e.status === 0) toast(t('cancel_offline'), 'error', 8000);
    else if (kindOf(e) !== 'auth') toast(requestWords(e, 'cancel_failed'), 'error', 8000);
  } finally {
    S.busy.delete(kind);
    renderOrders();
  }
}

/** choiceList shows an order line's choices, an allergy one marked. */
export function choiceList(it) {
  const mods = it.modifiers || [];
  if (!mods.length) return null;
  return h('span', { class: 'ol-mods' }, mods.map((m) => h('span', { class: 'ol-mod' + (m.allergy ? ' is-allergy' : '') }, optionName(it.menu_item_id, m))));
}
