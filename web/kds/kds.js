// Kitchen display: tickets for every active order, live over the hub.
// Opened once on the kitchen TV, signed in as a chef, then left alone for the
// whole service; so it keeps its token fresh, survives reloads and network
// drops, and never shows a ticket twice or misses one. This module signs in
// and starts; state.js, data.js, actions.js, board.js, ticket.js, layout.js,
// keys.js and sound.js each do one part.

import { ApiError, jwtClaims } from '/lib/api.js';
import { byId as $ } from '/lib/dom.js';
import { connect } from '/lib/realtime.js';
import { PrinterStates, printerAlert } from '/lib/printers.js';
import { S, prefs, orders, recallTarget, atStation, stationParam, stations } from './state.js';
import { auth, whenEnded, applyOrder, loadOrders, loadTables, loadMenu, loadSettings, showStations, syncClock, retrying } from './data.js';
import { askRecall } from './actions.js';
import { init86, draw86, onMenuItem } from './eighty6.js';
import { initHelp } from './help.js';
import { schedule, tick, renderConn } from './board.js';
import { onKey } from './keys.js';
import { sound } from './sound.js';

function showLogin(msg) {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-msg').textContent = msg || '';
  $('login-user').focus();
}

function signedOut(msg) {
  auth.clear();
  S.printers = null;
  printerAlert($('printer-alert'), []);
  if (S.rt) {
    S.rt.close();
    S.rt = null;
  }
  showLogin(msg);
}

