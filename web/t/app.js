// The table app: the menu, the cart, live order progress and the service
// buttons on the iPad at a table. Plain ES module, no framework, so it stays
// quick on an old iPad. The page is served over plain HTTP on the LAN (not a
// secure context): no service worker, no crypto.randomUUID.

import { api, ApiError, newIdempotencyKey, formatMoney, session, jwtClaims } from '/lib/api.js';
import { connect } from '/lib/realtime.js';

const APP = 'table';
const CART_KEY = 'rms.table.cart';
const OUTBOX_KEY = 'rms.table.outbox';
const MAX_QTY = 99;
const NOTE_MAX = 200;
// Finished orders (paid, cancelled) stay on screen this long, so guests see
// a cancellation's reason or their settled bill, and the next party does not.
const RECENT_MS = 3 * 60 * 60 * 1000;

const STEPS = [
  ['pending', 'Received'],
  ['confirmed', 'Confirmed'],
  ['preparing', 'Being prepared'],
  ['ready', 'Ready'],
  ['served', 'Served'],
];
const STATUS_LABEL = {
  pending: 'Received',
  confirmed: 'Confirmed',
  preparing: 'Being prepared',
  ready: 'Ready',
  served: 'Served',
  paid: 'Paid',
  cancelled: 'Cancelled',
};
const ACTIVE = new Set(['pending', 'confirmed', 'preparing', 'ready', 'served']);

const $ = (id) => document.getElementById(id);

/** Everything the page knows; rendering reads only from here. */
const S = {
  token: null,
  tableId: 0,
  settings: { restaurant_name: '', currency: 'EUR', tax_rate_bp: 0, prices_include_tax: true, timezone: '' },
  table: null,
  categories: [], // [{id, name, position, items: [item]}], sorted
  items: new Map(), // id -> item
  orders: new Map(), // id -> order
  cart: null, // {table_id, key, lines: [{menu_item_id, quantity, notes}], notes}
  outbox: null, // {table_id, key, body, state: 'sending'|'waiting'}
  rt: null,
  conn: 'connecting',
  connSince: new Date(),
  restDown: false,
  loaded: false,
  view: 'cart',
  sheet: null, // {kind: 'item', id} | {kind: 'bill'}
  bill: null,
  busy: new Set(), // request kinds in flight
  armed: 0, // the order whose cancel button waits for a second tap
  cancelling: new Set(), // orders the guests cancelled from this iPad
  gen: 0, // bumped on every (re)start, so work of a dead session stops
};

// ---------------------------------------------------------------- helpers

