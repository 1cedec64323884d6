// The staff app's live picture of the restaurant: tables, active orders,
// the menu and the settings, loaded over REST and kept current from the
// WebSocket rooms. Views read from here and listen for 'tables', 'orders',
// 'menu', 'settings' and 'payment' changes instead of fetching themselves.
import { listOf } from '/lib/api.js';
import { connect } from '/lib/realtime.js';
import { Live } from '/lib/live.js';
import { PrinterStates } from '/lib/printers.js';
import { chime } from './sound.js';

// Orders leave the active list when they reach one of these.
const DONE = new Set(['paid', 'cancelled']);

export { listOf as list };

/** Data is the shared state of one signed-in session. */
export class Data extends EventTarget {
  /**
   * @param {{call: Function, token: () => string, refresh: () => Promise<string>, onAuthError: Function}} opts
   */
  constructor({ call, token, refresh, onAuthError }) {
    super();
    this.call = call;
    /** Tables and active orders, merged from REST and events by seq. */
    this.tables = new Live((t) => !t.deleted);
    this.orders = new Live((o) => !DONE.has(o.status));
    this.menu = { categories: [] };
    this.settings = { currency: 'EUR', restaurant_name: 'Restaurant', tax_rate_bp: 0, timezone: 'UTC' };
    /** Orders that already played the chime, so a replay never rings twice. */
    this.chimed = new Set();
    /** Order ids that arrived live while pending: the list highlights them. */
    this.fresh = new Set();
    /** Which lists have loaded once, so views can tell "loading" from "empty". */
    this.loaded = { tables: false, orders: false, menu: false, settings: false };
    this.state = 'connecting';
    this.stateSince = new Date();
    this.rt = connect({ token, refresh });
    this.rt.onState((state, info) => {
      this.state = state;
      this.stateSince = info?.since || new Date();
      this.emit('connection');
    });
    this.rt.onAuthError(onAuthError);
    // After an epoch change the seqs held name a log that is gone.
    const reload = (live, load) => (room, { epochChanged }) => {
      if (epochChanged) live.forgetSeqs();
      load().catch((e) => this.fail(e));
    };
    this.rt.onResync('orders', reload(this.orders, () => this.loadOrders()));
    this.rt.onResync('tables', reload(this.tables, () => this.loadTables()));
    this.rt.onResync('menu', () => this.loadMenu().catch((e) => this.fail(e)));
    this.rt.on('order:created', (o, meta) => this.putOrder(o, meta.seq, true));
    this.rt.on('order:updated', (o, meta) => this.putOrder(o, meta.seq, false));
    this.rt.on('order:cancelled', (o, meta) => this.putOrder(o, meta.seq, false));
    this.rt.on('table:updated', (t, meta) => this.putTable(t, meta.seq));
    this.rt.on('menu:updated', (it) => this.putItem(it));
    this.rt.on('payment:completed', (p) => this.emit('payment', p));
    /** The printers' live state; an offline one is shown on every view. */
    this.printers = new PrinterStates({ call, rt: this.rt, onChange: (p) => this.emit('printers', p) });
    this.rt.onResync('orders', (room, { epochChanged }) => {
      if (epochChanged) this.printers.live.forgetSeqs();
      this.printers.load().catch((e) => this.fail(e));
    });
  }

  /** start loads everything, then subscribes from the loaded seq so nothing is missed. */
  async start() {
    const [settings, tablesSeq, ordersSeq, menuSeq] = await Promise.all([
      this.call('GET', '/api/settings'),
      this.loadTables(),
      this.loadOrders(true),
      this.loadMenu(),
      // Their events come in the orders room, merged by seq like the orders.
      this.printers.load(),
    ]);
    this.setSettings(settings);
    this.rt.subscribe('tables', seqOpt(tablesSeq));
    this.rt.subscribe('orders', seqOpt(ordersSeq));
    this.rt.subscribe('menu', seqOpt(menuSeq));
  }

  /** close drops the socket; the object is unusable afterwards. */
  close() {
    this.rt.close();
  }

  emit(kind, detail) {
    this.dispatchEvent(new CustomEvent(kind, { detail }));
  }

  /** on listens for one kind of change and returns the function that stops listening. */
  on(kind, fn) {
    const h = (e) => fn(e.detail);
    this.addEventListener(kind, h);
    return () => this.removeEventListener(kind, h);
  }

