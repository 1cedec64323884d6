// The kitchen display's state: the orders, the names it shows, what is on
// screen, and the rules that sort an order into the grid or the pass.
import { Live } from '/lib/live.js';

/** @typedef {import('/lib/realtime.js').Order} Order */

export const ACTIVE = new Set(['confirmed', 'preparing']);

export const DONE = new Set(['served', 'paid', 'cancelled']);

const params = new URLSearchParams(location.search);
/** The station asked for in the address (?station=grill), or null. */
export const stationParam = (params.get('station') || '').trim().toLowerCase() || null;

/**
 * The stations this screen cooks for: the one of ?station=, else the
 * settings' kds_stations (drinks belong to the bar's screen); none means
 * every station. A screen with stations works as a station screen: bump
 * crosses off its lines, the order turns ready when every station is done.
 */
export const stations = new Set(stationParam ? [stationParam] : []);

/** setDefaultStations takes the settings' stations, unless ?station= chose. */
export function setDefaultStations(list) {
  if (stationParam || !Array.isArray(list)) return;
  stations.clear();
  for (const s of list) if (typeof s === 'string' && s.trim()) stations.add(s.trim().toLowerCase());
}

/** atStation tells whether a line or printer of station name is this screen's. */
export const atStation = (name) => !stations.size || stations.has((name || '').toLowerCase());

/** A screen for some stations, not the whole kitchen. */
export const onStation = () => stations.size > 0;

/**
 * allHere tells whether every line of an order is cooked at this screen:
 * such an order is bumped as a whole (ready), as on a whole-kitchen screen.
 */
export const allHere = (o) => !onStation() || o.items.every((i) => !(i.quantity > 0) || atStation(i.station));

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

/**
 * The menu as the kitchen needs it, in the menu's order.
 * @type {Map<number, {id: number, name: string, allergens: string[], available: boolean, station: string, deleted: boolean}>}
 */
export const menuItems = new Map();

/** keepItem stores a menu item (from the menu or a menu:updated event). */
export function keepItem(it) {
  if (!it || typeof it.id !== 'number') return;
  const had = menuItems.get(it.id);
  // A deleted dish keeps its allergens for the tickets still showing it.
  if (it.deleted) {
    if (had) had.deleted = true;
    return;
  }
  menuItems.set(it.id, { id: it.id, name: it.name, allergens: it.allergens || [], available: it.available !== false, station: it.station || '', deleted: false });
}

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

/** The restaurant's course names (settings), for the tickets' labels. */
export const courseNames = [];

export const courseName = (n) => (n ? courseNames[n - 1] || `Course ${n}` : 'Now');

export function stationLines(o) {
  // A line voided to nothing is not cooked; a view already holds its own lines.
  const live = o._view ? o.items : o.items.filter((i) => i.quantity > 0);
  return onStation() ? live.filter((i) => atStation(i.station)) : live;
}

/**
 * ticketsOf splits an order into the kitchen's tickets: each fire (a
 * course sent when staff fired it, or fired again) is its own ticket,
 * aged from that moment, and each course still held is a "coming" ticket.
 * An order whose lines all went at once is one ticket, as before. A view
 * carries the order's fields with only its lines.
 */
export function ticketsOf(o) {
  const groups = new Map();
  for (const it of o.items) {
    if (!(it.quantity > 0)) continue;
    const k = it.fired_at || `held:${it.course || 0}`;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(it);
  }
  if (groups.size < 2) return [o];
  return [...groups.keys()].sort().map((k) => {
    const items = groups.get(k);
    const held = k.startsWith('held:');
    const courses = [...new Set(items.map((i) => i.course).filter(Boolean))].sort((a, b) => a - b);
    return { ...o, items, _view: true, _key: `${o.id}:${k}`, _course: courses[0] || 0, _courses: courses, _held: held, _firedAt: held ? null : k };
  });
}

/** A ticket (or a course of one) that the cooks work on now. */
function cooking(v) {
  if (!ACTIVE.has(v.status) || v._held) return false;
  const lines = stationLines(v);
  if (!lines.length) return false;
  // A course of a split order, like a station's share, leaves the grid
  // when its lines are done; the order turns ready when all of it is.
  return !((onStation() || v._view) && lines.every((i) => i.done));
}

/** A ticket in the cooking grid: the order has a fired course to cook. */
export function isTicket(o) {
  return ticketsOf(o).some(cooking);
}

/** A ticket waiting at the pass (ready, or done at this station). */
export function isPass(o) {
  const lines = stationLines(o);
  if (!lines.length) return false;
  if (o.status === 'ready') return true;
  return onStation() && ACTIVE.has(o.status) && lines.every((i) => i.done);
}

export const current = (id) => orders.get(id);

/** A ticket's age runs from when its course was fired (an order: created). */
export const startedAt = (o) => o._firedAt || o.created_at;

export const byAge = (a, b) => Date.parse(startedAt(a)) - Date.parse(startedAt(b)) || a.id - b.id || (a._course || 0) - (b._course || 0);

export function gridOrders() {
  const list = [];
  const coming = [];
  for (const [id, until] of newUntil) if (until <= Date.now()) newUntil.delete(id);
  for (const order of orders.values()) {
    if (ghosts.has(order.id) || !ACTIVE.has(order.status)) continue;
    for (const v of ticketsOf(order)) {
      if (cooking(v)) list.push(v);
      else if (v._held && stationLines(v).length) coming.push(v);
    }
  }
  for (const g of ghosts.values()) list.push(g.order);
  // Held courses come last: they are a heads-up, not work.
  return list.sort(byAge).concat(coming.sort(byAge));
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
