// The kitchen's data: loading over REST (with the chef's token kept
// fresh), and applying order events and REST answers to the tickets.
import { ApiError, listOf, retry } from '/lib/api.js';
import { staffSession } from '/lib/auth.js';
import { byId as $ } from '/lib/dom.js';
import { DONE, S, orders, tableNames, keepItem, setDefaultStations, stations, ghosts, keepGhosts, newUntil, isTicket, isPass, courseNames } from './state.js';
import { schedule } from './board.js';
import { sound } from './sound.js';

const NEW_FLASH_MS = 6000;
const ACTIVE_KITCHEN = new Set(['confirmed', 'preparing', 'ready']);
// A cancellation nobody acknowledged sounds again this often.
const CANCEL_REMIND_MS = 30000;
let remindTimer = 0;

/** remindGhosts sounds the cancel tone again while any is unacknowledged. */
export function remindGhosts() {
  clearTimeout(remindTimer);
  if (!ghosts.size) return;
  remindTimer = setTimeout(() => {
    if (!ghosts.size) return;
    sound.cancelled();
    remindGhosts();
  }, CANCEL_REMIND_MS);
}

let onEnded = () => {};
/** The chef's session: the shared sign-in and token policy of lib/auth.js. */
export const auth = staffSession('kds', { onEnded: () => onEnded() });
/** whenEnded sets what happens when the session dies (back to sign-in). */
export function whenEnded(fn) {
  onEnded = fn;
}
const call = auth.call;

export async function loadOrders() {
  const res = await call('GET', '/api/orders?active=true');
  const seq = typeof res.seq === 'number' ? res.seq : 0;
  const list = listOf(res, 'orders');
  // An event newer than this snapshot already told us more: it stays.
  orders.snapshot(list, seq);
  if (list.some((o) => !tableNames.has(o.table_id))) loadTablesSoon();
  S.loaded = true;
  // Cancellations kept from before a reload keep reminding.
  remindGhosts();
  schedule();
  return seq;
}

export async function loadTables() {
  try {
    const res = await call('GET', '/api/tables');
    for (const t of listOf(res, 'tables')) tableNames.set(t.id, t.name);
    schedule();
  } catch (err) {
    console.warn('kds: tables', err);
  }
}

export async function loadMenu() {
  const res = await call('GET', '/api/menu');
  for (const c of (res && res.categories) || []) {
    for (const it of c.items || []) keepItem(it);
  }
  schedule();
  return typeof res.seq === 'number' ? res.seq : undefined;
}

/**
 * loadSettings reads the course names, the title and, for a screen opened
 * without ?station=, the stations it shows (kds_stations): the board waits
 * for them, so a drink never flashes on the kitchen's screen.
 */
export async function loadSettings() {
  const s = await call('GET', '/api/settings');
  if (s && Array.isArray(s.courses)) courseNames.splice(0, courseNames.length, ...s.courses);
  if (s) setDefaultStations(s.kds_stations || []);
  if (s && s.restaurant_name) {
    // The bar's screen is not the kitchen's: the title names what it shows.
    const shown = [...stations].map((x) => x.charAt(0).toUpperCase() + x.slice(1)).join(' · ') || 'Kitchen';
    $('title').textContent = s.restaurant_name + ' · ' + shown;
    document.title = s.restaurant_name + ' · ' + shown;
  }
  showStations();
  schedule();
}

/** showStations names the screen's stations in the header. */
export function showStations() {
  const names = [...stations].map((x) => x.toUpperCase()).join(' · ');
  $('station').hidden = !names;
  $('station').textContent = names;
  document.body.classList.toggle('has-station', Boolean(names));
}

// The TV's clock may be minutes off; ticket ages must use the box's time.
export async function syncClock() {
  try {
    const t0 = Date.now();
    const res = await fetch('/healthz', { cache: 'no-store' });
    const t1 = Date.now();
    const date = res.headers.get('Date');
    if (date) {
      const server = Date.parse(date) + 500; // Date has whole seconds
      S.clockOffset = server - (t0 + t1) / 2;
      if (Math.abs(S.clockOffset) < 1500) S.clockOffset = 0;
    }
  } catch {
    // Keep the last offset.
  }
}

export function applyOrder(o, seq, event) {
  if (!o || typeof o.id !== 'number') return;
  const prev = orders.get(o.id);
  if (!orders.put(o, seq)) return;
  const wasShown = prev && (isTicket(prev) || isPass(prev));
  if (event === 'order:cancelled' || o.status === 'cancelled') {
    if (wasShown && !ghosts.has(o.id)) {
      // The lines as the cook last saw them, with the reason.
      ghosts.set(o.id, { order: { ...prev, status: 'cancelled', cancel_reason: o.cancel_reason }, at: Date.now() });
      keepGhosts();
      sound.cancelled();
      remindGhosts();
    }
  } else if (isTicket(o) && (!prev || prev.status === 'pending') && S.loaded) {
    newUntil.set(o.id, Date.now() + NEW_FLASH_MS);
    sound.newTicket();
    setTimeout(schedule, NEW_FLASH_MS + 50);
  } else if (prev && S.loaded && ACTIVE_KITCHEN.has(o.status)) {
    // A course fired (or fired again) arrives as a new ticket, with sound.
    const before = new Map(prev.items.map((i) => [i.id, i.fired_at]));
    const fired = new Set(o.items.filter((i) => i.fired_at && i.quantity > 0 && before.has(i.id) && before.get(i.id) !== i.fired_at).map((i) => i.fired_at));
    for (const at of fired) newUntil.set(`${o.id}:${at}`, Date.now() + NEW_FLASH_MS);
    if (fired.size) {
      sound.newTicket();
      setTimeout(schedule, NEW_FLASH_MS + 50);
    }
  }
  if (!DONE.has(o.status) && !tableNames.has(o.table_id)) loadTablesSoon();
  schedule();
}

let tablesTimer = 0;
export function loadTablesSoon() {
  clearTimeout(tablesTimer);
  tablesTimer = setTimeout(loadTables, 200);
}

// A REST answer is applied at once so the tap feels instant; the hub's event
// with its seq follows and confirms it on every screen.
export function applyFromRest(res) {
  if (res && Array.isArray(res.items) && typeof res.id === 'number') {
    // Without a seq it keeps the one it had: the event still applies.
    applyOrder(res, undefined, res.status === 'cancelled' ? 'order:cancelled' : 'order:updated');
  }
}

// A kitchen screen never gives up: a failed load is tried again until the
// box answers (or the session is gone).
export function retrying(fn) {
  return retry(fn, {
    giveUp: (err) => err instanceof ApiError && (err.status === 401 || err.status === 403),
    onRetry: (err) => console.warn('kds: load failed, retrying', err),
  });
}
