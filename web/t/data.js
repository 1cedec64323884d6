// The table app's data over REST: settings, menu, the table, its orders and
// bill, loaded with the table's token and retried while the box is away.
import { byId as $ } from '/lib/dom.js';
import { api, ApiError, listOf, retry } from '/lib/api.js';
import { pruneCart } from './cart.js';
import { renderAll, renderConn, renderTable, setLang } from './header.js';
import { renderMenu } from './menu.js';
import { renderOrders } from './orders.js';
import { flushOutbox } from './outbox.js';
import { revoked } from './pair.js';
import { renderSheet } from './sheet.js';
import { renderSide } from './side.js';
import { LANG_KEY, RECENT_MS, S, load, resetClock, byPosition, t } from './state.js';

/** Calls the API with the table token; a dead token sends the iPad back to pairing. */
export async function call(method, path, opts = {}) {
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

export async function loadSettings() {
  const s = await call('GET', '/api/settings');
  S.settings = { ...S.settings, ...s };
  resetClock();
  $('restaurant-name').textContent = S.settings.restaurant_name || '';
  document.title = S.settings.restaurant_name ? S.settings.restaurant_name + ' — Menu' : 'Menu';
  const meta = document.querySelector('meta[name="apple-mobile-web-app-title"]');
  if (meta && S.settings.restaurant_name) meta.setAttribute('content', S.settings.restaurant_name);
  if (!Array.isArray(S.settings.languages) || !S.settings.languages.length) S.settings.languages = ['en'];
  const saved = load(LANG_KEY);
  await setLang(saved && S.settings.languages.includes(saved) ? saved : S.settings.languages[0], !!saved);
}

let menuTimer = 0;

/** When a category opens or closes, the menu is loaded again then. */
function reloadMenuAt(iso) {
  clearTimeout(menuTimer);
  const at = iso ? Date.parse(iso) : NaN;
  if (isNaN(at)) return;
  // Timers are capped near 24.8 days; a day is plenty and re-arms itself.
  const wait = Math.min(Math.max(at - Date.now() + 1000, 1000), 86400000);
  menuTimer = setTimeout(() => loadMenu().catch(() => {}), wait);
}

export async function loadMenu() {
  // In the kitchen's language, with every translation: the page shows
  // the guests' language and switches without asking again.
  const res = await call('GET', '/api/menu');
  setMenu(listOf(res, 'categories'));
  reloadMenuAt(res.changes_at);
  renderMenu();
  pruneCart();
  renderSide();
  return res.seq;
}

export function setMenu(categories) {
  S.items.clear();
  S.categories = categories
    .map((c) => ({ ...c, items: (c.items || []).filter((i) => !i.deleted) }))
    .sort(byPosition);
  for (const c of S.categories) {
    c.items.sort(byPosition);
    for (const it of c.items) S.items.set(it.id, it);
  }
}

export async function loadTable() {
  S.table = await call('GET', '/api/tables/' + S.tableId);
  renderTable();
}

export async function loadOrders() {
  const since = new Date(Date.now() - RECENT_MS).toISOString().replace(/\.\d+Z$/, 'Z');
  const base = '/api/orders?table_id=' + S.tableId;
  const [active, recent] = await Promise.all([
    call('GET', base + '&active=true'),
    call('GET', base + '&since=' + encodeURIComponent(since)),
  ]);
  const all = new Map();
  for (const o of listOf(recent, 'orders')) all.set(o.id, o);
  for (const o of listOf(active, 'orders')) all.set(o.id, o);
  // The older of the two lists' seqs: the resume point misses nothing.
  const seqs = [active.seq, recent.seq].filter((n) => typeof n === 'number');
  const seq = seqs.length === 2 ? Math.min(...seqs) : undefined;
  S.orders.snapshot([...all.values()], seq);
  renderOrders();
  return seq;
}

export async function loadBill() {
  S.bill = await call('GET', '/api/tables/' + S.tableId + '/bill');
  if (S.sheet && S.sheet.kind === 'bill') renderSheet();
}

let billTimer = 0;

export function refreshBillSoon() {
  if (!S.sheet || S.sheet.kind !== 'bill') return;
  clearTimeout(billTimer);
  billTimer = setTimeout(() => loadBill().catch(() => {}), 150);
}

/** Loads everything over REST, retrying while the box is unreachable. */
export async function loadAll() {
  const gen = S.gen;
  const gone = () => !S.token || gen !== S.gen;
  try {
    await retry(
      async () => {
        if (gone()) return;
        await loadSettings();
        const [menuSeq, orderSeq] = await Promise.all([loadMenu(), loadOrders(), loadTable()]);
        if (gen !== S.gen || !S.rt) return;
        S.loaded = true;
        S.rt.subscribe('menu', menuSeq === undefined ? {} : { since: menuSeq });
        S.rt.subscribe('table', orderSeq === undefined ? { table_id: S.tableId } : { table_id: S.tableId, since: orderSeq });
        renderAll();
        flushOutbox();
      },
      { giveUp: (e) => !(e instanceof ApiError) || e.status === 401 || e.status === 403 || e.status === 404 || !S.token },
    );
  } catch (e) {
    if (!(e instanceof ApiError)) {
      console.error('table app: loading failed', e);
      return;
    }
    if (e.status === 401 || !S.token) return;
    if (e.status === 403 || e.status === 404) {
      revoked(t('table_gone'));
    }
  }
}
