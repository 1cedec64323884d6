// The real menu's admin: modifier groups and their options (reorder,
// defaults, prices, 86 one option), translations beside each name, and an
// item's photo (drag and drop, or the iPad's camera roll).
import {
  h, fill, field, money, parseMoney, moneyInput, dialog, confirmDialog, busy, toast, errorText,
  showError, clearErrors, fieldErrors,
} from './ui.js';

/** otherLanguages are the restaurant's languages after the kitchen's. */
export function otherLanguages(app) {
  return (app.data.settings.languages || []).slice(1);
}

/**
 * translationFields adds, beside a name (and a description), one input per
 * other language; read() gives the translations object for the API.
 */
export function translationFields(app, tr, { description = false, prefix = 'tr' } = {}) {
  const langs = otherLanguages(app);
  const rows = langs.map((l) => h('div.row.tr-row', { dataset: { lang: l } },
    field(`Name (${l})`, h('input', { name: `${prefix}-name-${l}`, maxlength: 100, value: tr?.[l]?.name ?? '', lang: l })),
    description ? field(`Description (${l})`, h('input', { name: `${prefix}-desc-${l}`, maxlength: 500, value: tr?.[l]?.description ?? '', lang: l })) : null));
  const el = langs.length ? h('fieldset.field.translations', null, h('legend.field-label', null, 'Translations'), rows) : null;
  const read = (form) => {
    const out = {};
    for (const l of langs) {
      const name = form.elements[`${prefix}-name-${l}`]?.value.trim() || '';
      const desc = description ? form.elements[`${prefix}-desc-${l}`]?.value.trim() || '' : '';
      if (name || desc) out[l] = { ...(name ? { name } : {}), ...(desc ? { description: desc } : {}) };
    }
    return out;
  };
  return { el, read };
}

/** groupsSection lists the modifier groups, each option with its 86 switch. */
export function groupsSection(app, groups, reload) {
  const cur = app.data.currency;
  return h('section.card.groups', null,
    h('header.cat-head', null,
      h('h2', null, 'Choices', h('span.muted.small', null, ' · doneness, extras, sides: shared by the dishes that use them')),
      h('div.actions', null, h('button.small', { type: 'button', onclick: () => groupForm(app, null, reload) }, '+ Group'))),
    groups.length
      ? h('div.group-list', null, groups.map((g) => h('div.group', { dataset: { groupId: g.id } },
        h('div.group-head', null,
          h('strong', null, g.name),
          h('span.muted.small', null, ` · ${g.min === 1 && g.max === 1 ? 'pick one' : g.min ? `pick ${g.min}–${g.max}` : `up to ${g.max}`} · used by ${usedBy(app, g.id)}`),
          h('span.spacer'),
          h('button.small.ghost', { type: 'button', onclick: () => groupForm(app, g, reload) }, 'Edit'),
          h('button.small.ghost.danger-text', { type: 'button', onclick: (e) => deleteGroup(app, g, e.currentTarget, reload) }, 'Delete')),
        h('div.chips', null, g.options.map((o) => h(`button.chip.opt${o.available ? '' : '.off'}${o.allergy ? '.allergy' : ''}`, {
          type: 'button',
          'aria-pressed': String(o.available),
          title: o.available ? `Tap to 86 ${o.name}` : `Tap to bring ${o.name} back`,
          dataset: { option: o.id },
          onclick: (e) => toggleOption(app, o, e.currentTarget, reload),
        }, o.default ? '★ ' : '', o.name, o.price_delta_cents ? ` ${o.price_delta_cents > 0 ? '+' : '−'}${money(Math.abs(o.price_delta_cents), cur)}` : '', o.available ? '' : " · 86'd"))))))
      : h('p.muted', null, 'No groups yet. A group such as "Doneness" (pick one) or "Extras" (up to 3) is shared by every dish that offers it.'));
}

function usedBy(app, id) {
  const n = app.data.menu.categories.flatMap((c) => c.items).filter((it) => (it.modifier_group_ids || []).includes(id)).length;
  return `${n} dish${n === 1 ? '' : 'es'}`;
}

async function toggleOption(app, o, button, reload) {
  await busy(button, async () => {
    try {
      await app.call('PATCH', `/api/menu/modifier-options/${o.id}/availability`, { available: !o.available });
      toast(`${o.name} is ${o.available ? "86'd: guests can't choose it" : 'available again'}.`, 'ok');
      await reload();
    } catch (err) {
      toast(errorText(err));
    }
  });
}