/** Creates an element: h('div', {class: 'x', onclick: fn}, child, 'text'). */
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  if (props) {
    for (const k of Object.keys(props)) {
      const v = props[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'value') el.value = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const kid of kids) {
    if (kid === null || kid === undefined || kid === false) continue;
    if (Array.isArray(kid)) append(el, kid);
    else el.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
}

function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

function money(cents) {
  return formatMoney(cents, S.settings.currency);
}

let timeFmt = null;
function clock(iso) {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (isNaN(d)) return '';
  if (!timeFmt) {
    const opts = { hour: 'numeric', minute: '2-digit' };
    try {
      timeFmt = new Intl.DateTimeFormat(undefined, S.settings.timezone ? { ...opts, timeZone: S.settings.timezone } : opts);
    } catch {
      timeFmt = new Intl.DateTimeFormat(undefined, opts);
    }
  }
  return timeFmt.format(d);
}

function ms(iso) {
  const t = Date.parse(iso);
  return isNaN(t) ? 0 : t;
}

function load(key) {
  try {
    const v = localStorage.getItem(key);
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // A full or disabled storage only costs persistence across reloads.
  }
}

const MAX_TOASTS = 2;

function toast(text, kind = 'info', ttl = 4500) {
  const box = $('toasts');
  // A burst of news must not bury the menu: only the latest few stay.
  while (box.children.length >= MAX_TOASTS) box.removeChild(box.firstChild);
  const el = h('div', { class: 'toast toast-' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
  box.appendChild(el);
  requestAnimationFrame(() => el.classList.add('in'));
  setTimeout(() => {
    el.classList.remove('in');
    setTimeout(() => el.remove(), 400);
  }, ttl);
}

function icon(name) {
  const paths = {
    bell: 'M12 3a1.5 1.5 0 0 1 1.5 1.5v.6A7 7 0 0 1 19 12v3l1.5 2H3.5L5 15v-3a7 7 0 0 1 5.5-6.9v-.6A1.5 1.5 0 0 1 12 3Zm-2.5 16h5a2.5 2.5 0 0 1-5 0Z',
    bill: 'M6 2h12v20l-2-1.5-2 1.5-2-1.5-2 1.5-2-1.5L6 22V2Zm3 5h6v1.6H9V7Zm0 4h6v1.6H9V11Zm0 4h4v1.6H9V15Z',
    check: 'M9.5 16.2 5.3 12l-1.4 1.4 5.6 5.6 11-11-1.4-1.4z',
    plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
    minus: 'M5 11h14v2H5z',
    close: 'm6.4 5 5.6 5.6L17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z',
    wifi: 'M12 18.5a1.75 1.75 0 1 1 0 3.5 1.75 1.75 0 0 1 0-3.5ZM2 8.8a14.5 14.5 0 0 1 20 0l-1.6 1.7a12.2 12.2 0 0 0-16.8 0L2 8.8Zm3.4 3.5a9.7 9.7 0 0 1 13.2 0L17 14a7.4 7.4 0 0 0-10 0l-1.6-1.7Z',
  };
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'ico');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', paths[name]);
  p.setAttribute('fill', 'currentColor');
  p.setAttribute('fill-rule', 'evenodd');
  svg.appendChild(p);
  return svg;
}

function isCustomerToken(token) {
  const c = jwtClaims(token);
  if (!c || c.role !== 'customer' || !c.table_id) return false;
  return !c.exp || c.exp * 1000 > Date.now();
}

// ---------------------------------------------------------------- pairing

function showPair(message, kind) {
  S.gen++;
  if (S.rt) {
    S.rt.close();
    S.rt = null;
  }
  S.loaded = false;
  closeSheet();
  clear($('toasts'));
  $('boot').hidden = true;
  $('app').hidden = true;
  $('pair').hidden = false;
  const msg = $('pair-msg');
  msg.textContent = message || '';
  msg.className = 'pair-msg' + (kind ? ' pair-msg-' + kind : '');
  const input = $('pair-code');
  input.disabled = false;
  $('pair-submit').disabled = false;
  // Focusing opens the iPad keyboard at once, which is what staff want.
  setTimeout(() => input.focus(), 50);
}

async function trade(code) {
  const input = $('pair-code');
  const btn = $('pair-submit');
  input.disabled = true;
  btn.disabled = true;
  btn.textContent = 'Connecting…';
  try {
    const res = await api('POST', '/api/pair', { body: { code } });
    session.set(APP, res.token);
    input.value = '';
    start();
  } catch (e) {
    let text = 'That code did not work. Codes can be used once and are valid for 10 minutes — please ask staff for a new one.';
    if (e instanceof ApiError && e.status === 0) {
      text = 'The restaurant’s system cannot be reached. Check the Wi-Fi, then tap Connect again.';
      input.value = code;
    } else if (e instanceof ApiError && e.status === 429) {
      text = 'Too many attempts. Please wait a few minutes, then ask staff for a new code.';
    } else if (e instanceof ApiError && e.status === 422) {
      text = 'Please enter the 6 digits of the code.';
    }
    showPair(text, 'error');
  } finally {
    btn.textContent = 'Connect';
  }
}

function bindPairForm() {
  const input = $('pair-code');
  input.addEventListener('input', () => {
    const digits = input.value.replace(/\D/g, '').slice(0, 6);
    if (digits !== input.value) input.value = digits;
    $('pair-msg').textContent = '';
  });
  $('pair-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = input.value.replace(/\D/g, '');
    if (code.length !== 6) {
      showPair('Please enter the 6 digits of the code.', 'error');
      return;
    }
    trade(code);
  });
}

/** Called when the table's token stops working (re-paired, table removed). */
function revoked(text) {
  session.clear(APP);
  S.token = null;
  showPair(text || 'This iPad is no longer connected to its table. Please ask a member of staff for a new code.', 'warn');
}

// ---------------------------------------------------------------- data

/** Calls the API with the table token; a dead token sends the iPad back to pairing. */
async function call(method, path, opts = {}) {
  try {
    const res = await api(method, path, { ...opts, token: S.token });
    if (S.restDown) {
      S.restDown = false;
      renderConn();
    }
    return res;
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.status === 0 && !S.restDown) {
        S.restDown = true;
        renderConn();
      }
      if (e.status === 401 || (e.status === 403 && path.indexOf('/api/tables/' + S.tableId) === 0)) {
        revoked();
      }
    }
    throw e;
  }
}

function listOf(res, key) {
  if (Array.isArray(res)) return res;
  if (res && Array.isArray(res[key])) return res[key];
  return [];
}

async function loadSettings() {
  const s = await call('GET', '/api/settings');
  S.settings = { ...S.settings, ...s };
  timeFmt = null;
  $('restaurant-name').textContent = S.settings.restaurant_name || '';
  document.title = S.settings.restaurant_name ? S.settings.restaurant_name + ' — Menu' : 'Menu';
  const meta = document.querySelector('meta[name="apple-mobile-web-app-title"]');
  if (meta && S.settings.restaurant_name) meta.setAttribute('content', S.settings.restaurant_name);
}

async function loadMenu() {
  const res = await call('GET', '/api/menu');
  setMenu(listOf(res, 'categories'));
  renderMenu();
  pruneCart();
  renderSide();
  return res.seq;
}

function setMenu(categories) {
  S.items.clear();
  S.categories = categories
    .map((c) => ({ ...c, items: (c.items || []).filter((i) => !i.deleted) }))
    .sort(byPosition);
  for (const c of S.categories) {
    c.items.sort(byPosition);
    for (const it of c.items) S.items.set(it.id, it);
  }
}

function byPosition(a, b) {
  return (a.position || 0) - (b.position || 0) || a.id - b.id;
}

async function loadTable() {
  S.table = await call('GET', '/api/tables/' + S.tableId);
  renderTable();
}

