// One table: order entry (menu, quantities, notes, sent once thanks to an
// Idempotency-Key) and the bill with payments (cash, card or other, tips,
// equal splits, change for cash). Routes: #/table/ID/order, #/table/ID/bill.
import { newIdempotencyKey } from '/lib/api.js';
import {
  h, fill, field, since, titleCase, money, parseMoney, moneyInput, busy, toast, errorText,
  showError, clearErrors, fieldErrors, formError, calm,
} from './ui.js';
import { STATUSES, clearRequest, setStatus } from './floor.js';
import { card } from './orders.js';

// Carts outlive the view, so flipping to the bill and back keeps a half
// taken order. Keyed by table id.
const carts = new Map();

function cartOf(tableId) {
  if (!carts.has(tableId)) carts.set(tableId, { lines: [], notes: '', key: null });
  return carts.get(tableId);
}

/** render draws the table view into root and returns its cleanup. */
export function render(root, app, [idText, tab = 'order']) {
  const id = Number(idText);
  const { data } = app;
  const head = h('div.table-head');
  const tabs = h('div.tabs', { role: 'tablist', 'aria-label': 'Table' },
    tabLink(id, 'order', 'New order', tab),
    tabLink(id, 'bill', 'Bill & payment', tab));
  const body = h('div.table-body');
  root.append(head, tabs, body);

  const drawHead = () => {
    const t = data.tables.get(id);
    if (!t) {
      fill(head, h('a.back', { href: '#/floor' }, '← Floor'),
        h('h1', null, data.tables.size ? 'This table no longer exists' : 'Loading table…'));
      return;
    }
    const req = t.open_request;
    fill(head,
      h('a.back', { href: '#/floor' }, '← Floor'),
      h('h1', null, t.name, h(`span.status-chip.st-${t.status}`, null, titleCase(t.status))),
      h('span.muted', null, [t.section, `${t.seats} seats`, t.status === 'occupied' ? `seated ${since(t.status_changed_at)}` : ''].filter(Boolean).join(' · ')),
      req ? h('button.req-inline.flash', {
        type: 'button',
        title: 'Mark this request as handled',
        onclick: (e) => clearRequest(app, t, e.currentTarget),
      }, `${req.kind === 'bill' ? 'Asks for the bill' : 'Calls a waiter'} · ${since(req.created_at)} · Clear`) : null,
      h('div.seg.small', { role: 'group', 'aria-label': 'Table status' }, STATUSES.map((s) => h(`button.seg-btn.st-${s}`, {
        type: 'button',
        'aria-pressed': String(t.status === s),
        onclick: (e) => { if (s !== t.status) setStatus(app, t, s, e.currentTarget); },
      }, titleCase(s)))));
  };

  const view = tab === 'bill' ? billView(app, id, body) : orderView(app, id, body);
  drawHead();
  const liveHead = calm(drawHead);
  const offs = [data.on('tables', liveHead)];
  const tick = setInterval(liveHead, 30e3);
  return () => {
    offs.forEach((f) => f());
    clearInterval(tick);
    view();
  };
}

function tabLink(id, name, label, current) {
  return h('a.tab', {
    href: `#/table/${id}/${name}`,
    role: 'tab',
    'aria-selected': String(name === current),
    dataset: { tab: name },
  }, label);
}

// ---- order entry ----

