// The header: the table's name, the service buttons and the connection line.
import { h, append, fill, byId as $ } from '/lib/dom.js';
import { renderMenu } from './menu.js';
import { renderSide } from './side.js';
import { S, clock, icon, tableLabel } from './state.js';

export function renderAll() {
  renderTable();
  renderMenu();
  renderSide();
  renderConn();
}

export function renderConn() {
  const el = $('conn');
  const down = S.conn !== 'connected' || S.restDown;
  if (!down) {
    el.hidden = true;
    return;
  }
  fill(el);
  el.hidden = false;
  let text;
  if (S.conn === 'offline' || (S.restDown && S.conn !== 'connecting')) {
    el.className = 'conn conn-offline';
    text = 'Offline since ' + clock(S.connSince) + ' — your order is saved here';
  } else if (S.conn === 'connecting') {
    el.className = 'conn conn-wait';
    text = 'Connecting…';
  } else {
    el.className = 'conn conn-wait';
    text = 'Reconnecting…';
  }
  append(el, [icon('wifi'), h('span', null, text)]);
}

export function renderTable() {
  const t = S.table;
  $('table-name').textContent = tableLabel();
  const req = t && t.open_request ? t.open_request.kind : null;
  serviceButton($('btn-waiter'), 'waiter', req === 'waiter', 'Call waiter', 'Waiter called');
  serviceButton($('btn-bill'), 'bill', req === 'bill', 'Bill', 'Bill requested');
  // "Ready for the next course" shows when the restaurant holds courses
  // and one of ours is waiting; the box then sends it to the kitchen.
  const next = $('btn-next');
  const waiting = Boolean(S.settings.fire_courses) && [...S.orders.values()].some((o) =>
    !['paid', 'cancelled'].includes(o.status) && (o.items || []).some((i) => i.quantity > 0 && !i.fired_at));
  next.hidden = !waiting && req !== 'next_course';
  if (!next.hidden) serviceButton(next, 'next_course', req === 'next_course', 'Ready for the next course', 'Next course asked for');
}

export function serviceButton(btn, kind, sent, label, sentLabel) {
  fill(btn);
  btn.classList.toggle('is-sent', sent);
  btn.setAttribute('aria-pressed', sent ? 'true' : 'false');
  btn.disabled = S.busy.has(kind);
  append(btn, [icon(sent ? 'check' : kind === 'bill' ? 'bill' : 'bell'), h('span', { class: 'svc-label' }, sent ? sentLabel : label)]);
}
