// The sheets that slide up: one dish (quantity, note, add) and the bill.
import { h, append, fill, byId as $ } from '/lib/dom.js';
import { ApiError } from '/lib/api.js';
import { allergenChips, allergySheet, dishAllergens } from './allergy.js';
import { addToCart } from './cart.js';
import { loadBill } from './data.js';
import { askFor } from './outbox.js';
import { orderable } from './menu.js';
import { choiceList } from './orders.js';
import { MAX_QTY, NOTE_MAX, S, money, toast, icon, tableLabel, t, tr, unitPrice } from './state.js';

export function openItem(id) {
  const it = S.items.get(id);
  if (!it) return;
  // The defaults are chosen to begin with (a sold-out default is not).
  const sel = [];
  for (const g of it.modifier_groups || []) for (const o of g.options) if (o.default && o.available) sel.push(o.id);
  S.sheet = { kind: 'item', id, qty: 1, notes: '', sel };
  renderSheet();
}

export function openBill() {
  S.sheet = { kind: 'bill' };
  S.bill = null;
  renderSheet();
  loadBill().catch((e) => {
    if (S.sheet && S.sheet.kind === 'bill') {
      S.sheet.error = e instanceof ApiError && e.status === 0 ? t('bill_offline') : t('bill_error');
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
    if (add && it) add.disabled = !it.available || !!missing(it, S.sheet.sel);
    return;
  }
  // A choice re-renders the sheet: it stays where the guest was.
  const keepScroll = S.sheet.kind === 'item' && !sheet.hidden && sheet.dataset.for === String(S.sheet.id) ? sheet.scrollTop : 0;
  fill(sheet);
  sheet.dataset.for = S.sheet.kind === 'item' ? String(S.sheet.id) : '';
  sheet.classList.toggle('is-allergy', S.sheet.kind === 'allergy');
  sheet.hidden = false;
  $('scrim').hidden = false;
  document.body.classList.add('has-sheet');
  sheet.appendChild(h('button', { class: 'sheet-close', type: 'button', 'aria-label': t('close'), onclick: closeSheet }, icon('close')));
  if (S.sheet.kind === 'item') itemSheet(sheet);
  else if (S.sheet.kind === 'allergy') allergySheet(sheet);
  else billSheet(sheet);
  // The dialog is named by its title (a dish, the bill, the allergy filter).
  const title = sheet.querySelector('.sheet-title');
  if (title) title.id = 'sheet-title';
  sheet.setAttribute('aria-labelledby', 'sheet-title');
  sheet.scrollTop = keepScroll;
}

/** missing says what the choices still lack (a required group), or '' when they may be added. */
export function missing(it, sel) {
  const chosen = new Set(sel);
  for (const g of it.modifier_groups || []) {
    const n = g.options.filter((o) => chosen.has(o.id)).length;
    if (n < g.min) return t('choose_group', { group: tr(g) });
    if (n > g.max) return t('choose_fewer', { group: tr(g) });
  }
  return '';
}

/** rule says how many of a group to pick, in words. */
function rule(g) {
  if (g.min === 1 && g.max === 1) return t('pick_one');
  if (g.min === g.max) return t('pick_n', { n: g.min });
  if (g.min === 0) return t('pick_up_to', { n: g.max }) + ' · ' + t('optional');
  return t('pick_between', { min: g.min, max: g.max });
}

/** choose toggles an option: a pick-one group swaps, others add up to max. */
function choose(it, g, o) {
  const st = S.sheet;
  const ids = new Set(g.options.map((x) => x.id));
  const mine = st.sel.filter((id) => ids.has(id));
  if (st.sel.includes(o.id)) {
    st.sel = st.sel.filter((id) => id !== o.id);
  } else if (g.max === 1) {
    st.sel = st.sel.filter((id) => !ids.has(id)).concat(o.id);
  } else if (mine.length < g.max) {
    st.sel = st.sel.concat(o.id);
  }
  renderSheet();
}

function groupBlock(it, g) {
  const st = S.sheet;
  const chosen = new Set(st.sel);
  const n = g.options.filter((o) => chosen.has(o.id)).length;
  const need = n < g.min;
  return h(
    'fieldset',
    { class: 'mod-group' + (need ? ' is-needed' : ''), 'data-group': g.id },
    h('legend', { class: 'mod-head' }, h('span', { class: 'mod-name' }, tr(g)), h('span', { class: 'mod-rule' + (g.min ? ' is-required' : '') }, rule(g))),
    h(
      'div',
      { class: 'mod-options' },
      g.options.map((o) => {
        const on = chosen.has(o.id);
        const full = !on && g.max > 1 && n >= g.max;
        return h(
          'button',
          {
            class: 'mod-opt' + (on ? ' is-on' : '') + (o.available ? '' : ' is-out') + (g.max === 1 ? ' is-radio' : ''),
            type: 'button',
            role: g.max === 1 ? 'radio' : 'checkbox',
            'aria-checked': on ? 'true' : 'false',
            'data-option': o.id,
            disabled: (!o.available && !on) || full,
            onclick: () => choose(it, g, o),
          },
          h('span', { class: 'mod-mark', 'aria-hidden': 'true' }),
          h('span', { class: 'mod-label' }, tr(o)),
          o.available ? null : h('span', { class: 'mod-out' }, t('option_sold_out')),
          o.price_delta_cents ? h('span', { class: 'mod-delta' }, (o.price_delta_cents > 0 ? '+' : '−') + money(Math.abs(o.price_delta_cents))) : null,
        );
      }),
    ),
  );
}

export function itemSheet(sheet) {
  const st = S.sheet;
  const it = S.items.get(st.id);
  if (!it) {
    append(sheet, [h('h2', { class: 'sheet-title' }, t('gone_title')), h('p', null, t('gone_text'))]);
    return;
  }
  // A choice that sold out meanwhile is no longer chosen.
  const avail = new Set();
  for (const g of it.modifier_groups || []) for (const o of g.options) if (o.available) avail.add(o.id);
  st.sel = st.sel.filter((id) => avail.has(id));
  const can = orderable(it);
  const lack = missing(it, st.sel);
  const unit = unitPrice(it, st.sel);
  const qty = h('span', { class: 'qty qty-lg' }, String(st.qty));
  const addLabel = () => (!can.ok ? can.why : lack || t('add_to_order', { n: st.qty, price: money(unit * st.qty) }));
  const add = h(
    'button',
    {
      class: 'btn btn-primary btn-xl',
      id: 'sheet-add',
      type: 'button',
      disabled: !can.ok || !!lack,
      onclick: () => {
        const cur = S.items.get(st.id);
        if (!cur || !orderable(cur).ok || missing(cur, st.sel)) return;
        addToCart(st.id, st.qty, st.notes, st.sel);
        toast(t('added', { n: st.qty, name: tr(cur) }), 'good', 2500);
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
  const desc = tr(it, 'description');
  sheet.classList.toggle('has-photo', !!it.image_url);
  append(sheet, [
    it.image_url ? h('img', { class: 'sheet-photo', src: it.image_url, alt: '' }) : null,
    h('h2', { class: 'sheet-title' }, tr(it)),
    h('p', { class: 'sheet-price' }, h('span', { id: 'sheet-price' }, money(unit)), can.ok ? null : h('span', { class: 'soldout' }, can.why)),
    desc ? h('p', { class: 'sheet-desc' }, desc) : null,
    dishAllergens(it).length ? h('div', { class: 'sheet-allergens' }, h('span', { class: 'label' }, t('allergens')), allergenChips(it)) : null,
    (it.modifier_groups || []).map((g) => groupBlock(it, g)),
    h(
      'label',
      { class: 'order-note' },
      h('span', { class: 'label' }, t('dish_note')),
      h('input', {
        type: 'text',
        maxlength: NOTE_MAX,
        placeholder: t('dish_note_ph'),
        value: st.notes,
        disabled: !can.ok,
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
        h('button', { class: 'step', type: 'button', 'aria-label': t('one_less'), disabled: !can.ok, onclick: () => setSheetQty(st.qty - 1) }, icon('minus')),
        qty,
        h('button', { class: 'step', type: 'button', 'aria-label': t('one_more'), disabled: !can.ok, onclick: () => setSheetQty(st.qty + 1) }, icon('plus')),
      ),
      add,
    ),
  ]);
}

export function billSheet(sheet) {
  const b = S.bill;
  const requested = S.table && S.table.open_request && S.table.open_request.kind === 'bill';
  sheet.classList.remove('has-photo');
  append(sheet, [h('h2', { class: 'sheet-title' }, t('your_bill')), h('p', { class: 'sheet-sub' }, tableLabel())]);
  if (!b) {
    sheet.appendChild(h('p', { class: 'muted' }, S.sheet.error || t('bill_loading')));
    return;
  }
  const orders = b.orders || [];
  if (!orders.length) {
    sheet.appendChild(h('p', { class: 'muted bill-empty' }, b.paid_cents ? t('bill_settled') : t('bill_nothing')));
    return;
  }
  const lines = h('ul', { class: 'bill-lines' });
  for (const o of orders) {
    for (const it of o.items || []) {
      lines.appendChild(
        h('li', null, h('span', { class: 'ol-qty' }, it.quantity + '×'), h('span', { class: 'ol-name' }, it.name, choiceList(it)), h('span', { class: 'ol-price' }, money(it.unit_price_cents * it.quantity))),
      );
    }
  }
  sheet.appendChild(lines);
  // data-total keeps the English key, so scripts and tests find a row in any language.
  const rows = S.settings.prices_include_tax
    ? [
        ['Total', b.total_cents, 'main', t('total')],
        ['Includes tax', b.tax_cents, 'sub', t('includes_tax')],
      ].filter((r) => r[0] !== 'Includes tax' || r[1])
    : [
        ['Subtotal', b.subtotal_cents, 'sub', t('subtotal')],
        ['Tax', b.tax_cents, 'sub', t('tax_pct', { pct: '' }).trim()],
        ['Total', b.total_cents, 'main', t('total')],
      ];
  if (b.paid_cents) {
    rows.push(['Paid', -b.paid_cents, 'sub', t('paid')]);
    rows.push(['Left to pay', b.due_cents, 'main', t('left_to_pay')]);
  }
  sheet.appendChild(
    h('div', { class: 'totals bill-totals' }, rows.map(([key, v, k, label]) => h('div', { class: 'total-row total-' + k }, h('span', null, label), h('span', { 'data-total': key }, money(v))))),
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
      requested ? t('bill_on_way') : t('ask_bill'),
    ),
  );
}
