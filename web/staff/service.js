// The service flow on the floor: courses (fire the next one, time since the
// last), voids and comps with a reason, moving an order and merging tables.
// The table view, the order cards and the floor use these.
import { h, since, dialog, busy, toast, errorText, showError, clearErrors, fieldErrors } from './ui.js';
import { byName } from './floor.js';

/** courseName is the settings' name of course n (1-based). */
export function courseName(data, n) {
  const names = data.settings.courses || [];
  return n ? names[n - 1] || `Course ${n}` : '';
}

const live = (it) => it.quantity > 0;

/** heldCourses lists the courses still held on a table's open orders, lowest first. */
export function heldCourses(orders) {
  const set = new Set();
  for (const o of orders) for (const it of o.items || []) if (live(it) && !it.fired_at && it.course) set.add(it.course);
  return [...set].sort((a, b) => a - b);
}

/** lastFire is when a course of the table's orders was last sent to the kitchen. */
export function lastFire(orders) {
  let at = '';
  for (const o of orders) for (const it of o.items || []) if (it.fired_at && it.fired_at > at) at = it.fired_at;
  return at;
}

/**
 * coursePanel shows, for one table, what is held and when the last course
 * went out, with a button that fires the next course on every order that
 * holds it.
 */
export function coursePanel(app, orders) {
  const { data } = app;
  const held = heldCourses(orders);
  const last = lastFire(orders);
  if (!held.length && !last) return null;
  const next = held[0];
  const fire = next ? h('button.primary.fire', {
    type: 'button',
    dataset: { course: next },
    onclick: (e) => fireCourse(app, orders, next, e.currentTarget),
  }, `Fire ${courseName(data, next).toLowerCase()}`) : null;
  return h('div.course-panel', { role: 'group', 'aria-label': 'Courses' },
    h('span.course-last', null, last ? `Last course out ${since(last)}` : 'Nothing sent yet'),
    held.length ? h('span.course-held', null, `Held: ${held.map((c) => courseName(data, c)).join(', ')}`) : h('span.course-held', null, 'Nothing held'),
    fire);
}

