// Orders: the live list of active orders with the one-tap transitions the
// signed-in role may make. Orders that wait for confirmation come first
// and glow; a new one also rings (see data.js and sound.js).
import { h, fill, since, clock, titleCase, money, busy, toast, errorText, calm } from './ui.js';
import { byCreated } from './data.js';
import { byName } from './floor.js';
import { lineTags, lineActions, moveOrder, reasonDialog } from './service.js';
import { modList } from './choices.js';

const FILTERS = ['pending', 'confirmed', 'preparing', 'ready', 'served'];
// Which column an order sorts into first: what needs a waiter now.
const URGENCY = { pending: 0, ready: 1, served: 2, confirmed: 3, preparing: 4 };

// The filter survives switching views, like a paper ticket rail would.
const filter = { status: '', table: '' };

/** render draws the orders list into root and returns its cleanup. */
export function render(root, app) {
  const { data } = app;
  const chips = h('div.chips', { role: 'group', 'aria-label': 'Filter by status' });
  const tableSel = h('select', { 'aria-label': 'Filter by table', onchange: (e) => { filter.table = e.target.value; draw(); } });
  const listEl = h('div.order-list');
  root.append(
    h('div.view-head', null, h('h1', null, 'Orders'), h('div.filters', null, chips, tableSel)),
    listEl,
  );

  const draw = () => {
    const keep = document.activeElement?.dataset?.key;
    const all = [...data.orders.values()];
    const count = (s) => all.filter((o) => o.status === s).length;
    fill(chips,
      chip('', `All active (${all.length})`),
      FILTERS.map((s) => chip(s, `${titleCase(s)} (${count(s)})`)));
    const tables = [...data.tables.values()].sort(byName);
    fill(tableSel, h('option', { value: '' }, 'All tables'),
      tables.map((t) => h('option', { value: String(t.id), selected: String(t.id) === filter.table }, t.name)));
    tableSel.value = filter.table;
    const shown = all
      .filter((o) => !filter.status || o.status === filter.status)
      .filter((o) => !filter.table || String(o.table_id) === filter.table)
      .sort((a, b) => (URGENCY[a.status] ?? 9) - (URGENCY[b.status] ?? 9) || byCreated(a, b));
    if (!shown.length) {
      fill(listEl, h('p.empty', null, !data.loaded.orders ? 'Loading orders…' : all.length ? 'No orders match this filter.' : 'No active orders. New ones appear here as they come in.'));
    } else {
      fill(listEl, shown.map((o) => card(app, o)));
    }
    if (keep) listEl.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };

  const chip = (value, label) => h('button.chip', {
    type: 'button',
    'aria-pressed': String(filter.status === value),
    onclick: () => { filter.status = value; draw(); },
  }, label);

  draw();
  const live = calm(draw);
  const offs = [data.on('orders', live), data.on('tables', live), data.on('printers', live)];
  const tick = setInterval(live, 30e3);
  return () => {
    offs.forEach((f) => f());
    clearInterval(tick);
  };
}

/** card renders one order with its actions; the table view reuses it. */
export function card(app, o, { compact = false } = {}) {
  const { data } = app;
  const fresh = data.fresh.has(o.id);
  const cls = `article.order.os-${o.status}${o.status === 'pending' ? '.needs-confirm' : ''}${fresh ? '.fresh' : ''}${compact ? '.compact' : ''}`;
  return h(cls, { dataset: { orderId: o.id, status: o.status }, 'aria-label': `Order ${o.id}, ${data.tableName(o.table_id, o)}, ${o.status}` },
    h('header.order-head', null,
      h('a.order-table', { href: `#/table/${o.table_id}/bill` }, data.tableName(o.table_id, o)),
      h('span.order-id', null, `#${o.id}`),
      h(`span.status.os-${o.status}`, null, titleCase(o.status)),
      // Paying is not cooking: a settled order still to serve says so.
      o.paid_at && o.status !== 'paid' ? h('span.paid-chip', { title: 'The bill is settled; serve it and it is done' }, 'Paid') : null,
      h('span.order-age', { title: `Placed at ${clock(o.created_at)}` }, since(o.created_at))),
    h('ul.lines', null, (o.items || []).map((it) => h(`li${it.done ? '.done' : ''}${it.quantity > 0 ? '' : '.voided'}`, { dataset: { line: it.id } },
      h('span.qty', null, `${it.quantity}×`),
      h('span.line-name', null, it.name, modList(it.modifiers), lineTags(data, it), it.notes ? h('small.note', null, it.notes) : null),
      lineActions(app, o, it)))),
    o.notes ? h('p.order-note', null, `Note: ${o.notes}`) : null,
    h('footer.order-foot', null,
      h('span.order-total', null, money(o.subtotal_cents, data.currency)),
      h('span.order-actions', null, actionButtons(app, o))));
}

