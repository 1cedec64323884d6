// Choices of a dish (a steak's doneness, extras): asked when staff add a
// dish with modifier groups, and shown under the lines of carts, bills and
// orders. In the kitchen's language, as orders keep them.
import { h, fill, money, dialog } from './ui.js';

/** unitPrice is an item's price with the chosen options' deltas. */
export function unitPrice(it, ids) {
  const chosen = new Set(ids || []);
  let p = it?.price_cents ?? 0;
  for (const g of it?.modifier_groups || []) for (const o of g.options) if (chosen.has(o.id)) p += o.price_delta_cents;
  return p;
}

/** optionNames names the chosen option ids of a cart line, in the item's order. */
export function optionNames(it, ids) {
  const chosen = new Set(ids || []);
  const out = [];
  for (const g of it?.modifier_groups || []) for (const o of g.options) if (chosen.has(o.id)) out.push({ name: o.name, allergy: o.allergy });
  return out;
}

/** modList shows choices ({name, allergy}) under a line; an allergy one stands out. */
export function modList(mods) {
  if (!mods || !mods.length) return null;
  return h('span.mods', null, mods.map((m) => h(`span.mod${m.allergy ? '.allergy' : ''}`, null, m.allergy ? `⚠ ${m.name}` : m.name)));
}

function missing(it, chosen) {
  for (const g of it.modifier_groups || []) {
    const n = g.options.filter((o) => chosen.has(o.id)).length;
    if (n < g.min) return `Choose ${g.name}`;
    if (n > g.max) return `At most ${g.max} of ${g.name}`;
  }
  return '';
}

/**
 * askChoices asks for a dish's choices and resolves the chosen option ids,
 * or null when staff close it. Defaults start chosen. Two taps: the dish,
 * then the answer — a dish whose groups are all "pick exactly one" is added
 * as soon as each has its answer; others confirm with Add.
 */
export function askChoices(app, it) {
  return new Promise((resolve) => {
    const chosen = new Set();
    for (const g of it.modifier_groups) for (const o of g.options) if (o.default && o.available) chosen.add(o.id);
    const onlyPickOne = it.modifier_groups.every((g) => g.min === 1 && g.max === 1);
    let answer = null;
    const body = h('div.choices');
    const { close } = dialog({ title: it.name, body, wide: true, onclose: () => resolve(answer) });
    const done = () => {
      answer = [...chosen];
      close();
    };
    const draw = () => {
      const lack = missing(it, chosen);
      fill(body,
        it.modifier_groups.map((g) => {
          const n = g.options.filter((o) => chosen.has(o.id)).length;
          return h('fieldset.choice-group', { dataset: { group: g.id } },
            h('legend', null, g.name, h('span.muted.small', null, g.min === 1 && g.max === 1 ? ' · pick one' : g.min ? ` · pick ${g.min}–${g.max}` : ` · up to ${g.max}`)),
            h('div.choice-options', null, g.options.map((o) => h(`button.chip.choice${chosen.has(o.id) ? '.on' : ''}${o.allergy ? '.allergy' : ''}`, {
              type: 'button',
              'aria-pressed': String(chosen.has(o.id)),
              dataset: { option: o.id },
              disabled: !o.available || (!chosen.has(o.id) && g.max > 1 && n >= g.max),
              onclick: () => {
                if (chosen.has(o.id)) chosen.delete(o.id);
                else {
                  if (g.max === 1) for (const x of g.options) chosen.delete(x.id);
                  chosen.add(o.id);
                }
                if (onlyPickOne && !missing(it, chosen) && g.max === 1) return done();
                draw();
              },
            }, o.name, o.price_delta_cents ? h('span.muted', null, ` ${o.price_delta_cents > 0 ? '+' : '−'}${money(Math.abs(o.price_delta_cents), app.data.currency)}`) : null,
            o.available ? null : h('span.pill.bad', null, "86'd")))));
        }),
        h('div.actions', null,
          h('span.muted', null, lack || money(unitPrice(it, [...chosen]), app.data.currency)),
          h('button.primary.big', { type: 'button', id: 'choices-add', disabled: !!lack, onclick: done }, 'Add')));
    };
    draw();
  });
}
