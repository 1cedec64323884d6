// The kitchen display's state: the orders, the names it shows, what is on
// screen, and the rules that sort an order into the grid or the pass.
import { Live } from '/lib/live.js';

/** @typedef {import('/lib/realtime.js').Order} Order */

export const ACTIVE = new Set(['confirmed', 'preparing']);

export const DONE = new Set(['served', 'paid', 'cancelled']);

const params = new URLSearchParams(location.search);
/** The station this screen cooks for (?station=grill), or null for the whole kitchen. */
export const station = (params.get('station') || '').trim().toLowerCase() || null;

export const prefs = {
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

/**
 * The kitchen's orders, merged from REST and events by seq. Orders out of
 * the kitchen for good (served, paid, cancelled) keep only their seq, so a
 * screen left on for days does not grow without end.
 * @type {Live<Order>}
 */
export const orders = new Live((o) => !DONE.has(o.status));

/** @type {Map<number, string>} */
export const tableNames = new Map();

/** @type {Map<number, {name: string, allergens: string[]}>} */
export const menuItems = new Map();

/**
 * Cancelled tickets on screen until a cook acknowledges them (tap, or C /
 * Enter on the selected one): id -> {order, at}. Kept in localStorage, so
 * a reload of the TV does not make a cancellation vanish unseen.
 */
export const ghosts = new Map();
const GHOSTS_KEY = 'rms.kds.ghosts';
try {
  for (const g of JSON.parse(localStorage.getItem(GHOSTS_KEY) || '[]')) {
    if (g && g.order && typeof g.order.id === 'number') ghosts.set(g.order.id, g);
  }
} catch {
  // A damaged entry is dropped; nothing else depends on it.
}

/** keepGhosts saves the cancelled tickets still to acknowledge. */
export function keepGhosts() {
  try {
    localStorage.setItem(GHOSTS_KEY, JSON.stringify([...ghosts.values()]));
  } catch {
    // Storage full or off: they still stay on this page until acknowledged.
  }
}

/** id -> time until which a new ticket is highlighted. */
export const newUntil = new Map();

/** Orders bumped on this screen, newest last, for Recall. */
export const bumped = [];

/** The screen's changing state, in one place the modules share. */
export const S = {
  /** @type {{id: number, itemId: number}|null} the line crossed off last, for Undo */
  lastCross: null,
  /** @type {number|null} */
  selectedId: null,
  cursorLine: -1,
  page: 0,
  /** @type {Order[]} the tickets on the page now showing, in reading order */
  shownPage: [],
  /** @type {ReturnType<typeof import('/lib/realtime.js').connect>|null} */
  rt: null,
  loaded: false,
  clockOffset: 0, // server time minus local time, ms
  connState: 'connecting',
  connSince: new Date(),
  /** @type {import('/lib/printers.js').PrinterStates|null} the printers' live state */
  printers: null,
};

export const now = () => Date.now() + S.clockOffset;

export function stationLines(o) {
  return station ? o.items.filter((i) => (i.station || '').toLowerCase() === station) : o.items;
}

/** A ticket in the cooking grid. */
export function isTicket(o) {
  if (!ACTIVE.has(o.status)) return false;
  const lines = stationLines(o);
  if (!lines.length) return false;
  return !(station && lines.every((i) => i.done));
}

/** A ticket waiting at the pass (ready, or done at this station). */
export function isPass(o) {
  const lines = stationLines(o);
  if (!lines.length) return false;
  if (o.status === 'ready') return true;
  return Boolean(station) && ACTIVE.has(o.status) && lines.every((i) => i.done);
}

export const current = (id) => orders.get(id);

export const byAge = (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id;

export function gridOrders() {
  const list = [];
  for (const [id, until] of newUntil) if (until <= Date.now()) newUntil.delete(id);
  for (const order of orders.values()) if (isTicket(order) && !ghosts.has(order.id)) list.push(order);
  for (const g of ghosts.values()) list.push(g.order);
  return list.sort(byAge);
}

export function passOrders() {
  const list = [];
  for (const order of orders.values()) if (isPass(order)) list.push(order);
  const ts = (o) => Date.parse(o.status_changed_at || o.updated_at);
  return list.sort((a, b) => ts(b) - ts(a) || b.id - a.id);
}

export const tableName = (id) => tableNames.get(id) || `Table ${id}`;

/** The ticket Recall brings back: the last bumped here, else the newest at the pass. */
export function recallTarget() {
  for (let i = bumped.length - 1; i >= 0; i--) {
    const o = current(bumped[i]);
    if (o && isPass(o)) return o.id;
  }
  const pass = passOrders();
  return pass.length ? pass[0].id : null;
}