function orderView(app, tableId, body) {
  const { data } = app;
  const cart = cartOf(tableId);
  let category = 0;
  let query = '';
  const cats = h('div.chips.cat-chips', { role: 'group', 'aria-label': 'Categories' });
  const search = h('input.search', {
    type: 'search',
    placeholder: 'Find a dish…',
    'aria-label': 'Find a dish',
    oninput: (e) => { query = e.target.value.trim().toLowerCase(); drawMenu(); },
    // At a keyboard: type part of a name, Enter adds the first dish shown.
    onkeydown: (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      grid.querySelector('.dish:not(:disabled)')?.click();
    },
  });
  const grid = h('div.item-grid');
  const cartEl = h('form.cart', { novalidate: true, 'aria-label': 'New order' });
  const onTable = h('div.on-table');
  // On a phone the cart sits below the whole menu; this bar keeps the
  // count and total in sight and jumps there.
  const bar = h('button.cart-bar', {
    type: 'button',
    hidden: true,
    onclick: () => {
      cartEl.scrollIntoView({ behavior: 'smooth', block: 'start' });
      cartEl.querySelector('button[type=submit]')?.focus({ preventScroll: true });
    },
  });
  fill(body, h('div.entry', null,
    h('section.entry-menu', { 'aria-label': 'Menu' }, h('div.entry-tools', null, search), cats, grid),
    h('aside.entry-side', null, cartEl, onTable)), bar);

  const drawMenu = () => {
    const keep = document.activeElement?.dataset?.key;
    const categories = data.menu.categories;
    const inCart = new Map();
    for (const l of cart.lines) inCart.set(l.menu_item_id, (inCart.get(l.menu_item_id) || 0) + l.quantity);
    fill(cats,
      catChip(0, 'All'),
      categories.map((c) => catChip(c.id, c.name)));
    const items = categories
      .filter((c) => !category || c.id === category)
      .flatMap((c) => c.items)
      .filter((it) => !query || it.name.toLowerCase().includes(query) || (it.description || '').toLowerCase().includes(query));
    if (!items.length) {
      fill(grid, h('p.empty', null, !data.loaded.menu ? 'Loading the menu…' : categories.length ? 'No dishes match.' : 'The menu is empty. An admin adds dishes under Menu.'));
      return;
    }
    fill(grid, items.map((it) => h(`button.dish${it.available ? '' : '.off'}`, {
      type: 'button',
      disabled: !it.available,
      dataset: { itemId: it.id, key: `d${it.id}` },
      title: it.description || it.name,
      onclick: () => add(it),
    },
    inCart.get(it.id) ? h('span.dish-count', { 'aria-label': `${inCart.get(it.id)} in this order` }, String(inCart.get(it.id))) : null,
    h('span.dish-name', null, it.name),
    h('span.dish-price', null, money(it.price_cents, data.currency)),
    it.available ? null : h('span.pill.bad', null, "86'd"),
    it.allergens?.length ? h('span.dish-allergens', null, it.allergens.join(', ')) : null)));
    if (keep) grid.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };

  const catChip = (cid, label) => h('button.chip', {
    type: 'button',
    'aria-pressed': String(category === cid),
    onclick: () => { category = cid; drawMenu(); },
  }, label);

  // Any change to the cart is a different request: it needs a new key.
  const changed = () => {
    cart.key = null;
    drawCart();
    drawMenu();
  };

  const add = (it) => {
    const line = cart.lines.find((l) => l.menu_item_id === it.id && !l.notes);
    if (line) line.quantity++;
    else cart.lines.push({ menu_item_id: it.id, quantity: 1, notes: '' });
    changed();
  };

  const drawCart = () => {
    const keep = document.activeElement?.dataset?.key;
    let total = 0;
    const rows = cart.lines.map((l, i) => {
      const it = data.item(l.menu_item_id);
      const price = it?.price_cents ?? 0;
      total += price * l.quantity;
      return h(`li.cart-line${it && !it.available ? '.unavailable' : ''}`, null,
        h('div.cart-row', null,
          h('button.icon-btn', { type: 'button', 'aria-label': `One less ${it?.name || ''}`, dataset: { key: `m${i}` }, onclick: () => { if (--l.quantity <= 0) cart.lines.splice(i, 1); changed(); } }, '−'),
          h('span.qty', null, String(l.quantity)),
          h('button.icon-btn', { type: 'button', 'aria-label': `One more ${it?.name || ''}`, dataset: { key: `p${i}` }, onclick: () => { l.quantity++; changed(); } }, '+'),
          h('span.line-name', null, it?.name || `Item ${l.menu_item_id}`, it && !it.available ? h('span.pill.bad', null, "86'd") : null),
          h('span.line-price', null, money(price * l.quantity, data.currency))),
        h('input.line-note', {
          type: 'text',
          placeholder: 'Note (no onions, well done…)',
          'aria-label': `Note for ${it?.name || 'this line'}`,
          maxlength: 200,
          value: l.notes,
          dataset: { key: `n${i}` },
          oninput: (e) => { l.notes = e.target.value; cart.key = null; },
        }));
    });
    const send = h('button.primary.big', { type: 'submit', disabled: !cart.lines.length }, 'Send order');
    const count = cart.lines.reduce((n, l) => n + l.quantity, 0);
    bar.hidden = count === 0;
    fill(bar, h('span', null, `${count} item${count === 1 ? '' : 's'} · ${money(total, data.currency)}`), h('span', null, 'Review and send ↓'));
    fill(cartEl,
      h('h2', null, 'New order'),
      h('p.form-error', { role: 'alert', hidden: true }),
      cart.lines.length ? h('ul.cart-lines', null, rows) : h('p.muted', null, 'Tap dishes to add them.'),
      h('label.field', null, h('span.field-label', null, 'Order note'),
        h('textarea', {
          name: 'notes',
          rows: 2,
          maxlength: 500,
          value: cart.notes,
          oninput: (e) => { cart.notes = e.target.value; cart.key = null; },
        })),
      h('div.cart-total', null, h('span', null, 'Total'), h('strong', null, money(total, data.currency))),
      h('div.actions', null,
        cart.lines.length ? h('button.ghost', { type: 'button', onclick: () => { cart.lines = []; cart.notes = ''; changed(); } }, 'Clear') : null,
        send));
    if (keep) cartEl.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };

  cartEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!cart.lines.length) return;
    clearErrors(cartEl);
    // The same key on a retry (say the Wi-Fi dropped after the box got it)
    // returns the first answer instead of sending the kitchen a duplicate.
    cart.key ??= newIdempotencyKey();
    const body = {
      table_id: tableId,
      items: cart.lines.map((l) => ({ menu_item_id: l.menu_item_id, quantity: l.quantity, notes: l.notes.trim() })),
      notes: cart.notes.trim(),
    };
    await busy(cartEl.querySelector('button[type=submit]'), async () => {
      try {
        const order = await app.call('POST', '/api/orders', body, { 'Idempotency-Key': cart.key });
        if (order && order.id) data.putOrder(order, false);
        cart.lines = [];
        cart.notes = '';
        cart.key = null;
        toast(`Order #${order.id} sent to the kitchen.`, 'ok');
        drawCart();
      } catch (err) {
        showError(err, cartEl);
      }
    });
  });

  const drawOnTable = () => {
    const orders = data.ordersOf(tableId);
    fill(onTable, h('h2', null, 'On this table'),
      orders.length ? orders.map((o) => card(app, o, { compact: true })) : h('p.muted', null, 'No open orders.'));
  };

  drawMenu();
  drawCart();
  drawOnTable();
  const offs = [
    data.on('menu', calm(() => { drawMenu(); drawCart(); })),
    data.on('orders', calm(drawOnTable)),
    data.on('tables', calm(drawOnTable)),
  ];
  return () => offs.forEach((f) => f());
}

