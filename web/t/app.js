// The table app: the menu, the cart, live order progress and the service
// buttons on the iPad at a table. Plain ES modules, no framework, so it stays
// quick on an old iPad. The page is served over plain HTTP on the LAN (not a
// secure context): no service worker, no crypto.randomUUID. This module
// starts the page and wires its fixed buttons; the others do one part each:
// state (S and helpers), pair (the pairing code), data (REST), live
// (events), cart and outbox (the guests' order until the box has it),
// header, menu, side (cart and send, a drawer on a portrait iPad), orders
// and sheet (item and bill), allergy (the allergen filter) and errors (what
// guests read when something fails).
import { byId as $ } from '/lib/dom.js';
import { session, jwtClaims, retry } from '/lib/api.js';
import { newCart, saveCart } from './cart.js';
import { loadAvoid, openAllergy } from './allergy.js';
import { loadAll } from './data.js';
import { renderAll, renderWords } from './header.js';
import { startRealtime } from './live.js';
import { fadeCats, spy } from './menu.js';
import { flushOutbox, askFor } from './outbox.js';
import { isCustomerToken, showPair, trade, bindPairForm } from './pair.js';
import { openBill, closeSheet } from './sheet.js';
import { closeSide, narrow, openSide, renderDrawer, setView, tapTab } from './side.js';
import { APP, CART_KEY, LANG_KEY, OUTBOX_KEY, S, load, words } from './state.js';

function bindApp() {
  $('btn-waiter').addEventListener('click', () => {
    if (!(S.table && S.table.open_request && S.table.open_request.kind === 'waiter')) askFor('waiter');
  });
  $('btn-bill').addEventListener('click', openBill);
  $('btn-next').addEventListener('click', () => {
    if (!(S.table && S.table.open_request && S.table.open_request.kind === 'next_course')) askFor('next_course');
  });
  $('tab-cart').addEventListener('click', () => tapTab('cart'));
  $('tab-orders').addEventListener('click', () => tapTab('orders'));
  $('side-toggle').addEventListener('click', () => (S.sideOpen && narrow() ? closeSide() : openSide()));
  $('side-scrim').addEventListener('click', closeSide);
  $('btn-allergy').addEventListener('click', openAllergy);
  $('scrim').addEventListener('click', closeSheet);
  $('menu').addEventListener('scroll', spy, { passive: true });
  $('cats').addEventListener('scroll', fadeCats, { passive: true });
  window.addEventListener('resize', () => {
    fadeCats();
    renderDrawer();
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    if (S.sheet) closeSheet();
    else if (S.sideOpen) closeSide();
  });
  window.addEventListener('online', () => flushOutbox());
}

export async function start() {
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
  S.outbox = outbox && outbox.table_id === S.tableId && outbox.key && outbox.body ? { ...outbox, state: 'sending' } : null;
  saveCart();
  loadAvoid();
  // The guests' language until the settings say which the restaurant has.
  S.lang = load(LANG_KEY) || S.lang || 'en';
  await loadWords();
  $('pair').hidden = true;
  $('boot').hidden = true;
  $('app').hidden = false;
  setView(S.outbox ? 'cart' : S.view);
  renderDrawer();
  renderAll();
  startRealtime();
  loadAll();
}

/**
 * loadWords loads the app's words before anything is shown: without its
 * message file the page would show bare keys, so it waits (on the logo)
 * until the box answers.
 */
async function loadWords() {
  await retry(() => words.use(S.lang));
  renderWords();
}

async function main() {
  bindPairForm();
  bindApp();
  S.lang = load(LANG_KEY) || 'en';
  await loadWords();
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