// What the role may do next, per the contract's state machine.
function actionButtons(app, o) {
  const admin = app.isAdmin;
  const staff = app.role === 'admin' || app.role === 'waiter';
  const b = [];
  const go = (label, status, cls = '') => b.push(h(`button${cls}`, {
    type: 'button',
    dataset: { key: `${o.id}-${status}`, action: status },
    onclick: (e) => transition(app, o, status, e.currentTarget),
  }, label));
  if (o.status === 'pending' && staff) go('Confirm', 'confirmed', '.primary');
  if (o.status === 'confirmed' && admin) go('Start', 'preparing');
  if (o.status === 'preparing' && admin) go('Ready', 'ready');
  if (o.status === 'ready' && admin) go('Back to kitchen', 'preparing', '.ghost');
  if (o.status === 'ready' && staff) go('Served', 'served', '.primary');
  if (o.status === 'served' && !o.paid_at) {
    b.push(h('a.button', { href: `#/table/${o.table_id}/bill` }, 'Take payment'));
  }
  if (!['paid', 'cancelled'].includes(o.status) && staff) {
    b.push(h('button.ghost', {
      type: 'button',
      dataset: { key: `${o.id}-move`, action: 'move' },
      onclick: () => moveOrder(app, o),
    }, 'Move…'));
  }
  // A lost or smudged kitchen ticket: print it again, if the kitchen prints.
  if (['confirmed', 'preparing', 'ready'].includes(o.status) && app.data.printers.list().some((p) => p.enabled && p.kind === 'kitchen')) {
    b.push(h('button.ghost', {
      type: 'button',
      dataset: { key: `${o.id}-reprint`, action: 'reprint' },
      title: 'Print this order\'s kitchen tickets again',
      onclick: (e) => reprint(app, o, e.currentTarget),
    }, 'Reprint ticket'));
  }
  if (['pending', 'confirmed', 'preparing'].includes(o.status) && staff) {
    b.push(h('button.ghost.danger-text', {
      type: 'button',
      dataset: { key: `${o.id}-cancel`, action: 'cancel' },
      onclick: () => cancelDialog(app, o),
    }, 'Cancel…'));
  }
  return b;
}

async function transition(app, o, status, button) {
  await busy(button, async () => {
    try {
      const res = await app.call('PATCH', `/api/orders/${o.id}/status`, { status });
      if (res && res.id) app.data.putOrder(res, undefined, false);
    } catch (err) {
      toast(errorText(err));
    }
  });
}

async function reprint(app, o, button) {
  await busy(button, async () => {
    try {
      const res = await app.call('POST', `/api/orders/${o.id}/tickets/print`);
      const n = res?.jobs?.length || 0;
      toast(`Ticket of order #${o.id} sent to ${n} printer${n === 1 ? '' : 's'}.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

const REASONS = ['Guest changed their mind', 'Out of stock', 'Entered by mistake', 'Duplicate order'];

function cancelDialog(app, o) {
  reasonDialog(app, {
    title: 'Cancel order',
    intro: `Order #${o.id} for ${app.data.tableName(o.table_id, o)}: ${(o.items || []).map((i) => `${i.quantity}× ${i.name}`).join(', ')}`,
    confirmText: 'Cancel order',
    backText: 'Keep order',
    label: 'Reason (the kitchen and the guest see it)',
    reasons: REASONS,
    maxlength: 500,
    onSubmit: async (text) => {
      const res = await app.call('POST', `/api/orders/${o.id}/cancel`, { reason: text });
      if (res && res.id) app.data.putOrder(res, undefined, false);
      toast(`Order #${o.id} cancelled.`, 'ok');
    },
  });
}
