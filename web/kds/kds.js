// Kitchen display: tickets for every active order, live over the hub.
// Opened once on the kitchen TV, signed in as a chef, then left alone for the
// whole service; so it keeps its token fresh, survives reloads and network
// drops, and never shows a ticket twice or misses one.

import { api, ApiError, session, jwtClaims } from '/lib/api.js';
import { connect } from '/lib/realtime.js';

/** @typedef {import('/lib/realtime.js').Order} Order */
/** @typedef {import('/lib/realtime.js').OrderItem} OrderItem */

const APP = 'kds';
const NEW_FLASH_MS = 6000;
const CANCEL_FLASH_MS = 8000;
const ACTIVE = new Set(['confirmed', 'preparing']);
const DONE = new Set(['served', 'paid', 'cancelled']);

const params = new URLSearchParams(location.search);
const station = (params.get('station') || '').trim().toLowerCase() || null;

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const prefs = {
  get warn() {
    return readMinutes('rms.kds.warn', 5);
  },
  get late() {
    return readMinutes('rms.kds.late', 10);
  },
  save(warn, late) {
    try {
      localStorage.setItem('rms.kds.warn', String(warn));
      localStorage.setItem('rms.kds.late', String(late));
    } catch {
      // Without storage the values last until reload.
    }
    memPrefs.warn = warn;
    memPrefs.late = late;
  },
};
const memPrefs = { warn: 0, late: 0 };

function readMinutes(key, def) {
  const mem = key.endsWith('warn') ? memPrefs.warn : memPrefs.late;
  if (mem) return mem;
  let v = NaN;
  try {
    v = Number(localStorage.getItem(key));
  } catch {
    // Fall back to the default.
  }
  return Number.isFinite(v) && v > 0 ? v : def;
}

// ---- state ----------------------------------------------------------------

/** Orders by id with the seq of the newest event applied to each. */
/** @type {Map<number, {order: Order, seq: number}>} */
const orders = new Map();
/** @type {Map<number, string>} */
const tableNames = new Map();
/** @type {Map<number, {name: string, allergens: string[]}>} */
const menuItems = new Map();
/** Cancelled tickets still on screen with their flash: id -> {order, until}. */
const ghosts = new Map();
/** id -> time until which a new ticket is highlighted. */
const newUntil = new Map();
/** Orders bumped on this screen, newest last, for Recall. */
const bumped = [];
let lastCross = null;
let selectedId = null;
let cursorLine = -1;
let page = 0;
/** The tickets on the page now showing, in reading order. */
let shownPage = [];
let rt = null;
let loaded = false;
let clockOffset = 0; // server time minus local time, ms
let connState = 'connecting';
let connSince = new Date();

// ---- REST with a token that stays fresh ----------------------------------

let refreshing = null;

