// Paying a bill by item or by seat: which lines are ticked, and what they
// come to, worked out exactly as the box does (README, "Payments by item or
// seat"), so the amount the waiter sees is the amount the box accepts.
import { h, money, parseMoney, busy, toast, errorText, confirmDialog } from './ui.js';
import { reasonDialog } from './service.js';

/** payable tells whether a line can still be ticked for a payment. */
export const payable = (it) => it.quantity > 0 && !it.paid;

/** tax splits a subtotal like the box: once, rounded half up. */
export function taxed(sub, settings) {
  const rate = settings.tax_rate_bp || 0;
  if (settings.prices_include_tax) return sub;
  return sub + Math.floor((sub * rate * 2 + 10000) / 20000);
}

/** linesAmount is what the lines with ids come to, tax included. */
export function linesAmount(bill, settings, ids) {
  let sub = 0;
  let finishes = true;
  for (const o of bill.orders || []) {
    for (const it of o.items || []) {
      const priced = it.quantity * it.unit_price_cents;
      if (ids.has(it.id)) sub += priced;
      else if (payable(it) && priced > 0) finishes = false;
    }
  }
  if (finishes) return bill.due_cents;
  let share = sub;
  if (bill.discount_cents > 0 && bill.subtotal_cents > 0) {
    share -= Math.floor((bill.discount_cents * sub * 2 + bill.subtotal_cents) / (bill.subtotal_cents * 2));
  }
  return taxed(share, settings);
}

/** seatButtons offer "Seat N" from the bill's seats; pick(seat) ticks its lines. */
export function seatButtons(bill, currency, selectedSeat, pick) {
  const seats = bill.seats || [];
  if (!seats.length) return null;
  return h('div.field.by-seat', null, h('span.field-label', null, 'Pay by seat'),
    h('div.seg', { role: 'group', 'aria-label': 'Pay by seat' }, seats.map((s) => h('button.seg-btn', {
      type: 'button',
      'aria-pressed': String(selectedSeat === s.seat),
      dataset: { seat: s.seat },
      onclick: () => pick(s),
    }, `Seat ${s.seat} · ${money(s.amount_cents, currency)}`))));
}

/** extras lists the bill's voids, comps and discounts (an admin may remove a discount). */
export function extras(app, bill, tableId, reload) {
  const cur = app.data.currency;
  const rows = [];
  for (const c of bill.corrections || []) {
    rows.push(h(`li.corr.${c.kind}`, null,
      h('span', null, `${c.kind === 'void' ? 'Void' : 'Comp'}: ${c.quantity}× ${c.name}`),
      h('small.muted', null, ` ${c.reason} · ${c.user_name || 'table'}`),
      h('span.num', null, `−${money(c.amount_cents, cur)}`)));
  }
  for (const d of bill.discounts || []) {
    rows.push(h('li.corr.discount', null,
      h('span', null, `Discount${d.percent_bp ? ` ${d.percent_bp / 100}%` : ''}`),
      h('small.muted', null, ` ${d.reason} · ${d.user_name}`),
      h('span.num', null, `−${money(d.applied_cents, cur)}`),
      app.isAdmin ? h('button.mini', {
        type: 'button',
        onclick: async (e) => {
          if (!(await confirmDialog('Take this discount off the bill?', { confirmText: 'Remove' }))) return;
          await busy(e.currentTarget, async () => {
            try {
              await app.call('DELETE', `/api/tables/${tableId}/discounts/${d.id}`);
              reload();
            } catch (err) {
              toast(errorText(err));
            }
          });
        },
      }, 'Remove') : null));
  }
  const add = app.isAdmin && (bill.orders || []).length ? h('button.ghost.small', {
    type: 'button',
    dataset: { action: 'discount' },
    onclick: () => discountDialog(app, tableId, reload),
  }, 'Discount…') : null;
  if (!rows.length && !add) return null;
  return h('div.bill-extras', null, rows.length ? h('ul.corrections', null, rows) : null, add);
}

function discountDialog(app, tableId, reload) {
  const cur = app.data.currency;
  const pct = h('input', { name: 'percent', inputmode: 'decimal', placeholder: '10', autocomplete: 'off' });
  const amt = h('input', { name: 'amount', inputmode: 'decimal', placeholder: money(500, cur), autocomplete: 'off' });
  reasonDialog(app, {
    title: 'Discount',
    intro: 'A percentage or an amount off the bill, before tax.',
    confirmText: 'Add discount',
    danger: false,
    extra: h('div.row', null,
      h('label.field', { 'data-field': 'percent_bp' }, h('span.field-label', null, 'Percent'), pct),
      h('label.field', { 'data-field': 'amount_cents' }, h('span.field-label', null, 'or amount'), amt)),
    onSubmit: async (reason) => {
      const body = { reason };
      if (pct.value.trim()) body.percent_bp = Math.round(Number(pct.value.replace(',', '.')) * 100);
      else body.amount_cents = parseMoney(amt.value, cur);
      await app.call('POST', `/api/tables/${tableId}/discounts`, body);
      toast('Discount added.', 'ok');
      reload();
    },
  });
}
