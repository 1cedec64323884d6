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
        kpi('Tips', m(r.tips_cents), 'tips'),
        kpi('Orders', String(r.orders_count ?? 0), 'orders'),
        kpi('Cancelled', String(r.cancelled_count ?? 0), 'cancelled')),
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
    ['Tips', amt(r.tips_cents)],
    [],
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
