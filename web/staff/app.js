// The staff app's shell: sign-in, sign-out, navigation between views, the
// live-connection indicator and the new-order cue. The token's life is the
// shared policy of lib/auth.js. Views live in their own modules and get one
// `app` object to work with.
import { api, ApiError, session, retry, tokenAlive } from '/lib/api.js';
import { staffSession } from '/lib/auth.js';
import { byId } from '/lib/dom.js';
import { Data } from './data.js';
import { h, fill, toast, errorText, formError, clearErrors, busy } from './ui.js';
import { muted, setMuted, soundState, wasLocked } from './sound.js';
import * as floor from './floor.js';
import * as orders from './orders.js';
import * as table from './table.js';
import * as menu from './menu.js';
import * as tables from './tables.js';
import * as users from './users.js';
import * as settings from './settings.js';
import * as report from './report.js';
import * as audit from './audit.js';
import { enrolled, bindTerminal, showPin, lockOnBox, startIdle, stopIdle } from './terminal.js';
import * as printers from './printers.js';
import { printerAlert } from '/lib/printers.js';
import { watchAlerts } from './alerts.js';

const ENDED = 'Your session has ended. Please sign in again.';
const auth = staffSession('staff', { onEnded: () => signOut(ENDED) });

// Each route: its view module, its nav label, and whether only admins see it.
// Keys are the keyboard shortcuts shown in the nav's tooltips.
const ROUTES = {
  floor: { view: floor, label: 'Floor', key: 'f' },
  orders: { view: orders, label: 'Orders', key: 'o' },
  table: { view: table, label: 'Table', hidden: true },
  menu: { view: menu, label: 'Menu', key: 'm', admin: true },
  tables: { view: tables, label: 'Tables', key: 't', admin: true },
  users: { view: users, label: 'Users', key: 'u', admin: true },
  printers: { view: printers, label: 'Printers', key: 'p', admin: true },
  settings: { view: settings, label: 'Settings', key: 's', admin: true },
  report: { view: report, label: 'Report', key: 'r', admin: true },
  audit: { view: audit, label: 'Audit', key: 'a', admin: true },
};

const $ = byId;

/** The one object views receive: data, identity, and the authenticated API. */
const app = {
  /** @type {Data|null} */
  data: null,
  user: null,
  role: null,
  get isAdmin() {
    return this.role === 'admin';
  },
  /** call is api() with the session's token; a 401 that a refresh cannot cure signs the person out. */
  call: auth.call,
  /** token is the current staff token, for the few raw fetches (QR SVG). */
  token: auth.token,
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
};

let cleanupView = null;
let offData = [];

// ---- sign-in and session ----

async function boot() {
  wireStatic();
  const token = auth.token();
  if (!token) return enrolled() ? showPin() : showLogin();
  if (!tokenAlive(token)) {
    auth.clear();
    return showLogin(ENDED);
  }
  let me;
  try {
    me = await retry(() => api('GET', '/api/auth/me', { token }), {
      giveUp: (err) => err instanceof ApiError && err.status !== 0,
      // The box is unreachable (rebooting, Wi-Fi down): keep trying, say so.
      onRetry: (err, attempt) => {
        $('boot').textContent = `Can't reach the restaurant box. Retrying… (${attempt + 1})`;
      },
    });
  } catch (err) {
    auth.clear();
    return showLogin(err.status === 401 ? ENDED : errorText(err));
  }
  return enter(me.user || { username: '', role: me.role }, me.role);
}

function showLogin(message) {
  if (enrolled()) return showPin(message);
  $('pin').hidden = true;
  $('boot').hidden = true;
  $('shell').hidden = true;
  $('login').hidden = false;
  document.title = 'Sign in · rms';
  const form = $('login-form');
  formError(form, message || '');
  form.elements.username.focus();
}

