// The menu: categories and item cards, updated in place by menu events,
// and the category bar that follows the scroll.
import { h, fill, byId as $ } from '/lib/dom.js';
import { allergenChips, filterBar, fits } from './allergy.js';
import { addToCart } from './cart.js';
import { openItem } from './sheet.js';
import { S, money, icon, t, tr } from './state.js';

/** Cards by item id, so a menu event updates one card in place. */
export const cards = new Map();

export function renderMenu() {
  const menu = $('menu');
  const nav = $('cats');
  const scroll = menu.scrollTop;
  fill(menu);
  fill(nav);
  cards.clear();
  const all = S.categories.filter((c) => c.items.length);
  if (!all.length) {
    menu.appendChild(h('p', { class: 'empty' }, S.loaded ? t('menu_preparing') : t('menu_loading')));
    fadeCats();
    return;
  }
  // The allergen filter hides the dishes that do not fit, and a category
  // left with none; the bar on top says how many and clears it.
  let hidden = 0;
  const cats = [];
  for (const c of all) {
    const items = c.items.filter(fits);
    hidden += c.items.length - items.length;
    if (items.length) cats.push({ c, items });
  }
  const bar = filterBar(hidden);
  if (bar) menu.appendChild(bar);
  if (!cats.length) menu.appendChild(h('p', { class: 'empty', id: 'filter-none' }, t('filter_none')));
  for (const { c, items } of cats) {
    nav.appendChild(
      h('button', { class: 'cat' + (c.open_now === false ? ' is-closed' : ''), type: 'button', 'data-cat': c.id, onclick: () => jumpTo(c.id) }, tr(c)),
    );
    const grid = h('div', { class: 'grid' });
    for (const it of items) {
      const card = itemCard(it);
      cards.set(it.id, card);
      grid.appendChild(card);
    }
    const note = c.open_now === false ? hoursNote(c) : '';
    menu.appendChild(
      h(
        'section',
        { class: 'cat-section' + (note ? ' is-closed' : ''), id: 'cat-' + c.id, 'data-cat': c.id },
        h('h2', { class: 'cat-title' }, tr(c), note ? h('span', { class: 'cat-hours' }, note) : null),
        grid,
      ),
    );
  }
  menu.scrollTop = scroll;
  spy();
  fadeCats();
}

/**
 * fadeCats shows that the category bar scrolls: an edge with more chips
 * beyond it fades out (is-more-start, is-more-end), so the cut chip reads
 * as "there is more this way".
 */
export function fadeCats() {
  const nav = $('cats');
  const max = nav.scrollWidth - nav.clientWidth;
  nav.classList.toggle('is-more-start', max > 1 && nav.scrollLeft > 1);
  nav.classList.toggle('is-more-end', max > 1 && nav.scrollLeft < max - 1);
}

/** hoursNote says when a closed category is served: "Served from 18:00". */
export function hoursNote(c) {
  const n = c.next_open;
  if (!n) return t('not_now');
  // "From 18:00" when that is today in the restaurant; else with the weekday.
  const soon = n.day === todayInRestaurant() && Date.parse(n.at) - Date.now() < 24 * 3600 * 1000;
  return soon ? t('served_from', { time: n.from }) : t('served_from_day', { time: n.from, day: t('days', { i: n.day - 1 }) });
}

/** todayInRestaurant is today's weekday (1 Monday .. 7 Sunday) in the restaurant's time zone. */
function todayInRestaurant() {
  let wd;
  try {
    wd = new Intl.DateTimeFormat('en-US', { weekday: 'short', timeZone: S.settings.timezone || undefined }).format(new Date());
  } catch {
    wd = new Intl.DateTimeFormat('en-US', { weekday: 'short' }).format(new Date());
  }
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(wd) + 1;
}

/** orderable tells whether guests may order the item now, and if not why. */
export function orderable(it) {
  if (!it.available) return { ok: false, why: t('sold_out') };
  const c = S.categories.find((x) => x.id === it.category_id);
  if (c && c.open_now === false) return { ok: false, why: hoursNote(c) };
  return { ok: true, why: '' };
}