async function loadOrders() {
  const since = new Date(Date.now() - RECENT_MS).toISOString().replace(/\.\d+Z$/, 'Z');
  const base = '/api/orders?table_id=' + S.tableId;
  const [active, recent] = await Promise.all([
    call('GET', base + '&active=true'),
    call('GET', base + '&since=' + encodeURIComponent(since)),
  ]);
  S.orders.clear();
  for (const o of listOf(recent, 'orders')) S.orders.set(o.id, o);
  for (const o of listOf(active, 'orders')) S.orders.set(o.id, o);
  renderOrders();
  const seqs = [active.seq, recent.seq].filter((n) => typeof n === 'number');
  return seqs.length ? Math.min(...seqs) : undefined;
}

async function loadBill() {
  S.bill = await call('GET', '/api/tables/' + S.tableId + '/bill');
  if (S.sheet && S.sheet.kind === 'bill') renderSheet();
}

let billTimer = 0;
function refreshBillSoon() {
  if (!S.sheet || S.sheet.kind !== 'bill') return;
  clearTimeout(billTimer);
  billTimer = setTimeout(() => loadBill().catch(() => {}), 150);
}

/** Loads everything over REST, retrying while the box is unreachable. */
async function loadAll() {
  const gen = S.gen;
  let delay = 1000;
  for (;;) {
    if (!S.token || gen !== S.gen) return;
    try {
      await loadSettings();
      const [menuSeq, orderSeq] = await Promise.all([loadMenu(), loadOrders(), loadTable()]);
      if (gen !== S.gen || !S.rt) return;
      S.loaded = true;
      S.rt.subscribe('menu', menuSeq === undefined ? {} : { since: menuSeq });
      S.rt.subscribe('table', orderSeq === undefined ? { table_id: S.tableId } : { table_id: S.tableId, since: orderSeq });
      renderAll();
      flushOutbox();
      return;
    } catch (e) {
      if (!(e instanceof ApiError)) {
        console.error('table app: loading failed', e);
        return;
      }
      if (e.status === 401 || !S.token) return;
      if (e.status === 403 || e.status === 404) {
        revoked('This iPad’s table no longer exists. Please ask a member of staff for a new code.');
        return;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  }
}

// ---------------------------------------------------------------- realtime

function onMenuUpdated(item) {
  if (!item || typeof item.id !== 'number') return;
  if (item.deleted) {
    const had = S.items.get(item.id);
    S.items.delete(item.id);
    for (const c of S.categories) c.items = c.items.filter((i) => i.id !== item.id);
    if (had) renderMenu();
    dropFromCart([item.id], 'is no longer on the menu');
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
  if (!item.available) dropFromCart([item.id], 'has just sold out');
  else renderSide();
  if (S.sheet && S.sheet.kind === 'item' && S.sheet.id === item.id) renderSheet();
}

function onOrder(order, meta) {
  if (!order || order.table_id !== S.tableId) return;
  const old = S.orders.get(order.id);
  if (old && ms(old.updated_at) > ms(order.updated_at)) return;
  S.orders.set(order.id, order);
  renderOrders();
  if (old && old.status !== order.status) {
    if (order.status === 'ready') toast('Your order #' + order.id + ' is ready.', 'good');
    if (order.status === 'cancelled' && !S.cancelling.has(order.id)) {
      toast('Order #' + order.id + ' was cancelled' + (order.cancel_reason ? ': ' + order.cancel_reason : '.'), 'warn', 8000);
    }
  }
  refreshBillSoon();
}

function onTable(table) {
  if (!table || table.id !== S.tableId) return;
  if (table.deleted) {
    revoked('This iPad’s table no longer exists. Please ask a member of staff for a new code.');
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
  renderTable();
  renderOrders();
}

// Every payment is pushed, split bills too: the bill says whether this one
// settled it or how much is still due.
async function onPayment(p) {
  if (!p || p.table_id !== S.tableId) return;
  try {
    const bill = await call('GET', '/api/tables/' + S.tableId + '/bill');
    if (S.sheet && S.sheet.kind === 'bill') {
      S.bill = bill;
      renderSheet();
    }
    if (!bill.due_cents) toast('Thank you! Your bill is settled.', 'good', 8000);
    else toast('Payment received — ' + money(bill.due_cents) + ' left to pay.', 'good', 8000);
  } catch {
    // Without the bill there is nothing reliable to say; the orders still update.
  }
}

function startRealtime() {
  const rt = connect({ token: () => S.token });
  S.rt = rt;
  rt.on('menu:updated', onMenuUpdated);
  rt.on('order:created', onOrder);
  rt.on('order:updated', onOrder);
  rt.on('order:cancelled', onOrder);
  rt.on('table:updated', onTable);
  rt.on('payment:completed', onPayment);
  rt.onResync('menu', () => loadMenu().catch(() => {}));
  rt.onResync('table:' + S.tableId, () => {
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

// ---------------------------------------------------------------- cart

function newCart() {
  return { table_id: S.tableId, key: newIdempotencyKey(), lines: [], notes: '' };
}

function saveCart() {
  store(CART_KEY, S.cart);
  store(OUTBOX_KEY, S.outbox);
}

function cartCount() {
  return S.cart.lines.reduce((n, l) => n + l.quantity, 0);
}

function cartSubtotal(lines) {
  let sum = 0;
  for (const l of lines) {
    const it = S.items.get(l.menu_item_id);
    if (it) sum += it.price_cents * l.quantity;
  }
  return sum;
}

function addToCart(id, quantity, notes) {
  const it = S.items.get(id);
  if (!it || !it.available) return;
  notes = (notes || '').trim().slice(0, NOTE_MAX);
  const same = S.cart.lines.find((l) => l.menu_item_id === id && (l.notes || '') === notes);
  if (same) same.quantity = Math.min(MAX_QTY, same.quantity + quantity);
  else S.cart.lines.push({ menu_item_id: id, quantity: Math.min(MAX_QTY, quantity), notes });
  saveCart();
  updateCardCount(id);
  if (S.view !== 'cart') setView('cart');
  else renderSide();
  bump();
}

// A short pulse on the cart tab confirms an add without hiding the menu.
function bump() {
  const tab = $('tab-cart');
  tab.classList.remove('bump');
  void tab.offsetWidth;
  tab.classList.add('bump');
}

function setQty(index, quantity) {
  const line = S.cart.lines[index];
  if (!line) return;
  if (quantity <= 0) S.cart.lines.splice(index, 1);
  else line.quantity = Math.min(MAX_QTY, quantity);
  saveCart();
  updateCardCount(line.menu_item_id);
  renderSide();
}

/** Removes lines of items the guest can no longer order, saying which. */
function dropFromCart(ids, why) {
  const gone = new Set(ids);
  const names = [];
  for (const l of S.cart.lines) {
    if (gone.has(l.menu_item_id)) {
      const it = S.items.get(l.menu_item_id);
      if (it && names.indexOf(it.name) < 0) names.push(it.name);
      else if (!it && names.indexOf('An item') < 0) names.push('An item');
    }
  }
  const before = S.cart.lines.length;
  S.cart.lines = S.cart.lines.filter((l) => !gone.has(l.menu_item_id));
  if (S.cart.lines.length !== before) {
    saveCart();
    toast('Sorry — ' + names.join(', ') + ' ' + why + ' and was taken off your order.', 'warn', 8000);
  }
  for (const id of ids) updateCardCount(id);
  renderSide();
}

/** After a menu load: lines whose item vanished or sold out leave the cart. */
function pruneCart() {
  const bad = [];
  for (const l of S.cart.lines) {
    const it = S.items.get(l.menu_item_id);
    if (!it) bad.push(l.menu_item_id);
    else if (!it.available) bad.push(l.menu_item_id);
  }
  if (bad.length) dropFromCart(bad, 'is not available right now');
}

function sendOrder() {
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
      items: lines.map((l) => ({ menu_item_id: l.menu_item_id, quantity: l.quantity, notes: l.notes || '' })),
      notes: (S.cart.notes || '').trim(),
    },
    lines: lines.map((l) => ({ ...l, name: (S.items.get(l.menu_item_id) || {}).name || '', price_cents: (S.items.get(l.menu_item_id) || {}).price_cents || 0 })),
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

async function flushOutbox() {
  if (!S.outbox || flushing || !S.token || !S.loaded) return;
  flushing = true;
  clearTimeout(retryTimer);
  const box = S.outbox;
  box.state = 'sending';
  renderSide();
  try {
    const order = await call('POST', '/api/orders', { body: box.body, headers: { 'Idempotency-Key': box.key } });
    if (S.outbox === box) S.outbox = null;
    saveCart();
    retryDelay = 2000;
    if (order && order.id) {
      S.orders.set(order.id, order);
      renderOrders();
    }
    toast('Your order is on its way to the kitchen.', 'good');
    setView('orders');
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 0 || e.status >= 500 || e.status === 429 || e.status === 401 || e.status === 403) {
      // The answer may have been lost on the way back: keep the same key,
      // so the retry returns the order the box may already have made.
      box.state = 'waiting';
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
}

/** The box said no for good: the lines go back to the cart, minus what cannot be had. */
async function refuseOutbox(box, e) {
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
      if (!it || !it.available) bad.add(l.menu_item_id);
    }
  }
  for (const l of box.lines) {
    if (bad.has(l.menu_item_id)) continue;
    const notes = l.notes || '';
    const same = S.cart.lines.find((c) => c.menu_item_id === l.menu_item_id && (c.notes || '') === notes);
    if (same) same.quantity = Math.min(MAX_QTY, same.quantity + l.quantity);
    else S.cart.lines.push({ menu_item_id: l.menu_item_id, quantity: l.quantity, notes });
  }
  if (!S.cart.notes && box.body.notes) S.cart.notes = box.body.notes;
  saveCart();
  updateAllCardCounts();
  setView('cart');
  const names = box.lines.filter((l) => bad.has(l.menu_item_id)).map((l) => l.name);
  const uniq = names.filter((n, i) => n && names.indexOf(n) === i);
  if (uniq.length) {
    const many = uniq.length > 1;
    toast('Sorry — ' + uniq.join(', ') + (many ? ' are' : ' is') + ' not available right now and ' + (many ? 'were' : 'was') + ' taken off your order. Please check it and send again.', 'error', 10000);
  } else if (e.status === 409) {
    toast((e.message || 'Something on your order is not available.') + ' Please check your order and send again.', 'error', 10000);
  } else {
    toast('Your order could not be sent' + (e.message ? ': ' + e.message : '.') + ' Please check it and try again.', 'error', 10000);
  }
}

/** Item ids an error names, by line index in `fields` or by name in the message. */
function itemsNamedIn(e, box) {
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

// ---------------------------------------------------------------- service requests

async function askFor(kind) {
  if (S.busy.has(kind)) return;
  S.busy.add(kind);
  renderTable();
  try {
    const res = await call('POST', '/api/tables/' + S.tableId + '/requests', { body: { kind } });
    if (res && res.id === S.tableId) S.table = { ...S.table, ...res };
    else S.table = { ...S.table, open_request: { kind, created_at: new Date().toISOString() } };
    toast(kind === 'bill' ? 'We’ll bring your bill shortly.' : 'A waiter is on the way.', 'good');
  } catch (e) {
    if (e instanceof ApiError && e.status === 0) toast('No connection to the restaurant’s system — please wave to a member of staff.', 'error', 8000);
    else if (e instanceof ApiError && e.status !== 401) toast(e.message || 'That did not work. Please try again.', 'error');
  } finally {
    S.busy.delete(kind);
    renderTable();
    if (S.sheet && S.sheet.kind === 'bill') renderSheet();
  }
}

// ---------------------------------------------------------------- rendering

function renderAll() {
  renderTable();
  renderMenu();
  renderSide();
  renderConn();
}

function renderConn() {
  const el = $('conn');
  const down = S.conn !== 'connected' || S.restDown;
  if (!down) {
    el.hidden = true;
    return;
  }
  clear(el);
  el.hidden = false;
  let text;
  if (S.conn === 'offline' || (S.restDown && S.conn !== 'connecting')) {
    el.className = 'conn conn-offline';
    text = 'Offline since ' + clock(S.connSince) + ' — your order is saved here';
  } else if (S.conn === 'connecting') {
    el.className = 'conn conn-wait';
    text = 'Connecting…';
  } else {
    el.className = 'conn conn-wait';
    text = 'Reconnecting…';
  }
  append(el, [icon('wifi'), h('span', null, text)]);
}

function renderTable() {
  const t = S.table;
  $('table-name').textContent = tableLabel();
  const req = t && t.open_request ? t.open_request.kind : null;
  serviceButton($('btn-waiter'), 'waiter', req === 'waiter', 'Call waiter', 'Waiter called');
  serviceButton($('btn-bill'), 'bill', req === 'bill', 'Bill', 'Bill requested');
}

/** The table's name as guests read it: "Table 4" for a bare number or "T4". */
function tableLabel() {
  const name = S.table && S.table.name ? String(S.table.name).trim() : '';
  if (!name) return S.tableId ? 'Table ' + S.tableId : '';
  const m = /^t?\s*(\d+)$/i.exec(name);
  return m ? 'Table ' + m[1] : name;
}

function serviceButton(btn, kind, sent, label, sentLabel) {
  clear(btn);
  btn.classList.toggle('is-sent', sent);
  btn.setAttribute('aria-pressed', sent ? 'true' : 'false');
  btn.disabled = S.busy.has(kind);
  append(btn, [icon(sent ? 'check' : kind === 'bill' ? 'bill' : 'bell'), h('span', { class: 'svc-label' }, sent ? sentLabel : label)]);
}

/** Cards by item id, so a menu event updates one card in place. */
const cards = new Map();

function renderMenu() {
  const menu = $('menu');
  const nav = $('cats');
  const scroll = menu.scrollTop;
  clear(menu);
  clear(nav);
  cards.clear();
  const cats = S.categories.filter((c) => c.items.length);
  if (!cats.length) {
    menu.appendChild(h('p', { class: 'empty' }, S.loaded ? 'The menu is being prepared. Please ask a member of staff.' : 'Loading the menu…'));
    return;
  }
  for (const c of cats) {
    nav.appendChild(
      h('button', { class: 'cat', type: 'button', 'data-cat': c.id, onclick: () => jumpTo(c.id) }, c.name),
    );
    const grid = h('div', { class: 'grid' });
    for (const it of c.items) {
      const card = itemCard(it);
      cards.set(it.id, card);
      grid.appendChild(card);
    }
    menu.appendChild(h('section', { class: 'cat-section', id: 'cat-' + c.id, 'data-cat': c.id }, h('h2', { class: 'cat-title' }, c.name), grid));
  }
  menu.scrollTop = scroll;
  spy();
}

function itemCard(it) {
  const card = h(
    'article',
    {
      class: 'item' + (it.available ? '' : ' is-out'),
      'data-item': it.id,
      'aria-disabled': it.available ? null : 'true',
      onclick: () => openItem(it.id),
    },
    h('div', { class: 'item-head' }, h('h3', { class: 'item-name' }, it.name), h('span', { class: 'item-price' }, money(it.price_cents))),
    it.description ? h('p', { class: 'item-desc' }, it.description) : null,
    h(
      'div',
      { class: 'item-foot' },
      h('div', { class: 'allergens' }, (it.allergens || []).map((a) => h('span', { class: 'allergen' }, a))),
      it.available ? null : h('span', { class: 'soldout' }, 'Sold out'),
      h('span', { class: 'in-cart', hidden: true }),
      h(
        'button',
        {
          class: 'add',
          type: 'button',
          'aria-label': 'Add ' + it.name,
          disabled: !it.available,
          onclick: (ev) => {
            ev.stopPropagation();
            addToCart(it.id, 1, '');
          },
        },
        icon('plus'),
      ),
    ),
  );
  return withCount(card, it.id);
}

function updateCard(it) {
  const old = cards.get(it.id);
  if (!old) return;
  const card = itemCard(it);
  old.replaceWith(card);
  cards.set(it.id, card);
}

function withCount(card, id) {
  const n = S.cart ? S.cart.lines.filter((l) => l.menu_item_id === id).reduce((s, l) => s + l.quantity, 0) : 0;
  const badge = card.querySelector('.in-cart');
  badge.hidden = n === 0;
  badge.textContent = n ? n + ' in your order' : '';
  card.classList.toggle('is-in-cart', n > 0);
  return card;
}

function updateCardCount(id) {
  const card = cards.get(id);
  if (card) withCount(card, id);
}

function updateAllCardCounts() {
  for (const [id, card] of cards) withCount(card, id);
}

function jumpTo(catId) {
  const sec = $('cat-' + catId);
  if (!sec) return;
  const menu = $('menu');
  menu.scrollTo({ top: sec.offsetTop - menu.offsetTop - 8, behavior: 'smooth' });
  markCat(catId);
}

function markCat(catId) {
  for (const b of $('cats').querySelectorAll('.cat')) {
    const on = b.getAttribute('data-cat') === String(catId);
    b.classList.toggle('is-on', on);
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

let spyFrame = 0;
function spy() {
  cancelAnimationFrame(spyFrame);
  spyFrame = requestAnimationFrame(() => {
    const menu = $('menu');
    const top = menu.scrollTop + 40;
    let current = null;
    for (const sec of menu.querySelectorAll('.cat-section')) {
      if (sec.offsetTop - menu.offsetTop <= top) current = sec.getAttribute('data-cat');
    }
    if (current === null) {
      const first = menu.querySelector('.cat-section');
      current = first && first.getAttribute('data-cat');
    }
    if (menu.scrollTop + menu.clientHeight >= menu.scrollHeight - 4) {
      const all = menu.querySelectorAll('.cat-section');
      if (all.length) current = all[all.length - 1].getAttribute('data-cat');
    }
    if (current !== null) markCat(current);
  });
}

function setView(view) {
  S.view = view;
  $('tab-cart').setAttribute('aria-selected', String(view === 'cart'));
  $('tab-orders').setAttribute('aria-selected', String(view === 'orders'));
  $('panel-cart').hidden = view !== 'cart';
  $('panel-orders').hidden = view !== 'orders';
  renderSide();
}

/** Re-renders the cart after a change by the guest (or the menu under it). */
function renderSide() {
  renderCounts();
  renderCart();
}

function renderCounts() {
  if (!S.cart) return;
  const n = cartCount() + (S.outbox ? S.outbox.lines.reduce((s, l) => s + l.quantity, 0) : 0);
  $('cart-count').textContent = n ? String(n) : '';
  const activeOrders = visibleOrders().filter((o) => ACTIVE.has(o.status)).length;
  $('orders-count').textContent = activeOrders ? String(activeOrders) : '';
}

function renderCart() {
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

function renderCartBody(panel) {
  clear(panel);
  const body = h('div', { class: 'cart-scroll' });
  if (S.outbox) body.appendChild(outboxCard());
  if (!S.cart.lines.length) {
    if (!S.outbox) {
      body.appendChild(
        h('div', { class: 'cart-empty' }, h('p', { class: 'cart-empty-title' }, 'Nothing here yet'), h('p', null, 'Tap a dish to see it, or + to add it straight to your order.')),
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
      h('span', { class: 'label' }, 'A note for the kitchen'),
      h('textarea', {
        id: 'order-note',
        rows: 2,
        maxlength: NOTE_MAX,
        placeholder: 'Allergies, no rush, birthday…',
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

function totals(subtotal) {
  const rate = S.settings.tax_rate_bp || 0;
  const pct = (rate / 100).toLocaleString(undefined, { maximumFractionDigits: 2 }) + '%';
  if (S.settings.prices_include_tax || !rate) {
    return h(
      'div',
      { class: 'totals' },
      h('div', { class: 'total-row total-main' }, h('span', null, 'Total'), h('span', { id: 'cart-total' }, money(subtotal))),
      rate ? h('div', { class: 'total-row total-sub' }, h('span', null, 'Includes ' + pct + ' tax'), h('span')) : null,
    );
  }
  // The bill taxes the subtotal once, rounding half up: the same sum here.
  const tax = Math.floor((subtotal * rate + 5000) / 10000);
  return h(
    'div',
    { class: 'totals' },
    h('div', { class: 'total-row total-sub' }, h('span', null, 'Subtotal'), h('span', null, money(subtotal))),
    h('div', { class: 'total-row total-sub' }, h('span', null, 'Tax ' + pct), h('span', null, money(tax))),
    h('div', { class: 'total-row total-main' }, h('span', null, 'Total'), h('span', { id: 'cart-total' }, money(subtotal + tax))),
  );
}

function renderSendButton() {
  const slot = $('send-slot');
  if (!slot) return;
  clear(slot);
  // Only a box really out of reach changes the label; a socket that is
  // merely reconnecting does not stop an order from going through.
  const offline = S.restDown || S.conn === 'offline';
  let label = 'Send order';
  let hint = null;
  // Until the menu is in, prices and availability are unknown.
  let disabled = !S.cart.lines.length || !S.loaded;
  if (S.outbox) {
    label = 'Send order';
    hint = 'Your earlier order is still being sent. Add more once it has gone through, or send this one after it.';
    disabled = true;
  } else if (offline) {
    label = 'Send when connected';
    hint = 'We’ll keep your order here and send it as soon as the connection returns.';
  }
  slot.appendChild(
    h('button', { class: 'btn btn-primary btn-send' + (offline ? ' is-offline' : ''), id: 'send', type: 'button', disabled, onclick: sendOrder }, label),
  );
  if (hint) slot.appendChild(h('p', { class: 'send-hint' }, hint));
}

function cartLine(l, i) {
  const it = S.items.get(l.menu_item_id);
  const name = it ? it.name : S.loaded ? 'Unavailable item' : '…';
  const price = it ? it.price_cents * l.quantity : 0;
  const li = h(
    'li',
    { class: 'line' },
    h(
      'div',
      { class: 'line-main' },
      h('div', { class: 'line-name' }, name),
      h('div', { class: 'line-price' }, money(price)),
    ),
    h(
      'div',
      { class: 'line-ctl' },
      h(
        'div',
        { class: 'stepper' },
        h('button', { class: 'step', type: 'button', 'aria-label': 'One less ' + name, onclick: () => setQty(i, l.quantity - 1) }, icon('minus')),
        h('span', { class: 'qty', 'aria-live': 'polite' }, String(l.quantity)),
        h('button', { class: 'step', type: 'button', 'aria-label': 'One more ' + name, disabled: l.quantity >= MAX_QTY, onclick: () => setQty(i, l.quantity + 1) }, icon('plus')),
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
            'Add a note',
          ),
    ),
    l.notes || l.editing
      ? h('input', {
          class: 'line-note',
          id: 'note-' + i,
          type: 'text',
          maxlength: NOTE_MAX,
          placeholder: 'e.g. no onions, sauce on the side',
          value: l.notes || '',
          'aria-label': 'Note for ' + name,
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

function outboxCard() {
  const box = S.outbox;
  const waiting = box.state === 'waiting';
  return h(
    'div',
    { class: 'outbox' + (waiting ? ' is-waiting' : '') },
    h('p', { class: 'outbox-title' }, waiting ? 'Not sent yet — no connection' : 'Sending your order…'),
    waiting ? h('p', { class: 'outbox-text' }, 'Your order is saved on this iPad. We’ll send it automatically as soon as the connection is back — no need to tap again.') : null,
    h('ul', { class: 'outbox-lines' }, box.lines.map((l) => h('li', null, l.quantity + ' × ' + l.name))),
    waiting ? h('button', { class: 'btn btn-secondary', id: 'retry', type: 'button', onclick: () => flushOutbox() }, 'Try again now') : null,
  );
}

/** Orders the guests should see: everything active, recent finished ones of this visit. */
function visibleOrders() {
  const t = S.table;
  const list = [...S.orders.values()].filter((o) => {
    if (ACTIVE.has(o.status)) return true;
    if (Date.now() - ms(o.updated_at) > RECENT_MS) return false;
    if (!t || !t.status) return true;
    // A table set free or reserved belongs to the next party: finished
    // orders of the last one are theirs to forget.
    if (t.status === 'available' || t.status === 'reserved') return false;
    if (t.status_changed_at) {
      const slack = t.status === 'cleaning' ? 120000 : 0;
      return ms(o.updated_at) >= ms(t.status_changed_at) - slack;
    }
    return true;
  });
  // What is still coming matters most: active orders first, newest on top.
  list.sort((a, b) => Number(ACTIVE.has(b.status)) - Number(ACTIVE.has(a.status)) || ms(b.created_at) - ms(a.created_at) || b.id - a.id);
  return list;
}

function renderOrders() {
  renderCounts();
  const panel = $('panel-orders');
  clear(panel);
  const list = visibleOrders();
  if (!list.length) {
    panel.appendChild(h('div', { class: 'cart-empty' }, h('p', { class: 'cart-empty-title' }, 'No orders yet'), h('p', null, 'Once you send an order, you can follow it here.')));
    return;
  }
  const wrap = h('div', { class: 'orders' });
  for (const o of list) wrap.appendChild(orderCard(o));
  panel.appendChild(wrap);
}

function orderCard(o) {
  const cancelled = o.status === 'cancelled';
  const idx = STEPS.findIndex((s) => s[0] === o.status);
  return h(
    'article',
    { class: 'order status-' + o.status, 'data-order': o.id },
    h(
      'header',
      { class: 'order-head' },
      h('span', { class: 'order-title' }, 'Order #' + o.id),
      h('span', { class: 'order-time' }, clock(o.created_at)),
      h('span', { class: 'pill pill-' + o.status, 'data-status': o.status }, STATUS_LABEL[o.status] || o.status),
    ),
    cancelled
      ? h('p', { class: 'order-cancel' }, o.cancel_reason ? 'Cancelled: ' + o.cancel_reason : 'This order was cancelled.')
      : o.status === 'paid'
        ? h('p', { class: 'order-paid' }, 'Paid — thank you!')
        : h(
            'ol',
            { class: 'steps', 'aria-label': 'Progress: ' + (STATUS_LABEL[o.status] || o.status) },
            STEPS.map((s, i) => h('li', { class: 'step-dot' + (i < idx ? ' done' : '') + (i === idx ? ' now' : '') }, h('span', { class: 'dot' }), h('span', { class: 'step-label' }, s[1]))),
          ),
    h(
      'ul',
      { class: 'order-lines' },
      (o.items || []).map((it) =>
        h(
          'li',
          { class: it.done ? 'is-done' : null },
          h('span', { class: 'ol-qty' }, it.quantity + '×'),
          h('span', { class: 'ol-name' }, it.name, it.notes ? h('span', { class: 'ol-note' }, it.notes) : null),
          h('span', { class: 'ol-price' }, money(it.unit_price_cents * it.quantity)),
        ),
      ),
    ),
    o.notes ? h('p', { class: 'order-note-text' }, 'Note: ' + o.notes) : null,
    o.status === 'pending' ? cancelButton(o) : null,
  );
}

// Guests may take back an order until staff confirm it; the first tap only
// arms the button, so a stray touch never cancels anything.
let armTimer = 0;
function cancelButton(o) {
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
    armed ? 'Tap again to cancel this order' : 'Cancel this order',
  );
}

async function cancelOrder(id) {
  const kind = 'cancel:' + id;
  if (S.busy.has(kind)) return;
  S.busy.add(kind);
  S.cancelling.add(id);
  renderOrders();
  try {
    const o = await call('POST', '/api/orders/' + id + '/cancel', { body: { reason: 'Cancelled at the table' } });
    if (o && o.id) onOrder(o);
    toast('Order #' + id + ' is cancelled.', 'info');
  } catch (e) {
    S.cancelling.delete(id);
    if (e instanceof ApiError && e.status === 409) toast('The kitchen has already taken this order. Please ask a waiter.', 'warn', 8000);
    else if (e instanceof ApiError && e.status === 0) toast('No connection — the order could not be cancelled. Please ask a waiter.', 'error', 8000);
    else if (e instanceof ApiError && e.status !== 401) toast(e.message || 'The order could not be cancelled.', 'error');
  } finally {
    S.busy.delete(kind);
    renderOrders();
  }
}

// ---------------------------------------------------------------- sheets

function openItem(id) {
  const it = S.items.get(id);
  if (!it) return;
  S.sheet = { kind: 'item', id, qty: 1, notes: '' };
  renderSheet();
}

function openBill() {
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

function closeSheet() {
  S.sheet = null;
  $('sheet').hidden = true;
  $('scrim').hidden = true;
  document.body.classList.remove('has-sheet');
}

function renderSheet() {
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
  clear(sheet);
  sheet.hidden = false;
  $('scrim').hidden = false;
  document.body.classList.add('has-sheet');
  sheet.appendChild(h('button', { class: 'sheet-close', type: 'button', 'aria-label': 'Close', onclick: closeSheet }, icon('close')));
  if (S.sheet.kind === 'item') itemSheet(sheet);
  else billSheet(sheet);
}

function itemSheet(sheet) {
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

function billSheet(sheet) {
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

// ---------------------------------------------------------------- start

function bindApp() {
  $('btn-waiter').addEventListener('click', () => {
    if (!(S.table && S.table.open_request && S.table.open_request.kind === 'waiter')) askFor('waiter');
  });
  $('btn-bill').addEventListener('click', openBill);
  $('tab-cart').addEventListener('click', () => setView('cart'));
  $('tab-orders').addEventListener('click', () => setView('orders'));
  $('scrim').addEventListener('click', closeSheet);
  $('menu').addEventListener('scroll', spy, { passive: true });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && S.sheet) closeSheet();
  });
  window.addEventListener('online', () => flushOutbox());
}

function start() {
  const token = session.get(APP);
  if (!isCustomerToken(token)) {
    session.clear(APP);
    showPair();
    return;
  }
  S.gen++;
  S.token = token;
  S.tableId = jwtClaims(token).table_id;
  S.loaded = false;
  S.orders.clear();
  S.table = null;
  const cart = load(CART_KEY);
  S.cart = cart && cart.table_id === S.tableId && Array.isArray(cart.lines) && cart.key ? cart : newCart();
  const outbox = load(OUTBOX_KEY);
  S.outbox = outbox && outbox.table_id === S.tableId && outbox.key && outbox.body ? { ...outbox, state: 'waiting' } : null;
  saveCart();
  $('pair').hidden = true;
  $('boot').hidden = true;
  $('app').hidden = false;
  setView(S.outbox ? 'cart' : S.view);
  renderAll();
  startRealtime();
  loadAll();
}

function main() {
  bindPairForm();
  bindApp();
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (code !== null) {
    // The code is single-use: drop it from the address so a reload or a
    // home-screen install never carries a spent code.
    params.delete('code');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    const digits = code.replace(/\D/g, '');
    $('boot').hidden = true;
    $('pair').hidden = false;
    trade(digits);
    return;
  }
  start();
}

main();