async function login(e) {
  e.preventDefault();
  const form = e.currentTarget;
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  clearErrors(form);
  if (!username || !password) {
    formError(form, 'Enter your username and password.');
    (username ? form.elements.password : form.elements.username).focus();
    return;
  }
  await busy(form.querySelector('button[type=submit]'), async () => {
    try {
      const res = await auth.signIn(username, password);
      if (res.user.role === 'chef') {
        // The kitchen display is the chef's app; hand it the token so the
        // chef does not have to sign in twice.
        session.set('kds', res.token);
        location.assign('/kds');
        return;
      }
      auth.set(res.token);
      form.elements.password.value = '';
      enter(res.user, res.user.role);
    } catch (err) {
      form.elements.password.select();
      if (err instanceof ApiError && err.status === 401) formError(form, 'Wrong username or password.');
      else formError(form, errorText(err));
    }
  });
}

async function enter(user, role) {
  if (role === 'chef') {
    session.set('kds', auth.token());
    auth.clear();
    location.assign('/kds');
    return;
  }
  if (role !== 'admin' && role !== 'waiter') {
    auth.clear();
    showLogin('This account cannot use the staff app.');
    return;
  }
  app.user = user;
  app.role = role;
  document.body.dataset.role = role;
  $('boot').hidden = true;
  $('login').hidden = true;
  $('pin').hidden = true;
  $('lock').hidden = !enrolled();
  $('shell').hidden = false;
  $('who').textContent = user.username ? `${user.username} · ${role}` : role;
  buildNav();

  const data = new Data({
    call: app.call,
    token: auth.token,
    refresh: auth.refresh,
    onAuthError: () => signOut('The box signed this account out. Please sign in again.'),
  });
  app.data = data;
  offData = [
    data.on('connection', showConnection),
    data.on('orders', updateBadges),
    data.on('settings', () => {
      $('restaurant-name').textContent = data.settings.restaurant_name || 'Restaurant';
      // On a shared terminal the screen locks after the restaurant's idle time.
      if (enrolled()) startIdle(data.settings.terminal_lock_seconds || 60, () => lock());
    }),
    data.on('new-order', (o) => {
      toast(`New order from ${data.tableName(o.table_id)}: it needs confirming.`, 'info');
    }),
    data.on('error', (err) => toast(errorText(err))),
    data.on('printers', showPrinters),
    ...watchAlerts(app, data),
  ];
  showConnection();
  route();
  // The first load can fail while the box restarts; keep trying quietly,
  // with the banner saying why the screen is empty.
  try {
    await retry(async () => {
      if (app.data === data) await data.start();
    }, {
      giveUp: (err) => app.data !== data || (err instanceof ApiError && err.status === 401),
      onRetry: (err) => {
        if (!(err instanceof ApiError) || err.status !== 0) toast(errorText(err));
      },
    });
  } catch (err) {
    if (app.data === data) toast(errorText(err));
  }
}

/** lock ends the session on a shared terminal and shows the PIN pad. */
async function lock() {
  stopIdle();
  await lockOnBox();
  signOut('Locked. Enter your PIN.');
}

// An offline printer is loud on every view: tickets and bills wait for it.
function showPrinters() {
  printerAlert($('printer-alert'), app.data ? app.data.printers.troubled() : []);
}

function signOut(message) {
  if (!app.data && $('shell').hidden) return;
  stopIdle();
  cleanupView?.();
  cleanupView = null;
  offData.forEach((off) => off());
  offData = [];
  app.data?.close();
  app.data = null;
  app.user = null;
  app.role = null;
  delete document.body.dataset.role;
  printerAlert($('printer-alert'), []);
  auth.clear();
  document.querySelectorAll('dialog').forEach((d) => d.close());
  fill($('view'));
  showLogin(message);
}

// ---- navigation ----

function buildNav() {
  const nav = $('nav');
  fill(nav, Object.entries(ROUTES)
    .filter(([, r]) => !r.hidden && (!r.admin || app.isAdmin))
    .map(([name, r]) => h('a.nav-link', {
      href: `#/${name}`,
      dataset: { route: name },
      title: `${r.label} (key ${r.key.toUpperCase()})`,
    }, r.label, name === 'orders' ? h('span.badge', { id: 'pending-badge', hidden: true }) : null)));
}

