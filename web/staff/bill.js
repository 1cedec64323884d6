// The bill of one table and its payments: cash, card or other, tips, equal
// splits, change for cash. Part of the table view (#/table/ID/bill).
import {
  h, fill, field, titleCase, money, parseMoney, moneyInput, busy, toast, errorText,
  showError, clearErrors, fieldErrors, formError, calm,
} from './ui.js';
import { newIdempotencyKey } from '/lib/api.js';
import { setStatus } from './floor.js';
import { lineTags } from './service.js';
import { payable, linesAmount, seatButtons, extras } from './split.js';
import { modList } from './choices.js';
import { quickCash, changePanel } from './cash.js';

// A split in progress, per table: how many equal parts are left to pay.
const splits = new Map();

// The change due after a cash payment, per table, until the waiter taps
// Done: it outlives a redraw, a live update and a trip to another view.
const changes = new Map();

// The Idempotency-Key of the payment being taken, kept while its content
// stays the same: tapping again after a lost answer (the Wi-Fi dropped
// after the card went through) takes the payment once, not twice.
let payKey = { key: '', body: '' };

// settledText says what a settled table still waits for: paid orders not
// yet served stay in the kitchen (paying is not cooking).
function settledText(data, tableId, t) {
  const name = t?.name || 'The table';
  const owed = [...data.orders.values()].filter((o) => o.table_id === tableId && o.paid_at && !['paid', 'cancelled'].includes(o.status)).length;
  if (owed) return `Settled. ${name} still waits for ${owed === 1 ? '1 order' : owed + ' orders'} from the kitchen.`;
  return `Settled. ${name} is now ${t?.status || 'cleaning'}.`;
}

