// The menu: categories and item cards, updated in place by menu events,
// and the category bar that follows the scroll.
import { h, fill, byId as $ } from '/lib/dom.js';
import { addToCart } from './cart.js';
import { openItem } from './sheet.js';
import { S, money, icon } from './state.js';

/** Cards by item id, so a menu event updates one card in place. */
export const cards = new Map();

export function renderMenu() {
  const menu = $('menu');
  const nav = $('cats');
  const scroll = menu.scrollTop;
  fill(menu);
  fill(nav);
  cards.clear();
  const cats = S.categories.filter((c) => c.items.length);
  if (!cats.length) {
    menu.appendChild(h('p', { class: 'empty' }, S.loaded ? 'The menu is being prepared. Please ask a member of staff.' : 'Loading the menu…'));
    return;
  }
  for (const c of cats) {
    nav.appendChild(
      h('button', { class: 'cat', type: 'button', 'data-cat': c.id, onclick: () => jumpTo(c.id) }, c.name),
    );
    const grid = h('div', { class: 'grid' });
    for (const it of c.items) {
      const card = itemCard(it);
      cards.set(it.id, card);
      grid.appendChild(card);
    }
    menu.appendChild(h('section', { class: 'cat-section', id: 'cat-' + c.id, 'data-cat': c.id }, h('h2', { class: 'cat-title' }, c.name), grid));
  }
  menu.scrollTop = scroll;
  spy();
}

export function itemCard(it) {
  const card = h(
    'article',
    {
      class: 'item' + (it.available ? '' : ' is-out'),
      'data-item': it.id,
      'aria-disabled': it.available ? null : 'true',
      onclick: () => openItem(it.id),
    },
    h('div', { class: 'item-head' }, h('h3', { class: 'item-name' }, it.name), h('span', { class: 'item-price' }, money(it.price_cents))),
    it.description ? h('p', { class: 'item-desc' }, it.description) : null,
    h(
      'div',
      { class: 'item-foot' },
      h('div', { class: 'allergens' }, (it.allergens || []).map((a) => h('span', { class: 'allergen' }, a))),
      it.available ? null : h('span', { class: 'soldout' }, 'Sold out'),
      h('span', { class: 'in-cart', hidden: true }),
      h(
        'button',
        {
          class: 'add',
          type: 'button',
          'aria-label': 'Add ' + it.name,
          disabled: !it.available,
          onclick: (ev) => {
            ev.stopPropagation();
            addToCart(it.id, 1, '');
          },
        },
        icon('plus'),
      ),
    ),
  );
  return withCount(card, it.id);
}

export function updateCard(it) {
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
  badge.textContent = n ? n + ' in your order' : '';
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
    if (on) b.setAttribute('aria-current', 'true');
    else b.removeAttribute('aria-current');
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
