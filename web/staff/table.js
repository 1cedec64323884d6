// One table: order entry (menu, quantities, notes, sent once thanks to an
// Idempotency-Key); the bill with payments is bill.js. Routes:
// #/table/ID/order, #/table/ID/bill.
import { newIdempotencyKey } from '/lib/api.js';
import { h, fill, since, titleCase, money, busy, toast, showError, clearErrors, calm } from './ui.js';
import { STATUSES, clearRequest, setStatus } from './floor.js';
import { card } from './orders.js';
import { billView } from './bill.js';
import { coursePanel, mergeTable } from './service.js';
import { askChoices, modList, optionNames, unitPrice } from './choices.js';

// Carts outlive the view, so flipping to the bill and back keeps a half
// taken order. Keyed by table id.
const carts = new Map();

function cartOf(tableId) {
  if (!carts.has(tableId)) carts.set(tableId, { lines: [], notes: '', key: null, seat: 0 });
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
      t.status === 'occupied' && data.ordersOf(id).length ? h('button.ghost.small', {
        type: 'button',
        dataset: { action: 'merge' },
        title: 'Move the whole party (orders and payments) to another table',
        onclick: () => mergeTable(app, id),
      }, 'Move party…') : null,
      req ? h('button.req-inline.flash', {
        type: 'button',
        title: 'Mark this request as handled',
        onclick: (e) => clearRequest(app, t, e.currentTarget),
      }, `${{ bill: 'Asks for the bill', next_course: 'Ready for the next course' }[req.kind] || 'Calls a waiter'} · ${since(req.created_at)} · Clear`) : null,
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

// fold lowers text and drops accents, so "tiramisu" finds "Tiramisù".
const fold = (s) => String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

// matches tells whether a dish answers a search: its name or description,
// in the kitchen's language or any of the menu's other languages.
function matches(it, q) {
  if (!q) return true;
  const texts = [it.name, it.description];
  for (const tr of Object.values(it.translations || {})) texts.push(tr?.name, tr?.description);
  return texts.some((t) => fold(t).includes(q));
}

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
    oninput: (e) => { query = fold(e.target.value.trim()); drawMenu(); },
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
  // On a phone the cart is a sheet over the menu: this bar keeps the count
  // and total in sight and opens it (and closes it again).
  let sheet = false;
  const bar = h('button.cart-bar', {
    type: 'button',
    hidden: true,
    'aria-expanded': 'false',
    'aria-controls': `cart-${tableId}`,
    onclick: () => openCart(!sheet),
  });
  const entry = h('div.entry', null,
    h('section.entry-menu', { 'aria-label': 'Menu' }, h('div.menu-head', null, h('div.entry-tools', null, search), cats), grid),
    h('aside.entry-side', { id: `cart-${tableId}` }, cartEl, onTable));
  fill(body, entry, bar);
  const openCart = (open) => {
    sheet = open;
    entry.classList.toggle('cart-open', open);
    bar.setAttribute('aria-expanded', String(open));
    drawBar();
    if (open) {
      entry.querySelector('.entry-side').scrollTop = 0;
      cartEl.querySelector('h2')?.focus({ preventScroll: true });
    }
  };
  // The sticky category bar sits under the app's bar, whose height
  // changes when it wraps on a phone.
  const topbar = document.querySelector('.topbar');
  const sizeTop = () => document.documentElement.style.setProperty('--topbar-h', `${topbar?.offsetHeight || 52}px`);
  const ro = topbar && typeof ResizeObserver === 'function' ? new ResizeObserver(sizeTop) : null;
  ro?.observe(topbar);
  sizeTop();

  const drawMenu = () => {
    const keep = document.activeElement?.dataset?.key;
    const categories = data.menu.categories;
    const inCart = new Map();
    for (const l of cart.lines) inCart.set(l.menu_item_id, (inCart.get(l.menu_item_id) || 0) + l.quantity);
    fill(cats,
      catChip(0, 'All'),
      categories.map((c) => catChip(c.id, c.name)));
    // A search looks through every category.
    const items = categories
      .filter((c) => query || !category || c.id === category)
      .flatMap((c) => c.items)
      .filter((it) => matches(it, query));
    if (!items.length) {
      fill(grid, h('p.empty', null, !data.loaded.menu ? 'Loading the menu…' : categories.length ? 'No dishes match.' : 'The menu is empty. An admin adds dishes under Menu.'));
      return;
    }
    // A tap on a dish adds one; once in the order, − beside it takes one off.
    fill(grid, items.map((it) => h('div.dish-cell', null, h(`button.dish${it.available ? '' : '.off'}`, {
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
    it.allergens?.length ? h('span.dish-allergens', null, it.allergens.join(', ')) : null),
    inCart.get(it.id) ? h('button.dish-less', {
      type: 'button',
      'aria-label': `One less ${it.name}`,
      dataset: { less: it.id, key: `l${it.id}` },
      onclick: () => less(it.id),
    }, '−') : null)));
    if (keep) grid.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };

  // A search spans every category; picking one ends the search.
  const catChip = (cid, label) => h('button.chip', {
    type: 'button',
    'aria-pressed': String(!query && category === cid),
    onclick: () => {
      category = cid;
      query = '';
      search.value = '';
      drawMenu();
    },
  }, label);

  // Any change to the cart is a different request: it needs a new key.
  const changed = () => {
    cart.key = null;
    drawCart();
    drawMenu();
  };

  // A line starts in the item's course and for the seat being served.
  const add = async (it) => {
    let mods = [];
    if ((it.modifier_groups || []).length) {
      mods = await askChoices(app, it);
      if (!mods) return;
    }
    const seat = cart.seat || 0;
    const course = it.course || 0;
    const key = [...mods].sort((a, b) => a - b).join(',');
    const line = cart.lines.find((l) => l.menu_item_id === it.id && !l.notes && l.seat === seat && l.course === course
      && [...(l.modifiers || [])].sort((a, b) => a - b).join(',') === key);
    if (line) line.quantity++;
    else cart.lines.push({ menu_item_id: it.id, quantity: 1, notes: '', modifiers: mods, seat, course });
    changed();
  };
  // less takes one off the dish's newest line.
  const less = (itemId) => {
    for (let i = cart.lines.length - 1; i >= 0; i--) {
      if (cart.lines[i].menu_item_id !== itemId) continue;
      if (--cart.lines[i].quantity <= 0) cart.lines.splice(i, 1);
      changed();
      return;
    }
  };
  const courses = data.settings.courses || [];
  const seatsOf = () => Math.max(1, Math.min(20, data.tables.get(tableId)?.seats || 4));

  let cartTotal = 0;
  const drawBar = () => {
    const count = cart.lines.reduce((n, l) => n + l.quantity, 0);
    bar.hidden = count === 0 && !sheet;
    fill(bar, h('span', null, `${count} item${count === 1 ? '' : 's'} · ${money(cartTotal, data.currency)}`),
      h('span', null, sheet ? '‹ Back to the menu' : 'Review and send ›'));
  };

  const drawCart = () => {
    const keep = document.activeElement?.dataset?.key;
    let total = 0;
    const rows = cart.lines.map((l, i) => {
      const it = data.item(l.menu_item_id);
      const price = unitPrice(it, l.modifiers);
      total += price * l.quantity;
      return h(`li.cart-line${it && !it.available ? '.unavailable' : ''}`, null,
        h('div.cart-row', null,
          h('button.icon-btn', { type: 'button', 'aria-label': `One less ${it?.name || ''}`, dataset: { key: `m${i}` }, onclick: () => { if (--l.quantity <= 0) cart.lines.splice(i, 1); changed(); } }, '−'),
          h('span.qty', null, String(l.quantity)),
          h('button.icon-btn', { type: 'button', 'aria-label': `One more ${it?.name || ''}`, dataset: { key: `p${i}` }, onclick: () => { l.quantity++; changed(); } }, '+'),
          h('span.line-name', null, it?.name || `Item ${l.menu_item_id}`, it && !it.available ? h('span.pill.bad', null, "86'd") : null, modList(optionNames(it, l.modifiers))),
          h('span.line-price', null, money(price * l.quantity, data.currency))),
        h('div.line-opts', null,
          h('select.line-course', {
            'aria-label': `Course of ${it?.name || 'this line'}`,
            dataset: { key: `c${i}` },
            onchange: (e) => { l.course = Number(e.target.value); changed(); },
          }, h('option', { value: '0', selected: !l.course }, 'No course'),
          courses.map((c, ci) => h('option', { value: String(ci + 1), selected: l.course === ci + 1 }, c))),
          h('select.line-seat', {
            'aria-label': `Seat of ${it?.name || 'this line'}`,
            dataset: { key: `s${i}` },
            onchange: (e) => { l.seat = Number(e.target.value); changed(); },
          }, h('option', { value: '0', selected: !l.seat }, 'Shared'),
          Array.from({ length: seatsOf() }, (_, s) => h('option', { value: String(s + 1), selected: l.seat === s + 1 }, `Seat ${s + 1}`)))),
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
    cartTotal = total;
    drawBar();
    const seatBar = h('div.seg.small.seat-bar', { role: 'group', 'aria-label': 'Seat for the next dishes' },
      [0, ...Array.from({ length: seatsOf() }, (_, s) => s + 1)].map((s) => h('button.seg-btn', {
        type: 'button',
        'aria-pressed': String((cart.seat || 0) === s),
        dataset: { seat: s },
        onclick: () => { cart.seat = s; drawCart(); },
      }, s ? `Seat ${s}` : 'Shared')));
    fill(cartEl,
      h('h2', { tabindex: '-1' }, 'New order'),
      h('p.form-error', { role: 'alert', hidden: true }),
      h('div.field', null, h('span.field-label', null, 'Adding for'), seatBar),
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
      items: cart.lines.map((l) => ({
        menu_item_id: l.menu_item_id,
        quantity: l.quantity,
        notes: l.notes.trim(),
        modifiers: (l.modifiers || []).map((id) => ({ option_id: id })),
        // Sent only when chosen, so an item's own course stays the default.
        ...(l.course && l.course !== data.item(l.menu_item_id)?.course ? { course: l.course } : {}),
        ...(l.seat ? { seat: l.seat } : {}),
      })),
      notes: cart.notes.trim(),
    };
    await busy(cartEl.querySelector('button[type=submit]'), async () => {
      try {
        const order = await app.call('POST', '/api/orders', body, { 'Idempotency-Key': cart.key });
        if (order && order.id) data.putOrder(order, undefined, false);
        cart.lines = [];
        cart.notes = '';
        cart.key = null;
        toast(`Order #${order.id} sent to the kitchen.`, 'ok');
        if (sheet) openCart(false);
        drawCart();
        drawMenu();
      } catch (err) {
        showError(err, cartEl);
      }
    });
  });

  const drawOnTable = () => {
    const orders = data.ordersOf(tableId);
    fill(onTable, h('h2', null, 'On this table'),
      coursePanel(app, orders),
      orders.length ? orders.map((o) => card(app, o, { compact: true })) : h('p.muted', null, 'No open orders.'));
  };

  drawMenu();
  drawCart();
  drawOnTable();
  // The time since the last course ticks on.
  const tick = setInterval(calm(drawOnTable), 30e3);
  const offs = [
    () => clearInterval(tick),
    () => ro?.disconnect(),
    data.on('menu', calm(() => { drawMenu(); drawCart(); })),
    data.on('orders', calm(drawOnTable)),
    data.on('tables', calm(drawOnTable)),
  ];
  return () => offs.forEach((f) => f());
}
