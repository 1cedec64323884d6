// Floor: every table by section, its status colour, open orders, how long
// the guests have been seated, and any call for a waiter or the bill.
// Tapping a table opens its actions: a status change is two taps.
import { h, fill, since, titleCase, dialog, busy, toast, errorText, calm } from './ui.js';

/** STATUSES are the table statuses staff can set, in the order shown. */
export const STATUSES = ['available', 'occupied', 'reserved', 'cleaning'];

const REQUEST_LABEL = { waiter: 'Calls a waiter', bill: 'Asks for the bill' };

/** render draws the floor into root and returns its cleanup. */
export function render(root, app) {
  const { data } = app;
  const summary = h('p.summary.muted');
  const body = h('div.floor');
  root.append(
    h('div.view-head', null,
      h('h1', null, 'Floor'),
      summary,
      h('ul.legend', { 'aria-label': 'Status colours' },
        STATUSES.map((s) => h(`li.legend-item.st-${s}`, null, titleCase(s))))),
    body,
  );

  const draw = () => {
    const keep = document.activeElement?.dataset?.key;
    const tables = [...data.tables.values()];
    const bySection = new Map();
    for (const t of tables.sort(byName)) {
      const s = t.section || '';
      if (!bySection.has(s)) bySection.set(s, []);
      bySection.get(s).push(t);
    }
    const sections = [...bySection.keys()].sort((a, b) => (a === '') - (b === '') || a.localeCompare(b));
    const occupied = tables.filter((t) => t.status === 'occupied').length;
    const calls = tables.filter((t) => t.open_request).length;
    summary.textContent = `${tables.length} tables · ${occupied} occupied · ${calls} request${calls === 1 ? '' : 's'} open`;
    if (!tables.length) {
      fill(body, h('p.empty', null, !data.loaded.tables ? 'Loading tables…' : app.isAdmin
        ? 'No tables yet. Add them under Tables.'
        : 'No tables yet. An admin adds them under Tables.'));
      return;
    }
    fill(body, sections.map((s) => h('section.floor-section', { 'aria-label': s || 'Other tables' },
      h('h2', null, s || 'Other tables'),
      h('div.tiles', null, bySection.get(s).map((t) => tile(app, t))))));
    if (keep) body.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };

  draw();
  const live = calm(draw);
  const offs = [data.on('tables', live), data.on('orders', live)];
  // Seated times and request ages move on their own.
  const tick = setInterval(live, 30e3);
  return () => {
    offs.forEach((f) => f());
    clearInterval(tick);
  };
}

function tile(app, t) {
  const orders = app.data.ordersOf(t.id);
  const pending = orders.filter((o) => o.status === 'pending').length;
  const ready = orders.filter((o) => o.status === 'ready').length;
  // Settled before the food came: paying is not cooking, the floor says so.
  const paidComing = orders.filter((o) => o.paid_at && o.status !== 'paid').length;
  const req = t.open_request;
  const main = h('button.tile-main', {
    type: 'button',
    dataset: { key: `t${t.id}` },
    // The name a screen reader says is the visible text (WCAG 2.5.3),
    // with the call and what the button does added out of sight.
    onclick: () => actions(app, t.id),
  },
  h('span.tile-top', null, h('strong.tile-name', null, t.name), h('span.tile-seats', null, `${t.seats} seats`)),
  h('span.tile-status', null, titleCase(t.status),
    t.status === 'occupied' && t.status_changed_at ? h('span.tile-time', { title: 'Seated for' }, ` · ${since(t.status_changed_at)}`) : null),
  h('span.tile-orders', null,
    orders.length ? `${orders.length} open order${orders.length === 1 ? '' : 's'}` : 'No open orders',
    pending ? h('span.pill.warn', null, `${pending} to confirm`) : null,
    ready ? h('span.pill.ok', null, `${ready} ready`) : null,
    paidComing ? h('span.pill.paid', { title: 'The bill is settled; this food is still to serve' }, `Paid · ${paidComing} to serve`) : null),
  h('span.sr', null, `. ${req ? `${REQUEST_LABEL[req.kind] || req.kind}. ` : ''}Open actions.`));
  return h(`div.tile.st-${t.status}${req ? '.calling' : ''}`, { dataset: { tableId: t.id, status: t.status } },
    main,
    req ? h('button.req-clear', {
      type: 'button',
      dataset: { key: `r${t.id}` },
      title: 'Mark this request as handled',
      onclick: (e) => clearRequest(app, t, e.currentTarget),
    }, h('span.req-kind', null, req.kind === 'bill' ? 'Bill' : 'Waiter'),
    h('span.req-age', null, since(req.created_at)), h('span.req-done', null, 'Clear')) : null);
}

/** clearRequest marks a table's waiter or bill call as handled. */
export async function clearRequest(app, t, button) {
  await busy(button, async () => {
    try {
      await app.call('DELETE', `/api/tables/${t.id}/requests`);
      toast(`${t.name}: request cleared.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

/** setStatus changes a table's status by hand. */
export async function setStatus(app, t, status, button) {
  await busy(button, async () => {
    try {
      const res = await app.call('PATCH', `/api/tables/${t.id}/status`, { status });
      if (res && res.id) app.data.putTable(res);
    } catch (err) {
      toast(errorText(err));
    }
  });
}

// The action sheet for one table: status in one more tap, the request,
// and the way to its orders and bill.
function actions(app, id) {
  const t = app.data.tables.get(id);
  if (!t) return;
  const statusRow = h('div.seg', { role: 'group', 'aria-label': 'Set status' },
    STATUSES.map((s) => h(`button.seg-btn.st-${s}`, {
      type: 'button',
      'aria-pressed': String(t.status === s),
      dataset: { status: s },
      onclick: async (e) => {
        if (s === t.status) return close();
        await setStatus(app, t, s, e.currentTarget);
        close();
      },
    }, titleCase(s))));
  const req = t.open_request;
  const { close } = dialog({
    title: `${t.name}${t.section ? ` · ${t.section}` : ''}`,
    body: [
      h('p.muted', null, `${t.seats} seats · ${titleCase(t.status)}${t.status === 'occupied' ? ` for ${since(t.status_changed_at)}` : ''}`),
      h('h3', null, 'Status'),
      statusRow,
      req ? h('div.req-line', null,
        h('span.flash', null, `${REQUEST_LABEL[req.kind] || req.kind} (${since(req.created_at)})`),
        h('button', {
          type: 'button',
          onclick: async (e) => {
            await clearRequest(app, t, e.currentTarget);
            close();
          },
        }, 'Clear request')) : null,
      h('div.actions.spread', null,
        h('a.button', { href: `#/table/${t.id}/order`, onclick: () => close() }, 'New order'),
        h('a.button.primary', { href: `#/table/${t.id}/bill`, onclick: () => close() }, 'Bill & payment')),
    ],
  });
  statusRow.querySelector('[aria-pressed="true"]')?.focus();
}

/** byName sorts tables the way people count them: T2 before T10. */
export function byName(a, b) {
  return a.name.localeCompare(b.name, undefined, { numeric: true });
}