async function fireCourse(app, orders, course, button) {
  await busy(button, async () => {
    try {
      for (const o of orders) {
        if (!(o.items || []).some((it) => live(it) && !it.fired_at && it.course === course)) continue;
        const res = await app.call('POST', `/api/orders/${o.id}/fire`, { course });
        if (res && res.id) app.data.putOrder(res, undefined, false);
      }
      toast(`${courseName(app.data, course)} sent to the kitchen.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

/**
 * reasonDialog asks for a reason: chips (the settings' correction reasons
 * unless reasons is given), or free text. extra is more of the form (a
 * quantity); onSubmit gets the reason and the form and returns once done
 * (it throws to keep the dialog open).
 */
export function reasonDialog(app, { title, intro, confirmText, danger = true, extra = null, reasons = null,
  label = 'Reason', backText = 'Back', maxlength = 200, onSubmit }) {
  const reason = h('input', { name: 'reason', maxlength, required: true, autocomplete: 'off' });
  const submit = h(`button.${danger ? 'danger' : 'primary'}`, { type: 'submit' }, confirmText);
  reasons = reasons || app.data.settings.correction_reasons || [];
  const form = h('form.form', { novalidate: true },
    h('p', null, intro),
    h('p.form-error', { role: 'alert', hidden: true }),
    extra,
    h('div.chips.reason-chips', { role: 'group', 'aria-label': 'Reasons' }, reasons.map((r) => h('button.chip', {
      type: 'button',
      onclick: () => { reason.value = r; reason.focus(); },
    }, r))),
    h('label.field', { 'data-field': 'reason' }, h('span.field-label', null, label), reason),
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, backText), submit));
  const { close } = dialog({ title, body: form });
  reason.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const text = reason.value.trim();
    if (!text) {
      fieldErrors(form, { reason: 'Choose or type a reason.' });
      return;
    }
    await busy(submit, async () => {
      try {
        await onSubmit(text, form);
        close();
      } catch (err) {
        showError(err, form);
      }
    });
  });
}

/** lineTags are short words for a line's state: void, comp, paid, held. */
export function lineTags(data, it) {
  const tags = [];
  if (it.course) tags.push(h('span.tag.course', null, courseName(data, it.course)));
  if (it.seat) tags.push(h('span.tag.seat', null, `Seat ${it.seat}`));
  if (live(it) && !it.fired_at) tags.push(h('span.tag.held', null, 'held'));
  if (it.voided_quantity) tags.push(h('span.tag.void', null, `${it.voided_quantity} void`));
  if (it.comped) tags.push(h('span.tag.comp', { title: it.comp_reason || '' }, 'comp'));
  if (it.paid) tags.push(h('span.tag.paid', null, 'paid'));
  return tags;
}

/** lineActions are the void and comp buttons of one line of an open order. */
export function lineActions(app, o, it) {
  if (!live(it) || it.paid || ['paid', 'cancelled'].includes(o.status)) return null;
  const started = it.done || (it.fired_at && ['preparing', 'ready', 'served'].includes(o.status));
  const mayVoid = app.isAdmin || (app.role === 'waiter' && !started);
  return h('span.line-actions', null,
    mayVoid ? h('button.mini', { type: 'button', dataset: { action: 'void', line: it.id }, title: 'Void this line', onclick: () => voidLine(app, o, it) }, 'Void') : null,
    app.isAdmin && !it.comped ? h('button.mini', { type: 'button', dataset: { action: 'comp', line: it.id }, title: 'On the house', onclick: () => compLine(app, o, it) }, 'Comp') : null);
}

function voidLine(app, o, it) {
  const qty = h('input', { name: 'quantity', type: 'number', min: 1, max: it.quantity, value: String(it.quantity) });
  reasonDialog(app, {
    title: 'Void',
    intro: `${it.quantity}× ${it.name} on order #${o.id}. It comes off the order and the bill.`,
    confirmText: 'Void',
    extra: it.quantity > 1 ? h('label.field', { 'data-field': 'quantity' }, h('span.field-label', null, 'How many'), qty) : null,
    onSubmit: async (reason) => {
      const q = Math.floor(Number(qty.value));
      const body = { reason };
      if (it.quantity > 1 && q > 0 && q < it.quantity) body.quantity = q;
      const res = await app.call('POST', `/api/orders/${o.id}/items/${it.id}/void`, body);
      if (res && res.id) app.data.putOrder(res, undefined, false);
      toast(`${it.name} voided.`, 'ok');
    },
  });
}

function compLine(app, o, it) {
  reasonDialog(app, {
    title: 'Comp',
    intro: `${it.quantity}× ${it.name} stays on the ticket at no charge.`,
    confirmText: 'Comp',
    danger: false,
    onSubmit: async (reason) => {
      const res = await app.call('POST', `/api/orders/${o.id}/items/${it.id}/comp`, { reason });
      if (res && res.id) app.data.putOrder(res, undefined, false);
      toast(`${it.name} is on the house.`, 'ok');
    },
  });
}

/** tablePicker asks which table; resolves its id, or null. */
function tablePicker(app, { title, intro, except }) {
  return new Promise((resolve) => {
    let picked = null;
    const tables = [...app.data.tables.values()].filter((t) => t.id !== except).sort(byName);
    const { close } = dialog({
      title,
      body: [h('p', null, intro), h('div.table-pick', null, tables.map((t) => h(`button.pick.st-${t.status}`, {
        type: 'button',
        dataset: { tableId: t.id },
        onclick: () => { picked = t.id; close(); },
      }, h('strong', null, t.name), h('small', null, `${t.seats} seats · ${t.status}`))))],
      onclose: () => resolve(picked),
    });
  });
}

/** moveOrder moves one order to a table the waiter picks. */
export async function moveOrder(app, o) {
  const to = await tablePicker(app, { title: `Move order #${o.id}`, intro: 'Move it to which table?', except: o.table_id });
  if (!to) return;
  try {
    const res = await app.call('POST', `/api/orders/${o.id}/move`, { table_id: to });
    if (res && res.id) app.data.putOrder(res, undefined, false);
    toast(`Order #${o.id} moved to ${app.data.tableName(to)}.`, 'ok');
  } catch (err) {
    toast(errorText(err));
  }
}

/** mergeTable moves every open order of a table (its payments too) to another. */
export async function mergeTable(app, tableId) {
  const from = app.data.tables.get(tableId);
  const to = await tablePicker(app, { title: `Move ${from?.name || 'the party'}`, intro: 'Move everything open on this table (orders, payments, discounts) to which table?', except: tableId });
  if (!to) return;
  try {
    const res = await app.call('POST', `/api/tables/${tableId}/merge`, { into_table_id: to });
    for (const o of res?.orders || []) app.data.putOrder(o, undefined, false);
    toast(`${from?.name || 'The party'} moved to ${app.data.tableName(to)}.`, 'ok');
    app.navigate(`#/table/${to}/order`);
  } catch (err) {
    toast(errorText(err));
  }
}
