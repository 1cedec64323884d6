// Audit: who did what, from GET /api/audit, filtered by day, user and
// order (admins only). The newest change comes first.
import { h, fill, clock, busy, errorText } from './ui.js';

// Filters survive switching views.
const filter = { day: '', user: '', order: '' };

export function render(root, app) {
  const day = h('input', { type: 'date', name: 'day', value: filter.day || today(app) });
  const user = h('select', { name: 'user' }, h('option', { value: '' }, 'Everyone'));
  const order = h('input', { name: 'order', inputmode: 'numeric', placeholder: 'Order #', value: filter.order, size: 8 });
  const go = h('button.primary', { type: 'submit' }, 'Show');
  const list = h('div.audit-list');
  const form = h('form.audit-filters', { novalidate: true },
    h('label.field', null, h('span.field-label', null, 'Day'), day),
    h('label.field', null, h('span.field-label', null, 'User'), user),
    h('label.field', null, h('span.field-label', null, 'Order'), order),
    go);
  root.append(h('div.view-head', null, h('h1', null, 'Audit')), form, list);

  const load = async () => {
    filter.day = day.value;
    filter.user = user.value;
    filter.order = order.value.replace(/\D/g, '');
    const q = new URLSearchParams();
    if (filter.order) q.set('order_id', filter.order);
    else if (filter.day) {
      q.set('from', filter.day);
      q.set('to', filter.day);
    }
    if (filter.user) q.set('user_id', filter.user);
    q.set('limit', '500');
    await busy(go, async () => {
      try {
        const rows = await app.call('GET', `/api/audit?${q}`);
        draw(rows || []);
      } catch (err) {
        fill(list, h('p.form-error', { role: 'alert' }, errorText(err)));
      }
    });
  };

  const draw = (rows) => {
    if (!rows.length) {
      fill(list, h('p.empty', null, 'Nothing recorded for this choice.'));
      return;
    }
    fill(list, h('table.audit-table', null,
      h('thead', null, h('tr', null, ['Time', 'Who', 'What', 'Order', 'Reason', 'Detail'].map((t) => h('th', null, t)))),
      h('tbody', null, rows.map((r) => h('tr', { dataset: { action: r.action } },
        h('td', null, clock(r.at)),
        h('td', null, r.actor.name || r.actor.kind, r.actor.kind !== 'user' ? h('small.muted', null, ` (${r.actor.kind})`) : null),
        h('td', null, r.action),
        h('td', null, r.order_id ? `#${r.order_id}` : ''),
        h('td', null, r.reason || ''),
        h('td.detail', null, detailText(r.detail)))))));
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  app.call('GET', '/api/users').then((users) => {
    for (const u of users || []) user.append(h('option', { value: String(u.id), selected: String(u.id) === filter.user }, u.username));
    user.value = filter.user;
  }).catch(() => {});
  load();
  return () => {};
}

function detailText(d) {
  if (!d || typeof d !== 'object') return '';
  return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ');
}

function today(app) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: app.data.settings.timezone || undefined }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}