async function deleteGroup(app, g, button, reload) {
  if (!(await confirmDialog(`Delete the group ${g.name}? The dishes that use it lose it; past orders keep their choices.`, { confirmText: 'Delete', danger: true }))) return;
  await busy(button, async () => {
    try {
      await app.call('DELETE', `/api/menu/modifier-groups/${g.id}`);
      toast(`${g.name} deleted.`, 'ok');
      await reload();
    } catch (err) {
      toast(errorText(err));
    }
  });
}

/** groupForm creates or edits a group; its options are edited as a list. */
function groupForm(app, g, reload) {
  const cur = app.data.currency;
  const langs = otherLanguages(app);
  const options = (g?.options || [{ name: '', price_delta_cents: 0, default: false, allergy: false, translations: {} }]).map((o) => ({ ...o }));
  const gtr = translationFields(app, g?.translations, { prefix: 'g' });
  const list = h('ol.opt-rows');
  const drawRows = () => fill(list, options.map((o, i) => h('li.opt-row', { dataset: { index: i } },
    h('input', { 'aria-label': `Option ${i + 1} name`, maxlength: 50, value: o.name, placeholder: 'e.g. Medium rare', oninput: (e) => { o.name = e.target.value; } }),
    h('input.money', { 'aria-label': `Option ${i + 1} price change`, inputmode: 'decimal', value: o.price_delta_cents ? moneyInput(o.price_delta_cents, cur) : '', placeholder: '+0.00', oninput: (e) => { o.priceText = e.target.value; } }),
    h('label.check', null, h('input', { type: 'checkbox', checked: !!o.default, onchange: (e) => { o.default = e.target.checked; } }), 'Default'),
    h('label.check', null, h('input', { type: 'checkbox', checked: !!o.allergy, onchange: (e) => { o.allergy = e.target.checked; } }), 'Allergy'),
    langs.map((l) => h('input.tr', { 'aria-label': `Option ${i + 1} in ${l}`, lang: l, maxlength: 50, placeholder: l, value: o.translations?.[l]?.name ?? '', oninput: (e) => { o.translations = { ...(o.translations || {}), [l]: { name: e.target.value } }; } })),
    h('span.opt-move', null,
      h('button.icon-btn', { type: 'button', 'aria-label': 'Move up', disabled: i === 0, onclick: () => { options.splice(i - 1, 0, options.splice(i, 1)[0]); drawRows(); } }, '↑'),
      h('button.icon-btn', { type: 'button', 'aria-label': 'Move down', disabled: i === options.length - 1, onclick: () => { options.splice(i + 1, 0, options.splice(i, 1)[0]); drawRows(); } }, '↓'),
      h('button.icon-btn', { type: 'button', 'aria-label': 'Remove', disabled: options.length === 1, onclick: () => { options.splice(i, 1); drawRows(); } }, '✕')))));
  drawRows();
  const form = h('form.form.group-form', { novalidate: true },
    h('div.row', null,
      field('Name', h('input', { name: 'name', required: true, maxlength: 50, value: g?.name ?? '', placeholder: 'Doneness' })),
      field('At least', h('input', { name: 'min', type: 'number', min: 0, step: 1, value: String(g?.min ?? 0) }), '0: optional; 1: required.'),
      field('At most', h('input', { name: 'max', type: 'number', min: 1, step: 1, value: String(g?.max ?? 1) }), '1: pick one.')),
    gtr.el,
    h('fieldset.field', { 'data-field': 'options' }, h('legend.field-label', null, 'Options, in order (price change, default, allergy-relevant)'), list,
      h('button.small', { type: 'button', onclick: () => { options.push({ name: '', price_delta_cents: 0, default: false, allergy: false, translations: {} }); drawRows(); } }, '+ Option')),
    h('div.actions', null, h('button', { type: 'button', onclick: () => close() }, 'Cancel'), h('button.primary', { type: 'submit' }, g ? 'Save' : 'Create group')));
  const { close } = dialog({ title: g ? `Edit ${g.name}` : 'New group of choices', body: form, wide: true });
  form.elements.name.focus();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const el = form.elements;
    const body = {
      name: el.name.value.trim(),
      min: Math.trunc(Number(el.min.value) || 0),
      max: Math.trunc(Number(el.max.value) || 1),
      translations: gtr.read(form),
      options: options.map((o) => {
        const delta = o.priceText !== undefined ? (o.priceText.trim() ? parseMoney(o.priceText, cur) : 0) : o.price_delta_cents || 0;
        const tr = {};
        for (const [l, v] of Object.entries(o.translations || {})) if (v?.name?.trim()) tr[l] = { name: v.name.trim() };
        return { ...(o.id ? { id: o.id } : {}), name: o.name.trim(), price_delta_cents: delta, default: !!o.default, allergy: !!o.allergy, translations: tr };
      }),
    };
    if (!body.name) return fieldErrors(form, { name: 'Give the group a name.' });
    if (body.options.some((o) => !o.name)) return fieldErrors(form, { options: 'Every option needs a name.' });
    if (body.options.some((o) => !Number.isFinite(o.price_delta_cents))) return fieldErrors(form, { options: 'A price change is a number such as 1.50 or -2.00.' });
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        if (g) await app.call('PATCH', `/api/menu/modifier-groups/${g.id}`, body);
        else await app.call('POST', '/api/menu/modifier-groups', body);
        toast(g ? `${body.name} saved.` : `${body.name} created: attach it to dishes in their Edit.`, 'ok');
        close();
        await reload();
      } catch (err) {
        showError(err, form);
      }
    });
  });
}