/** Trades the current token for a fresh one (POST /api/auth/refresh). */
function refreshToken() {
  if (!refreshing) {
    refreshing = api('POST', '/api/auth/refresh', { token: session.get(APP) })
      .then((res) => {
        session.set(APP, res.token);
        return res.token;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

async function call(method, path, body) {
  try {
    return await api(method, path, { token: session.get(APP), body });
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    try {
      await refreshToken();
    } catch {
      signedOut('Your session ended. Please sign in again.');
      throw err;
    }
    return api(method, path, { token: session.get(APP), body });
  }
}

const listOf = (res, key) => (Array.isArray(res) ? res : (res && res[key]) || []);

// ---- loading ----------------------------------------------------------------

async function loadOrders() {
  const res = await call('GET', '/api/orders?active=true');
  const seq = typeof res.seq === 'number' ? res.seq : 0;
  const list = listOf(res, 'orders');
  const fresh = new Set();
  for (const o of list) {
    fresh.add(o.id);
    const prev = orders.get(o.id);
    // An event newer than this snapshot already told us more.
    if (prev && prev.seq > seq) continue;
    orders.set(o.id, { order: o, seq });
  }
  for (const [id, entry] of orders) {
    if (!fresh.has(id) && entry.seq <= seq) orders.delete(id);
  }
  if (list.some((o) => !tableNames.has(o.table_id))) loadTablesSoon();
  loaded = true;
  schedule();
  return seq;
}

async function loadTables() {
  try {
    const res = await call('GET', '/api/tables');
    for (const t of listOf(res, 'tables')) tableNames.set(t.id, t.name);
    schedule();
  } catch (err) {
    console.warn('kds: tables', err);
  }
}

async function loadMenu() {
  const res = await call('GET', '/api/menu');
  for (const c of (res && res.categories) || []) {
    for (const it of c.items || []) menuItems.set(it.id, { name: it.name, allergens: it.allergens || [] });
  }
  schedule();
  return typeof res.seq === 'number' ? res.seq : undefined;
}

async function loadSettings() {
  try {
    const s = await call('GET', '/api/settings');
    if (s && s.restaurant_name) {
      $('title').textContent = s.restaurant_name + ' · Kitchen';
      document.title = s.restaurant_name + ' · Kitchen';
    }
  } catch {
    // The title is cosmetic.
  }
}

// The TV's clock may be minutes off; ticket ages must use the box's time.
async function syncClock() {
  try {
    const t0 = Date.now();
    const res = await fetch('/healthz', { cache: 'no-store' });
    const t1 = Date.now();
    const date = res.headers.get('Date');
    if (date) {
      const server = Date.parse(date) + 500; // Date has whole seconds
      clockOffset = server - (t0 + t1) / 2;
      if (Math.abs(clockOffset) < 1500) clockOffset = 0;
    }
  } catch {
    // Keep the last offset.
  }
}

const now = () => Date.now() + clockOffset;

// ---- events -------------------------------------------------------------------

function stationLines(o) {
  return station ? o.items.filter((i) => (i.station || '').toLowerCase() === station) : o.items;
}

/** A ticket in the cooking grid. */
function isTicket(o) {
  if (!ACTIVE.has(o.status)) return false;
  const lines = stationLines(o);
  if (!lines.length) return false;
  return !(station && lines.every((i) => i.done));
}

/** A ticket waiting at the pass (ready, or done at this station). */
function isPass(o) {
  const lines = stationLines(o);
  if (!lines.length) return false;
  if (o.status === 'ready') return true;
  return Boolean(station) && ACTIVE.has(o.status) && lines.every((i) => i.done);
}

function applyOrder(o, seq, event) {
  if (!o || typeof o.id !== 'number') return;
  const prev = orders.get(o.id);
  if (prev && seq !== undefined && prev.seq >= seq) return;
  const wasShown = prev && (isTicket(prev.order) || isPass(prev.order));
  orders.set(o.id, { order: o, seq: seq ?? (prev ? prev.seq : 0) });
  if (event === 'order:cancelled' || o.status === 'cancelled') {
    if (wasShown) {
      ghosts.set(o.id, { order: { ...prev.order, status: 'cancelled' }, until: Date.now() + CANCEL_FLASH_MS });
      sound.cancelled();
      setTimeout(schedule, CANCEL_FLASH_MS + 50);
    }
  } else if (isTicket(o) && (!prev || prev.order.status === 'pending') && loaded) {
    newUntil.set(o.id, Date.now() + NEW_FLASH_MS);
    sound.newTicket();
    setTimeout(schedule, NEW_FLASH_MS + 50);
  }
  if (DONE.has(o.status)) {
    // Out of the kitchen for good: keep only what guards against stale
    // answers, so a screen left on for days does not grow without end.
    const entry = orders.get(o.id);
    entry.order = /** @type {Order} */ ({ id: o.id, table_id: o.table_id, status: o.status, items: [], created_at: o.created_at });
  } else if (!tableNames.has(o.table_id)) loadTablesSoon();
  schedule();
}

let tablesTimer = 0;
function loadTablesSoon() {
  clearTimeout(tablesTimer);
  tablesTimer = setTimeout(loadTables, 200);
}

// ---- actions --------------------------------------------------------------------

function toast(msg) {
  const el = $('toast');
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.t);
  toast.t = setTimeout(() => (el.hidden = true), 5000);
}

/** Actions on the way, by kind and target: a double tap sends one. */
const busy = new Set();
/** The tail of each order's queue of actions: they run one after another. */
const queues = new Map();

/**
 * Runs fn after the actions already queued for order id, unless the same
 * action (key) is still on its way. fn reads the order as it is when its
 * turn comes, so a bump pressed right after a start sees it preparing.
 */
function act(label, id, fn, key = `${label}:${id}`) {
  if (busy.has(key)) return;
  busy.add(key);
  const run = async () => {
    try {
      await fn();
    } catch (err) {
      const why = err instanceof ApiError ? (err.status === 0 ? 'the box cannot be reached' : err.message || err.code) : String(err);
      toast(`Could not ${label}: ${why}`);
      if (err instanceof ApiError && (err.status === 409 || err.status === 404)) {
        try {
          applyFromRest(await call('GET', `/api/orders/${id}`));
        } catch {
          // The next event or resync brings it back in line.
        }
      }
    } finally {
      busy.delete(key);
    }
  };
  const next = (queues.get(id) || Promise.resolve()).then(run);
  queues.set(id, next);
  next.then(() => {
    if (queues.get(id) === next) queues.delete(id);
  });
}

// A REST answer is applied at once so the tap feels instant; the hub's event
// with its seq follows and confirms it on every screen.
function applyFromRest(res) {
  if (res && Array.isArray(res.items) && typeof res.id === 'number') {
    const prev = orders.get(res.id);
    applyOrder(res, undefined, res.status === 'cancelled' ? 'order:cancelled' : 'order:updated');
    if (prev) orders.get(res.id).seq = prev.seq;
  }
}

async function setStatus(id, status) {
  applyFromRest(await call('PATCH', `/api/orders/${id}/status`, { status }));
}

async function setLine(id, itemId, done) {
  const res = await call('PATCH', `/api/orders/${id}/items/${itemId}`, { done });
  if (res && Array.isArray(res.items)) applyFromRest(res);
  else {
    const cur = orders.get(id);
    if (cur) {
      const items = cur.order.items.map((i) => (i.id === itemId ? { ...i, done } : i));
      cur.order = { ...cur.order, items };
      schedule();
    }
  }
}

const current = (id) => orders.get(id)?.order;

function start(id) {
  const o = current(id);
  if (!o || o.status !== 'confirmed') return;
  act('start', id, async () => {
    if (current(id)?.status === 'confirmed') await setStatus(id, 'preparing');
  });
}

function bump(id) {
  const o = current(id);
  if (!o || !isTicket(o)) return;
  act('bump', id, async () => {
    const now = current(id);
    if (!now || !isTicket(now)) return;
    if (now.status === 'confirmed') await setStatus(id, 'preparing');
    if (station) {
      // At a station, bumping finishes this station's lines; the order turns
      // ready when the last line of the whole order is done.
      for (const it of stationLines(current(id) || now)) if (!it.done) await setLine(id, it.id, true);
    } else {
      await setStatus(id, 'ready');
    }
    const at = bumped.indexOf(id);
    if (at >= 0) bumped.splice(at, 1);
    bumped.push(id);
    if (bumped.length > 50) bumped.shift();
    if (selectedId === id) selectedId = null;
  });
}

function recall(id) {
  const o = current(id);
  if (!o || !isPass(o)) return;
  // Select it now, not after the answer: keys pressed meanwhile must not
  // have their cursor reset under them.
  selectedId = id;
  cursorLine = -1;
  act('recall', id, async () => {
    const now = current(id);
    if (!now || !isPass(now)) return;
    if (now.status === 'ready') await setStatus(id, 'preparing');
    if (station) {
      for (const it of stationLines(current(id) || now)) if (it.done) await setLine(id, it.id, false);
    }
    const at = bumped.indexOf(id);
    if (at >= 0) bumped.splice(at, 1);
  });
}

/** The ticket Recall brings back: the last bumped here, else the newest at the pass. */
function recallTarget() {
  for (let i = bumped.length - 1; i >= 0; i--) {
    const o = current(bumped[i]);
    if (o && isPass(o)) return o.id;
  }
  const pass = passOrders();
  return pass.length ? pass[0].id : null;
}

/** Crosses a line off (or brings it back), as the cook sees it at the tap. */
function toggleLine(id, itemId) {
  const o = current(id);
  if (!o || !isTicket(o)) return;
  const item = o.items.find((i) => i.id === itemId);
  if (!item) return;
  const done = !item.done;
  lastCross = done ? { id, itemId } : null;
  act(done ? 'cross off the line' : 'undo the line', id, async () => {
    // Crossing off a line means cooking has begun.
    if (done && current(id)?.status === 'confirmed') await setStatus(id, 'preparing');
    await setLine(id, itemId, done);
  }, `line:${id}:${itemId}:${done}`);
}

/** Brings back the line crossed off last on this screen. */
function undoCross() {
  if (!lastCross) return;
  const { id, itemId } = lastCross;
  lastCross = null;
  act('undo the line', id, async () => {
    if (current(id)?.status === 'ready') await setStatus(id, 'preparing');
    await setLine(id, itemId, false);
  }, `line:${id}:${itemId}:false`);
}

// ---- view -----------------------------------------------------------------------

const byAge = (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;

function gridOrders() {
  const list = [];
  for (const [id, until] of newUntil) if (until <= Date.now()) newUntil.delete(id);
  for (const { order } of orders.values()) if (isTicket(order) && !ghosts.has(order.id)) list.push(order);
  const t = Date.now();
  for (const [id, g] of ghosts) {
    if (g.until <= t) ghosts.delete(id);
    else list.push(g.order);
  }
  return list.sort(byAge);
}

function passOrders() {
  const list = [];
  for (const { order } of orders.values()) if (isPass(order)) list.push(order);
  const ts = (o) => Date.parse(o.status_changed_at || o.updated_at);
  return list.sort((a, b) => ts(b) - ts(a) || b.id - a.id);
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function fmtAge(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

function ageClass(ms) {
  const min = ms / 60000;
  if (min >= prefs.late) return 'age-late';
  if (min >= prefs.warn) return 'age-warn';
  return 'age-ok';
}

const tableName = (id) => tableNames.get(id) || `Table ${id}`;

function renderTicket(o, index) {
  const ghost = o.status === 'cancelled';
  const age = now() - Date.parse(o.created_at);
  const lines = stationLines(o);
  const selected = o.id === selectedId;
  const cls = [
    'ticket',
    'st-' + o.status,
    ageClass(age),
    selected && 'selected',
    (newUntil.get(o.id) || 0) > Date.now() && 'flash-new',
  ].filter(Boolean).join(' ');
  const statusLabel = { confirmed: 'NEW', preparing: 'COOKING', cancelled: 'CANCELLED' }[o.status] || o.status;
  const items = lines.map((it, i) => {
    const allergens = menuItems.get(it.menu_item_id)?.allergens || [];
    return h(
      'li',
      {
        class: ['line', it.done && 'done', selected && i === cursorLine && 'cursor'].filter(Boolean).join(' '),
        dataset: { item: it.id },
        role: 'button',
        'aria-pressed': it.done ? 'true' : 'false',
        onclick: ghost ? null : (e) => {
          e.stopPropagation();
          selectedId = o.id;
          cursorLine = i;
          toggleLine(o.id, it.id);
        },
      },
      h('span', { class: 'qty' }, `${it.quantity}×`),
      h('span', { class: 'what' }, h('span', { class: 'name' }, it.name), allergens.map((a) => h('span', { class: 'alg' }, a))),
      it.notes ? h('span', { class: 'note' }, it.notes) : null,
    );
  });
  const action = ghost
    ? null
    : o.status === 'confirmed'
      ? h('button', { class: 'btn act act-start', type: 'button', onclick: (e) => (e.stopPropagation(), start(o.id)) }, 'Start')
      : h('button', { class: 'btn act act-bump', type: 'button', onclick: (e) => (e.stopPropagation(), bump(o.id)) }, 'Bump ✓');
  return h(
    'article',
    {
      class: cls,
      dataset: { id: o.id, status: o.status },
      onclick: ghost ? null : () => select(o.id),
    },
    h(
      'header',
      { class: 't-head' },
      h('div', { class: 't-row1' }, h('span', { class: 'pos' }, String(index + 1)), h('span', { class: 't-table' }, tableName(o.table_id))),
      h(
        'div',
        { class: 't-row2' },
        h('span', { class: 't-status' }, statusLabel),
        h('span', { class: 't-timer', dataset: { since: o.created_at } }, fmtAge(age)),
      ),
    ),
    o.notes ? h('div', { class: 't-notes' }, '✎ ', o.notes) : null,
    h('ul', { class: 't-items' }, items),
    h('div', { class: 't-more', hidden: true }, '▼ more'),
    h('footer', { class: 't-actions' }, h('span', { class: 't-num' }, `#${o.id}`), action),
    ghost ? h('div', { class: 't-ghost' }, 'CANCELLED', o.cancel_reason ? h('small', {}, o.cancel_reason) : null) : null,
  );
}

function render() {
  const list = gridOrders();
  const grid = $('tickets');
  const { cols, scale, pages: pageLists } = layout(grid, list);
  const pages = pageLists.length;
  if (selectedId !== null) {
    const at = pageLists.findIndex((pl) => pl.some((p) => p.order.id === selectedId));
    const sel = current(selectedId);
    // A recalled ticket is still at the pass until the box answers: keep it.
    if (at >= 0) page = at;
    else if (!sel || !isPass(sel)) selectedId = null;
  }
  page = Math.min(page, pages - 1);
  const placed = pageLists[page] || [];
  shownPage = placed.map((p) => p.order);
  grid.style.setProperty('--cols', String(cols));
  grid.replaceChildren(
    ...placed.map((p, i) => {
      const el = renderTicket(p.order, i);
      el.style.gridColumn = String(p.col + 1);
      el.style.gridRow = `${p.row + 1} / span ${p.span}`;
      el.dataset.scale = String(scale);
      return el;
    }),
  );
  if (!shownPage.length) {
    grid.append(h('div', { class: 'empty' }, loaded ? 'No tickets. All clear.' : 'Loading…'));
  }
  fitTickets(grid);

  $('pager').hidden = pages < 2;
  const later = pageLists.slice(page + 1).reduce((n, pl) => n + pl.length, 0);
  $('page-text').textContent = `Page ${page + 1}/${pages}` + (later ? ` · ${later} more` : '');
  const active = list.filter((o) => o.status !== 'cancelled').length;

  const pass = passOrders();
  $('counts').textContent = `${active} cooking · ${pass.length} ready`;
  const passEl = $('pass');
  passEl.replaceChildren(
    ...pass.slice(0, 10).map((o) =>
      h(
        'button',
        { class: 'chip', type: 'button', dataset: { id: o.id }, title: 'Recall to the kitchen', onclick: () => recall(o.id) },
        h('span', { class: 'chip-table' }, tableName(o.table_id)),
        h('span', { class: 'chip-num' }, `#${o.id}`),
        h('span', { class: 'chip-age', dataset: { since: o.status_changed_at || o.updated_at } }, fmtAge(now() - Date.parse(o.status_changed_at || o.updated_at))),
        h('span', { class: 'chip-recall' }, '↶'),
      ),
    ),
  );
  if (!pass.length) passEl.append(h('span', { class: 'pass-empty' }, 'Nothing waiting at the pass'));
  if (pass.length > 10) passEl.append(h('span', { class: 'pass-more' }, `+${pass.length - 10}`));
  $('recall').disabled = recallTarget() === null;

  renderAllDay(list);
}

function renderAllDay(list) {
  const counts = new Map();
  for (const o of list) {
    if (o.status === 'cancelled') continue;
    for (const it of stationLines(o)) {
      if (it.done) continue;
      counts.set(it.name, (counts.get(it.name) || 0) + it.quantity);
    }
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const listEl = $('allday');
  listEl.replaceChildren(
    ...rows.map(([name, n]) => h('li', { dataset: { name } }, h('span', { class: 'ad-n' }, String(n)), h('span', { class: 'ad-name' }, name))),
  );
  $('allday-empty').hidden = rows.length > 0;
  fitAllDay(listEl);
}

// A long all-day list first gets smaller type, then hides its smallest
// counts behind a "+N more" line rather than run off the screen.
function fitAllDay(listEl) {
  const panel = /** @type {HTMLElement} */ (listEl.parentElement);
  panel.querySelector('.allday-more')?.remove();
  const overflows = () => panel.scrollHeight > panel.clientHeight + 1;
  let px = 26;
  panel.style.setProperty('--ad', px + 'px');
  while (overflows() && px > 19) {
    px -= 1;
    panel.style.setProperty('--ad', px + 'px');
  }
  if (!overflows()) return;
  const more = h('p', { class: 'allday-more' }, '');
  panel.append(more);
  let hidden = 0;
  while (overflows() && listEl.lastElementChild) {
    listEl.lastElementChild.remove();
    hidden++;
    more.textContent = `+${hidden} more items`;
  }
}

// Tickets fill the columns top to bottom, two to a column, oldest first. A
// ticket too long for half a column takes the whole column; a later short
// ticket may fill a gap left above it (its number still tells its age).
// The fewest columns (4 to 6) that hold every ticket win; then slightly
// smaller type; past 12 tickets, pages of six columns.
function layout(grid, list) {
  if (!list.length) return { cols: 4, scale: 1, pages: [[]] };
  const style = getComputedStyle(grid);
  const gap = parseFloat(style.rowGap) || 0;
  const innerW = grid.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const innerH = grid.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const cellH = (innerH - gap) / 2;
  const attempts = list.length > 12
    ? [[6, 0.9]]
    : [[4, 1], [5, 1], [6, 1], [6, 0.92], [6, 0.85], [6, 0.78]];
  let result = null;
  let heights = [];
  let spans = [];
  for (const [cols, scale] of attempts) {
    // Too few slots even if every ticket took half a column: skip measuring.
    if (list.length > cols * 2 && list.length <= 12) continue;
    const width = (innerW - gap * (cols - 1)) / cols;
    heights = measure(list, width, scale);
    spans = list.map((o, i) => (heights[i] > cellH + 1 ? 2 : 1));
    result = { cols, scale, pages: place(list, spans, cols) };
    if (result.pages.length === 1) return result;
  }
  if (list.length <= 12) {
    // Twelve tickets always fit one screen: the least overgrown long
    // tickets go back to half a column and shrink their type to fit.
    const tall = spans.map((sp, i) => i).filter((i) => spans[i] === 2).sort((a, b) => heights[a] - heights[b]);
    for (const i of tall) {
      spans[i] = 1;
      result.pages = place(list, spans, result.cols);
      if (result.pages.length === 1) break;
    }
  }
  return result;
}

/**
 * Places tickets on pages of cols columns by two rows, column by column.
 * @returns {{order: Order, col: number, row: number, span: number}[][]}
 */
function place(list, spans, cols) {
  const pages = [];
  let cur = [];
  let used = new Array(cols * 2).fill(false); // index col*2+row
  const fit = (span) => {
    for (let c = 0; c < cols; c++) {
      if (span === 2) {
        if (!used[c * 2] && !used[c * 2 + 1]) return [c, 0];
      } else {
        for (let r = 0; r < 2; r++) if (!used[c * 2 + r]) return [c, r];
      }
    }
    return null;
  };
  list.forEach((o, i) => {
    const span = spans[i];
    let at = fit(span);
    if (!at) {
      pages.push(cur);
      cur = [];
      used = new Array(cols * 2).fill(false);
      at = fit(span);
    }
    const [col, row] = at;
    used[col * 2 + row] = true;
    if (span === 2) used[col * 2 + 1] = true;
    cur.push({ order: o, col, row, span });
  });
  pages.push(cur);
  return pages;
}

const measurer = (() => {
  let box = null;
  return () => {
    if (!box) {
      box = h('div', { class: 'measure', 'aria-hidden': 'true' });
      document.body.append(box);
    }
    return box;
  };
})();

/** Natural heights of the tickets at the given column width and type scale. */
function measure(list, width, scale) {
  const box = measurer();
  box.style.width = width + 'px';
  box.style.setProperty('--scale', String(scale));
  box.replaceChildren(...list.map((o, i) => renderTicket(o, i)));
  const heights = [...box.children].map((el) => /** @type {HTMLElement} */ (el).offsetHeight);
  box.replaceChildren();
  return heights;
}

// Even a whole column may not hold a very long ticket: then its type
// shrinks step by step, and only past that does "more" show.
function fitTickets(grid) {
  for (const t of grid.querySelectorAll('.ticket')) {
    const items = t.querySelector('.t-items');
    let scale = Number(t.dataset.scale) || 1;
    t.style.setProperty('--scale', String(scale));
    while (items.scrollHeight > items.clientHeight + 1 && scale > 0.6) {
      scale = Math.round((scale - 0.06) * 100) / 100;
      t.style.setProperty('--scale', String(scale));
    }
    t.querySelector('.t-more').hidden = !(items.scrollHeight > items.clientHeight + 1);
  }
}

let frame = 0;
// While a finger or the mouse is down the board is not redrawn: a ticket
// replaced between press and release would swallow the tap. It waits for
// the release (or 1.5 s, should a release get lost).
let pressedAt = 0;
let deferred = false;
addEventListener('pointerdown', () => (pressedAt = Date.now()), true);
for (const type of ['pointerup', 'pointercancel']) {
  addEventListener(type, () => {
    pressedAt = 0;
    if (deferred) {
      deferred = false;
      schedule();
    }
  }, true);
}

function schedule() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (pressedAt && Date.now() - pressedAt < 1500) {
      deferred = true;
      setTimeout(schedule, 1500 - (Date.now() - pressedAt));
      return;
    }
    render();
  });
}

function tick() {
  const t = now();
  for (const el of document.querySelectorAll('.t-timer')) {
    const age = t - Date.parse(el.dataset.since);
    el.textContent = fmtAge(age);
    const ticket = el.closest('.ticket');
    const cls = ageClass(age);
    if (!ticket.classList.contains(cls)) {
      ticket.classList.remove('age-ok', 'age-warn', 'age-late');
      ticket.classList.add(cls);
    }
  }
  for (const el of document.querySelectorAll('.chip-age')) el.textContent = fmtAge(t - Date.parse(el.dataset.since));
  $('clock').textContent = new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  renderConn();
}

function renderConn() {
  const el = $('conn');
  const banner = $('banner');
  const dur = fmtAge(Date.now() - connSince.getTime());
  el.className = 'conn conn-' + connState;
  el.dataset.state = connState;
  if (connState === 'connected') {
    $('conn-text').textContent = 'Live';
    banner.hidden = true;
  } else if (connState === 'connecting') {
    $('conn-text').textContent = 'Connecting…';
    banner.hidden = true;
  } else if (connState === 'reconnecting') {
    $('conn-text').textContent = `Reconnecting ${dur}`;
    banner.className = 'banner banner-reconnecting';
    banner.textContent = `Connection lost ${dur} ago. Reconnecting… tickets may be out of date.`;
    banner.hidden = false;
  } else {
    $('conn-text').textContent = `Offline ${dur}`;
    banner.className = 'banner banner-offline';
    banner.textContent = `OFFLINE for ${dur}: new tickets will NOT appear. Check the network and the box.`;
    banner.hidden = false;
  }
}

// ---- selection and keys -------------------------------------------------------

function pageList() {
  const list = gridOrders().filter((o) => o.status !== 'cancelled');
  return list;
}

function select(id) {
  if (selectedId !== id) cursorLine = -1;
  selectedId = id;
  schedule();
}

function selectedOrFirst() {
  if (selectedId !== null && current(selectedId) && isTicket(current(selectedId))) return selectedId;
  const list = shownPage.filter((o) => o.status !== 'cancelled');
  return list.length ? list[0].id : null;
}

function onKey(e) {
  if (e.target instanceof HTMLInputElement || $('settings').open) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const list = pageList();
  const onPage = shownPage;
  const key = e.key;
  let handled = true;
  if (/^[0-9]$/.test(key)) {
    const n = key === '0' ? 10 : Number(key);
    const o = onPage[n - 1];
    if (o && o.status !== 'cancelled') select(o.id);
  } else if (key === 'ArrowRight' || key === 'ArrowLeft') {
    if (list.length) {
      const at = list.findIndex((o) => o.id === selectedId);
      const step = key === 'ArrowRight' ? 1 : -1;
      const first = list.findIndex((o) => o.id === shownPage[0]?.id);
      const next = at < 0 ? (step > 0 ? Math.max(0, first) : list.length - 1) : (at + step + list.length) % list.length;
      select(list[next].id);
    }
  } else if (key === 'ArrowDown' || key === 'ArrowUp') {
    const id = selectedOrFirst();
    const o = id !== null && current(id);
    if (o) {
      const n = stationLines(o).length;
      if (selectedId !== id) select(id);
      cursorLine = key === 'ArrowDown' ? (cursorLine + 1) % n : cursorLine <= 0 ? n - 1 : cursorLine - 1;
      schedule();
    }
  } else if (key === 'x' || key === 'X' || key === '.') {
    const id = selectedOrFirst();
    const o = id !== null && current(id);
    if (o) {
      const lines = stationLines(o);
      const line = lines[cursorLine >= 0 ? cursorLine : lines.findIndex((i) => !i.done)];
      if (line) toggleLine(id, line.id);
    }
  } else if (key === 's' || key === 'S') {
    const id = selectedOrFirst();
    if (id !== null) start(id);
  } else if (key === 'Enter' || key === 'b' || key === 'B') {
    const id = selectedOrFirst();
    if (id !== null) bump(id);
  } else if (key === 'r' || key === 'R') {
    const id = recallTarget();
    if (id !== null) recall(id);
  } else if (key === 'z' || key === 'Z' || key === 'u' || key === 'U') {
    undoCross();
  } else if (key === 'PageDown') {
    page++;
    selectedId = null;
    schedule();
  } else if (key === 'PageUp') {
    page = Math.max(0, page - 1);
    selectedId = null;
    schedule();
  } else if (key === 'Escape') {
    selectedId = null;
    cursorLine = -1;
    schedule();
  } else handled = false;
  if (handled) e.preventDefault();
}

// ---- sound ------------------------------------------------------------------

// Browsers keep audio muted until the page gets a first tap or key; the page
// asks for that tap once, in plain words, and stops asking when it has it.
const sound = (() => {
  /** @type {AudioContext|null} */
  let ctx = null;
  const Ctx = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;

  function ensure() {
    if (!Ctx) return null;
    if (!ctx) {
      try {
        ctx = new Ctx();
      } catch {
        return null;
      }
    }
    return ctx;
  }

  function unlocked() {
    return Boolean(ctx && ctx.state === 'running');
  }

  function showAsk() {
    $('sound-ask').hidden = !Ctx || unlocked();
    document.body.dataset.sound = unlocked() ? 'on' : 'off';
  }

  function unlock() {
    const c = ensure();
    if (!c) return;
    c.resume().then(showAsk, showAsk);
    // A silent blip actually starts output on Safari-like browsers.
    tone(0, 0.01, 440, 0.0001);
  }

  function tone(at, dur, freq, vol = 0.25) {
    const c = ensure();
    if (!c || c.state !== 'running') return;
    const t = c.currentTime + at;
    const osc = c.createOscillator();
    const gain = c.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(freq, t);
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(vol, t + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + dur);
    osc.connect(gain).connect(c.destination);
    osc.start(t);
    osc.stop(t + dur + 0.05);
  }

  return {
    init() {
      ensure();
      showAsk();
      const onFirst = () => {
        unlock();
        if (unlocked()) {
          removeEventListener('pointerdown', onFirst, true);
          removeEventListener('keydown', onFirst, true);
        }
      };
      addEventListener('pointerdown', onFirst, true);
      addEventListener('keydown', onFirst, true);
      $('sound-ask').addEventListener('click', () => {
        unlock();
        setTimeout(() => {
          showAsk();
          if (unlocked()) tone(0, 0.15, 880);
        }, 50);
      });
      if (ctx) ctx.onstatechange = showAsk;
    },
    newTicket() {
      // Counted even while muted, so a test (or a curious manager) can see
      // the page meant to ring.
      document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
      tone(0, 0.18, 880);
      tone(0.22, 0.18, 1175);
    },
    cancelled() {
      tone(0, 0.25, 523);
      tone(0.28, 0.4, 330);
    },
  };
})();

// ---- sign-in and start ----------------------------------------------------------

function tokenUsable(tok) {
  const c = jwtClaims(tok);
  return Boolean(c && (c.role === 'chef' || c.role === 'admin') && (!c.exp || c.exp * 1000 > Date.now() + 5000));
}

function showLogin(msg) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-msg').textContent = msg || '';
  $('login-user').focus();
}

function signedOut(msg) {
  session.clear(APP);
  if (rt) {
    rt.close();
    rt = null;
  }
  showLogin(msg);
}

async function onLogin(e) {
  e.preventDefault();
  const btn = /** @type {HTMLButtonElement} */ ($('login-submit'));
  btn.disabled = true;
  $('login-msg').textContent = '';
  try {
    const res = await api('POST', '/api/auth/login', {
      body: { username: /** @type {HTMLInputElement} */ ($('login-user')).value.trim(), password: /** @type {HTMLInputElement} */ ($('login-pass')).value },
    });
    if (!res.user || (res.user.role !== 'chef' && res.user.role !== 'admin')) {
      $('login-msg').textContent = 'This screen is for the kitchen: sign in as a chef or the manager.';
      return;
    }
    session.set(APP, res.token);
    try {
      localStorage.setItem('rms.kds.username', res.user.username);
    } catch {
      // Cosmetic only.
    }
    /** @type {HTMLInputElement} */ ($('login-pass')).value = '';
    await startApp();
  } catch (err) {
    const msg =
      err instanceof ApiError
        ? err.status === 401
          ? 'Wrong username or password.'
          : err.status === 429
            ? 'Too many attempts. Wait a few minutes and try again.'
            : err.status === 0
              ? 'The box cannot be reached. Check the network.'
              : err.message
        : String(err);
    $('login-msg').textContent = msg;
  } finally {
    btn.disabled = false;
  }
}

async function startApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  loaded = false;
  schedule();
  if (rt) rt.close();
  rt = connect({ token: () => session.get(APP), refresh: refreshToken });
  rt.onState((s, { since }) => {
    connState = s;
    connSince = since;
    renderConn();
  });
  rt.onAuthError((code) => signedOut(code === 4403 ? 'This account was signed out by the manager.' : 'Your session ended. Please sign in again.'));
  for (const ev of ['order:created', 'order:updated', 'order:cancelled']) {
    rt.on(ev, (o, meta) => applyOrder(o, meta.seq, ev));
  }
  rt.on('menu:updated', (it) => {
    if (it && !it.deleted) menuItems.set(it.id, { name: it.name, allergens: it.allergens || [] });
    schedule();
  });
  rt.onResync('kds', (room, { epochChanged }) => {
    // Seqs of a vanished log guard nothing: the reload replaces every ticket.
    if (epochChanged) for (const entry of orders.values()) entry.seq = 0;
    reloadRoom('kds');
  });
  rt.onResync('menu', () => reloadRoom('menu'));
  syncClock();
  loadSettings();
  loadTables();
  await Promise.all([
    retrying(loadMenu).then((seq) => rt && rt.subscribe('menu', { since: seq })),
    retrying(loadOrders).then((seq) => rt && rt.subscribe('kds', { since: seq })),
  ]);
}

async function reloadRoom(room) {
  const seq = await retrying(room === 'kds' ? loadOrders : loadMenu);
  if (rt) rt.subscribe(room, { since: seq });
}

// A kitchen screen never gives up: a failed load is tried again until the
// box answers (or the session is gone).
async function retrying(fn) {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 10000)) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) throw err;
      console.warn('kds: load failed, retrying', err);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function initSettings() {
  const dlg = /** @type {HTMLDialogElement} */ ($('settings'));
  $('settings-open').addEventListener('click', () => {
    /** @type {HTMLInputElement} */ ($('set-warn')).value = String(prefs.warn);
    /** @type {HTMLInputElement} */ ($('set-late')).value = String(prefs.late);
    let who = '';
    try {
      who = localStorage.getItem('rms.kds.username') || '';
    } catch {
      // Cosmetic only.
    }
    const role = jwtClaims(session.get(APP))?.role || '';
    $('settings-user').textContent = who ? `Signed in as ${who} (${role})` : '';
    dlg.showModal();
  });
  dlg.addEventListener('close', () => {
    if (dlg.returnValue !== 'save') return;
    const warn = Number(/** @type {HTMLInputElement} */ ($('set-warn')).value);
    let late = Number(/** @type {HTMLInputElement} */ ($('set-late')).value);
    if (!(warn > 0) || !(late > 0)) return;
    if (late <= warn) late = warn + 1;
    prefs.save(warn, late);
    schedule();
    tick();
  });
  $('signout').addEventListener('click', () => {
    dlg.close();
    signedOut('');
  });
}

