// Menu (admin): categories and items, availability (86) toggles,
// allergens and stations. Validation errors from the API show next to the
// field they name.
import {
  h, fill, field, money, parseMoney, moneyInput, dialog, confirmDialog, busy, toast, errorText,
  showError, clearErrors, fieldErrors, calm,
} from './ui.js';
import { groupsSection, groupPicker, photoField, translationFields } from './options.js';
import { ALLERGENS } from '/lib/allergens.js';

const STATIONS = ['kitchen', 'bar', 'grill', 'pastry', 'cold'];

/** render draws the menu editor into root and returns its cleanup. */
export function render(root, app) {
  const { data } = app;
  const listEl = h('div.menu-admin');
  // The groups of choices, loaded here: only this view edits them.
  let groups = [];
  const groupsEl = h('div');
  const loadGroups = async () => {
    try {
      groups = await app.call('GET', '/api/menu/modifier-groups');
      app.groups = groups;
      fill(groupsEl, groupsSection(app, groups, loadGroups));
    } catch (err) {
      toast(errorText(err));
    }
  };
  loadGroups();
  root.append(
    h('div.view-head', null,
      h('h1', null, 'Menu'),
      h('div.actions', null,
        h('button', { type: 'button', onclick: () => categoryForm(app) }, '+ Category'),
        h('button.primary', { type: 'button', onclick: () => itemForm(app, null, data.menu.categories[0]?.id) }, '+ Item'))),
    groupsEl,
    listEl,
  );

  const draw = () => {
    const keep = document.activeElement?.dataset?.key;
    const cats = data.menu.categories;
    if (!cats.length) {
      fill(listEl, h('p.empty', null, !data.loaded.menu ? 'Loading the menu…' : 'No categories yet. Start with "+ Category" (Starters, Mains, Drinks…).'));
      return;
    }
    fill(listEl, cats.map((c) => h('section.card.cat', { dataset: { categoryId: c.id } },
      h('header.cat-head', null,
        h('h2', null, c.name, h('span.muted.small', null, ` · position ${c.position ?? 0} · ${c.items.length} item${c.items.length === 1 ? '' : 's'}`)),
        h('div.actions', null,
          h('button.small', { type: 'button', onclick: () => itemForm(app, null, c.id) }, '+ Item here'),
          h('button.small.ghost', { type: 'button', onclick: () => categoryForm(app, c) }, 'Edit'),
          h('button.small.ghost.danger-text', { type: 'button', onclick: (e) => deleteCategory(app, c, e.currentTarget) }, 'Delete'))),
      c.items.length
        ? h('div.table-wrap', null, h('table.grid', null,
          h('thead', null, h('tr', null,
            h('th', null, 'Item'), h('th.num', null, 'Price'), h('th', null, 'Station'),
            h('th', null, 'Allergens'), h('th', null, 'Available'), h('th', null, h('span.sr', null, 'Actions')))),
          h('tbody', null, c.items.map((it) => h(`tr${it.available ? '' : '.off'}`, { dataset: { itemId: it.id } },
            h('td', null, h('div.item-cell', null,
              it.thumb_url ? h('img.item-thumb', { src: it.thumb_url, alt: '', loading: 'lazy' }) : null,
              h('div', null, h('strong', null, it.name), it.description ? h('small.desc', null, it.description) : null,
                (it.modifier_groups || []).length ? h('small.desc', null, 'Choices: ', it.modifier_groups.map((g) => g.name).join(', ')) : null))),
            h('td.num', null, money(it.price_cents, data.currency)),
            h('td', null, it.station || 'kitchen'),
            h('td.small', null, (it.allergens || []).join(', ') || '—'),
            h('td', null, h(`button.toggle${it.available ? '.on' : ''}`, {
              type: 'button',
              role: 'switch',
              'aria-checked': String(!!it.available),
              'aria-label': `${it.name} available`,
              dataset: { key: `a${it.id}` },
              onclick: (e) => toggle(app, it, e.currentTarget),
            }, h('span.knob'), it.available ? 'Available' : "86'd")),
            h('td.row-actions', null,
              h('button.small.ghost', { type: 'button', onclick: () => itemForm(app, it) }, 'Edit'),
              h('button.small.ghost.danger-text', { type: 'button', onclick: (e) => deleteItem(app, it, e.currentTarget) }, 'Delete')))))))
        : h('p.muted', null, 'No items in this category.'))));
    if (keep) listEl.querySelector(`[data-key="${CSS.escape(keep)}"]`)?.focus();
  };

  draw();
  const off = data.on('menu', calm(draw));
  // An item pushed by an option change carries its groups: refresh them.
  const offGroups = data.on('menu', calm(() => { if (app.groups) fill(groupsEl, groupsSection(app, groups, loadGroups)); }));
  return () => { off(); offGroups(); };
}