export function itemCard(it) {
  const can = orderable(it);
  const name = tr(it);
  const desc = tr(it, 'description');
  const card = h(
    'article',
    {
      class: 'item' + (it.available ? '' : ' is-out') + (can.ok ? '' : ' is-closed') + (it.thumb_url ? ' has-photo' : ''),
      'data-item': it.id,
      'aria-disabled': can.ok ? null : 'true',
      onclick: () => openItem(it.id),
    },
    it.thumb_url ? h('img', { class: 'item-photo', src: it.thumb_url, alt: '', loading: 'lazy', width: 400, height: 400 }) : null,
    h(
      'div',
      { class: 'item-body' },
      h('div', { class: 'item-head' }, h('h3', { class: 'item-name' }, name), h('span', { class: 'item-price' }, money(it.price_cents))),
      desc ? h('p', { class: 'item-desc' }, desc) : null,
      h(
        'div',
        { class: 'item-foot' },
        allergenChips(it),
        // Hours are said once, by the category's title; sold out on the card.
        it.available ? null : h('span', { class: 'soldout' }, can.why),
        h('span', { class: 'in-cart', hidden: true }),
        h(
          'button',
          {
            class: 'add',
            type: 'button',
            'aria-label': t('add_item', { name }),
            disabled: !can.ok,
            onclick: (ev) => {
              ev.stopPropagation();
              // A dish with choices is chosen in its sheet first.
              if ((it.modifier_groups || []).length) openItem(it.id);
              else addToCart(it.id, 1, '', []);
            },
          },
          icon('plus'),
        ),
      ),
    ),
  );
  return withCount(card, it.id);
}

export function updateCard(it) {
  // A dish that no longer fits the allergen filter (or fits again) moves
  // the count: the whole menu again.
  if (S.avoid.size) return renderMenu();
  const old = cards.get(it.id);
  if (!old) return;
  const card = itemCard(it);
  old.replaceWith(card);
  cards.set(it.id, card);
}

export function withCount(card, id) {
  const n = S.cart ? S.cart.lines.filter((l) => l.menu_item_id === id).reduce((s, l) => s + l.quantity, 0) : 0;
  const badge = card.querySelector('.in-cart');
  badge.hidden = n === 0;
  badge.textContent = n ? t('in_order', { n }) : '';
  card.classList.toggle('is-in-cart', n > 0);
  return card;
}

export function updateCardCount(id) {
  const card = cards.get(id);
  if (card) withCount(card, id);
}

export function updateAllCardCounts() {
  for (const [id, card] of cards) withCount(card, id);
}

export function jumpTo(catId) {
  const sec = $('cat-' + catId);
  if (!sec) return;
  const menu = $('menu');
  menu.scrollTo({ top: sec.offsetTop - menu.offsetTop - 8, behavior: 'smooth' });
  markCat(catId);
}

export function markCat(catId) {
  for (const b of $('cats').querySelectorAll('.cat')) {
    const on = b.getAttribute('data-cat') === String(catId);
    b.classList.toggle('is-on', on);
    if (on && !b.hasAttribute('aria-current')) showChip(b);
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
  }
}

// The current category's chip scrolls into the bar when it is cut off.
function showChip(b) {
  const nav = $('cats');
  const left = b.offsetLeft - nav.offsetLeft;
  if (left < nav.scrollLeft || left + b.offsetWidth > nav.scrollLeft + nav.clientWidth) {
    nav.scrollTo({ left: Math.max(0, left - 40), behavior: 'smooth' });
  }
}

let spyFrame = 0;

export function spy() {
  cancelAnimationFrame(spyFrame);
  spyFrame = requestAnimationFrame(() => {
    const menu = $('menu');
    const top = menu.scrollTop + 40;
    let current = null;
    for (const sec of menu.querySelectorAll('.cat-section')) {
      if (sec.offsetTop - menu.offsetTop <= top) current = sec.getAttribute('data-cat');
    }
    if (current === null) {
      const first = menu.querySelector('.cat-section');
      current = first && first.getAttribute('data-cat');
    }
    if (menu.scrollTop + menu.clientHeight >= menu.scrollHeight - 4) {
      const all = menu.querySelectorAll('.cat-section');
      if (all.length) current = all[all.length - 1].getAttribute('data-cat');
    }
    if (current !== null) markCat(current);
  });
}