// The page is drawn for a 1080p screen. Many TV browsers report 1280x720
// (or 4K) instead: the whole page scales to fit rather than reflowing into
// something nobody designed.
function fitScreen() {
  const app = $('app');
  let z = Math.min(innerWidth / 1920, innerHeight / 1080);
  if (z > 0.97 && z < 1.03) z = 1;
  app.style.zoom = z === 1 ? '' : String(z);
  app.style.width = z === 1 ? '' : innerWidth / z + 'px';
  app.style.height = z === 1 ? '' : innerHeight / z + 'px';
}

function init() {
  fitScreen();
  addEventListener('resize', fitScreen);
  if (station) {
    $('station').hidden = false;
    $('station').textContent = station.toUpperCase();
    document.body.classList.add('has-station');
  }
  $('login-form').addEventListener('submit', onLogin);
  $('recall').addEventListener('click', () => {
    const id = recallTarget();
    if (id !== null) recall(id);
  });
  $('page-prev').addEventListener('click', () => {
    page = Math.max(0, page - 1);
    selectedId = null;
    schedule();
  });
  $('page-next').addEventListener('click', () => {
    page++;
    selectedId = null;
    schedule();
  });
  addEventListener('keydown', onKey);
  // The banners above the board come and go; the board re-lays itself out.
  new ResizeObserver(schedule).observe($('tickets'));
  initSettings();
  sound.init();
  setInterval(tick, 1000);
  setInterval(syncClock, 10 * 60 * 1000);
  tick();
  const tok = session.get(APP);
  if (tokenUsable(tok)) {
    startApp().catch(() => {});
  } else {
    session.clear(APP);
    showLogin('');
  }
}

init();