function route() {
  if (!app.data) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  let name = parts.shift() || 'floor';
  let def = ROUTES[name];
  if (!def || (def.admin && !app.isAdmin)) {
    name = 'floor';
    def = ROUTES.floor;
    history.replaceState(null, '', '#/floor');
  }
  cleanupView?.();
  cleanupView = null;
  const view = $('view');
  fill(view);
  view.dataset.view = name;
  for (const a of $('nav').querySelectorAll('a')) {
    const on = a.dataset.route === name || (name === 'table' && a.dataset.route === 'floor');
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    cleanupView = def.view.render(view, app, parts) || null;
  } catch (err) {
    fill(view, h('p.form-error', { role: 'alert' }, errorText(err)));
    console.error(err);
  }
  updateBadges();
}

function updateBadges() {
  const n = app.data?.pendingCount() || 0;
  const badge = $('pending-badge');
  if (badge) {
    badge.hidden = n === 0;
    badge.textContent = String(n);
    badge.title = `${n} order${n === 1 ? '' : 's'} waiting to be confirmed`;
  }
  const page = ROUTES[$('view').dataset.view]?.label || 'Staff';
  document.title = `${n ? `(${n}) ` : ''}${page} · ${app.data?.settings.restaurant_name || 'rms'}`;
}

// ---- connection state ----

function showConnection() {
  const d = app.data;
  if (!d) return;
  const conn = $('conn');
  const banner = $('banner');
  const labels = { connecting: 'Connecting…', connected: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' };
  conn.textContent = labels[d.state] || d.state;
  conn.dataset.state = d.state;
  document.body.dataset.conn = d.state;
  const down = d.state === 'reconnecting' || d.state === 'offline';
  banner.hidden = !down;
  if (down) {
    const at = d.stateSince.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    banner.textContent = d.state === 'offline'
      ? `No network since ${at}. The screen will update once the connection is back.`
      : `Connection to the box lost at ${at}. Reconnecting… what you see may be out of date.`;
  }
}

function showSound() {
  const btn = $('sound-btn');
  const state = soundState();
  btn.textContent = { muted: 'Sound off', locked: 'Enable sound', on: 'Sound on' }[state];
  btn.dataset.sound = state;
  btn.setAttribute('aria-pressed', String(!muted()));
  btn.title = state === 'locked'
    ? 'The chime plays after you click anywhere on the page once'
    : 'Turn the new-order chime on or off';
}

// ---- wiring ----

function wireStatic() {
  $('login-form').addEventListener('submit', login);
  $('signout').addEventListener('click', () => (enrolled() ? lock() : signOut('You have signed out.')));
  $('lock').addEventListener('click', () => lock());
  bindTerminal({
    onSignedIn: (res) => {
      auth.set(res.token);
      enter(res.user, res.user.role);
    },
  });
  // A click that only wakes the audio up must not also mute it.
  $('sound-btn').addEventListener('click', () => {
    if (!wasLocked()) setMuted(!muted());
    setTimeout(showSound, 50);
  });
  showSound();
  // The chime unlocks on the first touch; let the button say so.
  for (const ev of ['pointerup', 'keyup']) window.addEventListener(ev, () => setTimeout(showSound, 50), { passive: true });
  window.addEventListener('hashchange', route);
  // One-key shortcuts for people at a keyboard; never while typing.
  window.addEventListener('keydown', (e) => {
    if (!app.data || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    const t = e.target;
    if (t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (document.querySelector('dialog[open]')) return;
    for (const [name, r] of Object.entries(ROUTES)) {
      if (r.key === e.key.toLowerCase() && (!r.admin || app.isAdmin)) {
        e.preventDefault();
        app.navigate(`#/${name}`);
        return;
      }
    }
  });
}

boot();
