// The side panel: the tabs, the cart with its notes, totals and the send
// button.
import { h, fill, byId as $ } from '/lib/dom.js';
import { avoidedIn } from './allergy.js';
import { saveCart, cartCount, cartSubtotal, setQty } from './cart.js';
import { outboxWords } from './errors.js';
import { visibleOrders } from './orders.js';
import { sendOrder, flushOutbox } from './outbox.js';
import { MAX_QTY, NOTE_MAX, ACTIVE, S, money, icon, t, tr, unitPrice } from './state.js';

/** narrow tells whether the cart is a drawer (a portrait iPad) rather than a side column. */
export const narrow = () => window.matchMedia('(max-width: 900px)').matches;

/**
 * tapTab is a tap on a tab: beside the menu it switches the panel; as a
 * drawer it opens on that panel, or closes when that panel is open.
 */
export function tapTab(view) {
  if (narrow() && S.sideOpen && S.view === view) closeSide();
  else {
    setView(view);
    openSide();
  }
}

/** openSide opens the cart drawer (nothing changes where the cart is a column). */
export function openSide() {
  S.sideOpen = true;
  renderDrawer();
}

export function closeSide() {
  S.sideOpen = false;
  renderDrawer();
}

export function renderDrawer() {
  const open = S.sideOpen && narrow();
  $('app').classList.toggle('side-open', open);
  $('side-scrim').hidden = !open;
  const btn = $('side-toggle');
  btn.setAttribute('aria-expanded', open ? 'true' : 'false');
  btn.setAttribute('aria-label', open ? t('drawer_close') : t('drawer_open'));
}

export function setView(view) {
  S.view = view;
  $('tab-cart').setAttribute('aria-selected', String(view === 'cart'));
  $('tab-orders').setAttribute('aria-selected', String(view === 'orders'));
  $('panel-cart').hidden = view !== 'cart';
  $('panel-orders').hidden = view !== 'orders';
  renderSide();
}

/** Re-renders the cart after a change by the guest (or the menu under it). */
export function renderSide() {
  renderCounts();
  renderCart();
}

export function renderCounts() {
  if (!S.cart) return;
  const n = cartCount() + (S.outbox ? S.outbox.lines.reduce((s, l) => s + l.quantity, 0) : 0);
  $('cart-count').textContent = n ? String(n) : '';
  const activeOrders = visibleOrders().filter((o) => ACTIVE.has(o.status)).length;
  $('orders-count').textContent = activeOrders ? String(activeOrders) : '';
}

export function renderCart() {
  const panel = $('panel-cart');
  // A note being typed keeps its focus and caret across the re-render
  // (iOS keeps focus in the field while the guest taps the steppers).
  const focused = document.activeElement;
  let keep = null;
  if (focused && focused.id && panel.contains(focused) && (focused.tagName === 'INPUT' || focused.tagName === 'TEXTAREA')) {
    keep = { id: focused.id, start: focused.selectionStart, end: focused.selectionEnd };
  }
  renderCartBody(panel);
  if (keep) {
    const el = $(keep.id);
    if (el) {
      el.focus();
      try {
        el.setSelectionRange(keep.start, keep.end);
      } catch {
        // Not every input type has a caret.
      }
    }
  }
}

export function renderCartBody(panel) {
  fill(panel);
  const body = h('div', { class: 'cart-scroll' });
  if (S.outbox) body.appendChild(outboxCard());
  if (!S.cart.lines.length) {
    if (!S.outbox) {
      body.appendChild(
        h('div', { class: 'cart-empty' }, h('p', { class: 'cart-empty-title' }, t('cart_empty_title')), h('p', null, t('cart_empty_text'))),
      );
    }
    panel.appendChild(body);
    return;
  }
  const list = h('ul', { class: 'lines' });
  S.cart.lines.forEach((l, i) => list.appendChild(cartLine(l, i)));
  body.appendChild(list);
  body.appendChild(
    h(
      'label',
      { class: 'order-note' },
      h('span', { class: 'label' }, t('kitchen_note')),
      h('textarea', {
        id: 'order-note',
        rows: 2,
        maxlength: NOTE_MAX,
        placeholder: t('kitchen_note_ph'),
        value: S.cart.notes || '',
        oninput: (ev) => {
          S.cart.notes = ev.target.value;
          saveCart();
        },
      }),
    ),
  );
  panel.appendChild(body);
  panel.appendChild(h('div', { class: 'cart-foot' }, S.loaded ? totals(cartSubtotal(S.cart.lines)) : null, h('div', { id: 'send-slot' })));
  renderSendButton();
}

