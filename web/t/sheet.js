// The sheets that slide up: one dish (quantity, note, add) and the bill.
import { h, append, fill, byId as $ } from '/lib/dom.js';
import { ApiError } from '/lib/api.js';
import { addToCart } from './cart.js';
import { loadBill } from './data.js';
import { askFor } from './outbox.js';
import { MAX_QTY, NOTE_MAX, S, money, toast, icon, tableLabel } from './state.js';

export function openItem(id) {
  const it = S.items.get(id);
  if (!it) return;
  S.sheet = { kind: 'item', id, qty: 1, notes: '' };
  renderSheet();
}

export function openBill() {
  S.sheet = { kind: 'bill' };
  S.bill = null;
  renderSheet();
  loadBill().catch((e) => {
    if (S.sheet && S.sheet.kind === 'bill') {
      S.sheet.error = e instanceof ApiError && e.status === 0 ? 'The bill cannot be loaded without a connection.' : 'The bill cannot be loaded right now.';
      renderSheet();
    }
  });
}

export function closeSheet() {
  S.sheet = null;
  $('sheet').hidden = true;
  $('scrim').hidden = true;
  document.body.classList.remove('has-sheet');
}

export function renderSheet() {
  const sheet = $('sheet');
  if (!S.sheet) return closeSheet();
  const focused = document.activeElement;
  if (focused && sheet.contains(focused) && (focused.tagName === 'INPUT' || focused.tagName === 'TEXTAREA') && S.sheet.kind === 'item') {
    // Keep typing undisturbed; only availability may change under it.
    const it = S.items.get(S.sheet.id);
    const add = $('sheet-add');
    if (add && it) add.disabled = !it.available;
    return;
  }
  fill(sheet);
  sheet.hidden = false;
  $('scrim').hidden = false;
  document.body.classList.add('has-sheet');
  sheet.appendChild(h('button', { class: 'sheet-close', type: 'button', 'aria-label': 'Close', onclick: closeSheet }, icon('close')));
  if (S.sheet.kind === 'item') itemSheet(sheet);
  else billSheet(sheet);
}

export function itemSheet(sheet) {
  const st = S.sheet;
  const it = S.items.get(st.id);
  if (!it) {
    append(sheet, [h('h2', { class: 'sheet-title' }, 'No longer on the menu'), h('p', null, 'Sorry, this dish has just been taken off the menu.')]);
    return;
  }
  const qty = h('span', { class: 'qty qty-lg' }, String(st.qty));
  const addLabel = () => (it.available ? 'Add ' + st.qty + ' to order · ' + money(it.price_cents * st.qty) : 'Sold out');
  const add = h(
    'button',
    {
      class: 'btn btn-primary btn-xl',
      id: 'sheet-add',
      type: 'button',
      disabled: !it.available,
      onclick: () => {
        const cur = S.items.get(st.id);
        if (!cur || !cur.available) return;
        addToCart(st.id, st.qty, st.notes);
        toast(st.qty + ' × ' + cur.name + ' added to your order.', 'good', 2500);
        closeSheet();
      },
    },
    addLabel(),
  );
  const setSheetQty = (n) => {
    st.qty = Math.max(1, Math.min(MAX_QTY, n));
    qty.textContent = String(st.qty);
    add.textContent = addLabel();
  };
  append(sheet, [
    h('h2', { class: 'sheet-title' }, it.name),
    h('p', { class: 'sheet-price' }, money(it.price_cents), it.available ? null : h('span', { class: 'soldout' }, 'Sold out')),
    it.description ? h('p', { class: 'sheet-desc' }, it.description) : null,
    it.allergens && it.allergens.length
      ? h('div', { class: 'sheet-allergens' }, h('span', { class: 'label' }, 'Allergens'), h('div', { class: 'allergens' }, it.allergens.map((a) => h('span', { class: 'allergen' }, a))))
      : null,
    h(
      'label',
      { class: 'order-note' },
      h('span', { class: 'label' }, 'A note for this dish'),
      h('input', {
        type: 'text',
        maxlength: NOTE_MAX,
        placeholder: 'e.g. well done, no onions',
        value: st.notes,
        disabled: !it.available,
        oninput: (ev) => {
          st.notes = ev.target.value;
        },
      }),
    ),
    h(
      'div',
      { class: 'sheet-actions' },
      h(
        'div',
        { class: 'stepper stepper-lg' },
        h('button', { class: 'step', type: 'button', 'aria-label': 'One less', disabled: !it.available, onclick: () => setSheetQty(st.qty - 1) }, icon('minus')),
        qty,
        h('button', { class: 'step', type: 'button', 'aria-label': 'One more', disabled: !it.available, onclick: () => setSheetQty(st.qty + 1) }, icon('plus')),
      ),
      add,
    ),
  ]);
}

export function billSheet(sheet) {
  const b = S.bill;
  const requested = S.table && S.table.open_request && S.table.open_request.kind === 'bill';
  append(sheet, [h('h2', { class: 'sheet-title' }, 'Your bill'), h('p', { class: 'sheet-sub' }, tableLabel())]);
  if (!b) {
    sheet.appendChild(h('p', { class: 'muted' }, S.sheet.error || 'Loading…'));
    return;
  }
  const orders = b.orders || [];
  if (!orders.length) {
    sheet.appendChild(h('p', { class: 'muted bill-empty' }, b.paid_cents ? 'Your bill is settled. Thank you!' : 'Nothing to pay yet.'));
    return;
  }
  const lines = h('ul', { class: 'bill-lines' });
  for (const o of orders) {
    for (const it of o.items || []) {
      lines.appendChild(
        h('li', null, h('span', { class: 'ol-qty' }, it.quantity + '×'), h('span', { class: 'ol-name' }, it.name), h('span', { class: 'ol-price' }, money(it.unit_price_cents * it.quantity))),
      );
    }
  }
  sheet.appendChild(lines);
  const rows = S.settings.prices_include_tax
    ? [
        ['Total', b.total_cents, 'main'],
        ['Includes tax', b.tax_cents, 'sub'],
      ].filter((r) => r[0] !== 'Includes tax' || r[1])
    : [
        ['Subtotal', b.subtotal_cents, 'sub'],
        ['Tax', b.tax_cents, 'sub'],
        ['Total', b.total_cents, 'main'],
      ];
  if (b.paid_cents) {
    rows.push(['Paid', -b.paid_cents, 'sub']);
    rows.push(['Left to pay', b.due_cents, 'main']);
  }
  sheet.appendChild(
    h('div', { class: 'totals bill-totals' }, rows.map(([label, v, k]) => h('div', { class: 'total-row total-' + k }, h('span', null, label), h('span', { 'data-total': label }, money(v))))),
  );
  sheet.appendChild(
    h(
      'button',
      {
        class: 'btn btn-primary btn-xl' + (requested ? ' is-sent' : ''),
        id: 'ask-bill',
        type: 'button',
        disabled: requested || S.busy.has('bill'),
        onclick: () => askFor('bill'),
      },
      requested ? 'Bill requested — someone is on the way' : 'Ask for the bill',
    ),
  );
}