export function billView(app, tableId, body) {
  const { data } = app;
  let bill = null;
  let loadError = null;
  let method = 'cash';
  let settledNow = false;
  // Lines ticked for a payment by item, or the seat whose lines they are.
  const sel = new Set();
  let selSeat = null;
  const splitAmount = () => linesAmount(bill, data.settings, sel);
  const billEl = h('section.bill', { 'aria-label': 'Bill' });
  const payEl = h('form.pay', { novalidate: true, 'aria-label': 'Take a payment' });
  fill(body, h('div.bill-layout', null, billEl, payEl));

  const cur = () => data.currency;
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    try {
      const b = await app.call('GET', `/api/tables/${tableId}/bill`);
      if (mine !== seq) return;
      bill = b;
      loadError = null;
      // Ticks of lines that were paid (or voided) meanwhile fall away.
      const open = new Set((b.orders || []).flatMap((o) => o.items || []).filter(payable).map((it) => it.id));
      for (const id of [...sel]) if (!open.has(id)) sel.delete(id);
      if (!sel.size) selSeat = null;
    } catch (err) {
      if (mine !== seq) return;
      loadError = err;
    }
    drawAll();
  };
  const drawAll = calm(() => {
    drawBill();
    drawPay();
  });

  // Several events arrive together when a bill settles; one reload will do.
  let timer = 0;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  };

  const drawBill = () => {
    if (loadError && !bill) {
      fill(billEl, h('h2', null, 'Bill'), h('p.form-error', { role: 'alert' }, errorText(loadError)),
        h('button', { type: 'button', onclick: load }, 'Try again'));
      return;
    }
    if (!bill) {
      fill(billEl, h('h2', null, 'Bill'), h('p.muted', null, 'Loading…'));
      return;
    }
    const orders = bill.orders || [];
    const receiptPrinter = data.printers.list().some((p) => p.enabled && p.kind === 'receipt');
    fill(billEl,
      h('div.bill-head', null,
        h('h2', null, 'Bill'),
        orders.length ? h('div.bill-print', null,
          receiptPrinter ? h('button.small', { type: 'button', dataset: { action: 'print-bill' }, onclick: (e) => printBill(app, tableId, e.currentTarget) }, 'Print bill') : null,
          h('button.small.ghost', { type: 'button', dataset: { action: 'browser-print' }, title: 'Print on paper from this device', onclick: () => window.print() }, receiptPrinter ? 'Print here' : 'Print bill')) : null),
      h('header.print-only.bill-letterhead', null,
        h('strong', null, data.settings.restaurant_name || ''),
        h('span', null, `${data.tableName(tableId)} · ${new Date().toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}`)),
      orders.length
        ? h('table.bill-lines', null,
          h('thead', null, h('tr', null, h('th', null, h('span.sr', null, 'Pay')), h('th', null, 'Qty'), h('th', null, 'Item'), h('th.num', null, 'Price'), h('th.num', null, 'Amount'))),
          orders.map((o) => h('tbody', null,
            h('tr.bill-order', null, h('td', { colspan: 5 }, `Order #${o.id} · ${titleCase(o.status)}`)),
            (o.items || []).map((it) => h(`tr${it.paid ? '.paid' : ''}${it.quantity > 0 ? '' : '.voided'}`, { dataset: { line: it.id } },
              h('td.tick', null, payable(it) ? h('input', {
                type: 'checkbox',
                checked: sel.has(it.id),
                'aria-label': `Pay ${it.name}`,
                dataset: { line: it.id },
                onchange: (e) => {
                  if (e.target.checked) sel.add(it.id);
                  else sel.delete(it.id);
                  selSeat = null;
                  splits.delete(tableId);
                  drawPay();
                },
              }) : it.paid ? h('span.tag.paid', null, '✓') : null),
              h('td', null, `${it.quantity}×`),
              h('td', null, it.name, modList(it.modifiers), lineTags(data, it), it.notes ? h('small.note', null, it.notes) : null),
              h('td.num', null, money(it.unit_price_cents, cur())),
              h('td.num', null, money(it.unit_price_cents * it.quantity, cur())))))))
        : h('p.muted', null, settledNow ? 'Paid in full. Thank you!' : 'Nothing to pay on this table.'),
      extras(app, bill, tableId, load),
      orders.length === 0 && bill.paid_cents === 0 ? null : h('dl.totals', null,
        row('Subtotal', bill.subtotal_cents),
        bill.discount_cents ? row('Discount', -bill.discount_cents) : null,
        row(data.settings.prices_include_tax ? `Tax included (${pct(data.settings.tax_rate_bp)})` : `Tax (${pct(data.settings.tax_rate_bp)})`, bill.tax_cents),
        row('Total', bill.total_cents, 'total'),
        row('Paid', bill.paid_cents),
        row('Due', bill.due_cents, 'due')));
  };

  const row = (label, cents, cls = '') => h(`div.tot${cls ? `.${cls}` : ''}`, { dataset: { total: label.split(' ')[0].toLowerCase() } },
    h('dt', null, label), h('dd', null, money(cents, cur())));

  // Inputs live across redraws so typing is never lost to a live update.
  const amount = h('input', { name: 'amount_cents', inputmode: 'decimal', autocomplete: 'off', 'aria-describedby': 'split-state' });
  const tip = h('input', { name: 'tip_cents', inputmode: 'decimal', autocomplete: 'off', placeholder: '0' });
  const tendered = h('input', { name: 'tendered', inputmode: 'decimal', autocomplete: 'off' });
  const parts = h('input', { name: 'parts', type: 'number', min: 2, max: 50, value: '2', 'aria-label': 'Number of equal parts' });
  const change = h('output.change', { 'aria-live': 'polite' });
  const quick = h('div.quick-wrap');
  const splitState = h('p.split-state.muted', { id: 'split-state' });
  for (const i of [amount, tip, tendered]) i.addEventListener('input', () => showChange());

  const showChange = () => {
    if (method !== 'cash') return;
    const a = parseMoney(amount.value, cur());
    const t = tip.value.trim() ? parseMoney(tip.value, cur()) : 0;
    const given = parseMoney(tendered.value, cur());
    // Exact and the notes a guest may hand over for amount plus tip; the
    // button tapped keeps the focus across the redraw.
    const had = quick.contains(document.activeElement) ? document.activeElement.dataset.note : '';
    fill(quick, Number.isFinite(a) && Number.isFinite(t) ? quickCash(a + t, cur(), given, (cents) => {
      tendered.value = moneyInput(cents, cur());
      showChange();
    }) : null);
    if (had) quick.querySelector(`[data-note="${had}"]`)?.focus();
    if (!Number.isFinite(given) || !Number.isFinite(a) || !Number.isFinite(t)) {
      change.textContent = '';
      change.className = 'change';
      return;
    }
    const diff = given - a - t;
    change.textContent = diff >= 0 ? money(diff, cur()) : `Short by ${money(-diff, cur())}`;
    change.className = diff >= 0 ? 'change ok' : 'change bad';
  };

  const fillSplit = () => {
    const left = splits.get(tableId);
    if (!bill || !left) {
      splitState.textContent = '';
      return;
    }
    // Round each part up so the last one is never a cent more than the rest
    // of the table expects; it simply pays what remains.
    amount.value = moneyInput(Math.ceil(bill.due_cents / left), cur());
    splitState.textContent = left === 1 ? 'Last part: the rest of the bill.' : `Split: ${left} equal parts left.`;
    showChange();
  };

  // The change due stays on top of the form until Done.
  const changeEl = () => {
    const c = changes.get(tableId);
    return c ? changePanel(c, cur(), () => {
      changes.delete(tableId);
      payEl.querySelector('.change-due')?.remove();
      amount.focus({ preventScroll: true });
    }) : null;
  };

  const drawPay = () => {
    const due = bill?.due_cents ?? 0;
    const onDone = document.activeElement?.dataset?.action === 'change-done';
    if (!bill || due <= 0) {
      const t = data.tables.get(tableId);
      fill(payEl, changeEl(), h('h2', null, 'Payment'),
        bill ? h('p.settled', { role: 'status' }, settledNow ? settledText(data, tableId, t) : 'Nothing is due.') : h('p.muted', null, 'Loading…'),
        t && t.status === 'cleaning' ? h('button', {
          type: 'button',
          onclick: (e) => setStatus(app, t, 'available', e.currentTarget),
        }, 'Mark table available') : null);
      if (onDone) payEl.querySelector('[data-action=change-done]')?.focus();
      return;
    }
    if (sel.size) amount.value = moneyInput(splitAmount(), cur());
    else if (!amount.value || parseMoney(amount.value, cur()) > due) amount.value = moneyInput(due, cur());
    amount.readOnly = sel.size > 0;
    const active = document.activeElement;
    const methodSeg = h('div.seg', { role: 'radiogroup', 'aria-label': 'Payment method' }, ['cash', 'card', 'other'].map((m) => h('button.seg-btn', {
      type: 'button',
      role: 'radio',
      'aria-checked': String(method === m),
      dataset: { method: m },
      onclick: () => { method = m; drawPay(); },
    }, titleCase(m))));
    fill(payEl,
      changeEl(),
      h('h2', null, 'Payment'),
      h('p.form-error', { role: 'alert', hidden: true }),
      h('p.due-line', null, 'Due ', h('strong', null, money(due, cur()))),
      seatButtons(bill, cur(), selSeat, (s) => {
        sel.clear();
        for (const id of s.line_ids) sel.add(id);
        selSeat = s.seat;
        splits.delete(tableId);
        drawAll();
      }),
      sel.size ? h('p.split-state.by-item', null,
        `${selSeat ? `Seat ${selSeat}: ` : ''}${sel.size} line${sel.size === 1 ? '' : 's'} ticked: ${money(splitAmount(), cur())} with tax.`,
        h('button.ghost.small', { type: 'button', onclick: () => { sel.clear(); selSeat = null; amount.value = moneyInput(due, cur()); drawAll(); } }, 'Untick')) : null,
      h('div.field', { 'data-field': 'method' }, h('span.field-label', null, 'Method'), methodSeg),
      h('div.split', null,
        h('span', null, 'Split'), parts, h('span', null, 'ways'),
        h('button', {
          type: 'button',
          onclick: () => {
            const n = Math.floor(Number(parts.value));
            if (!(n >= 2 && n <= 50)) {
              fieldErrors(payEl, { parts: 'Choose between 2 and 50 parts.' });
              return;
            }
            splits.set(tableId, n);
            fillSplit();
            amount.focus();
          },
        }, 'Fill amount'),
        splits.has(tableId) ? h('button.ghost', { type: 'button', onclick: () => { splits.delete(tableId); amount.value = moneyInput(due, cur()); fillSplit(); showChange(); } }, 'Stop splitting') : null),
      splitState,
      h('div.row.pay-row', null, field('Amount', amount), field('Tip', tip)),
      method === 'cash' ? h('div.row.pay-row', null, field('Cash given (optional)', tendered), h('div.field', null, h('span.field-label', null, 'Change'), change)) : null,
      method === 'cash' ? quick : null,
      h('div.actions', null, h('button.primary.big', { type: 'submit' }, `Take ${method} payment`)));
    if (active && payEl.contains(active)) active.focus();
    else if (onDone) payEl.querySelector('[data-action=change-done]')?.focus();
    fillSplit();
    showChange();
  };

  payEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!bill) return;
    clearErrors(payEl);
    const due = bill.due_cents;
    const a = parseMoney(amount.value, cur());
    const t = tip.value.trim() ? parseMoney(tip.value, cur()) : 0;
    const bad = {};
    const byItem = sel.size > 0;
    if (!Number.isFinite(a) || a < (byItem ? 0 : 1)) bad.amount_cents = 'Enter the amount to pay, for example 12.50.';
    else if (a > due) bad.amount_cents = `That is more than the ${money(due, cur())} due. Put the extra in Tip.`;
    if (!Number.isFinite(t) || t < 0) bad.tip_cents = 'Enter the tip as an amount, or leave it empty.';
    if (method === 'cash' && tendered.value.trim()) {
      const given = parseMoney(tendered.value, cur());
      if (!Number.isFinite(given)) bad.tendered = 'Enter the cash the guest gave, or leave it empty.';
      else if (Number.isFinite(a) && Number.isFinite(t) && given < a + t) bad.tendered = 'Less than the amount plus tip.';
    }
    if (Object.keys(bad).length) {
      fieldErrors(payEl, bad);
      return;
    }
    await busy(payEl.querySelector('button[type=submit]'), async () => {
      try {
        const payment = { table_id: tableId, method, amount_cents: a, tip_cents: t };
        // The cash handed over goes along, so the receipt shows the change.
        if (method === 'cash' && tendered.value.trim()) payment.tendered_cents = parseMoney(tendered.value, cur());
        if (byItem && selSeat) payment.seat = selSeat;
        else if (byItem) payment.line_ids = [...sel];
        // The same key on a retry of the same payment: a card is charged once.
        const sent = JSON.stringify(payment);
        if (payKey.body !== sent) payKey = { key: newIdempotencyKey(), body: sent };
        await app.call('POST', '/api/payments', payment, { 'Idempotency-Key': payKey.key });
        payKey = { key: '', body: '' };
        sel.clear();
        selSeat = null;
        const left = splits.get(tableId);
        // Cash handed over: the change due stays, large, until Done.
        const given = method === 'cash' && tendered.value.trim() ? parseMoney(tendered.value, cur()) : 0;
        // The panel says it all; a toast would only cover its button.
        if (given > a + t) changes.set(tableId, { change: given - a - t, given, paid: a + t });
        else toast(`Payment of ${money(a, cur())} taken${t ? ` (+ ${money(t, cur())} tip)` : ''}.`, 'ok');
        if (left && left > 1) splits.set(tableId, left - 1);
        else splits.delete(tableId);
        amount.value = '';
        tip.value = '';
        tendered.value = '';
        if (a >= due) settledNow = true;
        await load();
        if (changes.has(tableId)) payEl.querySelector('[data-action=change-done]')?.focus();
      } catch (err) {
        showError(err, payEl);
        if (!payEl.querySelector('.form-error:not([hidden])')) formError(payEl, errorText(err));
        reload();
      }
    });
  });

  drawBill();
  drawPay();
  load();
  const mine = (x) => x && x.table_id === tableId;
  const offs = [
    data.on('orders', (o) => { if (!o || mine(o)) reload(); }),
    data.on('payment', (p) => { if (mine(p)) reload(); }),
    data.on('printers', calm(() => drawBill())),
    // Only the settled panel shows the table's status; redrawing the form
    // mid-typing for nothing would be rude.
    data.on('tables', calm((t) => { if ((!t || t.id === tableId) && bill && bill.due_cents <= 0) drawPay(); })),
  ];
  return () => {
    offs.forEach((f) => f());
    clearTimeout(timer);
    seq++;
  };
}

async function printBill(app, tableId, button) {
  await busy(button, async () => {
    try {
      await app.call('POST', `/api/tables/${tableId}/bill/print`);
      const p = app.data.printers.list().find((x) => x.enabled && x.kind === 'receipt');
      toast(p && p.status !== 'ok' ? `Bill queued: ${p.name} is ${p.status}; it prints when the printer is back.` : 'Bill sent to the printer.', 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

function pct(bp) {
  return `${((bp || 0) / 100).toLocaleString(undefined, { maximumFractionDigits: 2 })}%`;
}
