// Report (admin): the daily report for a chosen local date, as tables and
// bars of revenue by item, with a CSV download built in the browser.
import { h, fill, money, moneyInput, titleCase, errorText } from './ui.js';

/** todayIn is the date (YYYY-MM-DD) it is now in the given timezone. */
export function todayIn(tz, at = new Date()) {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: tz || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

function shiftDate(date, days) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

let chosen = '';

/** render draws the report view into root and returns its cleanup. */
export function render(root, app) {
  const { data } = app;
  chosen ||= todayIn(data.settings.timezone);
  const dateIn = h('input', { type: 'date', value: chosen, 'aria-label': 'Report date', onchange: (e) => { if (e.target.value) { chosen = e.target.value; load(); } } });
  const csvBtn = h('button', { type: 'button', disabled: true }, 'Download CSV');
  const out = h('div.report', { 'aria-live': 'polite' });
  root.append(
    h('div.view-head', null,
      h('h1', null, 'Daily report'),
      h('div.actions', null,
        h('button.ghost', { type: 'button', 'aria-label': 'Previous day', onclick: () => go(-1) }, '‹'),
        dateIn,
        h('button.ghost', { type: 'button', 'aria-label': 'Next day', onclick: () => go(1) }, '›'),
        h('button.ghost', { type: 'button', onclick: () => { chosen = todayIn(data.settings.timezone); dateIn.value = chosen; load(); } }, 'Today'),
        csvBtn)),
    out,
  );
  let report = null;
  let alive = true;
  let seq = 0;

  const go = (days) => {
    chosen = shiftDate(chosen, days);
    dateIn.value = chosen;
    load();
  };

  const load = async () => {
    const mine = ++seq;
    csvBtn.disabled = true;
    fill(out, h('p.muted', null, 'Loading…'));
    try {
      const r = await app.call('GET', `/api/reports/daily?date=${encodeURIComponent(chosen)}`);
      if (!alive || mine !== seq) return;
      report = r;
      draw();
      csvBtn.disabled = false;
    } catch (err) {
      if (alive && mine === seq) fill(out, h('p.form-error', { role: 'alert' }, errorText(err)));
    }
  };

  const draw = () => {
    const r = report;
    const cur = r.currency || data.currency;
    const m = (c) => money(c, cur);
    const items = [...(r.by_item || [])].sort((a, b) => b.sales_cents - a.sales_cents || a.name.localeCompare(b.name));
    const max = Math.max(1, ...items.map((i) => i.sales_cents));
    const methods = r.by_method || [];
    fill(out,
      h('p.muted', null, `${r.date} · ${r.timezone} · ${cur}`),
      h('div.kpis', null,
        kpi('Gross sales', m(r.gross_sales_cents), 'gross'),
        kpi('Tax', m(r.tax_cents), 'tax'),
        r.net_sales_cents != null ? kpi('Net sales', m(r.net_sales_cents), 'net') : null,
        kpi('Payments', m(r.payments_cents), 'payments'),
        r.open_bills_cents != null ? kpi(`Open bills (${r.open_bills_count})`, m(r.open_bills_cents), 'open') : null,
        kpi('Tips', m(r.tips_cents), 'tips'),
        kpi('Orders', String(r.orders_count ?? 0), 'orders'),
        kpi('Cancelled', String(r.cancelled_count ?? 0), 'cancelled')),
      h('div.report-cols', null,
        r.reconciliation ? addsUp(r, m) : null,
        r.by_waiter ? byWaiter(r, m) : null),
      h('div.report-cols', null,
        h('section.card', null,
          h('h2', null, 'Revenue by item'),
          items.length
            ? h('ol.bars', { 'aria-label': 'Revenue by item' }, items.map((i) => h('li.bar-row', { dataset: { item: i.name } },
              h('span.bar-label', null, i.name, h('small.muted', null, ` × ${i.quantity}`)),
              h('span.bar-track', null, h('span.bar', { style: { width: `${(i.sales_cents / max) * 100}%` } })),
              h('span.bar-value', null, m(i.sales_cents)))))
            : h('p.muted', null, 'No sales on this day.')),
        h('section.card', null,
          h('h2', null, 'Items'),
          h('div.table-wrap', null, h('table.grid.by-item', null,
            h('thead', null, h('tr', null, h('th', null, 'Item'), h('th.num', null, 'Qty'), h('th.num', null, 'Sales'))),
            h('tbody', null, items.map((i) => h('tr', null, h('td', null, i.name), h('td.num', null, String(i.quantity)), h('td.num', null, m(i.sales_cents))))))),
          (r.by_option || []).length ? h('h2', null, 'Options sold') : null,
          (r.by_option || []).length
            ? h('div.table-wrap', null, h('table.grid.by-option', null,
              h('thead', null, h('tr', null, h('th', null, 'Option'), h('th.num', null, 'Qty'), h('th.num', null, 'Extra sales'))),
              h('tbody', null, r.by_option.map((x) => h('tr', null,
                h('td', null, h('span.muted', null, `${x.group}: `), x.name), h('td.num', null, String(x.quantity)), h('td.num', null, m(x.sales_cents)))))))
            : null,
          h('h2', null, 'Payments by method'),
          methods.length
            ? h('div.table-wrap', null, h('table.grid.by-method', null,
              h('thead', null, h('tr', null, h('th', null, 'Method'), h('th.num', null, 'Count'), h('th.num', null, 'Amount'), h('th.num', null, 'Tips'))),
              h('tbody', null, methods.map((x) => h('tr', null,
                h('td', null, titleCase(x.method)), h('td.num', null, String(x.count)), h('td.num', null, m(x.amount_cents)), h('td.num', null, m(x.tip_cents)))))))
            : h('p.muted', null, 'No payments on this day.'))));
  };

  csvBtn.addEventListener('click', () => {
    if (!report) return;
    const blob = new Blob([toCSV(report, data.currency)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `report-${report.date || chosen}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10e3);
  });

  // Opened straight from a bookmark, the restaurant's timezone may not be
  // known yet; "today" is its today, so look again once it is.
  let off = null;
  if (!data.loaded.settings) {
    off = data.on('settings', () => {
      off?.();
      off = null;
      const today = todayIn(data.settings.timezone);
      if (today !== chosen) {
        chosen = today;
        dateIn.value = chosen;
        load();
      }
    });
  }
  load();
  return () => {
    alive = false;
    off?.();
  };
}

// addsUp shows the day's gross sales as the sum the box vouches for
// (README, "The daily report adds up"): payments, open bills, discounts,
// and the rounding and other days' lines when they are not zero.
function addsUp(r, m) {
  const rc = r.reconciliation;
  const c = r.corrections || {};
  const line = (label, cents, key, sign = '+', always = true) => (always || cents ? h('tr', { dataset: { line: key } },
    h('td.sign', { 'aria-hidden': 'true' }, sign), h('th', { scope: 'row' }, label), h('td.num', null, m(cents))) : null);
  const sum = rc.payments_cents + rc.open_bills_cents + rc.discounts_cents + rc.rounding_cents + rc.other_days_cents;
  return h('section.card.adds-up', { 'aria-labelledby': 'adds-up-h' },
    h('h2', { id: 'adds-up-h' }, 'How the day adds up'),
    h('table.grid.sum', null, h('tbody', null,
      line('Payments taken', rc.payments_cents, 'payments', ''),
      line(`Open bills (${r.open_bills_count} not paid yet)`, rc.open_bills_cents, 'open'),
      line('Discounts, with their tax', rc.discounts_cents, 'discounts'),
      line('Tax rounding (per order against per bill)', rc.rounding_cents, 'rounding', '+', false),
      line('Bills across midnight (paid on another day)', rc.other_days_cents, 'other', '+', false),
      h('tr.sum-total', { dataset: { line: 'gross' } }, h('td.sign', { 'aria-hidden': 'true' }, '='), h('th', { scope: 'row' }, 'Gross sales'),
        h('td.num', null, m(rc.gross_sales_cents), sum === rc.gross_sales_cents ? h('span.ok-mark', { title: 'Adds up' }, ' ✓') : null)))),
    h('p.muted.small', null,
      `Gross sales are after voids (${m(c.voids_cents || 0)}) and comps (${m(c.comps_cents || 0)}). `,
      `Tips (${m(r.tips_cents)}) come on top of the payments.`));
}

// byWaiter lists the day by member of staff: orders and sales by who took
// the order, payments and tips by who took the payment.
function byWaiter(r, m) {
  const rows = r.by_waiter;
  return h('section.card.by-waiter-card', null,
    h('h2', null, 'By waiter'),
    rows.length ? h('div.table-wrap', null, h('table.grid.by-waiter', null,
      h('thead', null, h('tr', null, h('th', null, 'Waiter'), h('th.num', null, 'Orders'), h('th.num', null, 'Sales'),
        h('th.num', null, 'Payments'), h('th.num', null, 'Tips'))),
      h('tbody', null, rows.map((w) => h('tr', { dataset: { waiter: w.user_name || '' } },
        h('td', null, w.user_id == null ? h('span.muted', null, 'Guests, confirmed automatically') : w.user_name),
        h('td.num', null, String(w.orders_count)), h('td.num', null, m(w.sales_cents)),
        h('td.num', null, `${m(w.payments_cents)}${w.payments_count ? ` (${w.payments_count})` : ''}`),
        h('td.num', null, m(w.tips_cents)))))))
      : h('p.muted', null, 'No orders or payments on this day.'),
    h('p.muted.small', null, 'Orders count for who entered them (or confirmed a guest\'s); payments and tips for who took them.'));
}

function kpi(label, value, key) {
  return h('div.kpi', { dataset: { kpi: key } }, h('span.kpi-label', null, label), h('strong.kpi-value', null, value));
}

/**
 * toCSV writes the report as CSV with plain decimal amounts, so a
 * spreadsheet sums them. A cell starting with = + - @ is prefixed with a
 * quote: an item named "=HYPERLINK(...)" must not become a formula.
 */
export function toCSV(r, fallbackCurrency) {
  const cur = r.currency || fallbackCurrency;
  const amt = (c) => moneyInput(c ?? 0, cur);
  const rows = [
    ['Daily report', r.date],
    ['Timezone', r.timezone],
    ['Currency', cur],
    ['Orders', r.orders_count],
    ['Cancelled orders', r.cancelled_count],
    ['Gross sales', amt(r.gross_sales_cents)],
    ['Tax', amt(r.tax_cents)],
    ...(r.net_sales_cents != null ? [['Net sales', amt(r.net_sales_cents)]] : []),
    ['Payments', amt(r.payments_cents)],
    ...(r.reconciliation ? [
      ['Open bills', amt(r.open_bills_cents)],
      ['Open bills count', r.open_bills_count],
      ['Discounts with tax', amt(r.reconciliation.discounts_cents)],
      ['Tax rounding', amt(r.reconciliation.rounding_cents)],
      ['Bills across midnight', amt(r.reconciliation.other_days_cents)],
    ] : []),
    ['Tips', amt(r.tips_cents)],
    [],
    ...(r.by_waiter ? [
      ['Waiter', 'Orders', 'Sales', 'Payments', 'Payments count', 'Tips'],
      ...r.by_waiter.map((w) => [w.user_id == null ? 'Guests, confirmed automatically' : w.user_name, w.orders_count, amt(w.sales_cents),
        amt(w.payments_cents), w.payments_count, amt(w.tips_cents)]),
      [],
    ] : []),
    ['Item', 'Quantity', 'Sales'],
    ...(r.by_item || []).map((i) => [i.name, i.quantity, amt(i.sales_cents)]),
    [],
    ['Option group', 'Option', 'Quantity', 'Extra sales'],
    ...(r.by_option || []).map((x) => [x.group, x.name, x.quantity, amt(x.sales_cents)]),
    [],
    ['Payment method', 'Count', 'Amount', 'Tips'],
    ...(r.by_method || []).map((x) => [x.method, x.count, amt(x.amount_cents), amt(x.tip_cents)]),
  ];
  return `${rows.map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

function cell(v) {
  let s = v == null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