  fail(err) {
    this.emit('error', err);
  }

  setSettings(s) {
    this.settings = { ...this.settings, ...s };
    this.loaded.settings = true;
    this.emit('settings');
  }

  get currency() {
    return this.settings.currency || 'EUR';
  }

  async loadTables() {
    const body = await this.call('GET', '/api/tables');
    this.tables.snapshot(listOf(body, 'tables'), body?.seq);
    this.loaded.tables = true;
    this.emit('tables');
    return body?.seq;
  }

  async loadOrders(initial = false) {
    const body = await this.call('GET', '/api/orders?active=true');
    const all = listOf(body, 'orders');
    for (const o of all) {
      if (DONE.has(o.status)) continue;
      // After a reconnect that needed a full reload, a pending order we had
      // never seen is as new as one pushed live.
      if (o.status === 'pending' && !initial && !this.orders.has(o.id)) this.ring(o);
      if (initial) this.chimed.add(o.id);
    }
    this.orders.snapshot(all, body?.seq);
    this.loaded.orders = true;
    this.emit('orders');
    return body?.seq;
  }

  async loadMenu() {
    const body = await this.call('GET', '/api/menu');
    this.menu = { categories: listOf(body, 'categories') };
    for (const c of this.menu.categories) c.items ??= [];
    this.sortMenu();
    this.loaded.menu = true;
    this.emit('menu');
    return body?.seq;
  }

  sortMenu() {
    const byPos = (a, b) => (a.position ?? 0) - (b.position ?? 0) || a.name.localeCompare(b.name);
    this.menu.categories.sort(byPos);
    for (const c of this.menu.categories) c.items.sort(byPos);
  }

  putOrder(o, seq, created) {
    if (!o || o.id == null) return;
    const old = this.orders.get(o.id);
    // An event replayed after a REST load can be older than what we hold.
    if (!this.orders.put(o, seq)) return;
    if (DONE.has(o.status)) {
      this.fresh.delete(o.id);
    } else {
      if (o.status === 'pending' && (created || !old)) this.ring(o);
      if (o.status !== 'pending') this.fresh.delete(o.id);
    }
    this.emit('orders', o);
  }

  ring(o) {
    if (this.chimed.has(o.id)) return;
    this.chimed.add(o.id);
    this.fresh.add(o.id);
    // The glow says "new"; after a minute the pending colour says enough.
    setTimeout(() => {
      if (this.fresh.delete(o.id)) this.emit('orders');
    }, 60e3);
    chime();
    this.emit('new-order', o);
  }

  putTable(t, seq) {
    if (!t || t.id == null) return;
    if (!this.tables.put(t, seq)) return;
    this.emit('tables', t);
  }

  putItem(it) {
    if (!it || it.id == null) return;
    let owner = null;
    for (const c of this.menu.categories) {
      const i = c.items.findIndex((x) => x.id === it.id);
      if (i >= 0) {
        owner = c;
        c.items.splice(i, 1);
      }
    }
    if (!it.deleted) {
      const cat = this.menu.categories.find((c) => c.id === it.category_id);
      if (!cat) {
        // A category we do not know yet: categories emit no event, so reload.
        this.loadMenu().catch((e) => this.fail(e));
        return;
      }
      cat.items.push(it);
      owner = cat;
    }
    if (owner) this.sortMenu();
    this.emit('menu', it);
  }

  /** ordersOf lists a table's active orders, oldest first. */
  ordersOf(tableId) {
    return [...this.orders.values()].filter((o) => o.table_id === tableId).sort(byCreated);
  }

  /** pendingCount is how many orders wait for a waiter to confirm them. */
  pendingCount() {
    let n = 0;
    for (const o of this.orders.values()) if (o.status === 'pending') n++;
    return n;
  }

  /** item finds a menu item by id (for names in carts). */
  item(id) {
    for (const c of this.menu.categories) {
      const it = c.items.find((x) => x.id === id);
      if (it) return it;
    }
    return null;
  }

  /** tableName names a table; an order's own table_name covers a deleted one. */
  tableName(id, order) {
    return this.tables.get(id)?.name ?? order?.table_name ?? `Table ${id}`;
  }
}

/** byCreated orders by creation time, then id. */
export function byCreated(a, b) {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;
}

function seqOpt(seq) {
  return Number.isFinite(seq) ? { since: seq } : undefined;
}