async function onLogin(e) {
  e.preventDefault();
  const btn = /** @type {HTMLButtonElement} */ ($('login-submit'));
  btn.disabled = true;
  $('login-msg').textContent = '';
  try {
    const res = await auth.signIn(/** @type {HTMLInputElement} */ ($('login-user')).value.trim(), /** @type {HTMLInputElement} */ ($('login-pass')).value);
    if (!res.user || (res.user.role !== 'chef' && res.user.role !== 'admin')) {
      $('login-msg').textContent = 'This screen is for the kitchen: sign in as a chef or the manager.';
      return;
    }
    auth.set(res.token);
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
  S.loaded = false;
  schedule();
  if (S.rt) S.rt.close();
  S.rt = connect({ token: auth.token, refresh: auth.refresh });
  S.rt.onState((s, { since }) => {
    S.connState = s;
    S.connSince = since;
    renderConn();
  });
  S.rt.onAuthError((code) => signedOut(code === 4403 ? 'This account was signed out by the manager.' : 'Your session ended. Please sign in again.'));
  for (const ev of ['order:created', 'order:updated', 'order:cancelled']) {
    S.rt.on(ev, (o, meta) => applyOrder(o, meta.seq, ev));
  }
  S.rt.on('menu:updated', (it) => {
    onMenuItem(it);
    schedule();
  });
  S.rt.onResync('kds', (room, { epochChanged }) => {
    // Seqs of a vanished log guard nothing: the reload replaces every ticket.
    if (epochChanged) orders.forgetSeqs();
    reloadRoom('kds');
  });
  S.rt.onResync('menu', () => reloadRoom('menu'));
  // Printers report in the kds room: an offline one is loud on the board.
  S.printers = new PrinterStates({ call: auth.call, rt: S.rt, onChange: renderPrinters });
  S.rt.onResync('kds', (room, { epochChanged }) => {
    if (epochChanged && S.printers) S.printers.live.forgetSeqs();
    if (S.printers) retrying(() => S.printers.load());
  });
  syncClock();
  loadTables();
  const printers = S.printers;
  // Without ?station= the settings say which stations this screen shows:
  // no ticket is drawn before they are known.
  const settings = retrying(loadSettings);
  if (!stationParam) await settings;
  await Promise.all([
    retrying(loadMenu).then((seq) => {
      draw86();
      if (S.rt) S.rt.subscribe('menu', { since: seq });
    }),
    retrying(loadOrders).then((seq) => S.rt && S.rt.subscribe('kds', { since: seq })),
    retrying(() => printers.load()),
  ]);
}

/** renderPrinters shows every printer that is not printing, and redraws the reprint buttons. */
function renderPrinters() {
  // The kitchen's printers only: this station's, and those printing every station.
  const ours = (p) => p.kind === 'kitchen' && (!p.station || atStation(p.station));
  const troubled = S.printers ? S.printers.troubled(ours) : [];
  const was = Number($('printer-alert').dataset.count || 0);
  printerAlert($('printer-alert'), troubled);
  // A printer going down is worth a sound: the cooks are not looking up.
  if (troubled.length > was) sound.cancelled();
  schedule();
}

async function reloadRoom(room) {
  const seq = await retrying(room === 'kds' ? loadOrders : loadMenu);
  if (room === 'menu') draw86();
  if (S.rt) S.rt.subscribe(room, { since: seq });
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
    const role = jwtClaims(auth.token())?.role || '';
    $('settings-user').textContent = who ? `Signed in as ${who} (${role})` : '';
    const names = [...stations].join(', ');
    $('settings-stations').textContent = stationParam
      ? `This screen shows the ${names} station: its address says ?station=${stationParam}.`
      : names
        ? `This screen shows the ${names} station${stations.size > 1 ? 's' : ''}: the box's setting "Kitchen display stations" (staff app, Settings). The bar's screen is /kds?station=bar.`
        : 'This screen shows every station: the box\'s setting "Kitchen display stations" is empty.';
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
// something nobody designed. A transform, not CSS zoom: WebKit (old iPads
// on a wall) reports zoomed elements' boxes unzoomed, so taps and hit
// tests would land beside them; a transform means the same in every engine.
// Fixed at the top left, the unscaled box makes no scrollbars.
function fitScreen() {
  const app = $('app');
  let z = Math.min(innerWidth / 1920, innerHeight / 1080);
  if (z > 0.97 && z < 1.03) z = 1;
  const s = app.style;
  s.transform = z === 1 ? '' : `scale(${z})`;
  s.transformOrigin = z === 1 ? '' : '0 0';
  s.position = z === 1 ? '' : 'fixed';
  s.left = s.top = z === 1 ? '' : '0';
  s.width = z === 1 ? '' : innerWidth / z + 'px';
  s.height = z === 1 ? '' : innerHeight / z + 'px';
}

function init() {
  fitScreen();
  addEventListener('resize', fitScreen);
  showStations();
  $('login-form').addEventListener('submit', onLogin);
  $('recall').addEventListener('click', () => {
    const id = recallTarget();
    if (id !== null) askRecall(id);
  });
  init86();
  initHelp();
  $('page-prev').addEventListener('click', () => {
    S.page = Math.max(0, S.page - 1);
    S.selectedId = null;
    schedule();
  });
  $('more-pages').addEventListener('click', () => {
    // Forward to the tickets not shown; from the last page, back to the first.
    S.page = Number($('more-pages').dataset.later) > 0 ? S.page + 1 : 0;
    S.selectedId = null;
    schedule();
  });
  $('page-next').addEventListener('click', () => {
    S.page++;
    S.selectedId = null;
    schedule();
  });
  addEventListener('keydown', onKey);
  // The banners above the board come and go; the board re-lays itself out.
  new ResizeObserver(schedule).observe($('tickets'));
  initSettings();
  sound.init();
  whenEnded(() => signedOut('Your session ended. Please sign in again.'));
  setInterval(tick, 1000);
  setInterval(syncClock, 10 * 60 * 1000);
  // A change of the default stations reaches a TV left on within minutes.
  setInterval(() => auth.usable(['chef', 'admin']) && loadSettings().catch(() => {}), 5 * 60 * 1000);
  tick();
  if (auth.usable(['chef', 'admin'])) {
    startApp().catch(() => {});
  } else {
    auth.clear();
    showLogin('');
  }
}

init();
