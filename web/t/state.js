// The table app's state and small helpers. Everything the page knows lives
// in S; rendering reads only from there.
import { byId as $ } from '/lib/dom.js';
import { formatMoney } from '/lib/api.js';
import { i18n } from '/lib/i18n.js';
import { Live } from '/lib/live.js';
import { toaster } from '/lib/toast.js';

export const APP = 'table';

export const CART_KEY = 'rms.table.cart';

export const OUTBOX_KEY = 'rms.table.outbox';

export const MAX_QTY = 99;

export const NOTE_MAX = 200;

// Finished orders (paid, cancelled) stay on screen this long, so guests see
// a cancellation's reason or their settled bill, and the next party does not.
export const RECENT_MS = 3 * 60 * 60 * 1000;

export const LANG_KEY = 'rms.table.lang';

/** The app's own words, from the message files in /t/i18n/. */
export const words = i18n('/t/i18n', ['en', 'it', 'de', 'fr', 'es']);

/** t is the app's word for key in the guests' language. */
export const t = (key, vars) => words.t(key, vars);

export const STEPS = ['pending', 'confirmed', 'preparing', 'ready', 'served'];

/** statusLabel names an order status for guests. */
export const statusLabel = (status) => t('st_' + status);

/** tr is a menu row's field (name, description) in the guests' language. */
export function tr(row, field = 'name') {
  if (!row) return '';
  const x = row.translations && row.translations[S.lang];
  return (x && x[field]) || row[field] || '';
}

/** optionName names an order line's choice in the guests' language, from the menu when it still has it. */
export function optionName(itemId, mod) {
  const it = S.items.get(itemId);
  for (const g of (it && it.modifier_groups) || []) {
    const o = g.options.find((x) => x.id === mod.option_id);
    if (o) return tr(o);
  }
  return mod.name;
}

/** unitPrice is an item's price with the chosen options' deltas. */
export function unitPrice(it, mods) {
  let p = it.price_cents;
  const chosen = new Set(mods || []);
  for (const g of it.modifier_groups || []) for (const o of g.options) if (chosen.has(o.id)) p += o.price_delta_cents;
  return p;
}

export const ACTIVE = new Set(['pending', 'confirmed', 'preparing', 'ready', 'served']);

/** Everything the page knows; rendering reads only from here. */
export const S = {
  token: null,
  tableId: 0,
  settings: { restaurant_name: '', currency: 'EUR', tax_rate_bp: 0, prices_include_tax: true, timezone: '', languages: ['en'] },
  lang: 'en', // the guests' language: the menu's and, where it has a file, the app's words
  menuChangesAt: 0, // when a category opens or closes next (ms), to load the menu again
  table: null,
  categories: [], // [{id, name, position, items: [item]}], sorted
  items: new Map(), // id -> item
  orders: new Live(), // id -> order, merged from REST and events by seq
  cart: null, // {table_id, key, lines: [{menu_item_id, quantity, notes, modifiers: [option id]}], notes}
  outbox: null, // {table_id, key, body, state: 'sending'|'waiting'}
  rt: null,
  conn: 'connecting',
  connSince: new Date(),
  restDown: false,
  loaded: false,
  view: 'cart',
  sheet: null, // {kind: 'item', id} | {kind: 'bill'} | {kind: 'allergy'}
  avoid: new Set(), // allergens (of the EU list) the guests filter out
  sideOpen: false, // the cart drawer, when the screen is too narrow for a side cart
  bill: null,
  busy: new Set(), // request kinds in flight
  armed: 0, // the order whose cancel button waits for a second tap
  cancelling: new Set(), // orders the guests cancelled from this iPad
  gen: 0, // bumped on every (re)start, so work of a dead session stops
};

/** money formats minor units in the restaurant's currency. */
export function money(cents) {
  return formatMoney(cents, S.settings.currency);
}

let timeFmt = null;

/** resetClock forgets the time format after the settings (time zone) changed. */
export function resetClock() {
  timeFmt = null;
}

/** clock shows a time of day in the restaurant's time zone. */
export function clock(iso) {
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

export function ms(iso) {
  const t = Date.parse(iso);
  return isNaN(t) ? 0 : t;
}

export function load(key) {
  try {
    const v = localStorage.getItem(key);
    return v ? JSON.parse(v) : null;
  } catch {
    return null;
  }
}

export function store(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // A full or disabled storage only costs persistence across reloads.
  }
}

/** toast shows a short message over the menu; the latest two stay. */
export const toast = toaster({
  box: () => $('toasts'),
  // A burst of news must not bury the menu: only the latest few stay.
  max: 2,
  className: (kind) => 'toast toast-' + kind,
  ttl: () => 4500,
  fade: true,
  kind: 'info',
});

/** icon draws one of the app's few SVG icons. */
export function icon(name) {
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

export function byPosition(a, b) {
  return (a.position || 0) - (b.position || 0) || a.id - b.id;
}

/** The table's name as guests read it: "Table 4" for a bare number or "T4". */
export function tableLabel() {
  const name = S.table && S.table.name ? String(S.table.name).trim() : '';
  if (!name) return S.tableId ? t('table_n', { n: S.tableId }) : '';
  const m = /^t?\s*(\d+)$/i.exec(name);
  return m ? t('table_n', { n: m[1] }) : name;
}