/** groupPicker lets an item list groups, in order; read() gives their ids. */
export function groupPicker(groups, ids) {
  const chosen = [...(ids || [])];
  const box = h('div.chips.group-picker');
  const draw = () => fill(box, groups.map((g) => {
    const at = chosen.indexOf(g.id);
    return h('button.chip', {
      type: 'button',
      'aria-pressed': String(at >= 0),
      dataset: { group: g.id },
      onclick: () => { if (at >= 0) chosen.splice(at, 1); else chosen.push(g.id); draw(); },
    }, at >= 0 ? `${at + 1}. ${g.name}` : g.name);
  }));
  draw();
  const el = h('fieldset.field', { 'data-field': 'modifier_group_ids' }, h('legend.field-label', null, 'Choices (tap in the order guests should answer)'),
    groups.length ? box : h('p.muted.small', null, 'No groups yet: add them under Choices.'));
  return { el, read: () => [...chosen] };
}

/**
 * photoField uploads an item's photo: drop a picture on it, or tap to
 * choose one (an iPad offers its camera roll and camera).
 */
export function photoField(app, it) {
  if (!it) return h('p.muted.small', null, 'Save the dish first, then add its photo.');
  const img = h('img.photo-preview', { alt: '', src: it.thumb_url || '', hidden: !it.thumb_url });
  const input = h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp', hidden: true, onchange: () => input.files[0] && upload(input.files[0]) });
  const status = h('span.muted.small', null, it.thumb_url ? '' : 'No photo yet.');
  const remove = h('button.small.ghost.danger-text', { type: 'button', hidden: !it.thumb_url, onclick: () => drop() }, 'Remove photo');
  const zone = h('div.drop-zone', {
    role: 'button',
    tabindex: 0,
    onclick: () => input.click(),
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } },
    ondragover: (e) => { e.preventDefault(); zone.classList.add('over'); },
    ondragleave: () => zone.classList.remove('over'),
    ondrop: (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      const f = e.dataTransfer?.files?.[0];
      if (f) upload(f);
    },
  }, img, h('span', null, 'Drop a photo here, or tap to choose one'), input);
  const show = (res) => {
    if (res && res.id) app.data.putItem(res);
    img.src = res?.thumb_url || '';
    img.hidden = !res?.thumb_url;
    remove.hidden = !res?.thumb_url;
  };
  async function upload(file) {
    if (!['image/jpeg', 'image/png', 'image/webp'].includes(file.type)) {
      status.textContent = 'Choose a JPEG, PNG or WebP picture.';
      return;
    }
    if (file.size > 8 * 1024 * 1024) {
      status.textContent = 'That picture is over 8 MB.';
      return;
    }
    status.textContent = 'Uploading…';
    try {
      const res = await app.call('PUT', `/api/menu/items/${it.id}/image`, file, { 'Content-Type': file.type });
      show(res);
      status.textContent = 'Photo saved.';
    } catch (err) {
      status.textContent = errorText(err);
    }
  }
  async function drop() {
    try {
      show(await app.call('DELETE', `/api/menu/items/${it.id}/image`));
      status.textContent = 'Photo removed.';
    } catch (err) {
      status.textContent = errorText(err);
    }
  }
  return h('div.field.photo-field', null, h('span.field-label', null, 'Photo'), zone, h('div.row', null, status, remove));
}