async function toggle(app, it, button) {
  await busy(button, async () => {
    try {
      const res = await app.call('PATCH', `/api/menu/items/${it.id}/availability`, { available: !it.available });
      if (res && res.id) app.data.putItem(res);
      toast(`${it.name} is ${res?.available ?? !it.available ? 'available again' : "86'd: guests can't order it"}.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

// A 409 on a form is a duplicate name in practice: show it at the name.
function formFailure(err, form) {
  if (err?.status === 409 && form.elements.name) {
    fieldErrors(form, { name: err.message || 'That name is already taken.' });
    return;
  }
  showError(err, form);
}

function categoryForm(app, c = null) {
  const tr = translationFields(app, c?.translations);
  const hours = hoursEditor(c?.hours || []);
  const form = h('form.form', { novalidate: true },
    field('Name', h('input', { name: 'name', required: true, maxlength: 80, value: c?.name ?? '' })),
    tr.el,
    field('Position', h('input', { name: 'position', type: 'number', step: 1, value: String(c?.position ?? nextPosition(app.data.menu.categories)) }), 'Lower numbers come first.'),
    hours.el,
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button.primary', { type: 'submit' }, c ? 'Save' : 'Create category')));
  const { close } = dialog({ title: c ? `Edit ${c.name}` : 'New category', body: form, wide: true });
  form.elements.name.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const body = { name: form.elements.name.value.trim(), position: Math.trunc(Number(form.elements.position.value) || 0), translations: tr.read(form), hours: hours.read() };
    if (!body.name) return fieldErrors(form, { name: 'Give the category a name.' });
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        if (c) await app.call('PATCH', `/api/menu/categories/${c.id}`, body);
        else await app.call('POST', '/api/menu/categories', body);
        // Categories emit no event; reload so every list sees it.
        await app.data.loadMenu();
        toast(c ? 'Category saved.' : `Category ${body.name} created.`, 'ok');
        close();
      } catch (err) {
        formFailure(err, form);
      }
    });
  });
}

async function deleteCategory(app, c, button) {
  if (c.items.length) {
    toast(`${c.name} still has ${c.items.length} item(s). Move or delete them first.`);
    return;
  }
  if (!(await confirmDialog(`Delete the category ${c.name}?`, { confirmText: 'Delete', danger: true }))) return;
  await busy(button, async () => {
    try {
      await app.call('DELETE', `/api/menu/categories/${c.id}`);
      await app.data.loadMenu();
      toast(`Category ${c.name} deleted.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

async function deleteItem(app, it, button) {
  if (!(await confirmDialog(`Delete ${it.name} from the menu? Past orders and bills keep it.`, { confirmText: 'Delete', danger: true }))) return;
  await busy(button, async () => {
    try {
      await app.call('DELETE', `/api/menu/items/${it.id}`);
      app.data.putItem({ id: it.id, deleted: true });
      toast(`${it.name} deleted.`, 'ok');
    } catch (err) {
      toast(errorText(err));
    }
  });
}

function itemForm(app, it = null, categoryId) {
  const { data } = app;
  const cur = data.currency;
  if (!data.menu.categories.length) {
    toast('Create a category first: every item belongs to one.');
    return;
  }
  const stations = [...new Set([...STATIONS, ...data.menu.categories.flatMap((c) => c.items.map((i) => i.station)).filter(Boolean)])];
  const have = new Set(it?.allergens || []);
  const extra = [...have].filter((a) => !ALLERGENS.includes(a));
  const tr = translationFields(app, it?.translations, { description: true });
  const picker = groupPicker(app.groups || [], it?.modifier_group_ids);
  const form = h('form.form.item-form', { novalidate: true },
    field('Category', h('select', { name: 'category_id' }, data.menu.categories.map((c) => h('option', {
      value: String(c.id),
      selected: c.id === (it?.category_id ?? categoryId),
    }, c.name)))),
    field('Name', h('input', { name: 'name', required: true, maxlength: 120, value: it?.name ?? '' })),
    field('Description', h('textarea', { name: 'description', rows: 2, maxlength: 500, value: it?.description ?? '' })),
    tr.el,
    picker.el,
    photoField(app, it),
    h('div.row', null,
      field(`Price (${cur})`, h('input', { name: 'price_cents', inputmode: 'decimal', required: true, value: it ? moneyInput(it.price_cents, cur) : '', placeholder: '0.00' })),
      field('Station', h('input', { name: 'station', list: 'station-list', value: it?.station ?? 'kitchen', maxlength: 40 }), 'Which kitchen screen shows it.'),
      field('Position', h('input', { name: 'position', type: 'number', step: 1, value: String(it?.position ?? 0) }))),
    h('datalist', { id: 'station-list' }, stations.map((s) => h('option', { value: s }))),
    h('fieldset.field.allergens', { 'data-field': 'allergens' },
      h('legend.field-label', null, 'Allergens'),
      h('div.checks', null, ALLERGENS.map((a) => h('label.check', null,
        h('input', { type: 'checkbox', name: 'allergen', value: a, checked: have.has(a) }), a))),
      h('input', { name: 'allergens_extra', placeholder: 'Others, separated by commas', value: extra.join(', '), 'aria-label': 'Other allergens' })),
    h('label.check', null, h('input', { type: 'checkbox', name: 'available', checked: it ? !!it.available : true }), 'Available to order'),
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button.primary', { type: 'submit' }, it ? 'Save' : 'Create item')));
  const { close } = dialog({ title: it ? `Edit ${it.name}` : 'New item', body: form, wide: true });
  form.elements.name.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const price = parseMoney(el.price_cents.value, cur);
    const allergens = [
      ...[...form.querySelectorAll('input[name=allergen]:checked')].map((x) => x.value),
      ...el.allergens_extra.value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    ];
    const body = {
      category_id: Number(el.category_id.value),
      name: el.name.value.trim(),
      description: el.description.value.trim(),
      price_cents: price,
      station: el.station.value.trim() || 'kitchen',
      allergens: [...new Set(allergens)],
      available: el.available.checked,
      position: Math.trunc(Number(el.position.value) || 0),
      translations: tr.read(form),
      modifier_group_ids: picker.read(),
    };
    const bad = {};
    if (!body.name) bad.name = 'Give the item a name.';
    if (!Number.isFinite(price) || price < 0) bad.price_cents = 'Enter a price, for example 12.50.';
    if (Object.keys(bad).length) return fieldErrors(form, bad);
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        const res = it
          ? await app.call('PATCH', `/api/menu/items/${it.id}`, body)
          : await app.call('POST', '/api/menu/items', body);
        if (res && res.id) data.putItem(res);
        toast(it ? `${body.name} saved.` : `${body.name} added to the menu.`, 'ok');
        close();
      } catch (err) {
        formFailure(err, form);
      }
    });
  });
}

function nextPosition(list) {
  return list.reduce((m, x) => Math.max(m, x.position ?? 0), 0) + 1;
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * hoursEditor edits a category's serving windows (days, from, to); none
 * means always served. read() gives the API's hours.
 */
function hoursEditor(initial) {
  const rows = initial.map((w) => ({ days: [...w.days], from: w.from, to: w.to }));
  const list = h('div.hours-rows');
  const draw = () => fill(list, rows.length ? rows.map((w, i) => h('div.hours-row', null,
    h('span.chips', null, DAYS.map((d, di) => h('button.chip', {
      type: 'button',
      'aria-pressed': String(w.days.includes(di + 1)),
      onclick: () => { w.days = w.days.includes(di + 1) ? w.days.filter((x) => x !== di + 1) : [...w.days, di + 1].sort(); draw(); },
    }, d))),
    h('input', { type: 'time', 'aria-label': 'From', value: w.from, onchange: (e) => { w.from = e.target.value; } }),
    h('span', null, '–'),
    h('input', { type: 'time', 'aria-label': 'To', value: w.to, onchange: (e) => { w.to = e.target.value; } }),
    h('button.icon-btn', { type: 'button', 'aria-label': 'Remove these hours', onclick: () => { rows.splice(i, 1); draw(); } }, '✕'))) : h('p.muted.small', null, 'Served all day, every day.'));
  draw();
  const el = h('fieldset.field', { 'data-field': 'hours' }, h('legend.field-label', null, 'Served (guests may order only then; staff always)'), list,
    h('button.small', { type: 'button', onclick: () => { rows.push({ days: [1, 2, 3, 4, 5, 6, 7], from: '18:00', to: '23:00' }); draw(); } }, '+ Hours'));
  return { el, read: () => rows.filter((w) => w.days.length).map((w) => ({ days: w.days, from: w.from, to: w.to })) };
}
