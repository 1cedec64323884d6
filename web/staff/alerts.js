// What is waiting for a waiter, wherever the app is open: a call for a
// waiter, a request for the bill, a table ready for its next course, an
// order ready at the pass, a guest's order to confirm. Each new call or
// ready order alerts (a tone, vibration where the phone allows, the badge
// in the menu bar); the list under the bell shows them all, oldest first.
import { byId as $ } from '/lib/dom.js';
import { h, fill, busy, toast, errorText, since } from './ui.js';
import { alertTone } from './sound.js';
import { clearRequest } from './floor.js';

const LABEL = {
  waiter: 'Calls a waiter',
  bill: 'Asks for the bill',
  next_course: 'Ready for the next course',
  ready: 'Ready at the pass',
  pending: 'New order to confirm',
};

/** waiting lists what staff must attend to, oldest first. */
export function waiting(data) {
  const list = [];
  for (const t of data.tables.values()) {
    const r = t.open_request;
    if (r) list.push({ key: `req:${t.id}:${r.kind}:${r.created_at}`, kind: r.kind, at: r.created_at, table: t });
  }
  for (const o of data.orders.values()) {
    const t = data.tables.get(o.table_id) || { id: o.table_id, name: data.tableName(o.table_id, o) };
    if (o.status === 'ready') list.push({ key: `ready:${o.id}:${o.status_changed_at}`, kind: 'ready', at: o.status_changed_at, table: t, order: o });
    else if (o.status === 'pending') list.push({ key: `pending:${o.id}`, kind: 'pending', at: o.created_at, table: t, order: o });
  }
  return list.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.key.localeCompare(b.key));
}

/**
 * watchAlerts keeps the bell, its badge and its list up to date and rings
 * for each new call or ready order (a new guest order rings on its own).
 * It returns the functions that stop it.
 */
export function watchAlerts(app, data) {
  const btn = $('alerts-btn');
  const panel = $('alerts-panel');
  const seen = new Set();
  let primed = false;
  let tick = 0;

  const draw = () => {
    const list = waiting(data);
    const badge = $('alerts-badge');
    badge.hidden = list.length === 0;
    badge.textContent = String(list.length);
    btn.title = list.length ? `${list.length} waiting for you` : 'Nothing waiting';
    btn.dataset.count = String(list.length);
    if (!panel.hidden) drawPanel(app, panel, list);
    return list;
  };

  const update = () => {
    if (!data.loaded.tables || !data.loaded.orders) return draw();
    const list = draw();
    const fresh = list.filter((x) => !seen.has(x.key));
    for (const x of list) seen.add(x.key);
    // What was there when the app opened is not news.
    if (!primed) {
      primed = true;
      return;
    }
    const news = fresh.filter((x) => x.kind !== 'pending');
    if (!news.length) return;
    alertTone();
    try {
      navigator.vibrate?.([180, 90, 180]);
    } catch {
      // Not every browser lets a page vibrate; the tone and badge remain.
    }
    const x = news[news.length - 1];
    toast(`${x.table.name}: ${LABEL[x.kind] || x.kind}.`, 'info');
  };

  const toggle = (open = panel.hidden) => {
    panel.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
    clearInterval(tick);
    if (open) {
      // Under the menu bar, whose height changes as a phone wraps it.
      panel.style.top = `${Math.round(document.querySelector('.topbar').getBoundingClientRect().bottom) + 6}px`;
      drawPanel(app, panel, waiting(data));
      tick = setInterval(() => drawPanel(app, panel, waiting(data)), 30e3);
    }
  };
  btn.onclick = () => toggle();
  const onHash = () => toggle(false);
  window.addEventListener('hashchange', onHash);
  update();
  return [
    data.on('tables', update),
    data.on('orders', update),
    () => {
      window.removeEventListener('hashchange', onHash);
      clearInterval(tick);
      panel.hidden = true;
      btn.onclick = null;
    },
  ];
}

function drawPanel(app, panel, list) {
  fill(panel, h('h2.alerts-title', null, 'Waiting for you'),
    list.length
      ? h('ol.alerts-list', null, list.map((x) => h(`li.alert-item.ak-${x.kind}`, { dataset: { kind: x.kind, table: x.table.id } },
        h('a.alert-table', { href: `#/table/${x.table.id}` }, x.table.name),
        h('span.alert-what', null, LABEL[x.kind] || x.kind, x.order ? h('small', null, ` #${x.order.id}`) : null),
        h('span.alert-age', null, since(x.at)),
        action(app, x))))
      : h('p.muted', null, 'Nothing is waiting. New calls and ready orders ring here.'));
}

function action(app, x) {
  const status = x.kind === 'ready' ? 'served' : x.kind === 'pending' ? 'confirmed' : null;
  if (!status) {
    return h('button.small', { type: 'button', onclick: (e) => clearRequest(app, x.table, e.currentTarget) }, 'Done');
  }
  return h('button.small.primary', {
    type: 'button',
    onclick: (e) => busy(e.currentTarget, async () => {
      try {
        const res = await app.call('PATCH', `/api/orders/${x.order.id}/status`, { status });
        if (res && res.id) app.data.putOrder(res, undefined, false);
      } catch (err) {
        toast(errorText(err));
      }
    }),
  }, status === 'served' ? 'Served' : 'Confirm');
}