export function totals(subtotal) {
  const rate = S.settings.tax_rate_bp || 0;
  const pct = (rate / 100).toLocaleString(undefined, { maximumFractionDigits: 2 }) + '%';
  if (S.settings.prices_include_tax || !rate) {
    return h(
      'div',
      { class: 'totals' },
      h('div', { class: 'total-row total-main' }, h('span', null, t('total')), h('span', { id: 'cart-total' }, money(subtotal))),
      rate ? h('div', { class: 'total-row total-sub' }, h('span', null, t('includes_tax_pct', { pct })), h('span')) : null,
    );
  }
  // The bill taxes the subtotal once, rounding half up: the same sum here.
  const tax = Math.floor((subtotal * rate + 5000) / 10000);
  return h(
    'div',
    { class: 'totals' },
    h('div', { class: 'total-row total-sub' }, h('span', null, t('subtotal')), h('span', null, money(subtotal))),
    h('div', { class: 'total-row total-sub' }, h('span', null, t('tax_pct', { pct })), h('span', null, money(tax))),
    h('div', { class: 'total-row total-main' }, h('span', null, t('total')), h('span', { id: 'cart-total' }, money(subtotal + tax))),
  );
}

export function renderSendButton() {
  const slot = $('send-slot');
  if (!slot) return;
  fill(slot);
  // Only a box really out of reach changes the label; a socket that is
  // merely reconnecting does not stop an order from going through.
  const offline = S.restDown || S.conn === 'offline';
  let label = t('send_order');
  let hint = null;
  // Until the menu is in, prices and availability are unknown.
  let disabled = !S.cart.lines.length || !S.loaded;
  if (S.outbox) {
    label = t('send_order');
    hint = t('sending_earlier');
    disabled = true;
  } else if (offline) {
    label = t('send_when_connected');
    hint = t('offline_keep');
  }
  slot.appendChild(
    h('button', { class: 'btn btn-primary btn-send' + (offline ? ' is-offline' : ''), id: 'send', type: 'button', disabled, onclick: sendOrder }, label),
  );
  if (hint) slot.appendChild(h('p', { class: 'send-hint' }, hint));
}

export function cartLine(l, i) {
  const it = S.items.get(l.menu_item_id);
  const name = it ? tr(it) : S.loaded ? t('unavailable_item') : '…';
  const price = it ? unitPrice(it, l.modifiers) * l.quantity : 0;
  // Added before the allergen filter was set: the line says what it contains.
  const avoided = avoidedIn(it);
  const li = h(
    'li',
    { class: 'line' },
    h(
      'div',
      { class: 'line-main' },
      h('div', { class: 'line-name' }, name, lineChoices(it, l.modifiers), avoided ? h('span', { class: 'line-avoid' }, t('contains', { list: avoided })) : null),
      h('div', { class: 'line-price' }, money(price)),
    ),
    h(
      'div',
      { class: 'line-ctl' },
      h(
        'div',
        { class: 'stepper' },
        h('button', { class: 'step', type: 'button', 'aria-label': t('one_less') + ' ' + name, onclick: () => setQty(i, l.quantity - 1) }, icon('minus')),
        h('span', { class: 'qty', 'aria-live': 'polite' }, String(l.quantity)),
        h('button', { class: 'step', type: 'button', 'aria-label': t('one_more') + ' ' + name, disabled: l.quantity >= MAX_QTY, onclick: () => setQty(i, l.quantity + 1) }, icon('plus')),
      ),
      l.notes || l.editing
        ? null
        : h(
            'button',
            {
              class: 'btn btn-quiet btn-note',
              type: 'button',
              onclick: () => {
                l.editing = true;
                renderCart();
                const input = $('note-' + i);
                if (input) input.focus();
              },
            },
            t('add_note'),
          ),
    ),
    l.notes || l.editing
      ? h('input', {
          class: 'line-note',
          id: 'note-' + i,
          type: 'text',
          maxlength: NOTE_MAX,
          placeholder: t('dish_note_ph'),
          value: l.notes || '',
          'aria-label': t('note_for', { name }),
          oninput: (ev) => {
            l.notes = ev.target.value;
            saveCart();
          },
          // No re-render on blur: it would replace the button the guest is
          // tapping (a stepper) between its mousedown and its click.
          onblur: () => {
            delete l.editing;
            l.notes = (l.notes || '').trim();
            saveCart();
          },
        })
      : null,
  );
  return li;
}

export function outboxCard() {
  const box = S.outbox;
  const waiting = box.state === 'waiting';
  const words = outboxWords(box.why);
  return h(
    'div',
    { class: 'outbox' + (waiting ? ' is-waiting' : '') },
    h('p', { class: 'outbox-title' }, waiting ? words.title : t('sending_title')),
    waiting ? h('p', { class: 'outbox-text' }, words.text) : null,
    h('ul', { class: 'outbox-lines' }, box.lines.map((l) => h('li', null, l.quantity + ' × ' + l.name))),
    waiting ? h('button', { class: 'btn btn-secondary', id: 'retry', type: 'button', onclick: () => flushOutbox() }, t('try_again')) : null,
  );
}

/** lineChoices lists a cart line's chosen options under its name. */
export function lineChoices(it, mods) {
  if (!it || !(mods || []).length) return null;
  const chosen = new Set(mods);
  const names = [];
  for (const g of it.modifier_groups || []) {
    for (const o of g.options) if (chosen.has(o.id)) names.push(h('span', { class: 'line-mod' + (o.allergy ? ' is-allergy' : '') }, tr(o)));
  }
  return names.length ? h('span', { class: 'line-mods' }, names) : null;
}
