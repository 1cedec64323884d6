// The board: the ticket grid, the pass, the all-day counts, the clock and
// the connection line, redrawn once a frame at most and never under a
// finger.
import { byId as $, h, calm } from '/lib/dom.js';
import { S, current, isPass, gridOrders, passOrders, recallTarget, stationLines, tableName, now } from './state.js';
import { renderTicket, fmtAge, ageClass } from './ticket.js';
import { layout, fitTickets, fitAllDay } from './layout.js';
import { askRecall } from './actions.js';

export function render() {
  const list = gridOrders();
  const grid = $('tickets');
  const { cols, scale, pages: pageLists } = layout(grid, list);
  const pages = pageLists.length;
  if (S.selectedId !== null) {
    const at = pageLists.findIndex((pl) => pl.some((p) => p.order.id === S.selectedId));
    const sel = current(S.selectedId);
    // A recalled ticket is still at the pass until the box answers: keep it.
    if (at >= 0) S.page = at;
    else if (!sel || !isPass(sel)) S.selectedId = null;
  }
  S.page = Math.min(S.page, pages - 1);
  const placed = pageLists[S.page] || [];
  S.shownPage = placed.map((p) => p.order);
  grid.style.setProperty('--cols', String(cols));
  grid.replaceChildren(
    ...placed.map((p, i) => {
      const el = renderTicket(p.order, i);
      el.style.gridColumn = String(p.col + 1);
      el.style.gridRow = `${p.row + 1} / span ${p.span}`;
      if (p.wide) {
        el.style.gridColumn = `${p.col + 1} / span 2`;
        el.classList.add('wide');
      }
      el.dataset.scale = String(scale);
      return el;
    }),
  );
  if (!S.shownPage.length) {
    grid.append(h('div', { class: 'empty' }, S.loaded ? 'No tickets. All clear.' : 'Loading…'));
  }
  fitTickets(grid);

  $('pager').hidden = pages < 2;
  const later = pageLists.slice(S.page + 1).reduce((n, pl) => n + pl.length, 0);
  // How many more is said loudly in the pass bar; the header only says where.
  $('page-text').textContent = `Page ${S.page + 1}/${pages}`;
  // Tickets off this page are said loudly, where the cooks look.
  const earlier = pageLists.slice(0, S.page).reduce((n, pl) => n + pl.length, 0);
  const more = $('more-pages');
  more.hidden = !later && !earlier;
  more.textContent = later
    ? `▶ ${later} MORE TICKET${later === 1 ? '' : 'S'} ON PAGE ${S.page + 2} · tap here or press PgDn`
    : `◀ ${earlier} OLDER TICKET${earlier === 1 ? '' : 'S'} ON ${S.page === 1 ? 'PAGE 1' : 'EARLIER PAGES'} · tap here for page 1`;
  more.dataset.later = String(later);
  // New (not started) and cooking apart: the chef sees what waits for a cook.
  const working = list.filter((o) => o.status !== 'cancelled' && !o._held);
  const pass = passOrders();
  $('count-new').textContent = String(working.filter((o) => o.status === 'confirmed').length);
  $('count-cooking').textContent = String(working.filter((o) => o.status === 'preparing').length);
  $('count-ready').textContent = String(pass.length);
  const passEl = $('pass');
  passEl.replaceChildren(
    ...pass.slice(0, 10).map((o) =>
      h(
        'button',
        { class: 'chip', type: 'button', dataset: { id: o.id }, title: 'Recall to the kitchen', onclick: () => askRecall(o.id) },
        h('span', { class: 'chip-table' }, tableName(o.table_id)),
        h('span', { class: 'chip-num' }, `#${o.id}`),
        h('span', { class: 'chip-age', dataset: { since: o.status_changed_at || o.updated_at } }, fmtAge(now() - Date.parse(o.status_changed_at || o.updated_at))),
        h('span', { class: 'chip-recall' }, '↶'),
      ),
    ),
  );
  if (!pass.length) passEl.append(h('span', { class: 'pass-empty' }, 'Nothing waiting at the pass'));
  if (pass.length > 10) passEl.append(h('span', { class: 'pass-more' }, `+${pass.length - 10}`));
  $('recall').disabled = recallTarget() === null;

  renderAllDay(list);
}

function renderAllDay(list) {
  const counts = new Map();
  for (const o of list) {
    if (o.status === 'cancelled' || o._held) continue;
    for (const it of stationLines(o)) {
      if (it.done) continue;
      counts.set(it.name, (counts.get(it.name) || 0) + it.quantity);
    }
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const listEl = $('allday');
  listEl.replaceChildren(
    ...rows.map(([name, n]) => h('li', { dataset: { name } }, h('span', { class: 'ad-n' }, String(n)), h('span', { class: 'ad-name' }, name))),
  );
  $('allday-empty').hidden = rows.length > 0;
  fitAllDay(listEl);
}

let frame = 0;
// The board is not redrawn under a finger: a ticket replaced between press
// and release would swallow the tap.
const drawCalmly = calm(render);

/** schedule redraws the board at the next frame, once however often it is asked. */
export function schedule() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    drawCalmly();
  });
}

export function tick() {
  const t = now();
  for (const el of document.querySelectorAll('.t-timer')) {
    const age = t - Date.parse(el.dataset.since);
    el.textContent = fmtAge(age);
    const ticket = el.closest('.ticket');
    const cls = ageClass(age);
    if (!ticket.classList.contains(cls)) {
      ticket.classList.remove('age-ok', 'age-warn', 'age-late');
      ticket.classList.add(cls);
    }
  }
  for (const el of document.querySelectorAll('.chip-age')) el.textContent = fmtAge(t - Date.parse(el.dataset.since));
  $('clock').textContent = new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  renderConn();
}

export function renderConn() {
  const el = $('conn');
  const banner = $('banner');
  const dur = fmtAge(Date.now() - S.connSince.getTime());
  el.className = 'conn conn-' + S.connState;
  el.dataset.state = S.connState;
  if (S.connState === 'connected') {
    $('conn-text').textContent = 'Live';
    banner.hidden = true;
  } else if (S.connState === 'connecting') {
    $('conn-text').textContent = 'Connecting…';
    banner.hidden = true;
  } else if (S.connState === 'reconnecting') {
    $('conn-text').textContent = `Reconnecting ${dur}`;
    banner.className = 'banner banner-reconnecting';
    banner.textContent = `Connection lost ${dur} ago. Reconnecting… tickets may be out of date.`;
    banner.hidden = false;
  } else {
    $('conn-text').textContent = `Offline ${dur}`;
    banner.className = 'banner banner-offline';
    banner.textContent = `OFFLINE for ${dur}: new tickets will NOT appear. Check the network and the box.`;
    banner.hidden = false;
  }
}