// ---- bill and payment ----

// A split in progress, per table: how many equal parts are left to pay.
const splits = new Map();

function billView(app, tableId, body) {
  const { data } = app;
  let bill = null;
  let loadError = null;
  let method = 'cash';
  let settledNow = false;
  const billEl = h('section.bill', { 'aria-label': 'Bill' });
  const payEl = h('form.pay', { novalidate: true, 'aria-label': 'Take a payment' });
  fill(body, h('div.bill-layout', null, billEl, payEl));

  const cur = () => data.currency;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const b = await app.call('GET', `/api/tables/${tableId}/bill`);
      if (mine !== seq) return;
      bill = b;
      loadError = null;
    } catch (err) {
      if (mine !== seq) return;
      loadError = err;
    }
    drawAll();
  };
  const drawAll = calm(() => {
    drawBill();
    drawPay();
  });

  // Several events arrive together when a bill settles; one reload will do.
  let timer = 0;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  };

  const drawBill = () => {
    if (loadError && !bill) {
      fill(billEl, h('h2', null, 'Bill'), h('p.form-error', { role: 'alert' }, errorText(loadError)),
        h('button', { type: 'button', onclick: load }, 'Try again'));
      return;
    }
    if (!bill) {
      fill(billEl, h('h2', null, 'Bill'), h('p.muted', null, 'Loading…'));
      return;
    }
    const orders = bill.orders || [];
    fill(billEl,
      h('h2', null, 'Bill'),
      orders.length
        ? h('table.bill-lines', null,
          h('thead', null, h('tr', null, h('th', null, 'Qty'), h('th', null, 'Item'), h('th.num', null, 'Price'), h('th.num', null, 'Amount'))),
          orders.map((o) => h('tbody', null,
            h('tr.bill-order', null, h('td', { colspan: 4 }, `Order #${o.id} · ${titleCase(o.status)}`)),
            (o.items || []).map((it) => h('tr', null,
              h('td', null, `${it.quantity}×`),
              h('td', null, it.name, it.notes ? h('small.note', null, it.notes) : null),
              h('td.num', null, money(it.unit_price_cents, cur())),
              h('td.num', null, money(it.unit_price_cents * it.quantity, cur())))))))
        : h('p.muted', null, settledNow ? 'Paid in full. Thank you!' : 'Nothing to pay on this table.'),
      orders.length === 0 && bill.paid_cents === 0 ? null : h('dl.totals', null,
        row('Subtotal', bill.subtotal_cents),
        row(data.settings.prices_include_tax ? `Tax included (${pct(data.settings.tax_rate_bp)})` : `Tax (${pct(data.settings.tax_rate_bp)})`, bill.tax_cents),
        row('Total', bill.total_cents, 'total'),
        row('Paid', bill.paid_cents),
        row('Due', bill.due_cents, 'due')));
  };

  const row = (label, cents, cls = '') => h(`div.tot${cls ? `.${cls}` : ''}`, { dataset: { total: label.split(' ')[0].toLowerCase() } },
    h('dt', null, label), h('dd', null, money(cents, cur())));

  // Inputs live across redraws so typing is never lost to a live update.
  const amount = h('input', { name: 'amount_cents', inputmode: 'decimal', autocomplete: 'off', 'aria-describedby': 'split-state' });
  const tip = h('input', { name: 'tip_cents', inputmode: 'decimal', autocomplete: 'off', placeholder: '0' });
  const tendered = h('input', { name: 'tendered', inputmode: 'decimal', autocomplete: 'off' });
  const parts = h('input', { name: 'parts', type: 'number', min: 2, max: 50, value: '2', 'aria-label': 'Number of equal parts' });
  const change = h('output.change', { 'aria-live': 'polite' });
  const splitState = h('p.split-state.muted', { id: 'split-state' });
  for (const i of [amount, tip, tendered]) i.addEventListener('input', () => showChange());

  const showChange = () => {
    if (method !== 'cash') return;
    const a = parseMoney(amount.value, cur());
    const t = tip.value.trim() ? parseMoney(tip.value, cur()) : 0;
    const given = parseMoney(tendered.value, cur());
    if (!Number.isFinite(given) || !Number.isFinite(a) || !Number.isFinite(t)) {
      change.textContent = '';
      change.className = 'change';
      return;
    }
    const diff = given - a - t;
    change.textContent = diff >= 0 ? money(diff, cur()) : `Short by ${money(-diff, cur())}`;
    change.className = diff >= 0 ? 'change ok' : 'change bad';
  };

  const fillSplit = () => {
    const left = splits.get(tableId);
    if (!bill || !left) {
      splitState.textContent = '';
      return;
    }
    // Round each part up so the last one is never a cent more than the rest
    // of the table expects; it simply pays what remains.
    amount.value = moneyInput(Math.ceil(bill.due_cents / left), cur());
    splitState.textContent = left === 1 ? 'Last part: the rest of the bill.' : `Split: ${left} equal parts left.`;
    showChange();
  };

  const drawPay = () => {
    const due = bill?.due_cents ?? 0;
    if (!bill || due <= 0) {
      const t = data.tables.get(tableId);
      fill(payEl, h('h2', null, 'Payment'),
        bill ? h('p.settled', { role: 'status' }, settledNow ? `Settled. ${t?.name || 'The table'} is now ${t?.status || 'cleaning'}.` : 'Nothing is due.') : h('p.muted', null, 'Loading…'),
        t && t.status === 'cleaning' ? h('button', {
          type: 'button',
          onclick: (e) => setStatus(app, t, 'available', e.currentTarget),
        }, 'Mark table available') : null);
      return;
    }
    if (!amount.value || parseMoney(amount.value, cur()) > due) amount.value = moneyInput(due, cur());
    const active = document.activeElement;
    const methodSeg = h('div.seg', { role: 'radiogroup', 'aria-label': 'Payment method' }, ['cash', 'card', 'other'].map((m) => h('button.seg-btn', {
      type: 'button',
      role: 'radio',
      'aria-checked': String(method === m),
      dataset: { method: m },
      onclick: () => { method = m; drawPay(); },
    }, titleCase(m))));
    fill(payEl,
      h('h2', null, 'Payment'),
      h('p.form-error', { role: 'alert', hidden: true }),
      h('p.due-line', null, 'Due ', h('strong', null, money(due, cur()))),
      h('div.field', { 'data-field': 'method' }, h('span.field-label', null, 'Method'), methodSeg),
      h('div.split', null,
        h('span', null, 'Split'), parts, h('span', null, 'ways'),
        h('button', {
          type: 'button',
          onclick: () => {
            const n = Math.floor(Number(parts.value));
            if (!(n >= 2 && n <= 50)) {
              fieldErrors(payEl, { parts: 'Choose between 2 and 50 parts.' });
              return;
            }
            splits.set(tableId, n);
            fillSplit();
            amount.focus();
          },
        }, 'Fill amount'),
        splits.has(tableId) ? h('button.ghost', { type: 'button', onclick: () => { splits.delete(tableId); amount.value = moneyInput(due, cur()); fillSplit(); showChange(); } }, 'Stop splitting') : null),
      splitState,
      h('div.row.pay-row', null, field('Amount', amount), field('Tip', tip)),
      method === 'cash' ? h('div.row.pay-row', null, field('Cash given (optional)', tendered), h('div.field', null, h('span.field-label', null, 'Change'), change)) : null,
      h('div.actions', null, h('button.primary.big', { type: 'submit' }, `Take ${method} payment`)));
    if (active && payEl.contains(active)) active.focus();
    fillSplit();
    showChange();
  };

  payEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!bill) return;
    clearErrors(payEl);
    const due = bill.due_cents;
    const a = parseMoney(amount.value, cur());
    const t = tip.value.trim() ? parseMoney(tip.value, cur()) : 0;
    const bad = {};
    if (!Number.isFinite(a) || a < 1) bad.amount_cents = 'Enter the amount to pay, for example 12.50.';
    else if (a > due) bad.amount_cents = `That is more than the ${money(due, cur())} due. Put the extra in Tip.`;
    if (!Number.isFinite(t) || t < 0) bad.tip_cents = 'Enter the tip as an amount, or leave it empty.';
    if (method === 'cash' && tendered.value.trim()) {
      const given = parseMoney(tendered.value, cur());
      if (!Number.isFinite(given)) bad.tendered = 'Enter the cash the guest gave, or leave it empty.';
      else if (Number.isFinite(a) && Number.isFinite(t) && given < a + t) bad.tendered = 'Less than the amount plus tip.';
    }
    if (Object.keys(bad).length) {
      fieldErrors(payEl, bad);
      return;
    }
    await busy(payEl.querySelector('button[type=submit]'), async () => {
      try {
        await app.call('POST', '/api/payments', { table_id: tableId, method, amount_cents: a, tip_cents: t });
        const left = splits.get(tableId);
        const gave = tendered.value.trim() ? parseMoney(tendered.value, cur()) - a - t : null;
        toast(`Payment of ${money(a, cur())} taken${t ? ` (+ ${money(t, cur())} tip)` : ''}.${gave ? ` Give ${money(gave, cur())} change.` : ''}`, 'ok');
        if (left && left > 1) splits.set(tableId, left - 1);
        else splits.delete(tableId);
        amount.value = '';
        tip.value = '';
        tendered.value = '';
        if (a >= due) settledNow = true;
        await load();
      } catch (err) {
        showError(err, payEl);
        if (!payEl.querySelector('.form-error:not([hidden])')) formError(payEl, errorText(err));
        reload();
      }
    });
  });

  drawBill();
  drawPay();
  load();
  const mine = (x) => x && x.table_id === tableId;
  const offs = [
    data.on('orders', (o) => { if (!o || mine(o)) reload(); }),
    data.on('payment', (p) => { if (mine(p)) reload(); }),
    // Only the settled panel shows the table's status; redrawing the form
    // mid-typing for nothing would be rude.
    data.on('tables', calm((t) => { if ((!t || t.id === tableId) && bill && bill.due_cents <= 0) drawPay(); })),
  ];
  return () => {
    offs.forEach((f) => f());
    clearTimeout(timer);
    seq++;
  };
}

function pct(bp) {
  return `${((bp || 0) / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
}
